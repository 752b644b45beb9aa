// Pure conversions between the store's values and their SQL/text forms: UTC DATETIME(3)
// strings, the desk's local day (UTC+8) and ticket numbers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace repairbot::store {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

// China has one time zone and no daylight saving: the desk's day starts at 00:00 UTC+8.
inline constexpr std::chrono::hours desk_utc_offset{8};

// "2026-11-21 04:05:06.789" (UTC), as stored in DATETIME(3) columns.
[[nodiscard]] std::string to_sql_datetime(Timestamp t);
// Parses "YYYY-MM-DD HH:MM:SS[.fff]" (UTC); nullopt when malformed.
[[nodiscard]] std::optional<Timestamp> parse_sql_datetime(std::string_view s);
// The desk's local date of `t` as "YYYY-MM-DD" (the ticket_sequences key).
[[nodiscard]] std::string desk_day(Timestamp t);
// "BX" + YYYYMMDD (desk day of `t`) + "-" + the sequence, at least 4 digits: BX20261121-0007.
[[nodiscard]] std::string format_ticket_number(Timestamp t, std::uint64_t sequence);
// A JSON text column's value: `json`, or "{}" when it is empty (the columns hold an object).
[[nodiscard]] inline const std::string& json_or_empty_object(const std::string& json) {
    static const std::string empty_object = "{}";
    return json.empty() ? empty_object : json;
}

}  // namespace repairbot::store
