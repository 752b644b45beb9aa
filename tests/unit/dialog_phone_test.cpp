// Chinese mobile numbers: validation and extraction from free text.
#include <gtest/gtest.h>

#include "dialog/phone.h"
#include "dialog/text.h"

namespace repairbot::dialog {
namespace {

struct PhoneCase {
    const char* input;
    const char* expected;  // "" means no valid mobile in the text
};

class PhoneFinding : public ::testing::TestWithParam<PhoneCase> {};

TEST_P(PhoneFinding, FindsTheMobileOrNothing) {
    const auto& c = GetParam();
    auto m = find_phone(text::normalize(c.input));
    if (std::string(c.expected).empty()) {
        EXPECT_FALSE(m.has_value()) << c.input << " -> " << (m ? m->number : "");
    } else {
        ASSERT_TRUE(m.has_value()) << c.input;
        EXPECT_EQ(m->number, c.expected) << c.input;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, PhoneFinding,
    ::testing::Values(
        PhoneCase{"13800138000", "13800138000"}, PhoneCase{"138 0013 8000", "13800138000"},
        PhoneCase{"138-0013-8000", "13800138000"}, PhoneCase{"+86 138 0013 8000", "13800138000"},
        PhoneCase{"+8613800138000", "13800138000"}, PhoneCase{"8613800138000", "13800138000"},
        PhoneCase{"0086 13800138000", "13800138000"},
        PhoneCase{"１３８００１３８０００", "13800138000"},
        PhoneCase{"电话：15912345678", "15912345678"},
        PhoneCase{"3栋502，电话13800138000", "13800138000"},
        PhoneCase{"3-2-502 13912345678", "13912345678"},
        PhoneCase{"手机号是19912345678谢谢", "19912345678"},
        PhoneCase{"17612345678", "17612345678"}, PhoneCase{"12812345678", ""},  // 1[3-9] only
        PhoneCase{"23800138000", ""},                                           // must start with 1
        PhoneCase{"1380013800", ""},                                            // 10 digits
        PhoneCase{"138001380001", ""},                                          // 12 digits
        PhoneCase{"0755-86001234", ""},  // a landline is not a mobile
        PhoneCase{"3栋2单元502", ""}, PhoneCase{"2026-11-25", ""}, PhoneCase{"", ""},
        PhoneCase{"电话没有", ""}, PhoneCase{"1 3 8", ""}));

TEST(PhoneValidation, AcceptsOnlyElevenDigitMobiles) {
    EXPECT_TRUE(is_valid_mobile("13800138000"));
    EXPECT_TRUE(is_valid_mobile("19900000000"));
    EXPECT_FALSE(is_valid_mobile("12800138000"));
    EXPECT_FALSE(is_valid_mobile("1380013800a"));
    EXPECT_FALSE(is_valid_mobile("138001380000"));
    EXPECT_FALSE(is_valid_mobile(""));
}

TEST(PhoneValidation, RecognizesAnAttemptThatIsWrong) {
    EXPECT_TRUE(looks_like_bad_phone("1380013800"));
    EXPECT_TRUE(looks_like_bad_phone("0755-86001234"));
    EXPECT_FALSE(looks_like_bad_phone("13800138000"));
    EXPECT_FALSE(looks_like_bad_phone("3栋502"));
}

TEST(PhoneValidation, RecognizesALandline) {
    for (auto landline : {"0755-86001234", "010 12345678", "(0571)8888 6666", "86001234", "6600123",
                          "座机02887654321"})
        EXPECT_TRUE(looks_like_landline(landline)) << landline;
    for (auto other : {"1380013800", "13800138000", "013800138000", "3栋502", "0000000000",
                       "123456789", "12345678"})
        EXPECT_FALSE(looks_like_landline(other)) << other;
}

TEST(PhoneFinding, AMobileDialledWithALeadingZeroIsTheMobile) {
    auto m = find_phone("013800138000");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->number, "13800138000");
    EXPECT_FALSE(find_phone("01012345678")) << "Beijing's 010 and 8 digits is a landline";
}

TEST(PhoneFinding, SpanIncludesPrefixAndSeparators) {
    std::string s = text::normalize("电话+86 138-0013-8000。");
    auto m = find_phone(s);
    ASSERT_TRUE(m);
    EXPECT_EQ(s.substr(m->begin, m->end - m->begin), "+86 138-0013-8000");
}

}  // namespace
}  // namespace repairbot::dialog
