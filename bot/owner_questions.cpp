#include "bot/owner_questions.h"

#include "config/log.h"
#include "dialog/feedback.h"
#include "dialog/session_codec.h"

namespace repairbot::bot {

namespace {

std::optional<dialog::Session> session_of(const store::StoredSession& stored) {
    if (stored.version == 0) return std::nullopt;
    return dialog::decode(stored.data);
}

}  // namespace

boost::asio::awaitable<std::optional<dialog::Session>> read_owner_session(
    store::SessionStore& sessions, std::string openid) {
    co_return session_of(co_await sessions.load(std::move(openid)));
}

boost::asio::awaitable<bool> change_owner_session(store::SessionStore& sessions, std::string openid,
                                                  OwnerSessionChange change, int attempts) {
    for (int attempt = 0; attempt < attempts; ++attempt) {
        auto stored = co_await sessions.load(openid);
        auto changed = change(session_of(stored));
        if (!changed) co_return true;
        if (co_await sessions.save(openid, stored.version, dialog::encode(*changed)))
            co_return true;
    }
    co_return false;
}

boost::asio::awaitable<bool> drop_owner_questions(store::SessionStore& sessions, std::string openid,
                                                  std::string number) {
    constexpr int kAttempts = 5;
    OwnerSessionChange drop =
        [number](std::optional<dialog::Session> session) -> std::optional<dialog::Session> {
        if (!session) return std::nullopt;  // not ours to repair; the chat resets it
        auto dropped = dialog::drop_feedback(*session, number);
        if (dropped == *session) return std::nullopt;
        return dropped;
    };
    try {
        co_return co_await change_owner_session(sessions, openid, std::move(drop), kAttempts);
    } catch (const std::exception& e) {
        // Called after the caller's own work is saved: that work stands, and the chat answers a
        // question left behind with the ticket's state.
        log::warn("owner_questions", "session_unavailable",
                  {{"number", number}, {"error", e.what()}});
    }
    co_return false;
}

}  // namespace repairbot::bot
