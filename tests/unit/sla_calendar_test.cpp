// The working-day calendar: weekends, the State Council's holidays and 调休 make-up days of
// 2025 and 2026 as shipped, the "N working days" arithmetic across nights, weekends, New Year and
// Spring Festival, and years without data.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "config/sla_data.h"
#include "dialog/sla_calendar.h"

namespace repairbot::dialog {
namespace {

using std::chrono::sys_seconds;

// The instant of local time (UTC+08:00) y-m-d hh:mm[:ss].
sys_seconds cst(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
    return sys_seconds{std::chrono::sys_days{std::chrono::year{y} / m / d}} +
           std::chrono::hours{hh} + std::chrono::minutes{mm} + std::chrono::seconds{ss} -
           std::chrono::hours{8};
}

Date ymd(int y, unsigned m, unsigned d) {
    return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

// "2026-02-14 Sat 16:00:00" in UTC+08:00, so a failing table row reads like the notice.
std::string show(sys_seconds t) {
    const auto local = t + std::chrono::hours{8};
    const auto day = std::chrono::floor<std::chrono::days>(local);
    const Date d{day};
    const std::chrono::hh_mm_ss tod{local - day};
    static constexpr const char* names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %s %02d:%02d:%02d", static_cast<int>(d.year()),
                  static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()),
                  names[std::chrono::weekday{day}.c_encoding()],
                  static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                  static_cast<int>(tod.seconds().count()));
    return buf;
}

std::string shipped_data_dir() {
    return std::string(REPAIRBOT_SOURCE_DIR) + "/config";
}

// The policy and calendar from config/ (loaded once; a failure fails every test that uses it).
const config::SlaData& shipped() {
    static const config::SlaData data = [] {
        auto r = config::load_sla_data(shipped_data_dir());
        if (!r) {
            ADD_FAILURE() << r.error().message();
            return config::SlaData{};
        }
        return std::move(r).value();
    }();
    return data;
}

const WorkingCalendar& cal() {
    return shipped().calendar;
}

struct DayCase {
    Date date;
    DayKind kind;
    std::string_view name;
};

TEST(SlaCalendar, ShippedDaysMatchTheNotices) {
    const DayCase cases[] = {
        // 2025: 元旦 one day, no make-up.
        {ymd(2025, 1, 1), DayKind::public_holiday, "元旦"},
        {ymd(2025, 1, 2), DayKind::working_day, ""},
        // 2025 春节: 1-28..2-04 off, Sun 1-26 and Sat 2-08 worked.
        {ymd(2025, 1, 25), DayKind::weekend, ""},
        {ymd(2025, 1, 26), DayKind::make_up_working_day, "春节"},
        {ymd(2025, 1, 27), DayKind::working_day, ""},
        {ymd(2025, 1, 28), DayKind::public_holiday, "春节"},
        {ymd(2025, 2, 4), DayKind::public_holiday, "春节"},
        {ymd(2025, 2, 5), DayKind::working_day, ""},
        {ymd(2025, 2, 8), DayKind::make_up_working_day, "春节"},
        {ymd(2025, 4, 27), DayKind::make_up_working_day, "劳动节"},
        {ymd(2025, 5, 5), DayKind::public_holiday, "劳动节"},
        {ymd(2025, 6, 2), DayKind::public_holiday, "端午节"},
        {ymd(2025, 9, 28), DayKind::make_up_working_day, "国庆节、中秋节"},
        {ymd(2025, 10, 8), DayKind::public_holiday, "国庆节、中秋节"},
        {ymd(2025, 10, 11), DayKind::make_up_working_day, "国庆节、中秋节"},
        {ymd(2025, 12, 31), DayKind::working_day, ""},
        // 2026 元旦: Thu 1-01..Sat 1-03 off, Sun 1-04 worked.
        {ymd(2026, 1, 1), DayKind::public_holiday, "元旦"},
        {ymd(2026, 1, 2), DayKind::public_holiday, "元旦"},
        {ymd(2026, 1, 3), DayKind::public_holiday, "元旦"},
        {ymd(2026, 1, 4), DayKind::make_up_working_day, "元旦"},
        {ymd(2026, 1, 5), DayKind::working_day, ""},
        // 2026 春节: Sun 2-15..Mon 2-23 off, Sat 2-14 and Sat 2-28 worked.
        {ymd(2026, 2, 13), DayKind::working_day, ""},
        {ymd(2026, 2, 14), DayKind::make_up_working_day, "春节"},
        {ymd(2026, 2, 15), DayKind::public_holiday, "春节"},
        {ymd(2026, 2, 17), DayKind::public_holiday, "春节"},
        {ymd(2026, 2, 23), DayKind::public_holiday, "春节"},
        {ymd(2026, 2, 24), DayKind::working_day, ""},
        {ymd(2026, 2, 28), DayKind::make_up_working_day, "春节"},
        {ymd(2026, 3, 1), DayKind::weekend, ""},
        {ymd(2026, 4, 6), DayKind::public_holiday, "清明节"},
        {ymd(2026, 5, 5), DayKind::public_holiday, "劳动节"},
        {ymd(2026, 5, 9), DayKind::make_up_working_day, "劳动节"},
        {ymd(2026, 6, 19), DayKind::public_holiday, "端午节"},
        {ymd(2026, 9, 20), DayKind::make_up_working_day, "国庆节"},
        {ymd(2026, 9, 25), DayKind::public_holiday, "中秋节"},
        {ymd(2026, 10, 7), DayKind::public_holiday, "国庆节"},
        {ymd(2026, 10, 8), DayKind::working_day, ""},
        {ymd(2026, 10, 10), DayKind::make_up_working_day, "国庆节"},
        {ymd(2026, 10, 11), DayKind::weekend, ""},
        // 2027 has no data: weekends only, New Year's Day is an ordinary Friday.
        {ymd(2027, 1, 1), DayKind::working_day, ""},
        {ymd(2027, 1, 2), DayKind::weekend, ""},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(testing::Message() << static_cast<int>(c.date.year()) << "-"
                                        << static_cast<unsigned>(c.date.month()) << "-"
                                        << static_cast<unsigned>(c.date.day()));
        EXPECT_EQ(to_string(cal().kind_of(c.date)), to_string(c.kind));
        EXPECT_EQ(cal().holiday_name(c.date), c.name);
        const bool working =
            c.kind == DayKind::working_day || c.kind == DayKind::make_up_working_day;
        EXPECT_EQ(cal().is_working_day(c.date), working);
    }
}

TEST(SlaCalendar, ShippedYearsCountTheirWorkingDays) {
    // 2025: 261 weekdays, 18 of them holidays, 5 make-up days -> 248 working days.
    // 2026: 261 weekdays, 19 of them holidays, 6 make-up days -> 248 working days.
    const struct {
        int year;
        int working;
    } cases[] = {{2025, 248}, {2026, 248}};
    for (const auto& c : cases) {
        const auto from = cst(c.year - 1, 12, 31, 12);
        const auto to = cst(c.year, 12, 31, 12);
        EXPECT_EQ(cal().working_days_between(from, to), c.working) << c.year;
    }
}

struct AddCase {
    const char* what;
    sys_seconds from;
    int n;
    sys_seconds expected;
};

TEST(SlaCalendar, AddWorkingDaysAcrossNightsWeekendsAndHolidays) {
    const AddCase cases[] = {
        {"ordinary weekday", cst(2026, 3, 2, 10), 1, cst(2026, 3, 3, 10)},
        {"zero days on a working day is the same instant", cst(2026, 3, 2, 10, 7), 0,
         cst(2026, 3, 2, 10, 7)},
        {"Friday afternoon skips the weekend", cst(2026, 3, 6, 16, 20), 1, cst(2026, 3, 9, 16, 20)},
        {"Friday night keeps its clock time", cst(2026, 3, 6, 23, 30), 1, cst(2026, 3, 9, 23, 30)},
        {"a weekday small hour counts as that day", cst(2026, 3, 9, 2, 0), 1, cst(2026, 3, 10, 2)},
        {"Saturday report starts Monday 09:00", cst(2026, 3, 7, 14), 1, cst(2026, 3, 10, 9)},
        {"zero days from Sunday is Monday 09:00", cst(2026, 3, 8, 2), 0, cst(2026, 3, 9, 9)},
        {"five days is a week", cst(2026, 3, 2, 10), 5, cst(2026, 3, 9, 10)},
        // 清明节 2026: Sat 4-04 .. Mon 4-06.
        {"Thursday to Friday before 清明", cst(2026, 4, 2, 10), 1, cst(2026, 4, 3, 10)},
        {"Friday before 清明 skips the holiday Monday", cst(2026, 4, 3, 15), 1,
         cst(2026, 4, 7, 15)},
        {"report on the holiday starts Tuesday 09:00", cst(2026, 4, 5, 11), 1, cst(2026, 4, 8, 9)},
        // 劳动节 2026: Fri 5-01 .. Tue 5-05 off, Sat 5-09 worked.
        {"eve of 劳动节", cst(2026, 4, 30, 17), 1, cst(2026, 5, 6, 17)},
        {"Friday before a make-up Saturday", cst(2026, 5, 8, 10), 1, cst(2026, 5, 9, 10)},
        {"report on a make-up Saturday counts from it", cst(2026, 5, 9, 10), 1,
         cst(2026, 5, 11, 10)},
        // 元旦 2026: Thu 1-01 .. Sat 1-03 off, Sun 1-04 worked.
        {"New Year's Eve to the make-up Sunday", cst(2025, 12, 31, 15), 1, cst(2026, 1, 4, 15)},
        {"New Year's Eve, two days", cst(2025, 12, 31, 15), 2, cst(2026, 1, 5, 15)},
        {"New Year's Day report starts on the make-up Sunday", cst(2026, 1, 1, 10), 1,
         cst(2026, 1, 5, 9)},
        {"New Year's Eve 2024 into 2025", cst(2024, 12, 31, 10), 1, cst(2025, 1, 2, 10)},
        // 春节 2026: Sat 2-14 worked, Sun 2-15 .. Mon 2-23 off, Sat 2-28 worked.
        {"Friday before 春节 to the make-up Saturday", cst(2026, 2, 13, 16), 1,
         cst(2026, 2, 14, 16)},
        {"Friday before 春节, two days", cst(2026, 2, 13, 16), 2, cst(2026, 2, 24, 16)},
        {"Friday before 春节, three days", cst(2026, 2, 13, 16), 3, cst(2026, 2, 25, 16)},
        {"report during 春节, three days", cst(2026, 2, 18, 8), 3, cst(2026, 2, 27, 9)},
        {"report during 春节, four days reaches the make-up Saturday", cst(2026, 2, 18, 8), 4,
         cst(2026, 2, 28, 9)},
        // 春节 2025: Sun 1-26 worked, Tue 1-28 .. Tue 2-04 off.
        {"Friday before 春节 2025 to the make-up Sunday", cst(2025, 1, 24, 10), 1,
         cst(2025, 1, 26, 10)},
        {"Friday before 春节 2025, two days", cst(2025, 1, 24, 10), 2, cst(2025, 1, 27, 10)},
        {"Friday before 春节 2025, three days", cst(2025, 1, 24, 10), 3, cst(2025, 2, 5, 10)},
        // 国庆节 2025: Sun 9-28 worked, Wed 10-01 .. Wed 10-08 off.
        {"Saturday report starts on the make-up Sunday", cst(2025, 9, 27, 12), 1,
         cst(2025, 9, 29, 9)},
        {"make-up Sunday, Monday, Tuesday, then after 国庆", cst(2025, 9, 27, 12), 3,
         cst(2025, 10, 9, 9)},
        // No data for 2027: weekends only.
        {"into 2027 without data", cst(2026, 12, 31, 10), 1, cst(2027, 1, 1, 10)},
        {"春节 2027 is unknown", cst(2027, 2, 5, 10), 3, cst(2027, 2, 10, 10)},
        {"a negative count is zero", cst(2026, 3, 7, 10), -2, cst(2026, 3, 9, 9)},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(show(cal().add_working_days(c.from, c.n)), show(c.expected))
            << c.what << " (" << show(c.from) << " + " << c.n << ")";
    }
}

TEST(SlaCalendar, WorkingDaysBetweenCountsLikeAddWorkingDays) {
    const struct {
        sys_seconds from, to;
        int expected;
    } cases[] = {
        {cst(2026, 2, 13, 10), cst(2026, 2, 25, 10), 3},  // make-up Sat 2-14, Tue 2-24, Wed 2-25
        {cst(2026, 2, 13, 10), cst(2026, 2, 13, 23), 0},  // same day
        {cst(2026, 2, 25, 10), cst(2026, 2, 13, 10), 0},  // backwards
        {cst(2026, 3, 7, 10), cst(2026, 3, 9, 18), 0},    // Saturday counts from Monday
        {cst(2026, 3, 7, 10), cst(2026, 3, 10, 8), 1},    // time of day is ignored
        {cst(2025, 12, 31, 9), cst(2026, 1, 5, 9), 2},    // make-up Sun 1-04, Mon 1-05
    };
    for (const auto& c : cases)
        EXPECT_EQ(cal().working_days_between(c.from, c.to), c.expected)
            << show(c.from) << " -> " << show(c.to);
}

// Every fifth hour (so every hour of the day over five days) of 2025 and 2026 and the edges of
// the uncovered years around them, 0..12 days.
TEST(SlaCalendar, AddAndBetweenAgreeEverywhere) {
    int checked = 0;
    for (auto t = cst(2024, 12, 20); t < cst(2027, 1, 10); t += std::chrono::hours{5}) {
        for (int n = 0; n <= 12; ++n) {
            const auto due = cal().add_working_days(t, n);
            ASSERT_EQ(cal().working_days_between(t, due), n) << show(t) << " + " << n;
            ASSERT_TRUE(cal().is_working_day(cal().local_date(due))) << show(t) << " + " << n;
            ASSERT_GE(due, t);
            ASSERT_EQ(cal().add_working_time(t, std::chrono::hours{24 * n}), due)
                << show(t) << " + " << n;
            ++checked;
        }
    }
    EXPECT_GT(checked, 40000);
}

TEST(SlaCalendar, WorkingTimeStopsOnDaysOff) {
    const struct {
        sys_seconds from;
        std::chrono::minutes amount;
        sys_seconds expected;
    } cases[] = {
        // 80 % of one working day from Friday 16:20: 19 h 12 min of working time.
        {cst(2026, 3, 6, 16, 20), std::chrono::minutes{19 * 60 + 12}, cst(2026, 3, 9, 11, 32)},
        // Right to the end of Friday lands on Monday 00:00.
        {cst(2026, 3, 6, 16), std::chrono::hours{8}, cst(2026, 3, 9, 0)},
        {cst(2026, 3, 6, 16), std::chrono::hours{7}, cst(2026, 3, 6, 23)},
        // From a holiday, working time starts at 09:00 of the next working day.
        {cst(2026, 2, 20, 3), std::chrono::hours{2}, cst(2026, 2, 24, 11)},
        {cst(2026, 2, 20, 3), std::chrono::minutes{-5}, cst(2026, 2, 24, 9)},
    };
    for (const auto& c : cases)
        EXPECT_EQ(show(cal().add_working_time(c.from, c.amount)), show(c.expected))
            << show(c.from) << " + " << c.amount.count() << " min";
}

TEST(SlaCalendar, ReportsWhichYearsHaveNoData) {
    const std::vector<std::chrono::year> shipped{std::chrono::year{2025}, std::chrono::year{2026}};
    EXPECT_EQ(cal().covered_years(), shipped);
    EXPECT_TRUE(cal().covers(std::chrono::year{2026}));
    EXPECT_FALSE(cal().covers(std::chrono::year{2027}));
    EXPECT_TRUE(cal().missing_years(cst(2025, 1, 1), cst(2026, 12, 31, 23, 59)).empty());
    const std::vector<std::chrono::year> missing{std::chrono::year{2024}, std::chrono::year{2027}};
    EXPECT_EQ(cal().missing_years(cst(2027, 1, 1), cst(2024, 12, 31)), missing);

    const WorkingCalendar bare;
    EXPECT_TRUE(bare.covered_years().empty());
    EXPECT_EQ(bare.kind_of(ymd(2026, 1, 1)), DayKind::working_day);  // weekends only
    EXPECT_EQ(bare.kind_of(ymd(2026, 2, 14)), DayKind::weekend);
    EXPECT_EQ(show(bare.add_working_days(cst(2026, 2, 13, 16), 2)), show(cst(2026, 2, 17, 16)));
}

TEST(SlaCalendar, UtcOffsetAndStartOfBusinessAreConfigurable) {
    // Friday 20:00 UTC is Saturday 04:00 in China.
    const auto friday_evening_utc = cst(2026, 3, 7, 4);
    EXPECT_EQ(show(WorkingCalendar{}.add_working_days(friday_evening_utc, 1)),
              show(cst(2026, 3, 10, 9)));
    const WorkingCalendar utc({}, std::chrono::minutes{0}, std::chrono::minutes{8 * 60 + 30});
    EXPECT_EQ(utc.local_date(friday_evening_utc), ymd(2026, 3, 6));
    EXPECT_EQ(show(utc.add_working_days(friday_evening_utc, 1)), show(cst(2026, 3, 10, 4)));
    EXPECT_EQ(utc.start_of_business(), std::chrono::minutes{510});
    // Sunday in UTC starts Monday 08:30 UTC.
    EXPECT_EQ(utc.add_working_days(cst(2026, 3, 8, 12), 0), cst(2026, 3, 9, 16, 30));
}

TEST(SlaCalendar, InvalidDatesAreNeverWorkingDays) {
    EXPECT_FALSE(cal().is_working_day(ymd(2026, 2, 30)));
    EXPECT_EQ(cal().kind_of(ymd(2026, 2, 30)), DayKind::weekend);
    EXPECT_EQ(cal().holiday_name(ymd(2026, 2, 30)), "");
}

HolidayYear year_with(Holiday h) {
    return HolidayYear{std::chrono::year{2026}, "test", {std::move(h)}};
}

TEST(SlaCalendar, CheckHolidayYearRejectsWhatANoticeNeverSays) {
    const struct {
        const char* what;
        HolidayYear year;
        const char* problem;  // a part of the one expected problem
    } cases[] = {
        {"make-up day on a weekday",
         year_with({"春节", ymd(2026, 2, 15), ymd(2026, 2, 23), {ymd(2026, 2, 13)}}),
         "is not a Saturday or Sunday"},
        {"make-up day inside the days off",
         year_with({"春节", ymd(2026, 2, 14), ymd(2026, 2, 23), {ymd(2026, 2, 14)}}),
         "both a make-up working day and a day off of 春节"},
        {"run ends before it starts", year_with({"春节", ymd(2026, 2, 23), ymd(2026, 2, 15), {}}),
         "is before first_day_off"},
        {"invalid date", year_with({"春节", ymd(2026, 2, 30), ymd(2026, 3, 1), {}}),
         "not a valid date"},
        {"far from the year", year_with({"元旦", ymd(2025, 1, 1), ymd(2025, 1, 1), {}}),
         "is not in or next to 2026"},
    };
    for (const auto& c : cases) {
        const auto problems = check_holiday_year(c.year);
        ASSERT_EQ(problems.size(), 1u) << c.what;
        EXPECT_NE(problems[0].find(c.problem), std::string::npos) << c.what << ": " << problems[0];
    }
    // A notice may start New Year's Day in the December before (2018's did).
    EXPECT_TRUE(
        check_holiday_year(year_with({"元旦", ymd(2025, 12, 30), ymd(2026, 1, 1), {}})).empty());
    EXPECT_TRUE(check_holiday_year(
                    year_with({"春节", ymd(2026, 2, 15), ymd(2026, 2, 23), {ymd(2026, 2, 14)}}))
                    .empty());
}

TEST(SlaCalendar, LaterDataForADateWins) {
    const WorkingCalendar c(
        {year_with({"a", ymd(2026, 3, 7), ymd(2026, 3, 7), {}}),
         year_with({"b", ymd(2026, 3, 9), ymd(2026, 3, 9), {ymd(2026, 3, 7)}})});
    EXPECT_EQ(c.kind_of(ymd(2026, 3, 7)), DayKind::make_up_working_day);
    EXPECT_EQ(c.holiday_name(ymd(2026, 3, 7)), "b");
    EXPECT_EQ(c.kind_of(ymd(2026, 3, 9)), DayKind::public_holiday);
}

}  // namespace
}  // namespace repairbot::dialog
