// The owner's repair report (internal to dialog): slot by slot from a first message that may
// fill several at once, photos at any point, global commands, corrections, the emergency fast
// path and the summary to confirm. Called by step() for Flow::owner_report sessions.
#pragma once

#include "dialog/inbound.h"
#include "dialog/turn.h"

namespace repairbot::dialog {

// Starts a fresh draft (phone prefilled from the profile) and asks nothing yet.
void begin_report(Turn& t);
// Starts a fresh draft (phone prefilled from the profile) and asks for the address.
void start_report(Turn& t);
// Starts a fresh draft filled from the owner's first message, then asks what is missing.
void start_report_with(Turn& t, const Said& said);

// The emergency `said` names (an emergency rule of the catalog, not negated); nullptr for none.
[[nodiscard]] const EmergencyRule* danger_in(const Turn& t, const Said& said);
// Words naming a danger in a message taken as something else — a rating's comment, a refusal's
// reason, a complaint — must not be swallowed (DOMAIN.md: safety advice at once). With no draft
// in progress, starts an emergency report from them (start_report_with: the advice first, then
// what is missing); with one, gives the advice and leaves the draft as it is. Call it after the
// message's own answer. Does nothing when `said` names no danger; true when it named one.
bool report_danger(Turn& t, const Said& said);

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
