// libFuzzer target: the preferred-visit-time parser (尽快, 今天下午, 明天上午10点, 周六, 11月25日,
// 2026-11-25 14:00). The first two bytes pick the clock (any of ~4 years of hours around
// 2026-11-20) and the UTC offset; the rest is what the owner typed. It must never crash or
// throw, and a window it returns must be non-empty, not over before `now`, and start at `now`
// once begun unless it keeps its start by ParsedTime's rule.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dialog/text.h"
#include "dialog/time_parse.h"
#include "fuzz_support.h"

using namespace repairbot::dialog;
using namespace std::chrono_literals;

namespace {

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2 || size > 4096) return 0;
    const auto base = std::chrono::sys_days{std::chrono::year{2026} / 11 / 20} + 6h + 30min;
    // Spread the clock over hours across years (leap days, year ends, weekdays) and the offset
    // over -12h..+14h in quarter hours.
    const auto now = base + std::chrono::hours{(static_cast<int>(data[0]) - 128) * 137};
    const auto offset = std::chrono::minutes{(static_cast<int>(data[1]) % 105 - 48) * 15};
    const std::string_view raw(reinterpret_cast<const char*>(data + 2), size - 2);
    const std::string normalized = text::normalize(raw);

    const ParsedTime parsed = parse_preferred_time(normalized, now, offset);
    const ParsedTime again = parse_preferred_time(normalized, now, offset);
    if (parsed.answer != again.answer || parsed.window != again.window)
        fail("parse_preferred_time is not deterministic");
    if (parsed.answer == TimeAnswer::window) {
        if (!(parsed.window.start < parsed.window.end)) fail("an empty or inverted window");
        // Begun, it starts at now — except a window of more than an hour, with an hour or less
        // and over half an hour left, which keeps its start (ParsedTime, dialog/time_parse.h).
        if (parsed.window.start < now) {
            const auto left = parsed.window.end - now;
            if (!(parsed.window.end - parsed.window.start > 1h && left <= 1h && left > 30min))
                fail("a window that starts before now");
        }
        const std::string shown = format_window(parsed.window, offset);
        if (shown.empty() || !repairbot::fuzz::valid_utf8(shown)) fail("bad window display");
    }
    return 0;
}
