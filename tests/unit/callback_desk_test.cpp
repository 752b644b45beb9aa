// The pure parts of the callback desk: the sample of finished repairs called back is a fixed
// function of the ticket number that picks about sample_percent of them, sla.toml's
// [callbacks] sample_percent loads and is validated, and a dispatcher's report is checked with
// errors that name the field, the value and the fix.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <set>

#include "bot/callback_desk.h"
#include "config/sla_data.h"

namespace repairbot::bot {
namespace {

const std::string kClasses = R"(
[emergency]
dispatch = "3 min"
accept = "5 min"
arrive = "30 min"
finish = "8 h"
[normal]
dispatch = "10 min"
accept = "30 min"
arrive = "1 working day"
finish = "3 working days"
[planned]
dispatch = "same day"
accept = "2 h"
arrive = "72 h"
finish = "planned date"
)";

std::string number(int day, int seq) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "BX202611%02d-%04d", day, seq);
    return buf;
}

TEST(CallbackSample, ThirtyPercentOfTenThousandNumbersAreChosen) {
    int chosen = 0;
    for (int i = 0; i < 10000; ++i)
        if (in_callback_sample(number(1 + i / 400, 1 + i % 400), 30)) ++chosen;
    // Binomial(10000, 0.3): sd ≈ 46; ±2.5 % is over 5 sd.
    EXPECT_GT(chosen, 2750);
    EXPECT_LT(chosen, 3250);
}

TEST(CallbackSample, EveryBucketIsUsedAboutEvenly) {
    std::array<int, 100> counts{};
    for (int i = 0; i < 10000; ++i) ++counts.at(callback_bucket(number(1 + i / 400, 1 + i % 400)));
    for (int b = 0; b < 100; ++b) {
        EXPECT_GT(counts[b], 50) << "bucket " << b;
        EXPECT_LT(counts[b], 150) << "bucket " << b;
    }
}

TEST(CallbackSample, TheSameNumberIsAlwaysChosenTheSameWay) {
    const std::string n = "BX20261121-0007";
    const unsigned b = callback_bucket(n);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(callback_bucket(n), b);
    EXPECT_LT(b, 100u);
    EXPECT_EQ(in_callback_sample(n, static_cast<int>(b) + 1), true);
    EXPECT_EQ(in_callback_sample(n, static_cast<int>(b)), false);
}

TEST(CallbackSample, ZeroChoosesNoneAndHundredChoosesAll) {
    for (int i = 0; i < 1000; ++i) {
        EXPECT_FALSE(in_callback_sample(number(2, i), 0));
        EXPECT_TRUE(in_callback_sample(number(2, i), 100));
    }
}

TEST(CallbackSample, AGreaterPercentKeepsEveryoneChosenByASmallerOne) {
    // Raising the sample never drops a ticket already chosen (a stable queue for operators).
    int kept = 0;
    for (int i = 0; i < 1000; ++i) {
        if (!in_callback_sample(number(3, i), 30)) continue;
        EXPECT_TRUE(in_callback_sample(number(3, i), 50)) << number(3, i);
        ++kept;
    }
    EXPECT_GT(kept, 200);
}

TEST(CallbackSamplePercent, ShippedFileSaysThirty) {
    auto f = config::load_sla_file(std::string(REPAIRBOT_SOURCE_DIR) + "/config/sla.toml");
    ASSERT_TRUE(f) << f.error().detail;
    EXPECT_EQ(f->callbacks.sample_percent, 30);
}

TEST(CallbackSamplePercent, DefaultsToThirtyAndReadsTheTable) {
    auto absent = config::parse_sla_file(kClasses, "sla.toml");
    ASSERT_TRUE(absent) << absent.error().detail;
    EXPECT_EQ(absent->callbacks.sample_percent, 30);
    for (int v : {0, 45, 100}) {
        auto f = config::parse_sla_file(
            kClasses + "[callbacks]\nsample_percent = " + std::to_string(v) + "\n", "sla.toml");
        ASSERT_TRUE(f) << f.error().detail;
        EXPECT_EQ(f->callbacks.sample_percent, v);
    }
}

TEST(CallbackSamplePercent, BadValuesNameTheKeyAndTheFix) {
    struct Case {
        std::string table;
        std::string expected;
    };
    const Case cases[] = {
        {"sample_percent = 101",
         "sla.toml: callbacks.sample_percent: 101 is out of range; use 0 to 100"},
        {"sample_percent = -1", "callbacks.sample_percent: -1 is out of range; use 0 to 100"},
        {"sample_percent = \"30\"",
         "callbacks.sample_percent: must be a whole number, not a string"},
        {"sample_percent = 30.5", "callbacks.sample_percent: must be a whole number"},
        {"sample = 30", "callbacks.sample: not a key of this table; remove it or use one of: "
                        "sample_percent"},
    };
    for (const auto& c : cases) {
        auto f = config::parse_sla_file(kClasses + "[callbacks]\n" + c.table + "\n", "sla.toml");
        ASSERT_FALSE(f) << c.table;
        EXPECT_NE(f.error().detail.find(c.expected), std::string::npos)
            << f.error().detail << "\nexpected: " << c.expected;
    }
}

TEST(CallbackReportCheck, AcceptsTheThreeOutcomesAndNamesTheCaller) {
    for (const char* outcome : {"satisfied", "unsatisfied", "unreachable"}) {
        auto r = check_callback_report({outcome, "业主表示满意", "", false}, "--");
        ASSERT_TRUE(r) << r.error().detail;
        EXPECT_EQ(r->by, "dispatcher");
    }
    auto named = check_callback_report({"unsatisfied", "", "王客服", true}, "");
    ASSERT_TRUE(named) << named.error().detail;
    EXPECT_EQ(named->by, "王客服");
    EXPECT_TRUE(named->reopen);
}

TEST(CallbackReportCheck, RefusalsNameTheFieldValueAndFix) {
    struct Case {
        CallbackReport report;
        std::string prefix;
        std::string expected;
    };
    const Case cases[] = {
        {{"happy", "", "", false},
         "--",
         "--outcome: 'happy' is not an outcome; use satisfied, unsatisfied or unreachable"},
        {{"", "", "", false}, "", "outcome: '' is not an outcome"},
        {{"satisfied", "", "", true},
         "--",
         "--reopen: only an unsatisfied callback reopens the ticket (outcome is satisfied)"},
        {{"unreachable", std::string(2049, 'x'), "", false},
         "",
         "notes: 2049 characters is too long; keep it within 2048"},
        {{"satisfied", "\xff\xfe", "", false}, "", "notes: is not valid UTF-8 text"},
        {{"satisfied", "", std::string(65, 'a'), false},
         "--",
         "--by: 65 characters is too long; keep it within 64"},
        {{"satisfied", "\xed\xa0\x80", "", false}, "", "notes: is not valid UTF-8"},  // surrogate
    };
    for (const auto& c : cases) {
        auto r = check_callback_report(c.report, c.prefix);
        ASSERT_FALSE(r) << c.expected;
        EXPECT_EQ(r.code(), std::make_error_code(std::errc::invalid_argument));
        EXPECT_NE(r.error().detail.find(c.expected), std::string::npos)
            << r.error().detail << "\nexpected: " << c.expected;
    }
}

TEST(CallbackReportCheck, ChineseNotesCountCharactersNotBytes) {
    std::string notes;
    for (int i = 0; i < 2048; ++i) notes += "满";  // 3 bytes each
    EXPECT_TRUE(check_callback_report({"satisfied", notes, "", false}, ""));
    EXPECT_FALSE(check_callback_report({"satisfied", notes + "意", "", false}, ""));
}

TEST(ComplaintResolutionCheck, IsRequired) {
    auto blank = check_resolution("  \n", "--");
    ASSERT_FALSE(blank);
    EXPECT_NE(blank.error().detail.find("--resolution: is required"), std::string::npos);
    EXPECT_TRUE(check_resolution("已上门道歉并重新维修", ""));
}

}  // namespace
}  // namespace repairbot::bot
