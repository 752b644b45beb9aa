// One inbound message of one user, start to finish: loads the user's dialogue session from
// Redis, asks the SenderDirectory who is writing (the owner's profile; a bound technician's
// open jobs, read from MySQL, become the step's TechnicianView), runs
// the pure dialog::step, carries out its effects through TicketIntake (reports) and JobDesk
// (job commands, the owner's answers after a job), saves the
// session with compare-and-set (re-running the step on a conflict: the core is pure and the
// effects idempotent), and returns the passive reply. Runs on the caller's executor.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/wechat/inbound_message.h"
#include "adapters/wechat/reply_message.h"
#include "bot/job_desk.h"
#include "bot/metrics.h"
#include "bot/sender_directory.h"
#include "bot/ticket_intake.h"
#include "config/notices.h"
#include "dialog/context.h"
#include "store/session_store.h"

namespace repairbot::bot {

// How the webhook seals a reply: encodes it for WeChat and names the dedupe record that keeps
// it for resends, so the reply is stored by the same Redis call as the session it came from.
struct ReplySeal {
    std::function<std::string(const wechat::Reply&)> encode;
    std::string dedupe_key;  // the full Redis key (DedupeStore::key_of)
    std::chrono::milliseconds ttl{0};
};

struct Handled {
    wechat::Reply reply;
    // The encoded reply, already stored as the message's dedupe record with the session; unset
    // when no session was saved (receipts, deferred, contended): the caller completes it.
    std::optional<std::string> sealed;
};

class Conversation {
public:
    using Clock = std::function<std::chrono::system_clock::time_point()>;

    // Keeps references; all must outlive the Conversation.
    Conversation(const dialog::DialogData& data, const config::Notices& notices,
                 store::SessionStore& sessions, SenderDirectory& senders, TicketIntake& intake,
                 JobDesk& jobs, dialog::Limits limits, Clock clock);

    // The reply to `message` (NoReply for passive events). Throws ServiceUnavailable when
    // Redis is down (the caller answers busy_reply()); when MySQL is down while an effect runs,
    // the session is left as it was (the draft is kept) and the reply says to try again. Any
    // other failure before an effect was carried out is thrown; after one (the session's save
    // failed), the reply is busy_reply() and the session stays as it was, logged as
    // failed_after_effects.
    [[nodiscard]] boost::asio::awaitable<wechat::Reply> handle(wechat::InboundMessage message);
    // The same; with `seal` (may be null; must outlive the call), the reply that goes with a
    // saved session is encoded and stored with it (Handled::sealed). `first_read`: the sender's
    // session as already read (WebhookGate reads it with the claim), used instead of loading it
    // for the first attempt; the save is compare-and-set either way.
    [[nodiscard]] boost::asio::awaitable<Handled> handle(wechat::InboundMessage message, const ReplySeal* seal,
                                                         std::optional<store::StoredSession> first_read = std::nullopt);

    // Counts each message's outcome in repairbot_dialogue_outcomes_total (`metrics` must
    // outlive this; null: not counted).
    void set_metrics(Metrics* metrics);

    // "System busy, try again shortly; nothing you sent is lost": for when handle() could not run.
    [[nodiscard]] wechat::Reply busy_reply(const wechat::InboundMessage& message) const;

private:
    // Counts one message's outcome (a name set_metrics() registered; others are not counted).
    void count(std::string_view outcome);

    const dialog::DialogData& data_;
    const config::Notices& notices_;
    store::SessionStore& sessions_;
    SenderDirectory& senders_;
    TicketIntake& intake_;
    JobDesk& jobs_;
    dialog::Limits limits_;
    Clock clock_;
    std::map<std::string_view, Counter*> outcomes_;  // by outcome name; empty: not counted
};

}  // namespace repairbot::bot
