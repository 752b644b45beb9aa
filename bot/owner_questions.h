// The questions a ticket puts to its owner in chat (dialog/feedback.h: confirm the fix, rate it,
// agree to a quote) live in the owner's stored session. They are put there (JobDesk asking) and,
// when the ticket stops asking — closed by the SLA engine, a quote withdrawn with a hand-over —
// dropped there, so the owner's next message is not taken for an answer. Both change a session
// the owner's own messages may be changing at the same moment: compare-and-set, tried again.
// Runs on the caller's executor (Redis).
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dialog/session.h"
#include "store/records.h"
#include "store/session_store.h"

namespace repairbot::bot {

// What to make of an owner's stored session: given it as stored (nullopt when none is, or the
// chat cannot read it), the session to store, or nullopt to leave it as it is.
using OwnerSessionChange =
    std::function<std::optional<dialog::Session>(std::optional<dialog::Session>)>;

// What a ticket in `status` asks its owner, asked at `asked_at`: done — confirm the fix (with
// its fee); confirmed — rate it; an open job (dispatched, accepted, arrived) whose quote waits
// (quote_status pending) — agree to the quote; nullopt for any other state. Pure.
[[nodiscard]] std::optional<dialog::Feedback> question_waiting(
    std::string_view status, const std::string& number, std::optional<std::uint32_t> fee_cents,
    std::string_view quote_status, std::optional<std::uint32_t> quote_cents,
    std::chrono::sys_seconds asked_at);

// Puts back into `openid`'s session each of `questions` whose ticket it has no question about
// (a session expired, or reset, while the ticket waited for the owner), the first of them asked
// first (dialog::ask_first); the owner's next "1" or "同意" answers them again. A session in a
// report or a technician's "which job?" is left alone. Asked when the
// owner asks for their tickets' progress (进度). True when the session was changed. Throws what
// SessionStore throws when Redis is unreachable; false, logged, when it kept changing.
[[nodiscard]] boost::asio::awaitable<bool> restore_owner_questions(
    store::SessionStore& sessions, std::string openid, std::vector<dialog::Feedback> questions);

// `openid`'s session as stored, nullopt when none is or the chat cannot read it (the form
// OwnerSessionChange is given). Reads only. Throws what SessionStore throws when Redis is
// unreachable.
[[nodiscard]] boost::asio::awaitable<std::optional<dialog::Session>> read_owner_session(
    store::SessionStore& sessions, std::string openid);

// Applies `change` to `openid`'s session, compare-and-set, up to `attempts` times while a
// concurrent change wins. False when the session kept changing (the caller logs it). Throws what
// SessionStore throws when Redis is unreachable.
[[nodiscard]] boost::asio::awaitable<bool> change_owner_session(store::SessionStore& sessions,
                                                                std::string openid,
                                                                OwnerSessionChange change,
                                                                int attempts);

// Drops every question about ticket `number` from `openid`'s session (change_owner_session, a
// few attempts: a parked draft becomes the current conversation again). False when the session
// kept changing or Redis could not be reached (logged): the chat then answers the stale question
// with the ticket's state. Never throws — callers call it after their own work is saved, and
// must go on with what follows it (a re-dispatch, the SLA timers). No session, or one the chat
// cannot read: nothing to do, true.
[[nodiscard]] boost::asio::awaitable<bool> drop_owner_questions(store::SessionStore& sessions,
                                                                std::string openid,
                                                                std::string number);

}  // namespace repairbot::bot
