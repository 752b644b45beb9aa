// Preferred visit times resolved against a fixed now: Friday 2026-11-20 14:30 at +08:00.
#include <gtest/gtest.h>

#include "dialog/sla_policy.h"
#include "dialog/text.h"
#include "dialog/time_parse.h"
#include "dialog_test_support.h"

namespace repairbot::dialog {
namespace {

using testing::kNow;
constexpr std::chrono::minutes kBeijing{8 * 60};

struct TimeCase {
    const char* input;
    TimeAnswer answer;
    const char* window;  // format_window of the result, for TimeAnswer::window
};

class TimeParsing : public ::testing::TestWithParam<TimeCase> {};

TEST_P(TimeParsing, ResolvesAgainstNow) {
    const auto& c = GetParam();
    auto r = parse_preferred_time(text::normalize(c.input), kNow, kBeijing);
    ASSERT_EQ(r.answer, c.answer) << c.input;
    if (c.answer == TimeAnswer::window) {
        EXPECT_EQ(format_window(r.window, kBeijing), c.window) << c.input;
    }
}

constexpr auto W = TimeAnswer::window;
INSTANTIATE_TEST_SUITE_P(
    Table, TimeParsing,
    ::testing::Values(
        TimeCase{"尽快", TimeAnswer::asap, ""}, TimeCase{"随时都可以", TimeAnswer::asap, ""},
        TimeCase{"越快越好！", TimeAnswer::asap, ""},
        TimeCase{"今天下午", W, "2026-11-20 14:30-18:00"},  // already begun: from now
        TimeCase{"今天晚上", W, "2026-11-20 18:00-21:00"},
        TimeCase{"今晚8点", W, "2026-11-20 20:00-21:00"},
        TimeCase{"明天上午10点", W, "2026-11-21 10:00-11:00"},
        TimeCase{"明天上午", W, "2026-11-21 09:00-12:00"},
        TimeCase{"明天下午3点", W, "2026-11-21 15:00-16:00"},
        TimeCase{"明天3点", W, "2026-11-21 15:00-16:00"},
        TimeCase{"明天上午10点半", W, "2026-11-21 10:30-11:30"},
        TimeCase{"明天下午2点到4点", W, "2026-11-21 14:00-16:00"},
        TimeCase{"明天14:00-16:00", W, "2026-11-21 14:00-16:00"},
        TimeCase{"后天", W, "2026-11-22 09:00-18:00"},
        TimeCase{"大后天上午", W, "2026-11-23 09:00-12:00"},
        TimeCase{"周六", W, "2026-11-21 09:00-18:00"},
        TimeCase{"星期天下午", W, "2026-11-22 14:00-18:00"},
        TimeCase{"下周一", W, "2026-11-23 09:00-18:00"},
        TimeCase{"周五", W, "2026-11-20 14:30-18:00"},      // today, still open
        TimeCase{"周五上午", W, "2026-11-27 09:00-12:00"},  // today's morning is over
        TimeCase{"11月25日", W, "2026-11-25 09:00-18:00"},
        TimeCase{"11月25号下午", W, "2026-11-25 14:00-18:00"},
        TimeCase{"2026-11-25", W, "2026-11-25 09:00-18:00"},
        TimeCase{"２０２６年１２月１日上午９点", W, "2026-12-01 09:00-10:00"},
        TimeCase{"11/25 14:00", W, "2026-11-25 14:00-15:00"},
        TimeCase{"1月5日", W, "2027-01-05 09:00-18:00"},  // next year's
        TimeCase{"25号", W, "2026-11-25 09:00-18:00"},
        TimeCase{"10号", W, "2026-12-10 09:00-18:00"},  // this month's 10th is over
        TimeCase{"最好明天上午", W, "2026-11-21 09:00-12:00"},
        // A time named wins over the words around it.
        TimeCase{"现在不在家，明天下午吧", W, "2026-11-21 14:00-18:00"},
        TimeCase{"周六上午都可以", W, "2026-11-21 09:00-12:00"},
        // "After" runs to the end of its part of the day (or of the working
        // day); "before" / "until" from the part's start (the afternoon's
        // after lunch, 13:00; or 09:00) to the hour: an owner home all afternoon
        // is not booked for one hour.
        TimeCase{"明天晚上7点以后", W, "2026-11-21 19:00-21:00"},
        TimeCase{"今晚7点以后家里有人", W, "2026-11-20 19:00-21:00"},
        TimeCase{"明天早上7点以后", W, "2026-11-21 07:00-12:00"},
        TimeCase{"明天下午三点前都在", W, "2026-11-21 13:00-15:00"},
        TimeCase{"明天下午五点之前", W, "2026-11-21 13:00-17:00"},
        TimeCase{"明天上午11点前", W, "2026-11-21 09:00-11:00"},
        TimeCase{"明天晚上8点前", W, "2026-11-21 18:00-20:00"},
        // At least two hours: a technician is due by the end, never before it opens.
        TimeCase{"明天下午两点前", W, "2026-11-21 12:00-14:00"},
        TimeCase{"明天上午10点前", W, "2026-11-21 08:00-10:00"},
        TimeCase{"明天晚上7点之前", W, "2026-11-21 17:00-19:00"},
        // A day, then the hours on it.
        TimeCase{"明天都在，6点以后", W, "2026-11-21 18:00-21:00"},
        TimeCase{"明天都在，下午4点以后", W, "2026-11-21 16:00-18:00"},
        TimeCase{"明天都在，下午三点前", W, "2026-11-21 13:00-15:00"},
        TimeCase{"明天都行，后天不行", W, "2026-11-21 09:00-18:00"},
        TimeCase{"明天都行，2点到4点", W, "2026-11-21 14:00-16:00"},
        // … but not hours ruled out, nor 晚点.
        TimeCase{"明天都在，晚上不要来", W, "2026-11-21 09:00-18:00"},
        TimeCase{"明天都在家，除了中午", W, "2026-11-21 09:00-18:00"},
        TimeCase{"明天都在，下午要出门", W, "2026-11-21 09:00-18:00"},
        TimeCase{"明天都在家，下午两点到三点要出门", W, "2026-11-21 09:00-18:00"},
        TimeCase{"明天都可以，晚点也行", W, "2026-11-21 09:00-18:00"},
        TimeCase{"周六除了中午都在", W, "2026-11-21 09:00-18:00"},
        // Plain hours or a part of the day after it narrow the day too.
        TimeCase{"明天都在，下午3点来", W, "2026-11-21 15:00-16:00"},
        TimeCase{"明天都在家，晚上", W, "2026-11-21 18:00-21:00"},
        // A day in a clause ruled out is the rest's day.
        TimeCase{"明天上午别来，下午都在", W, "2026-11-21 14:00-18:00"},
        TimeCase{"明天下午不要来，上午可以", W, "2026-11-21 09:00-12:00"},
        TimeCase{"明天下午出去了，晚上7点以后在", W, "2026-11-21 19:00-21:00"},
        // Owners' positive words are not refusals.
        TimeCase{"明天上午不要太早", W, "2026-11-21 09:00-12:00"},
        TimeCase{"明天我出门前都在", W, "2026-11-21 09:00-18:00"},
        TimeCase{"明天三点之前", W, "2026-11-21 09:00-15:00"},
        TimeCase{"明天上午10点之后都可以", W, "2026-11-21 10:00-12:00"},
        TimeCase{"明天10点以后", W, "2026-11-21 10:00-18:00"},
        TimeCase{"下午4点以前", W, "2026-11-20 14:30-16:00"},
        // An hour of a morning gone by, with no part of the day said, is tonight's;
        // not past the evening's visits (9点 would be 21:00: asked again).
        TimeCase{"今天8点", W, "2026-11-20 20:00-21:00"},
        TimeCase{"今天都在，7点以后", W, "2026-11-20 19:00-21:00"},
        TimeCase{"7点以后", W, "2026-11-20 19:00-21:00"},
        TimeCase{"今天8点到9点", W, "2026-11-20 20:00-21:00"},
        TimeCase{"今天9点", TimeAnswer::past, ""}, TimeCase{"今天上午8点", TimeAnswer::past, ""},
        TimeCase{"明天7点以后", W, "2026-11-21 07:00-18:00"},
        // Begun, with half an hour left: from now (booked at once, the urgency's own
        // limit then) — see BookingOfAWindowNearlyOverIsItsEnd.
        TimeCase{"今天下午三点前都在", W, "2026-11-20 14:30-15:00"},
        TimeCase{"周三以后都行", W, "2026-11-25 09:00-18:00"},
        TimeCase{"现在就来", TimeAnswer::asap, ""},
        TimeCase{"今天上午不行，随时都可以", TimeAnswer::asap, ""},
        TimeCase{"今天不行，明天都可以", W, "2026-11-21 09:00-18:00"},
        TimeCase{"现在就来，下午我不在家", TimeAnswer::asap, ""},
        TimeCase{"下午 我不在家", TimeAnswer::not_understood, ""},
        TimeCase{"今天上午", TimeAnswer::past, ""}, TimeCase{"2026-11-19", TimeAnswer::past, ""},
        TimeCase{"2月30日", TimeAnswer::not_understood, ""},
        TimeCase{"好的", TimeAnswer::not_understood, ""},
        TimeCase{"3栋502", TimeAnswer::not_understood, ""},
        TimeCase{"", TimeAnswer::not_understood, ""}));

TEST(TimeParsing, UsesTheGivenUtcOffset) {
    // At UTC+0 it is 06:30 on Friday: this morning is still ahead.
    auto r = parse_preferred_time(text::normalize("今天上午"), kNow, std::chrono::minutes{0});
    ASSERT_EQ(r.answer, TimeAnswer::window);
    EXPECT_EQ(format_window(r.window, std::chrono::minutes{0}), "2026-11-20 09:00-12:00");
}

// At 1:30 a.m. nobody has slept yet: 明天上午 is this morning, 后天 the calendar's tomorrow;
// 今天 is still the calendar day, and said with 明天 it makes 明天 the calendar's tomorrow. From
// 05:00 on, 明天 is the calendar's tomorrow again.
TEST(TimeParsing, TomorrowSaidInTheSmallHoursIsTheComingMorning) {
    using namespace std::chrono;
    const sys_seconds small_hours =
        sys_days{year{2026} / 11 / 20} + hours{1} + minutes{30} - kBeijing;
    const auto at = [](std::string_view said, sys_seconds now) {
        auto r = parse_preferred_time(text::normalize(said), now, kBeijing);
        EXPECT_EQ(r.answer, TimeAnswer::window) << said;
        return format_window(r.window, kBeijing);
    };
    EXPECT_EQ(at("明天上午", small_hours), "2026-11-20 09:00-12:00");
    EXPECT_EQ(at("明天下午3点", small_hours), "2026-11-20 15:00-16:00");
    EXPECT_EQ(at("后天", small_hours), "2026-11-21 09:00-18:00");
    EXPECT_EQ(at("今天下午", small_hours), "2026-11-20 14:00-18:00");
    EXPECT_EQ(at("11月21日上午", small_hours), "2026-11-21 09:00-12:00");
    // 今天 said too sets the calendar's days apart.
    EXPECT_EQ(at("今天下午不行，明天下午可以", small_hours), "2026-11-21 14:00-18:00");
    const sys_seconds early_morning = small_hours + hours{4};  // 05:30
    EXPECT_EQ(at("明天上午", early_morning), "2026-11-21 09:00-12:00");
}

// A window that has begun starts now while more than an hour of it is left. One whose end the
// owner said, with an hour or less but over half an hour left, keeps its own start, so the booking
// is its end (booked_visit_time), not "at once" because the owner spoke late; a point in time, a
// day's default end (今天: 18:00) or half an hour or less left start now (booked at once: the
// urgency's own limit applies).
TEST(TimeParsing, BookingOfAWindowNearlyOverIsItsEnd) {
    using namespace std::chrono;
    const sys_seconds at_1410 = sys_days{year{2026} / 11 / 20} + hours{14} + minutes{10} - kBeijing;
    for (const char* said : {"今天下午三点前都在", "今天下午3点前"}) {
        auto r = parse_preferred_time(text::normalize(said), at_1410, kBeijing);
        ASSERT_EQ(r.answer, TimeAnswer::window) << said;
        EXPECT_EQ(booked_visit_time(r.window.start, r.window.end),
                  sys_days{year{2026} / 11 / 20} + hours{15} - kBeijing)
            << said;
    }
    auto r = parse_preferred_time(text::normalize("今天2点"), at_1410, kBeijing);
    ASSERT_EQ(r.answer, TimeAnswer::window);
    EXPECT_EQ(booked_visit_time(r.window.start, r.window.end), at_1410);
    const sys_seconds at_1750 = at_1410 + hours{3} + minutes{40};
    for (const char* said : {"今天", "今天下午"}) {
        r = parse_preferred_time(text::normalize(said), at_1750, kBeijing);
        ASSERT_EQ(r.answer, TimeAnswer::window) << said;
        EXPECT_EQ(booked_visit_time(r.window.start, r.window.end), at_1750) << said;
    }
}

// 7点 / 8点 with no part of the day, today: the evening's only once the morning reading is over
// and the evening's is not; never a clock written as one, a range ending at noon or later, an
// "until", another day, or a weekday that is today.
TEST(TimeParsing, AMorningHourIsTheEveningsOnlyWhenTheMorningOneIsOver) {
    using namespace std::chrono;
    const auto at = [](std::string_view said, int hour, int minute) {
        const sys_seconds now =
            sys_days{year{2026} / 11 / 20} + hours{hour} + minutes{minute} - kBeijing;
        auto r = parse_preferred_time(text::normalize(said), now, kBeijing);
        if (r.answer == TimeAnswer::past) return std::string("past");
        if (r.answer != TimeAnswer::window) return std::string("?");
        return format_window(r.window, kBeijing);
    };
    EXPECT_EQ(at("今天都在，7点以后", 19, 0), "2026-11-20 19:00-21:00");
    EXPECT_EQ(at("7点以后", 19, 5), "2026-11-20 19:05-21:00");
    EXPECT_EQ(at("今天8点", 14, 30), "2026-11-20 20:00-21:00");
    // Morning readings still running or ahead stay the morning's.
    EXPECT_EQ(at("今天7点到10点", 7, 30), "2026-11-20 07:30-10:00");
    EXPECT_EQ(at("7到9点", 8, 0), "2026-11-20 07:00-09:00");  // an hour left: books 09:00
    EXPECT_EQ(at("8点以后都在", 8, 5), "2026-11-20 08:05-18:00");
    EXPECT_EQ(at("今天7点半以后", 7, 45), "2026-11-20 07:45-18:00");
    EXPECT_EQ(at("8点", 6, 0), "2026-11-20 08:00-09:00");
    // Ends at noon or later, clocks, an until: never.
    EXPECT_EQ(at("8点到12点都在", 9, 0), "2026-11-20 09:00-12:00");
    EXPECT_EQ(at("今天8点到下午5点都在家", 9, 0), "2026-11-20 09:00-17:00");
    EXPECT_EQ(at("7点-20点", 8, 0), "2026-11-20 08:00-20:00");
    EXPECT_EQ(at("今天08:30-09:30", 8, 30), "2026-11-20 08:30-09:30");
    EXPECT_EQ(at("今天07:30", 10, 0), "past");
    EXPECT_EQ(at("今天8点前都在", 14, 30), "past");
    // The evening's hour gone too: asked again, not booked "now".
    EXPECT_EQ(at("8点", 20, 30), "past");
    EXPECT_EQ(at("7点", 19, 45), "past");
    // Another day, or a weekday that is today (Friday): as said.
    EXPECT_EQ(at("明天8点", 14, 30), "2026-11-21 08:00-09:00");
    EXPECT_EQ(at("周五8点", 10, 0), "2026-11-27 08:00-09:00");
}

TEST(TimeParsing, WindowIsInUtc) {
    auto r = parse_preferred_time(text::normalize("明天上午10点"), kNow, kBeijing);
    ASSERT_EQ(r.answer, TimeAnswer::window);
    EXPECT_EQ(r.window.start,
              std::chrono::sys_days{std::chrono::year{2026} / 11 / 21} + std::chrono::hours{2});
}

}  // namespace
}  // namespace repairbot::dialog
