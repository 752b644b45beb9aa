// The technician's chat (internal to dialog): 绑定, 接单, 到达, 完成, 报价, 转单, 我的工单, each
// checked against the sender's own open jobs (Context::technician), the "which job?" question
// when several are open, and 上班 / 下班 (SetDuty). Called by step() before the owner's dialogue.
#pragma once

#include "dialog/turn.h"

namespace repairbot::dialog {

// 绑定 <code>, from anyone in any flow. False when the message is not a 绑定 command.
[[nodiscard]] bool bind_on_text(Turn& t, const Said& said);

// A bound technician's message: a job command, or the answer to a pending "which job?".
// While the sender is reporting a repair (Flow::owner_report) only commands that name a ticket
// number are taken, so 完成 / 好了 still answer the report, and 上班 / 下班 never ("今天休息" may
// answer when to come). False when the message is for the owner's dialogue.
[[nodiscard]] bool technician_on_text(Turn& t, const Said& said);

// A photo from a bound technician with open jobs, while not reporting a repair of their own: kept
// on the job they are at (the one arrived at, or their only job), or, when that cannot be told,
// the reply says to send 到达 first. False when the photo is for the owner's dialogue (no open
// job, or a report under way).
[[nodiscard]] bool technician_on_image(Turn& t, const ImageMessage& image);

// A job command (上班 / 下班 too, but not while a report is under way), or the answer to a
// pending "which job?", from a sender the bot could not look up (Context::technician_unknown):
// says to send it again later and keeps the session as it is. False otherwise.
[[nodiscard]] bool technician_unrecognised(Turn& t, const Said& said);

// Someone who is not a bound technician sent a job command while idle: tells them to bind.
// False when the message is no job command, or only 上班 / 下班 (an owner's "下班了" is theirs).
[[nodiscard]] bool unbound_job_command(Turn& t, const Said& said);

// The pending "which job?" question again (Flow::technician_pick).
void prompt_pick(Turn& t);

}  // namespace repairbot::dialog
