#include "store/sql_values.h"

#include <cstdio>

namespace repairbot::store {
namespace {

std::chrono::year_month_day ymd_of(Timestamp t) {
    return std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(t)};
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

}  // namespace

std::string to_sql_datetime(Timestamp t) {
    const auto day = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss hms{t - day};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d.%03d",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                  static_cast<int>(hms.subseconds().count()));
    return buf;
}

std::optional<Timestamp> parse_sql_datetime(std::string_view s) {
    int y, mo, d, h, mi, se, ms = 0;
    if (s.size() < 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':')
        return std::nullopt;
    if (!digits(s, 0, 4, y) || !digits(s, 5, 2, mo) || !digits(s, 8, 2, d) ||
        !digits(s, 11, 2, h) || !digits(s, 14, 2, mi) || !digits(s, 17, 2, se)) {
        return std::nullopt;
    }
    if (s.size() > 19) {
        if (s[19] != '.') return std::nullopt;
        std::string_view frac = s.substr(20);
        if (frac.empty() || frac.size() > 6) return std::nullopt;
        int f = 0;
        if (!digits(frac, 0, frac.size(), f)) return std::nullopt;
        for (auto n = frac.size(); n < 3; ++n) f *= 10;
        for (auto n = frac.size(); n > 3; --n) f /= 10;
        ms = f;
    }
    const std::chrono::year_month_day ymd{std::chrono::year{y},
                                          std::chrono::month{static_cast<unsigned>(mo)},
                                          std::chrono::day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || se > 60) return std::nullopt;
    return Timestamp{std::chrono::sys_days{ymd}} + std::chrono::hours{h} +
           std::chrono::minutes{mi} + std::chrono::seconds{se} + std::chrono::milliseconds{ms};
}

std::string desk_day(Timestamp t) {
    const auto ymd = ymd_of(t + desk_utc_offset);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return buf;
}

std::string format_ticket_number(Timestamp t, std::uint64_t sequence) {
    const auto ymd = ymd_of(t + desk_utc_offset);
    char buf[48];
    std::snprintf(buf, sizeof buf, "BX%04d%02u%02u-%04llu", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<unsigned long long>(sequence));
    return buf;
}

}  // namespace repairbot::store
