// The Chinese working-day calendar behind "within N working days": weekends off, public holidays
// off, 调休 make-up Saturdays/Sundays on, from plain per-year data (config/holidays/<year>.toml).
// Pure and immutable once built; local time is UTC plus a fixed offset (China: +08:00, no DST).
//
// The arithmetic, as a dispatcher would explain it:
//  * A working day is a Monday to Friday that is not a public holiday, or a Saturday/Sunday that
//    the State Council made a make-up working day (调休上班). A year without data counts
//    weekends only: covers()/missing_years() tell which years those are, so the operator can be
//    warned.
//  * "N working days from T": when T's local date is a working day, the deadline is the same
//    clock time on the N-th working day after that date (Friday 16:20 + 1 = Monday 16:20, unless
//    Monday is a holiday). When T falls on a day off, counting starts at the start of business
//    (default 09:00) of the next working day, and the deadline is that time on the N-th working
//    day after it (Saturday 14:00 + 1 = Tuesday 09:00). N = 0 gives the counting start itself.
//  * "Working time": a clock that runs only on working days (all 24 hours of them) and starts
//    where a working-day count starts. N working days are N x 24 h of working time, so the
//    warning at 80 % of a working-day limit never falls on a day off.
//  * "Working days between A and B" counts the same way: the working days after A's (counting
//    start) date up to and including B's date, so between(T, add(T, N)) == N.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace repairbot::dialog {

using Date = std::chrono::year_month_day;

// One holiday of a State Council notice: a run of days off (weekends inside the run included,
// as the notice states them) and the make-up working days that pay for it.
struct Holiday {
    std::string name;  // 元旦, 春节, ...
    Date first_day_off{};
    Date last_day_off{};                     // inclusive; equal to first_day_off for one day
    std::vector<Date> make_up_working_days;  // Saturdays or Sundays that are working days
    bool operator==(const Holiday&) const = default;
};

// Everything a notice says about one year.
struct HolidayYear {
    std::chrono::year year{};
    std::string source;  // the notice the dates were copied from, for operators
    std::vector<Holiday> holidays;
    bool operator==(const HolidayYear&) const = default;
};

// What a notice's data gets wrong, one sentence each: a date that is not a valid date, a run
// that ends before it starts, a date further than one month outside `year` (a notice may reach
// into the neighbouring December/January), a make-up day that is not a Saturday or Sunday, a
// date that is both off and a make-up working day. Empty when the year is usable.
[[nodiscard]] std::vector<std::string> check_holiday_year(const HolidayYear& y);

enum class DayKind : std::uint8_t {
    working_day,          // Monday to Friday, no holiday
    weekend,              // Saturday or Sunday, no make-up
    public_holiday,       // inside a holiday's run of days off
    make_up_working_day,  // 调休: a Saturday or Sunday that is a working day
};

// "working_day", "weekend", "public_holiday", "make_up_working_day".
[[nodiscard]] std::string_view to_string(DayKind k);

class WorkingCalendar {
  public:
    static constexpr std::chrono::minutes china_utc_offset{8 * 60};
    static constexpr std::chrono::minutes default_start_of_business{9 * 60};

    // Weekends only (no year covered), UTC+08:00, business starting 09:00.
    WorkingCalendar() = default;
    // Trusts its input (check it with check_holiday_year first): when a date is given twice,
    // the later year in `years` wins. `start_of_business` is a time of day in [0, 24h).
    explicit WorkingCalendar(std::vector<HolidayYear> years,
                             std::chrono::minutes utc_offset = china_utc_offset,
                             std::chrono::minutes start_of_business = default_start_of_business);

    [[nodiscard]] std::chrono::minutes utc_offset() const { return utc_offset_; }
    [[nodiscard]] std::chrono::minutes start_of_business() const { return start_of_business_; }

    // What kind of day `d` is. An invalid date is reported as a weekend (never a working day).
    [[nodiscard]] DayKind kind_of(Date d) const;
    [[nodiscard]] bool is_working_day(Date d) const;
    // The holiday `d` is off for, or for which it is a make-up day; "" for an ordinary day.
    [[nodiscard]] std::string_view holiday_name(Date d) const;

    // Whether data for `y` was loaded; a year that is not covered counts weekends only.
    [[nodiscard]] bool covers(std::chrono::year y) const;
    // The loaded years, ascending.
    [[nodiscard]] std::vector<std::chrono::year> covered_years() const;
    // The years of the local dates from `from` to `to` (inclusive, in either order) that have
    // no data: working-day arithmetic across them is a guess. Empty when everything is covered.
    [[nodiscard]] std::vector<std::chrono::year> missing_years(std::chrono::sys_seconds from,
                                                               std::chrono::sys_seconds to) const;

    // The local date of an instant.
    [[nodiscard]] Date local_date(std::chrono::sys_seconds t) const;
    // The instant of local time `time_of_day` on date `d` (time_of_day may exceed 24 h).
    [[nodiscard]] std::chrono::sys_seconds at_local(Date d, std::chrono::minutes time_of_day) const;
    // The first working day strictly after `d`.
    [[nodiscard]] Date next_working_day(Date d) const;

    // The deadline "n working days from t" (see the top of this file); n < 0 counts as 0.
    [[nodiscard]] std::chrono::sys_seconds add_working_days(std::chrono::sys_seconds t,
                                                            int n) const;
    // The instant `amount` of working time after t's counting start (see the top of this file):
    // add_working_time(t, n x 24 h) == add_working_days(t, n). A negative amount counts as 0.
    [[nodiscard]] std::chrono::sys_seconds add_working_time(std::chrono::sys_seconds t,
                                                            std::chrono::seconds amount) const;
    // Whole working days from `from` to `to` counted as add_working_days counts them; 0 when
    // `to`'s date is not after the counting start's date. Ignores the time of day.
    [[nodiscard]] int working_days_between(std::chrono::sys_seconds from,
                                           std::chrono::sys_seconds to) const;

  private:
    struct Special {
        bool working;  // a make-up day; otherwise a day off
        std::string name;
    };
    // The day a count starts on, and the clock time it starts at.
    struct CountStart {
        std::chrono::sys_days day;
        std::chrono::seconds time_of_day;
    };
    [[nodiscard]] CountStart count_start(std::chrono::sys_seconds t) const;
    [[nodiscard]] bool is_working(std::chrono::sys_days d) const;

    std::map<std::chrono::sys_days, Special> special_;
    std::set<int> years_;
    std::chrono::minutes utc_offset_ = china_utc_offset;
    std::chrono::minutes start_of_business_ = default_start_of_business;
};

}  // namespace repairbot::dialog
