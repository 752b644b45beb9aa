// The technician's chat commands (绑定 接单 到达 完成 报价 转单 我的工单; a supervisor's 核准
// [单号] [金额元] and 驳回 [单号] 原因) and the answer to "which job?", parsed from what was typed.
// Words are matched on the normalized text; notes and reasons are handed back in the sender's
// own words.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dialog/session.h"

namespace repairbot::dialog {

enum class JobCommandKind : std::uint8_t {
    bind,  // 绑定 <code>
    list,  // 我的工单
    job,   // an action on one job: `action`
    duty,  // 上班 / 下班: whether new jobs come to them (`on_duty`)
};

struct JobCommand {
    JobCommandKind kind = JobCommandKind::job;
    JobAction action = JobAction::accept;
    std::string code{};           // bind: the code as sent; empty when none was given
    std::string ticket{};  // a ticket number named in the message (lower case; or "0007"), or ""
    std::optional<long> index{};  // a list position (1-based) named instead of a number
    std::optional<std::int64_t> cents{};  // finish: 费用; quote: the amount; approve: "100元"
    bool bad_amount = false;  // 费用 / 报价 without a readable amount; 核准 with words left unread
    std::string text{};  // finish: the note; hand_over, reject_quote: the reason; trimmed
    bool words_after = false;  // words left after what was read (any action: "到达电梯口时…")
    // Numbers among them that may name a place or another job, as addresses are written: runs of
    // 3+ digits, "7栋" (also 号楼 / 幢), "2单元", digits before 楼 / 室 / 号 ("到达 7栋101": "7栋",
    // "101"); "换了2个阀门" has none, nor has money ("100是材料费", "300块").
    std::vector<std::string> places{};
    bool on_duty = false;  // duty: 上班 (true) or 下班 (false)
};

// The command `raw` (the message as typed) is, or nullopt when it starts with no command
// word. 上班 / 下班 (and 开工, 在岗, 值班 / 休息, 不上班, 请假, …) are a command only as the whole
// message, a 我 / 今天 / 先 before and a 了 / 啦 after allowed ("我先下班了"), and no question
// ("下班了？"): "下班后过去" is a visit time.
// `完成 BX20261121-0007 费用80元 换了水龙头` gives finish, the ticket, 8000 cents and the note
// "换了水龙头". Never fails.
[[nodiscard]] std::optional<JobCommand> parse_job_command(std::string_view raw);

// A job named on its own: a ticket number ("BX20261121-0007", any case), the end of one as read
// off a push ("0007": four digits or led by a 0) or a list position ("2", "第2个"). nullopt for
// anything else. A command names a job the same ways, but only a 0-led end ("完成 0007": "完成
// 1500" may be a fee).
struct JobRef {
    std::string ticket{};  // lower case (or the digits of an end); empty when `index` is set
    std::optional<long> index{};
};
[[nodiscard]] std::optional<JobRef> parse_job_ref(std::string_view normalized);

// True when `word` looks like a ticket number (letters or '-' with at least four digits,
// six characters or more), e.g. "bx20261121-0007".
[[nodiscard]] bool looks_like_ticket_number(std::string_view word);

// The first ticket number in `normalized` text, in upper case as the desk writes them
// ("BX20261121-0007"); "" when there is none.
[[nodiscard]] std::string ticket_number_in(std::string_view normalized);

}  // namespace repairbot::dialog
