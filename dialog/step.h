// The conversation as a pure function: step(session, message, context) -> the next session,
// the replies to send and the effects to carry out. No I/O, no clock, no randomness.
#pragma once

#include <string>
#include <vector>

#include "dialog/context.h"
#include "dialog/effects.h"
#include "dialog/inbound.h"
#include "dialog/session.h"

namespace repairbot::dialog {

struct Reply {
    std::string text{};
    // Said after the answer to a QueryProgress effect, which the edge puts in before this reply
    // (the owner's list of tickets, then the question asked again); false for every reply of a
    // turn without one, and for what was said before the answer.
    bool after_progress = false;
    bool operator==(const Reply&) const = default;
};

struct Outcome {
    Session session;
    // Usually one; the first fits a passive reply. A turn with a QueryProgress effect has up to
    // two — what was said before the answer and what after (Reply::after_progress) — and may
    // have none: the edge's answer is then the whole reply.
    std::vector<Reply> replies{};
    std::vector<Effect> effects{};
};

// Advances `session` by one inbound message. Every message a person sends gets at least one
// reply, or a QueryProgress effect whose answer the edge sends; passive events (unsubscribe, view,
// location report) get none. Never throws on any input (only std::bad_alloc can escape). Bytes of
// the message that are not valid UTF-8 are read as U+FFFD, so the replies, the effects and the
// session it leaves hold valid UTF-8 whenever the session given did. Deterministic: the same
// arguments give the same Outcome, so a retried webhook can simply run it again.
[[nodiscard]] Outcome step(Session session, const Inbound& in, const Context& ctx);

}  // namespace repairbot::dialog
