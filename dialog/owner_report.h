// The owner's repair report (internal to dialog): slot by slot from a first message that may
// fill several at once, photos at any point, global commands, corrections, the emergency fast
// path and the summary to confirm. Called by step() for Flow::owner_report sessions.
#pragma once

#include <string_view>

#include "dialog/commands.h"
#include "dialog/fault_classifier.h"
#include "dialog/inbound.h"
#include "dialog/slots.h"
#include "dialog/turn.h"

namespace repairbot::dialog {

// Starts a fresh draft (phone prefilled from the profile) and asks nothing yet.
void begin_report(Turn& t);
// Starts a fresh draft (phone prefilled from the profile) and asks for the address.
void start_report(Turn& t);
// Starts a fresh draft filled from the owner's first message, then asks what is missing.
// `danger` (danger_in's pick from the same words), when given and not what the words' own
// reading picks (that reading does not rule out a danger that is over), makes the draft's
// emergency and type those of reading_of_dangers_there.
void start_report_with(Turn& t, const Said& said, const EmergencyRule* danger = nullptr);

// The emergency the owner's `words` name, as a danger still there: an emergency keyword of the
// catalog not negated (没有漏电), not "not noticed" before it in its clause (没有闻到燃气味) and
// not over after it (燃气味没有了, 漏电问题解决了). nullptr for none. Pure.
[[nodiscard]] const EmergencyRule* danger_in(const Turn& t, std::string_view words);
// The classification of `normalized` words (text::normalize) without the dangers danger_in rules
// out and the type words inside them (燃气 of 燃气味没有了): its emergency is danger_in's. Pure.
[[nodiscard]] Classification reading_of_dangers_there(const Turn& t, std::string_view normalized);

// A ticket was filed from this chat within the idle timeout: what the owner says now may be about
// it (a photo sent now is its, a correction, the danger again).
[[nodiscard]] bool just_submitted(const Turn& t);

// Messages about the report just filed (just_submitted), in whatever flow the chat is — idle, or a
// feedback question of an earlier ticket asked right after the submission. Owners only; true
// when the message was taken so (nothing else is to be done with it).
//
// A correction ("地址错了，是5栋502", "电话不对 …", "不对，是…"; not one naming a danger): the
// ticket is filed (an emergency's dispatched), so the dispatchers put it right — HandToHuman
// (reason correction) and correction_handed. Check it before reading commands (改地址 …). With
// `question_waits` (a question of another ticket is asked), only one with an address or a phone
// in it, or naming the address or phone as wrong, counts: "不对，问题还在" may answer 修好了吗,
// "时间不对，说好上午来的" be a rating's comment.
bool correction_just_after_report(Turn& t, const Said& said, bool question_waits = false);
// The danger of the emergency just filed said again ("水管爆了快点来人啊", "5栋502水漫到楼下了"),
// at no address or the same one (`fill`: extract_slots of the message): the same emergency, on
// its way — not a second ticket and technician. The advice again, emergency_already_filed, and
// the words to the dispatchers (HandToHuman, reason update).
bool same_emergency_again(Turn& t, const Said& said, const SlotFill& fill);

// The owner calls off a ticket already filed (dialog::CancelTicket). ask_what_to_cancel: a bare
// 取消 with no report under way — the bot lists what can be cancelled and how. cancel_named_ticket:
// a message that is nothing but an order to cancel a ticket it names ("取消 BX20261207-0006",
// "我要取消工单BX…", "BX… 不修了") — not a question ("BX… 取消了吗"), a negation ("不要取消 BX…"),
// a complaint or anything else around it; true when taken so. The session forgets the report
// just filed (its photos, its emergency): the one cancelled may be it. Owners only.
void ask_what_to_cancel(Turn& t);
bool cancel_named_ticket(Turn& t, const Said& said);

// What report_danger did.
enum class DangerTaken {
    none,    // the words name no danger
    report,  // an emergency draft started: its advice said, what is missing asked
    human,   // a draft was in progress, or the danger is the emergency just filed again
             // (same_emergency_again): the advice said, and the dispatchers called in at once
};
// Words naming a danger in a message taken as something else — a low rating's comment, a
// refusal's reason, a complaint — must not be swallowed (DOMAIN.md: safety advice at once). The
// emergency just filed, named again, is told to the dispatchers (same_emergency_again). Else with
// no draft in progress, starts an emergency report from them (start_report_with); with one (kept
// as it is), says the advice and hands the owner to the dispatchers (HandToHuman, reason danger).
// Call it after the message's own answer.
DangerTaken report_danger(Turn& t, std::string_view words);

// 投诉 as a command: the complaint (complaint_effect), its reply, and report_danger on its words.
DangerTaken complain(Turn& t, const Said& said, const Command& cmd);

void report_on_text(Turn& t, const Said& said);
void report_on_image(Turn& t, const ImageMessage& image);
void report_on_location(Turn& t, const LocationMessage& location);

// The draft has been idle past the timeout: ask whether to continue it or start over, keeping
// `held` (what the owner just wrote) to replay on 重新开始.
void report_expired(Turn& t, const Said& held);

// Asks the question of the current step again (after help, progress, a menu click ...).
void prompt_current(Turn& t);

// The summary of the draft as shown before confirmation; "" when the draft is empty.
[[nodiscard]] std::string draft_summary(const Turn& t);

}  // namespace repairbot::dialog
