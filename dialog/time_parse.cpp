#include "dialog/time_parse.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>

#include "dialog/text.h"

namespace repairbot::dialog {
namespace {

using namespace std::chrono;
using text::at;

struct DayPart {
    std::string_view word;
    int from_hour;
    int to_hour;
    // Where "before <hour>" in this part starts: the afternoon a visit is booked in is 14-18,
    // but an owner "home until 3 p.m." is home from after lunch. 0: from_hour.
    int bound_from_hour;
};
// Longer words first so 今晚 does not stop at 今.
constexpr std::array<DayPart, 10> kDayParts = {{{"早上", 8, 12, 0},
                                                {"早晨", 8, 12, 0},
                                                {"上午", 9, 12, 0},
                                                {"中午", 12, 14, 0},
                                                {"下午", 14, 18, 13},
                                                {"傍晚", 17, 19, 0},
                                                {"晚上", 18, 21, 0},
                                                {"今晚", 18, 21, 0},
                                                {"夜里", 18, 21, 0},
                                                {"晚", 18, 21, 0}}};

constexpr std::array<std::string_view, 17> kAsapWords = {
    "尽快",       "越快越好", "马上",   "立刻", "立即", "随时",     "都可以", "都行", "任何时间",
    "什么时候都", "没要求",   "无所谓", "不限", "跳过", "越早越好", "现在",   "asap"};

// A clock said as a bound: "7点以后" (from then on), "3点前都在" (until then).
enum class Bound : std::uint8_t { none, after, before };

struct Parts {
    std::optional<sys_days> date;  // local date
    bool date_from_weekday = false;
    std::optional<DayPart> part;
    int hour = -1;
    int minute = 0;
    int end_hour = -1;
    int end_minute = 0;
    Bound bound = Bound::none;
    bool clock_colon = false;  // the hour written as a clock ("07:30", "7:30"): a 24-hour time
};

std::optional<long> number(std::string_view s, std::size_t& p) {
    auto t = text::number_at(s, p);
    if (!t) return std::nullopt;
    p = t->end;
    return t->value;
}

bool match(std::string_view s, std::size_t& p, std::string_view w) {
    if (!at(s, p, w)) return false;
    p += w.size();
    return true;
}

std::optional<sys_days> make_date(long y, long m, long d) {
    if (m < 1 || m > 12 || d < 1 || d > 31 || y < 2000 || y > 2200) return std::nullopt;
    year_month_day ymd{year{static_cast<int>(y)}, month{static_cast<unsigned>(m)},
                       day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;
    return sys_days{ymd};
}

// Weekday from 一..六/日/天 or 1..7: days after Monday (0..6).
std::optional<int> weekday_index(std::string_view s, std::size_t& p) {
    if (match(s, p, "日") || match(s, p, "天")) return 6;
    std::size_t q = p;
    auto n = number(s, q);
    if (!n || *n < 1 || *n > 7) return std::nullopt;
    p = q;
    return static_cast<int>(*n - 1);
}

// The owner's day (local): the calendar day, but until 05:00 still the day before — "明天" said at
// 1 a.m., before anyone has slept, is the coming morning's day to the one saying it.
struct Days {
    sys_days today;  // the calendar day
    sys_days awake;  // the day the owner is living: 明天, 后天 count from it
};
constexpr hours kNightEnds{5};

// The date part at p, or nullopt (p unchanged).
std::optional<sys_days> parse_date(std::string_view s, std::size_t& p, Days day,
                                   bool& from_weekday) {
    const sys_days today = day.today;
    static constexpr std::array<std::pair<std::string_view, int>, 7> kRelative = {{{"大后天", 3},
                                                                                   {"后天", 2},
                                                                                   {"明天", 1},
                                                                                   {"明日", 1},
                                                                                   {"今天", 0},
                                                                                   {"今日", 0},
                                                                                   {"今晚", 0}}};
    for (auto [w, offset] : kRelative) {
        if (at(s, p, w)) {
            if (w != "今晚") p += w.size();  // 今晚 is also read as a day part
            return offset == 0 ? today : day.awake + days{offset};
        }
    }
    std::size_t q = p;
    int week_shift = -1;  // -1: next such day; 0: this week; 1: next week
    if (match(s, q, "下个") || match(s, q, "下")) {
        week_shift = 1;
    } else if (match(s, q, "这个") || match(s, q, "这") || match(s, q, "本")) {
        week_shift = 0;
    }
    if (match(s, q, "周末")) {
        from_weekday = true;
        p = q;
        int idx = 5;
        int today_idx = static_cast<int>((weekday{today}.c_encoding() + 6) % 7);
        if (week_shift < 0) return today + days{(idx - today_idx + 7) % 7};
        return today - days{today_idx} + days{7 * week_shift + idx};
    }
    if (match(s, q, "周") || match(s, q, "星期") || match(s, q, "礼拜")) {
        if (auto idx = weekday_index(s, q)) {
            from_weekday = true;
            p = q;
            int today_idx = static_cast<int>((weekday{today}.c_encoding() + 6) % 7);
            if (week_shift < 0) return today + days{(*idx - today_idx + 7) % 7};
            return today - days{today_idx} + days{7 * week_shift + *idx};
        }
        return std::nullopt;
    }
    // Numeric dates: 2026-11-25, 2026年11月25日, 11月25日, 11/25, 25号.
    q = p;
    auto first = number(s, q);
    if (!first) return std::nullopt;
    year_month_day t{today};
    long this_year = static_cast<int>(t.year());
    auto roll_year = [&](long m, long d) -> std::optional<sys_days> {
        auto date = make_date(this_year, m, d);
        if (date && *date < today) date = make_date(this_year + 1, m, d);
        return date;
    };
    if (*first >= 2000 &&
        (match(s, q, "年") || match(s, q, "-") || match(s, q, "/") || match(s, q, "."))) {
        auto m = number(s, q);
        if (!m || !(match(s, q, "月") || match(s, q, "-") || match(s, q, "/") || match(s, q, ".")))
            return std::nullopt;
        auto d = number(s, q);
        if (!d) return std::nullopt;
        if (!match(s, q, "日")) match(s, q, "号");
        auto date = make_date(*first, *m, *d);
        if (date) p = q;
        return date;
    }
    if (match(s, q, "月") || match(s, q, "/") || match(s, q, "-") ||
        (match(s, q, ".") && q < s.size() && text::is_ascii_digit(s[q]))) {
        auto d = number(s, q);
        if (!d) return std::nullopt;
        if (!match(s, q, "日")) match(s, q, "号");
        auto date = roll_year(*first, *d);
        if (date) p = q;
        return date;
    }
    if (match(s, q, "号") || match(s, q, "日")) {
        long m = static_cast<unsigned>(t.month());
        auto date = make_date(this_year, m, *first);
        if (date && *date < today) {
            date =
                m == 12 ? make_date(this_year + 1, 1, *first) : make_date(this_year, m + 1, *first);
        }
        if (date) p = q;
        return date;
    }
    return std::nullopt;
}

std::optional<DayPart> parse_part(std::string_view s, std::size_t& p) {
    for (const auto& part : kDayParts) {
        if (match(s, p, part.word)) return part;
    }
    return std::nullopt;
}

// "10点", "10点半", "10点30分", "10:30", "10时"; sets hour/minute, and `colon` for "10:30".
bool parse_clock(std::string_view s, std::size_t& p, int& hour, int& minute,
                 bool* colon = nullptr) {
    std::size_t q = p;
    auto h = number(s, q);
    if (!h || *h > 24) return false;
    int m = 0;
    const bool used_colon = match(s, q, ":");
    if (used_colon) {
        std::size_t before = q;
        auto mm = number(s, q);
        if (!mm || *mm > 59 || q - before != 2) return false;
        m = static_cast<int>(*mm);
    } else if (match(s, q, "点") || match(s, q, "时")) {
        if (match(s, q, "半")) {
            m = 30;
        } else if (std::size_t r = q; auto mm = number(s, r)) {
            if (*mm <= 59 && (match(s, r, "分") || r == s.size())) {
                m = static_cast<int>(*mm);
                q = r;
            }
        }
        match(s, q, "钟");
    } else {
        return false;
    }
    hour = static_cast<int>(*h);
    minute = m;
    if (colon) *colon = used_colon;
    p = q;
    return true;
}

int to_24h(int hour, const std::optional<DayPart>& part) {
    if (hour >= 12) return hour;
    if (part) {
        if (part->from_hour >= 14 && hour < 12) return hour + 12;  // 下午3点, 晚上8点
        if (part->word == "中午" && hour <= 2) return hour + 12;
        return hour;
    }
    return hour <= 6 ? hour + 12 : hour;  // nobody books a repair at 3 am
}

// 以后 / 之后 / 后 or 以前 / 之前 / 前 / 之内 / 以内 at p ("3点前后" is "about 3": no bound).
Bound parse_bound(std::string_view s, std::size_t p) {
    for (std::string_view w : {"以后", "之后", "后"})
        if (at(s, p, w)) return Bound::after;
    for (std::string_view w : {"以前", "之前", "之内", "以内", "前"}) {
        if (!at(s, p, w)) continue;
        if (w == "前" && at(s, p + w.size(), "后")) return Bound::none;
        return Bound::before;
    }
    return Bound::none;
}

// Reads [date][part][clock[到clock | bound]] at p; true when anything was read.
bool parse_at(std::string_view s, std::size_t p, Days day, Parts& out) {
    Parts r;
    r.date = parse_date(s, p, day, r.date_from_weekday);
    if (r.date && p < s.size() && s[p] == ' ') ++p;
    r.part = parse_part(s, p);
    if (parse_clock(s, p, r.hour, r.minute, &r.clock_colon)) {
        std::size_t q = p;
        if (match(s, q, "到") || match(s, q, "至") || match(s, q, "-") || match(s, q, "~")) {
            auto part2 = parse_part(s, q);
            int h2 = -1;
            int m2 = 0;
            if (parse_clock(s, q, h2, m2)) {
                r.end_hour = to_24h(h2, part2 ? part2 : r.part);
                r.end_minute = m2;
                p = q;
            }
        }
        if (r.end_hour < 0) r.bound = parse_bound(s, p);
    } else if (std::size_t q = p; auto h = number(s, q)) {
        // "2到4点", "2-4点"
        if (match(s, q, "到") || match(s, q, "至") || match(s, q, "-") || match(s, q, "~")) {
            int h2 = -1;
            int m2 = 0;
            if (*h <= 24 && parse_clock(s, q, h2, m2)) {
                r.hour = static_cast<int>(*h);
                r.end_hour = to_24h(h2, r.part);
                r.end_minute = m2;
            }
        }
    }
    if (!r.date && !r.part && r.hour < 0) return false;
    out = r;
    return true;
}

// True when `p` is inside a number or a date ("2月30日" must not be read from its "30日").
bool continues_a_number(std::string_view s, std::size_t p) {
    if (p == 0) return false;
    char prev = s[p - 1];
    if (text::is_ascii_digit(prev) || prev == '/' || prev == '-' || prev == '.' || prev == ':' ||
        prev == ' ') {
        return true;
    }
    std::size_t start = p - 1;
    while (start > 0 && p - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
        --start;
    }
    auto before = s.substr(start, p - start);
    return before == "月" || before == "年" || text::number_at(before, 0).has_value();
}

// Today (`today`: no day said, or 今天), with no part of the day said, a morning hour `h` (7点,
// 8点) whose morning is over is the evening's, while the evening's hour is still one of its
// visits: "今天都在，7点以后" said in the afternoon or at 19:00 is tonight, "今天8点" at 14:30 is
// 20:00. Not a clock written as one ("07:30"), a range ending at noon or later, an "until" (前),
// nor an hour already past in the evening too ("8点" at 20:30: asked again). `now_of_day`: the
// local time of day.
bool evening_meant(const Parts& parts, int h, bool today, seconds now_of_day) {
    static_assert(kDayParts[6].word == "晚上");
    constexpr hours kEveningEnds{kDayParts[6].to_hour};
    if (!today || parts.part || parts.clock_colon || h >= 12 || hours{h + 12} >= kEveningEnds ||
        parts.bound == Bound::before || parts.end_hour >= 12)
        return false;
    const seconds from = hours{h} + minutes{parts.minute};
    if (parts.bound == Bound::after) return now_of_day >= hours{12};  // the morning is over
    const seconds morning_end = parts.end_hour >= 0
                                    ? seconds{hours{parts.end_hour} + minutes{parts.end_minute}}
                                    : from + hours{1};
    return morning_end <= now_of_day && from + hours{12} >= now_of_day;
}

// The window named in `normalized`, if any (parse_preferred_time without its 尽快 words).
// `says_today`: the owner's words (all of them) say 今天 too — see Days.
ParsedTime parse_window(std::string_view normalized, sys_seconds now, minutes utc_offset,
                        bool says_today) {
    std::string s = text::compact(normalized);
    // compact drops ':' '-' '/' '.' too; dates and clocks need them, so keep a spaceless copy.
    // Spaces go, except one between digits ("11/25 14:00") which separates date and clock.
    std::string spaced;
    for (std::size_t i = 0; i < normalized.size(); ++i) {
        char c = normalized[i];
        if (c != ' ') {
            spaced.push_back(c);
        } else if (!spaced.empty() && text::is_ascii_digit(spaced.back()) &&
                   i + 1 < normalized.size() && text::is_ascii_digit(normalized[i + 1])) {
            spaced.push_back(' ');
        }
    }
    if (s.empty()) return {};
    auto local_now = now + utc_offset;
    auto today = floor<days>(local_now);
    const Days day{today, says_today ? today : floor<days>(local_now - kNightEnds)};
    Parts parts;
    bool found = false;
    std::size_t p = 0;
    for (; p < spaced.size() && !found;) {
        if (!continues_a_number(spaced, p)) found = parse_at(spaced, p, day, parts);
        p += text::decode_at(spaced, p).length;
    }
    if (!found) return {};
    // A day alone, then hours on that day ("今天都在，6点以后", "明天都在，下午3点来"): the later
    // words say when on it — not 晚点 / 早点 ("明天都可以，晚点也行": later in the day is no
    // evening), nor hours excepted ("周六除了中午都在").
    if (parts.date && !parts.part && parts.hour < 0 && spaced.find("除了") == std::string::npos) {
        for (Parts later; p < spaced.size(); p += text::decode_at(spaced, p).length) {
            if (continues_a_number(spaced, p)) continue;
            if (text::at(spaced, p, "晚点") || text::at(spaced, p, "晚一点") ||
                text::at(spaced, p, "早点") || text::at(spaced, p, "早一点"))
                continue;
            if (!parse_at(spaced, p, day, later)) continue;
            if (later.date) break;  // another day: the first one stands
            later.date = parts.date;
            later.date_from_weekday = parts.date_from_weekday;
            parts = later;
            break;
        }
    }

    sys_days date = parts.date.value_or(today);
    seconds from{};
    seconds to{};
    int h = parts.hour >= 0 ? to_24h(parts.hour, parts.part) : -1;
    if (h >= 0 &&
        evening_meant(parts, h,
                      date == today && (!parts.date || says_today) && !parts.date_from_weekday,
                      local_now - sys_seconds{today})) {
        h += 12;
        if (parts.end_hour >= 0) parts.end_hour += 12;
    }
    if (parts.hour >= 0) {
        if (h > 23) return {};
        from = hours{h} + minutes{parts.minute};
        if (parts.end_hour >= 0) {
            to = hours{parts.end_hour} + minutes{parts.end_minute};
            if (to <= from) return {};
        } else if (parts.bound == Bound::after) {
            // To the end of the part of the day said, else of the working day (or the evening).
            to = parts.part ? hours{parts.part->to_hour} : from < hours{18} ? hours{18} : hours{21};
            if (to <= from) to = from + hours{1};
        } else if (parts.bound == Bound::before) {
            // From the start of the part of the day said, else of the working day: "下午三点前都在"
            // is 13:00-15:00, not a visit at 15:00 when the owner has gone.
            to = from;
            from = !parts.part                       ? hours{9}
                   : parts.part->bound_from_hour > 0 ? hours{parts.part->bound_from_hour}
                                                     : hours{parts.part->from_hour};
            // Two hours at least: a shorter window reads as a point in time, due at its start
            // (booked_visit_time) — before the owner's "until" window even opens.
            if (to - from < hours{2}) from = to - hours{2};
        } else {
            to = from + hours{1};
        }
    } else if (parts.part) {
        from = hours{parts.part->from_hour};
        to = hours{parts.part->to_hour};
    } else {
        from = hours{9};
        to = hours{18};
    }
    auto window_for = [&](sys_days d) {
        return TimeWindow{sys_seconds{d} + from - utc_offset, sys_seconds{d} + to - utc_offset};
    };
    TimeWindow w = window_for(date);
    if (w.end <= now && parts.date_from_weekday) w = window_for(date + days{7});
    if (w.end <= now) return {TimeAnswer::past, w};
    if (w.start > now + days{366}) return {};
    // Begun: from now on — but a window of more than an hour whose end the owner said (上午, 下午,
    // 三点前, 2点到4点) with an hour or less and over half an hour left keeps its start, so that
    // it books its end (booked_visit_time), not "at once" (the urgency's own limit then).
    const bool owner_said_end = parts.part || parts.end_hour >= 0 || parts.bound == Bound::before;
    const bool keeps_start = owner_said_end && w.end - w.start > hours{1} &&
                             w.end - now <= hours{1} && w.end - now > minutes{30};
    if (w.start < now && !keeps_start) w.start = now;
    return {TimeAnswer::window, w};
}

// `normalized` without the clauses (between , . ; ! ?) that rule a time out:
// "今天不行，明天都可以" -> "明天都可以", "现在就来，下午我不在家" -> "现在就来".
std::string without_refused_clauses(std::string_view normalized) {
    static constexpr std::array<std::string_view, 13> kRefused = {
        "不行", "不在",   "没空",   "不方便", "没人",   "不可以", "不要来",
        "别来", "要出门", "出门了", "要出去", "出去了", "不能来"};
    // The day a clause ruled out starts with still names the day of hours the rest gives with no
    // day of their own ("明天上午别来，下午都在" is tomorrow afternoon, not today's; "今天不行，
    // 随时都可以" stays any time).
    static constexpr std::array<std::string_view, 6> kDays = {"大后天", "后天", "明天",
                                                              "今天",   "明早", "明晚"};
    static constexpr std::array<std::string_view, 10> kDayNames = {
        "天", "周", "星期", "礼拜", "号", "日", "月", "明早", "明晚", "今晚"};
    static constexpr std::array<std::string_view, 8> kHours = {"上午", "下午", "中午", "晚上",
                                                               "早上", "傍晚", "点",   ":"};
    std::string kept;
    std::string_view refused_day;
    for (const auto clause : text::clauses(normalized)) {
        if (clause.starts_with("除了") || text::contains_any(clause, kRefused)) {
            for (auto d : kDays)
                if (refused_day.empty() && clause.starts_with(d))
                    refused_day = clause.substr(0, d.size());
            continue;
        }
        if (!kept.empty()) kept.push_back(' ');
        kept.append(clause);
    }
    if (!refused_day.empty() && text::contains_any(kept, kHours) &&
        !text::contains_any(kept, kDayNames))
        kept = std::string(refused_day) + " " + kept;
    return kept;
}

}  // namespace

ParsedTime parse_preferred_time(std::string_view normalized, sys_seconds now, minutes utc_offset) {
    // A time named wins over the words around it ("周六上午都可以"), and a time ruled out is
    // not named ("现在不在家，明天下午吧", "今天不行，明天都可以", "现在就来，下午我不在家").
    const std::string kept = without_refused_clauses(normalized);
    // 今天 in the same words, even in a clause ruled out ("今天下午不行，明天下午可以"), sets the
    // calendar's days apart: 明天 is then the calendar's tomorrow, also before 05:00.
    const bool says_today = normalized.find("今天") != std::string_view::npos ||
                            normalized.find("今日") != std::string_view::npos ||
                            normalized.find("今晚") != std::string_view::npos;
    auto named = parse_window(kept, now, utc_offset, says_today);
    if (named.answer == TimeAnswer::window) return named;
    const std::string s = text::compact(kept);
    for (auto w : kAsapWords) {
        if (s.find(w) != std::string::npos) return {TimeAnswer::asap, {}};
    }
    return named;
}

std::string format_window(const TimeWindow& w, minutes utc_offset) {
    auto a = w.start + utc_offset;
    auto b = w.end + utc_offset;
    auto da = floor<days>(a);
    auto db = floor<days>(b);
    year_month_day ya{da};
    hh_mm_ss ha{a - da};
    hh_mm_ss hb{b - db};
    char buf[64];
    if (da == db || (b - db == seconds{0} && db - da == days{1})) {
        int end_h = da == db ? static_cast<int>(hb.hours().count()) : 24;
        std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d-%02d:%02d",
                      static_cast<int>(ya.year()), static_cast<unsigned>(ya.month()),
                      static_cast<unsigned>(ya.day()), static_cast<int>(ha.hours().count()),
                      static_cast<int>(ha.minutes().count()), end_h,
                      static_cast<int>(hb.minutes().count()));
    } else {
        year_month_day yb{db};
        std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d - %04d-%02u-%02u %02d:%02d",
                      static_cast<int>(ya.year()), static_cast<unsigned>(ya.month()),
                      static_cast<unsigned>(ya.day()), static_cast<int>(ha.hours().count()),
                      static_cast<int>(ha.minutes().count()), static_cast<int>(yb.year()),
                      static_cast<unsigned>(yb.month()), static_cast<unsigned>(yb.day()),
                      static_cast<int>(hb.hours().count()), static_cast<int>(hb.minutes().count()));
    }
    return buf;
}

}  // namespace repairbot::dialog
