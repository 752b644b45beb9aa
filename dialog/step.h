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
    bool operator==(const Reply&) const = default;
};

struct Outcome {
    Session session;
    std::vector<Reply> replies{};  // usually one; the first fits a passive reply
    std::vector<Effect> effects{};
};

// Advances `session` by one inbound message. Every message a person sends gets at least one
// reply; passive events (unsubscribe, view, location report) get none. Never throws on any
// input (only std::bad_alloc can escape). Bytes of the message that are not valid UTF-8 are
// read as U+FFFD, so the replies, the effects and the session it leaves hold valid UTF-8
// whenever the session given did. Deterministic: the same arguments give the same Outcome, so
// a retried webhook can simply run it again.
[[nodiscard]] Outcome step(Session session, const Inbound& in, const Context& ctx);

}  // namespace repairbot::dialog
