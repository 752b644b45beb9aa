#include "bot/owner_questions.h"

#include <algorithm>

#include "bot/ticket_lifecycle.h"
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

std::optional<dialog::Feedback> question_waiting(std::string_view status, const std::string& number,
                                                 std::optional<std::uint32_t> fee_cents,
                                                 std::string_view quote_status,
                                                 std::optional<std::uint32_t> quote_cents,
                                                 std::chrono::sys_seconds asked_at) {
    namespace ts = store::ticket_status;
    using dialog::FeedbackStep;
    if (status == ts::done) {
        std::optional<std::int64_t> fee;
        if (fee_cents) fee = *fee_cents;
        return dialog::Feedback{FeedbackStep::confirm, number, fee, 0, asked_at};
    }
    if (status == ts::confirmed)
        return dialog::Feedback{FeedbackStep::score, number, std::nullopt, 0, asked_at};
    if (is_open_job_status(status) && quote_status == store::quote_status::pending && quote_cents)
        return dialog::Feedback{FeedbackStep::quote, number, std::int64_t{*quote_cents}, 0,
                                asked_at};
    return std::nullopt;
}

boost::asio::awaitable<bool> restore_owner_questions(store::SessionStore& sessions,
                                                     std::string openid,
                                                     std::vector<dialog::Feedback> questions) {
    constexpr int kAttempts = 5;
    bool restored = false;
    OwnerSessionChange put_back =
        [&](std::optional<dialog::Session> stored) -> std::optional<dialog::Session> {
        restored = false;
        // A report being filled, or a technician's "which job?", is left as it is: the owner is
        // mid-way through something else (and a live draft's session has not expired).
        if (stored && (stored->flow == dialog::Flow::owner_report ||
                       stored->flow == dialog::Flow::technician_pick))
            return std::nullopt;
        dialog::Session session = stored ? std::move(*stored) : dialog::Session{};
        // The last first: the first of `questions` ends up asked first.
        for (auto q = questions.rbegin(); q != questions.rend(); ++q) {
            const bool asked = std::any_of(
                session.feedback.begin(), session.feedback.end(),
                [&](const dialog::Feedback& f) { return f.ticket_number == q->ticket_number; });
            if (asked) continue;
            session = dialog::ask_first(std::move(session), *q);
            restored = true;
        }
        if (!restored) return std::nullopt;
        return session;
    };
    if (questions.empty()) co_return false;
    if (!co_await change_owner_session(sessions, openid, std::move(put_back), kAttempts)) {
        log::warn("owner_questions", "session_contended", {{"questions", questions.size()}});
        co_return false;
    }
    co_return restored;
}

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
