// Text normalization and Chinese numerals, which every parser relies on.
#include <gtest/gtest.h>

#include "dialog/text.h"

namespace repairbot::dialog::text {
namespace {

TEST(TextNormalize, FoldsFullWidthPunctuationAndCase) {
    EXPECT_EQ(normalize("３栋２单元５０２"), "3栋2单元502");
    EXPECT_EQ(normalize("ＡＢＣ，电话：１３８"), "abc,电话:138");
    EXPECT_EQ(normalize("  好的。\n "), "好的.");
    EXPECT_EQ(normalize("3—2—502"), "3-2-502");
    EXPECT_EQ(normalize("\xe3\x80\x80取消\xe3\x80\x80"), "取消");  // ideographic spaces
}

TEST(TextNormalize, KeepsInvalidUtf8WithoutCrashing) {
    std::string bad = "\xff\xfe\xe6\x97";
    EXPECT_EQ(normalize(bad), bad);
    EXPECT_EQ(length_in_chars(bad), 4u);
}

TEST(TextNormalizeMapped, EveryNormalizedByteKnowsWhereItCameFrom) {
    const std::string raw = "  ＬＥＤ灯，不亮！ ";
    auto n = normalize_mapped(raw);
    EXPECT_EQ(n.text, normalize(raw));
    ASSERT_EQ(n.origin.size(), n.text.size() + 1);
    EXPECT_EQ(original_span(raw, n, 0, n.text.size()), "ＬＥＤ灯，不亮！");
    EXPECT_EQ(original_span(raw, n, 0, 3), "ＬＥＤ");  // "led" in the normalized text
    EXPECT_EQ(original_span(raw, n, 3, 3), "");
    EXPECT_EQ(original_span(raw, n, 0, 99), "");
    EXPECT_EQ(normalize_mapped("   ").origin.size(), 1u);
    std::string bad = "\xff\xfe\xe6\x97";
    auto b = normalize_mapped(bad);
    EXPECT_EQ(original_span(bad, b, 0, b.text.size()), bad);
}

TEST(TextTrimOriginal, TrimsSentencePunctuationButKeepsBrackets) {
    EXPECT_EQ(trim_original("  水管漏水了！ "), "水管漏水了");
    EXPECT_EQ(trim_original("，。换了龙头（业主自备）。"), "换了龙头（业主自备）");
    EXPECT_EQ(trim_original("\xe3\x80\x80好的…"), "好的");
    EXPECT_EQ(trim_original("！！"), "");
    EXPECT_EQ(trim_original("LED灯"), "LED灯");
}

TEST(TextClauses, SplitsAtSentencePunctuationAndDropsEmptyOnes) {
    using V = std::vector<std::string_view>;
    const std::string s = text::normalize("明天没空，，后天上午过来。 谢谢！");
    EXPECT_EQ(text::clauses(s), (V{"明天没空", "后天上午过来", "谢谢"}));
    EXPECT_EQ(text::clauses("a b,c", " ,"), (V{"a", "b", "c"}));
    EXPECT_TRUE(text::clauses(",. ;").empty());
    EXPECT_TRUE(text::clauses("").empty());
}

TEST(TextCompact, DropsSpacesAndPunctuation) {
    EXPECT_EQ(compact(normalize(" 取 消！")), "取消");
    EXPECT_EQ(compact("修改-地址?"), "修改地址");
}

struct NumeralCase {
    const char* input;
    long value;
};
class ChineseNumerals : public ::testing::TestWithParam<NumeralCase> {};

TEST_P(ChineseNumerals, ReadsTheValue) {
    auto v = parse_number(GetParam().input);
    ASSERT_TRUE(v.has_value()) << GetParam().input;
    EXPECT_EQ(*v, GetParam().value) << GetParam().input;
}

INSTANTIATE_TEST_SUITE_P(Table, ChineseNumerals,
                         ::testing::Values(NumeralCase{"三", 3}, NumeralCase{"十", 10},
                                           NumeralCase{"十二", 12}, NumeralCase{"二十三", 23},
                                           NumeralCase{"两", 2}, NumeralCase{"一百零二", 102},
                                           NumeralCase{"三百五", 350}, NumeralCase{"五零二", 502},
                                           NumeralCase{"一千零五十", 1050}, NumeralCase{"〇七", 7},
                                           NumeralCase{"0502", 502}));

TEST(ChineseNumerals, RejectsMalformedRuns) {
    for (const char* s : {"十十", "百", "三三十", "", "3栋", "一百十"}) {
        EXPECT_FALSE(parse_number(s).has_value()) << s;
    }
}

}  // namespace
}  // namespace repairbot::dialog::text
