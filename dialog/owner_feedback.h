// The owner's answers to pending questions (internal to dialog): confirmation, rating and its
// comment, quote approval. Called by step() for Flow::owner_feedback sessions.
#pragma once

#include "dialog/turn.h"

namespace repairbot::dialog {

// An owner's text while a question is pending. An answer settles it; a global command is
// carried out and the question asked again; a message that starts a repair report (fault
// words or an address) goes to the parked draft, or starts a new report, and the question
// stays pending.
void feedback_on_text(Turn& t, const Said& said);

// Says the question now pending (nothing when none is).
void ask_feedback(Turn& t);

// Run at the end of every step: a report that ended (submitted, cancelled) with questions
// pending brings the first one back; questions all answered bring a parked draft back.
void settle(Turn& t);

// Leaves a technician's "which job?" (or a flow without its state) for what else the session
// holds: pending questions, else a parked draft, else idle.
void fall_back(Session& s);

// Sessions from storage that claim a flow without its state (Flow::owner_feedback with no
// question, Flow::technician_pick with no command) continue as the flow they fall back to; a
// draft's photos beyond what the store keeps (inbound.h) are dropped, a longer label cut.
void heal(Session& s);

}  // namespace repairbot::dialog
