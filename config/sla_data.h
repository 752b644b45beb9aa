// Loads the SLA policy (config/sla.toml) and the holiday calendar (config/holidays/<year>.toml)
// into the plain values of dialog/sla_policy.h and dialog/sla_calendar.h, validated, with errors
// that name the file, the key and the fix. Blocking (reads files); call it at start.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "config/errors.h"
#include "dialog/sla_calendar.h"
#include "dialog/sla_policy.h"

namespace repairbot::config {

// Why SLA data could not be loaded. Error::detail holds every problem found, separated by
// "\n", each as "<file>: <key>: <what is wrong>; <how to fix it>"; the code is the first's.
enum class SlaDataErrc {
    file_unreadable = 1,  // the file or the holidays folder is missing or cannot be read
    syntax_error,         // not valid TOML
    missing_key,          // a required key is absent
    wrong_type,           // a key holds a value of the wrong TOML type
    invalid_value,        // a value of the right type that is not allowed
    unknown_key,          // a key this file does not have (usually a typo)
};

[[nodiscard]] const std::error_category& sla_data_category() noexcept;
[[nodiscard]] std::error_code make_error_code(SlaDataErrc e) noexcept;

// Which callbacks (回访) the desk makes besides every complaint's: sla.toml [callbacks].
struct CallbackPolicy {
    // The share of finished repairs called back, 0..100 (DOMAIN.md: at least 30 %).
    int sample_percent = 30;
    bool operator==(const CallbackPolicy&) const = default;
};

// config/sla.toml: the policy, the calendar's local-time settings and the callback sample.
struct SlaFile {
    dialog::SlaPolicy policy;
    std::chrono::minutes utc_offset = dialog::WorkingCalendar::china_utc_offset;
    std::chrono::minutes start_of_business = dialog::WorkingCalendar::default_start_of_business;
    CallbackPolicy callbacks;
};

// Reads sla.toml text; `origin` names it in errors. Every class table (emergency, normal,
// planned) with its four stage limits is required; the other keys default to SlaPolicy's
// values, and [callbacks] sample_percent (a whole number 0..100) to CallbackPolicy's. Fails with the codes above; never throws.
[[nodiscard]] Result<SlaFile> parse_sla_file(std::string_view text, const std::string& origin);
// The same from a file; file_unreadable when it cannot be read.
[[nodiscard]] Result<SlaFile> load_sla_file(const std::string& path);

// Reads one holidays/<year>.toml; `origin` names it in errors. Requires `year`, `source` and
// at least one [[holidays]] entry with name, first_day_off and last_day_off (TOML dates);
// make_up_working_days is optional. Fails on anything dialog::check_holiday_year rejects.
[[nodiscard]] Result<dialog::HolidayYear> parse_holiday_year(std::string_view text,
                                                             const std::string& origin);
// The same from a file, whose name must be "<year>.toml" for the year it holds.
[[nodiscard]] Result<dialog::HolidayYear> load_holiday_year(const std::string& path);

struct SlaData {
    dialog::SlaPolicy policy;
    dialog::WorkingCalendar calendar;
    CallbackPolicy callbacks;
};

// `data_dir`/sla.toml and every `data_dir`/holidays/*.toml (other files are ignored). A missing
// holidays folder or one without years is file_unreadable; problems of several files are
// reported together.
[[nodiscard]] Result<SlaData> load_sla_data(const std::string& data_dir);

// What the operator should hear about the calendar at `now`: a line for the current year when
// it has no holiday data, and from December 1st on for the next year too. Empty when fine.
[[nodiscard]] std::vector<std::string> calendar_warnings(const dialog::WorkingCalendar& cal,
                                                         std::chrono::sys_seconds now,
                                                         const std::string& data_dir);

}  // namespace repairbot::config

template <>
struct std::is_error_code_enum<repairbot::config::SlaDataErrc> : std::true_type {};
