// The questions a ticket puts to its owner in chat (dialog/feedback.h: confirm the fix, rate it,
// agree to a quote) live in the owner's stored session; when the ticket stops asking — closed by
// the SLA engine, a quote withdrawn with a hand-over — they are dropped there, so the owner's
// next message is not taken for an answer. Runs on the caller's executor (Redis).
#pragma once

#include <boost/asio/awaitable.hpp>

#include <string>

#include "store/session_store.h"

namespace repairbot::bot {

// Drops every question about ticket `number` from `openid`'s session, compare-and-set, retried
// a few times on a concurrent change (a parked draft becomes the current conversation again).
// False when the session kept changing (the caller logs it; the chat then answers the stale
// question with the ticket's state). No session, or one the chat cannot read: nothing to do,
// true. Throws what SessionStore throws when Redis is unreachable.
[[nodiscard]] boost::asio::awaitable<bool> drop_owner_questions(store::SessionStore& sessions,
                                                                std::string openid,
                                                                std::string number);

}  // namespace repairbot::bot
