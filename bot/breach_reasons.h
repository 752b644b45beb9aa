// Why an SLA stage's deadline was missed: the codes the SLA engine records on an sla_breach
// event (details.reason, bot/sla_timers.cpp) and the words the late list (逾期明细,
// bot/missed_deadlines.h) shows for each. One list, so a code recorded is always one the late list
// can say; "" (no code) when nothing at the breach explains it.
#pragma once

#include <string_view>
#include <utility>

namespace repairbot::bot::breach_reason {

inline constexpr std::string_view nobody_free = "nobody_free";  // no technician had the job
inline constexpr std::string_view technician_off_duty = "technician_off_duty";  // 下班 or disabled
inline constexpr std::string_view technician_unbound = "technician_unbound";  // pushes reach nobody
inline constexpr std::string_view booked_visit = "booked_visit";  // the owner's booked time
inline constexpr std::string_view quote_owner = "quote_owner";    // a quote waits for the owner
inline constexpr std::string_view quote_review = "quote_review";  // … for a supervisor's review
inline constexpr std::string_view not_arrived = "not_arrived";    // finish: never on site
inline constexpr std::string_view in_progress = "in_progress";    // finish: on site, not done

// The late list's words for `code`: "-" for none, the code itself for one this build does not
// know (recorded by a newer one).
[[nodiscard]] constexpr std::string_view words(std::string_view code) {
    constexpr std::pair<std::string_view, std::string_view> kWords[] = {
        {nobody_free, "无人可派"},
        {technician_off_duty, "维修工已下班或停用"},
        {technician_unbound, "维修工未绑定微信"},
        {booked_visit, "按业主预约时间"},
        {quote_owner, "等业主答复报价"},
        {quote_review, "报价待主管审核"},
        {not_arrived, "维修工未到场"},
        {in_progress, "维修中"},
    };
    if (code.empty()) return "-";
    for (const auto& [key, said] : kWords)
        if (key == code) return said;
    return code;
}

}  // namespace repairbot::bot::breach_reason
