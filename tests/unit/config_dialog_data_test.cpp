// The dialog data loader: the shipped files load, and bad data is refused with a message that
// names the file, the key and the fix.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config/dialog_data.h"
#include "dialog/texts.h"

namespace repairbot::config {
namespace {

constexpr const char* kTypes = R"(
fallback = "其他"
[[type]]
name = "水"
trade = "水"
keywords = ["漏水"]
[[type]]
name = "其他"
trade = "综合"
[[emergency]]
kind = "flood"
fault_type = "水"
advice = "关水阀"
keywords = ["爆管"]
)";

std::string detail_of(const std::string& toml) {
    auto r = parse_fault_catalog(toml, "faults.toml");
    return r.ok() ? std::string("<ok>") : r.error().detail;
}

TEST(DialogDataLoading, ShippedFilesLoad) {
    auto data = load_dialog_data(std::filesystem::path(REPAIRBOT_SOURCE_DIR) / "config");
    ASSERT_TRUE(data.ok()) << data.error().message();
    EXPECT_EQ(data->catalog.types().size(), 9u);
    EXPECT_NE(data->catalog.find_emergency("gas"), nullptr);
    for (auto id : dialog::all_text_ids()) {
        EXPECT_FALSE(data->texts.get(id).empty()) << dialog::key(id);
    }
}

TEST(DialogDataLoading, MinimalCatalogParses) {
    auto r = parse_fault_catalog(kTypes, "faults.toml");
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->types().size(), 2u);
    EXPECT_EQ(r->fallback()->name, "其他");
}

TEST(DialogDataLoading, MissingDirectoryNamesTheFile) {
    auto r = load_dialog_data("/nonexistent/dir");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), std::errc::no_such_file_or_directory);
    EXPECT_NE(r.error().detail.find("faults.toml"), std::string::npos);
}

TEST(DialogDataLoading, SyntaxErrorNamesTheLine) {
    auto d = detail_of("fallback = \n");
    EXPECT_NE(d.find("faults.toml: line 1"), std::string::npos) << d;
}

TEST(DialogDataLoading, BadUrgencyNamesKeyAndChoices) {
    std::string bad =
        std::string(kTypes) + "[[type]]\nname=\"电\"\ntrade=\"电\"\nurgency=\"urgent\"\n";
    EXPECT_EQ(detail_of(bad),
              "faults.toml: type[3].urgency = 'urgent' must be one of emergency, normal, planned");
}

TEST(DialogDataLoading, EmergencyMustNameAnExistingType) {
    std::string bad = kTypes;
    const std::string from = "fault_type = \"水\"";
    bad.replace(bad.find(from), from.size(), "fault_type = \"火\"");
    EXPECT_EQ(detail_of(bad),
              "faults.toml: emergency[1].fault_type = '火' names no [[type]]; use one of the "
              "type names");
}

TEST(DialogDataLoading, DuplicateTypeNamesAreRefused) {
    std::string bad = std::string(kTypes) + "[[type]]\nname=\"水\"\ntrade=\"水\"\n";
    EXPECT_EQ(detail_of(bad), "faults.toml: type[3].name = '水' is used twice; names must differ");
}

TEST(DialogDataLoading, UnknownKeyInATypeIsATypo) {
    std::string bad = std::string(kTypes) + "[[type]]\nname=\"电\"\ntrade=\"电\"\nkeyword=[]\n";
    EXPECT_NE(detail_of(bad).find("unknown key type[3].keyword"), std::string::npos);
}

TEST(DialogDataLoading, KeywordsMustBeStrings) {
    std::string bad = std::string(kTypes) + "[[type]]\nname=\"电\"\ntrade=\"电\"\nkeywords=[1]\n";
    EXPECT_EQ(detail_of(bad), "faults.toml: type[3].keywords[0] must be a non-empty string");
}

// serious_complaint_keywords is optional (none: no complaint is serious by its words), a list of
// non-empty strings when given, folded like every keyword.
TEST(DialogDataLoading, SeriousComplaintKeywordsAreOptionalAndChecked) {
    auto none = parse_fault_catalog(kTypes, "faults.toml");
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->is_serious_complaint("师傅把我推倒了"));
    auto given = parse_fault_catalog(
        std::string("serious_complaint_keywords = [\"推倒\", \"ＡＢＣ\"]\n") + kTypes,
        "faults.toml");
    ASSERT_TRUE(given.ok()) << given.error().message();
    EXPECT_TRUE(given->is_serious_complaint("师傅把我推倒了"));
    EXPECT_TRUE(given->is_serious_complaint("abc公司")) << "folded: full width, upper case";
    EXPECT_EQ(detail_of(std::string("serious_complaint_keywords = \"推倒\"\n") + kTypes),
              "faults.toml: serious_complaint_keywords must be a list of strings, e.g. [\"漏水\"]");
    EXPECT_EQ(detail_of(std::string("serious_complaint_keywords = [\"\"]\n") + kTypes),
              "faults.toml: serious_complaint_keywords[0] must be a non-empty string");
}

// Keywords are matched on normalized text, where a blank one is "" and found in every message:
// one serious_complaint_keywords entry of spaces sent every complaint to the manager.
TEST(DialogDataLoading, AKeywordOfOnlySpacesIsRefusedNotMatchedEverywhere) {
    EXPECT_EQ(
        detail_of(std::string("serious_complaint_keywords = [\"推倒\", \"　 \"]\n") + kTypes),
        "faults.toml: serious_complaint_keywords[1] = \"　 \" is only spaces; write the words "
        "to match, or remove it");
    std::string bad =
        std::string(kTypes) + "[[type]]\nname=\"电\"\ntrade=\"电\"\nkeywords=[\" \"]\n";
    EXPECT_EQ(detail_of(bad),
              "faults.toml: type[3].keywords[0] = \" \" is only spaces; write the words to match, "
              "or remove it");
}

TEST(DialogDataLoading, FallbackMustNameAType) {
    std::string bad = kTypes;
    bad.replace(bad.find("fallback = \"其他\""), std::string("fallback = \"其他\"").size(),
                "fallback = \"杂项\"");
    EXPECT_NE(detail_of(bad).find("fallback = '杂项' names no [[type]]"), std::string::npos);
}

std::string shipped_replies() {
    std::ifstream in(std::filesystem::path(REPAIRBOT_SOURCE_DIR) / "config" / "replies.toml");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(DialogDataLoading, MissingReplyKeyIsNamed) {
    std::string text = shipped_replies();
    auto at = text.find("\nnoted = ");
    ASSERT_NE(at, std::string::npos);
    text.erase(at + 1, text.find('\n', at + 1) - at);
    auto r = parse_reply_texts(text, "replies.toml");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().detail, "replies.toml: noted is missing; add it as a string");
}

TEST(DialogDataLoading, UnknownReplyKeyIsRefused) {
    auto r = parse_reply_texts(shipped_replies() + "\nwelcom = \"hi\"\n", "replies.toml");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().detail.find("unknown key welcom"), std::string::npos);
}

// A desk's own copy from before session 30 still says progress_query: it loads (the key is read
// no more), so an upgrade does not stop the bot.
TEST(DialogDataLoading, ARetiredReplyKeyIsSkippedNotRefused) {
    auto r = parse_reply_texts(
        shipped_replies() + "\nprogress_query = \"正在为您查询报修进度，请稍候。\"\n",
        "replies.toml");
    ASSERT_TRUE(r.ok()) << r.error().detail;
}

TEST(DialogDataLoading, UnknownPlaceholderIsRefused) {
    std::string text = shipped_replies();
    auto at = text.find("\nnoted = ");
    text.replace(at + 1, text.find('\n', at + 1) - at - 1, "noted = \"好的{nickname}\"");
    auto r = parse_reply_texts(text, "replies.toml");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().detail.find("noted uses {nickname}"), std::string::npos)
        << r.error().detail;
    // The message lists every placeholder the dialog fills, the technician's too.
    EXPECT_NE(r.error().detail.find("{ticket}"), std::string::npos) << r.error().detail;
}

// The one reading of {name} the loaders check with: as fill_placeholders fills, a '{' up to the
// next '}', an unclosed '{' ending the list.
TEST(DialogDataLoading, PlaceholderNamesAreReadAsTheyAreFilled) {
    using V = std::vector<std::string_view>;
    EXPECT_EQ(dialog::placeholder_names("好的{ticket}，{fee}元"), (V{"ticket", "fee"}));
    EXPECT_EQ(dialog::placeholder_names("{a{b}c}"), (V{"a{b"}));
    EXPECT_EQ(dialog::placeholder_names("{}{x"), (V{""}));
    EXPECT_EQ(dialog::placeholder_names("无占位"), V{});
}

}  // namespace
}  // namespace repairbot::config
