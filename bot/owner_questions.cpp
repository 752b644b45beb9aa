#include "bot/owner_questions.h"

#include "dialog/feedback.h"
#include "dialog/session_codec.h"

namespace repairbot::bot {

boost::asio::awaitable<bool> drop_owner_questions(store::SessionStore& sessions, std::string openid,
                                                  std::string number) {
    constexpr int kAttempts = 5;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        auto stored = co_await sessions.load(openid);
        if (stored.version == 0) co_return true;
        auto session = dialog::decode(stored.data);
        if (!session) co_return true;  // not ours to repair; the chat resets it
        auto dropped = dialog::drop_feedback(*session, number);
        if (dropped == *session) co_return true;
        if (co_await sessions.save(openid, stored.version, dialog::encode(dropped))) co_return true;
    }
    co_return false;
}

}  // namespace repairbot::bot
