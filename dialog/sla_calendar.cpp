#include "dialog/sla_calendar.h"

#include <algorithm>
#include <cstdio>

namespace repairbot::dialog {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

std::string iso(Date d) {
    if (!d.ok()) return "an invalid date";
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                  static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
    return buf;
}

bool is_weekend(sys_days d) {
    const std::chrono::weekday w{d};
    return w == std::chrono::Saturday || w == std::chrono::Sunday;
}

// A notice may reach one month into the neighbouring year (the 2018 notice started New Year's
// Day on 2017-12-30), never further.
bool near_year(Date d, std::chrono::year y) {
    const sys_days first{y / std::chrono::January / 1};
    const sys_days last{y / std::chrono::December / 31};
    const sys_days day{d};
    return day >= first - days{31} && day <= last + days{31};
}

}  // namespace

std::vector<std::string> check_holiday_year(const HolidayYear& y) {
    std::vector<std::string> problems;
    std::map<sys_days, std::string> off;  // date -> holiday name
    auto date_ok = [&](Date d, const std::string& what) {
        if (!d.ok()) {
            problems.push_back(what + " is not a valid date");
            return false;
        }
        if (!near_year(d, y.year)) {
            problems.push_back(what + " " + iso(d) + " is not in or next to " +
                               std::to_string(static_cast<int>(y.year)));
            return false;
        }
        return true;
    };
    for (const auto& h : y.holidays) {
        const std::string who = h.name.empty() ? std::string("a holiday without a name") : h.name;
        if (!date_ok(h.first_day_off, who + ": first_day_off") ||
            !date_ok(h.last_day_off, who + ": last_day_off"))
            continue;
        if (sys_days{h.last_day_off} < sys_days{h.first_day_off}) {
            problems.push_back(who + ": last_day_off " + iso(h.last_day_off) +
                               " is before first_day_off " + iso(h.first_day_off));
            continue;
        }
        for (sys_days d{h.first_day_off}; d <= sys_days{h.last_day_off}; d += days{1})
            off.emplace(d, who);
    }
    for (const auto& h : y.holidays) {
        const std::string who = h.name.empty() ? std::string("a holiday without a name") : h.name;
        for (const auto& m : h.make_up_working_days) {
            if (!date_ok(m, who + ": make-up working day")) continue;
            if (!is_weekend(sys_days{m}))
                problems.push_back(who + ": make-up working day " + iso(m) +
                                   " is not a Saturday or Sunday (weekdays are working days "
                                   "already; check the date against the notice)");
            if (auto it = off.find(sys_days{m}); it != off.end())
                problems.push_back(who + ": " + iso(m) + " is both a make-up working day and a " +
                                   "day off of " + it->second);
        }
    }
    return problems;
}

std::string_view to_string(DayKind k) {
    switch (k) {
        case DayKind::working_day:
            return "working_day";
        case DayKind::weekend:
            return "weekend";
        case DayKind::public_holiday:
            return "public_holiday";
        case DayKind::make_up_working_day:
            return "make_up_working_day";
    }
    return "weekend";
}

WorkingCalendar::WorkingCalendar(std::vector<HolidayYear> years, std::chrono::minutes utc_offset,
                                 std::chrono::minutes start_of_business)
    : utc_offset_(utc_offset), start_of_business_(start_of_business) {
    for (const auto& y : years) {
        years_.insert(static_cast<int>(y.year));
        for (const auto& h : y.holidays) {
            if (!h.first_day_off.ok() || !h.last_day_off.ok()) continue;
            for (sys_days d{h.first_day_off}; d <= sys_days{h.last_day_off}; d += days{1})
                special_[d] = Special{false, h.name};
            for (const auto& m : h.make_up_working_days)
                if (m.ok()) special_[sys_days{m}] = Special{true, h.name};
        }
    }
}

bool WorkingCalendar::is_working(sys_days d) const {
    if (auto it = special_.find(d); it != special_.end()) return it->second.working;
    return !is_weekend(d);
}

DayKind WorkingCalendar::kind_of(Date d) const {
    if (!d.ok()) return DayKind::weekend;
    const sys_days day{d};
    if (auto it = special_.find(day); it != special_.end())
        return it->second.working ? DayKind::make_up_working_day : DayKind::public_holiday;
    return is_weekend(day) ? DayKind::weekend : DayKind::working_day;
}

bool WorkingCalendar::is_working_day(Date d) const {
    return d.ok() && is_working(sys_days{d});
}

std::string_view WorkingCalendar::holiday_name(Date d) const {
    if (!d.ok()) return {};
    auto it = special_.find(sys_days{d});
    return it == special_.end() ? std::string_view{} : std::string_view{it->second.name};
}

bool WorkingCalendar::covers(std::chrono::year y) const {
    return years_.contains(static_cast<int>(y));
}

std::vector<std::chrono::year> WorkingCalendar::covered_years() const {
    std::vector<std::chrono::year> out;
    for (int y : years_) out.emplace_back(y);
    return out;
}

std::vector<std::chrono::year> WorkingCalendar::missing_years(std::chrono::sys_seconds from,
                                                              std::chrono::sys_seconds to) const {
    if (to < from) std::swap(from, to);
    std::vector<std::chrono::year> out;
    for (int y = static_cast<int>(local_date(from).year());
         y <= static_cast<int>(local_date(to).year()); ++y)
        if (!years_.contains(y)) out.emplace_back(y);
    return out;
}

Date WorkingCalendar::local_date(std::chrono::sys_seconds t) const {
    return Date{std::chrono::floor<days>(t + utc_offset_)};
}

std::chrono::sys_seconds WorkingCalendar::at_local(Date d, std::chrono::minutes time_of_day) const {
    return std::chrono::sys_seconds{sys_days{d}} + time_of_day - utc_offset_;
}

Date WorkingCalendar::next_working_day(Date d) const {
    sys_days day{d};
    do day += days{1};
    while (!is_working(day));
    return Date{day};
}

WorkingCalendar::CountStart WorkingCalendar::count_start(std::chrono::sys_seconds t) const {
    const auto local = t + utc_offset_;
    const auto day = std::chrono::floor<days>(local);
    if (is_working(day)) return {day, local - day};
    return {sys_days{next_working_day(Date{day})}, start_of_business_};
}

std::chrono::sys_seconds WorkingCalendar::add_working_days(std::chrono::sys_seconds t,
                                                           int n) const {
    auto [day, time_of_day] = count_start(t);
    // Every year has working days (weekdays of a year without data count), so this ends.
    for (int counted = 0; counted < n;) {
        day += days{1};
        if (is_working(day)) ++counted;
    }
    return std::chrono::sys_seconds{day} + time_of_day - utc_offset_;
}

std::chrono::sys_seconds WorkingCalendar::add_working_time(std::chrono::sys_seconds t,
                                                           std::chrono::seconds amount) const {
    auto [day, time_of_day] = count_start(t);
    auto left = std::max(amount, std::chrono::seconds{0});
    // Reaching the very end of a working day lands at the start of the next working day, as
    // add_working_days does for a count that starts at midnight.
    while (left >= days{1} - time_of_day) {
        left -= days{1} - time_of_day;
        day = sys_days{next_working_day(Date{day})};
        time_of_day = std::chrono::seconds{0};
    }
    return std::chrono::sys_seconds{day} + time_of_day + left - utc_offset_;
}

int WorkingCalendar::working_days_between(std::chrono::sys_seconds from,
                                          std::chrono::sys_seconds to) const {
    const auto start = count_start(from).day;
    const auto end = std::chrono::floor<days>(to + utc_offset_);
    int n = 0;
    for (auto day = start + days{1}; day <= end; day += days{1})
        if (is_working(day)) ++n;
    return n;
}

}  // namespace repairbot::dialog
