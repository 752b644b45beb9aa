// The owner's preferred visit time (预约维修时间): 尽快, 今天下午, 明天上午10点, 周六, 11月25日,
// 2026-11-25 14:00 — resolved against a given `now` and UTC offset, never the clock.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace repairbot::dialog {

// A visit window in UTC, [start, end).
struct TimeWindow {
    std::chrono::sys_seconds start{};
    std::chrono::sys_seconds end{};
    bool operator==(const TimeWindow&) const = default;
};

enum class TimeAnswer {
    window,          // a window was understood; see `window`
    asap,            // 尽快 / 随时 / 都行 / 跳过: no preference
    past,            // understood, but the whole window is already over
    not_understood,  // nothing usable (also impossible dates such as 2月30日)
};

struct ParsedTime {
    TimeAnswer answer = TimeAnswer::not_understood;
    // Only for TimeAnswer::window. A window that has begun starts at `now`, except one of more
    // than an hour whose end the owner said (a part of the day, a range, 前) with an hour or less
    // and over half an hour left, which keeps its start: it books its end (booked_visit_time),
    // not "at once".
    TimeWindow window;
};

// Parses `normalized` text (text::normalize output). A day without an hour means 09:00-18:00;
// 上午 09-12, 中午 12-14, 下午 14-18, 晚上 18-21; an hour means one hour from it ("3点" alone
// means 15:00); an hour said as a bound runs from it to the end of its part of the day, else to
// 18:00 (21:00 in the evening) — "晚上7点以后" 19-21 — or up to it from the part's start (the
// afternoon's from 13:00), else from 09:00, two hours at least — "下午三点前都在" 13-15, "上午10点
// 前" 08-10. A day alone, then hours on it said as a bound or range ("今天都在，6点以后") takes
// those hours. Today, with no part of the day said, 7点 / 8点 whose morning reading is over are
// the evening's while that is not ("今天都在，7点以后" at 19:00 is 19-21, "今天8点" at 14:30 is
// 20-21; not "07:30", a range ending at noon or later, 前, another day). A date without a year is
// the next such date; a weekday the next such day (today included while its window is still ahead).
// Until 05:00 local, 明天 / 后天 count from the day before (said at 1 a.m., 明天上午 is this
// morning) unless 今天 is said too. A window named wins over 尽快 words around it
// ("现在不在家，明天下午吧", "周六上午都可以"); without one they mean asap. Never fails: see
// TimeAnswer.
[[nodiscard]] ParsedTime parse_preferred_time(std::string_view normalized,
                                              std::chrono::sys_seconds now,
                                              std::chrono::minutes utc_offset);

// "2026-11-25 14:00-18:00" in local time (the end's date is shown when it differs).
[[nodiscard]] std::string format_window(const TimeWindow& w, std::chrono::minutes utc_offset);

}  // namespace repairbot::dialog
