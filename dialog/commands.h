// The words owners use to steer the conversation: global commands valid at any step (取消,
// 帮助, 返回, 修改地址, 人工, 进度, 投诉, 报修, 重新开始) and the answers some steps wait for
// (确认, 好了, 继续). Matched on the compact form of the whole message, so "取消" inside a
// description ("热水器取消不了") is never a command.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dialog/catalog.h"
#include "dialog/effects.h"
#include "dialog/session.h"

namespace repairbot::dialog {

enum class CommandKind {
    cancel,     // 取消: drop the draft
    help,       // 帮助
    back,       // 返回 / 上一步: the previous question again
    edit,       // 修改地址 / 改电话 ...: `target` says which slot; 修改 alone has none
    human,      // 人工 / 转人工
    progress,   // 进度 / 查询
    complaint,  // 投诉 [text]
    report,     // 报修 / 我要报修
    restart,    // 重新开始 / 重新报修
};

struct Command {
    CommandKind kind;
    std::optional<ReportStep> target;  // for edit
    std::string detail;                // for complaint: the text after 投诉
};

// The command the whole `compact` message (text::compact output) is, or nullopt.
[[nodiscard]] std::optional<Command> parse_command(std::string_view compact);

// True when `compact` asks where a repair stands in the owner's own words ("师傅怎么还没来",
// "师傅什么时候到", "到哪了"): 进度 without the word. About the person coming only: "水还没来"
// is a fault. The caller asks it of messages that name no fault or address.
[[nodiscard]] bool asks_progress(std::string_view compact);

// True when the whole `compact` message calls something off: 取消, 算了, 不修了, or several such
// with a 吧 / 谢谢 ("算了，不修了"). parse_command's cancel; at a quote, a refusal.
[[nodiscard]] bool calls_it_off(std::string_view compact);

// The slot a `compact` message opens by saying is wrong or to be changed, whatever follows:
// "地址错了，是5栋502", "电话不对 13912345678", "改一下地址5栋502", "修改电话13912345678",
// "不对，是5栋502" (the address unless another slot is named); nullopt for anything else. What an
// owner sends about a report just submitted.
[[nodiscard]] std::optional<ReportStep> correction_of(std::string_view compact);
// A correction_of that names no slot: "不对，是…", "错了" (it may as well answer a question such as
// 修好了吗 — "不对，水还在滴").
[[nodiscard]] bool is_bare_correction(std::string_view compact);

// The owner's own words after 投诉 in `raw` (the message as typed: case, punctuation and spaces
// kept, trimmed at both ends), for the complaint on record; `cmd.detail` when `raw` does not
// hold 投诉 as typed (a voice message, "投 诉"). Never fails.
[[nodiscard]] std::string complaint_words(std::string_view raw, const Command& cmd);
// The complaint to file: complaint_words, serious when `catalog` says so of them.
[[nodiscard]] FileComplaint complaint_effect(const FaultCatalog& catalog, std::string_view raw,
                                             const Command& cmd);

// Step answers, on the compact form.
[[nodiscard]] bool is_confirm_word(std::string_view compact);  // 确认, 对, 好的, 提交 ...
[[nodiscard]] bool is_photos_done_word(std::string_view compact);  // 没有, 跳过, 好了 ...
[[nodiscard]] bool is_continue_word(std::string_view compact);     // 继续, 接着 ...

}  // namespace repairbot::dialog
