// Delivers the outbox: a worker coroutine that leases due rows (several instances never send
// one row at once; a crashed worker's rows come back when the lease ends) and sends a few of a
// batch at once (lanes: each send mostly waits on WeChat), words each
// notification per config/push.toml — a customer-service text inside WeChat's 48-hour window,
// a template message otherwise — sends it through the WeChat API client, and records the
// outcome: sent, retried later with exponential backoff and jitter, or failed for good.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <random>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "adapters/wechat/api/api_client.h"
#include "bot/metrics.h"
#include "config/push_templates.h"
#include "store/mysql_pool.h"
#include "store/outbox_repository.h"
#include "store/records.h"

namespace repairbot::bot {

// A notification worded for both channels. Pure.
struct WordedNotice {
    std::string event;
    std::string text;            // customer-service message
    nlohmann::json template_data;  // {"field": {"value": "..."}}
    const config::PushTemplate* wording = nullptr;
    std::vector<std::string> missing;  // {names} the wording has and the payload lacks
};

// Words `payload` (a JSON object whose fields fill the {placeholders}) with the event's
// template. A {name} the payload lacks (a push queued by an older version, before the wording
// named it; or a name misspelt in push.toml) leaves its line out of the text, and reads as
// nothing in a template field or where no line would be left; it is listed in `missing`.
// nullopt when the payload is not a JSON object. Pure.
[[nodiscard]] std::optional<WordedNotice> word_notice(const config::PushTemplates& templates,
                                                      std::string_view payload);

// The wait before retry number `attempts` (1-based): 2^attempts seconds, capped at 10 minutes,
// scaled by `jitter` in [0.5, 1.5). Pure.
[[nodiscard]] std::chrono::milliseconds retry_delay(std::uint32_t attempts, double jitter);

struct OutboxWorkerOptions {
    std::string worker_id;                           // unique per process
    std::chrono::milliseconds poll_interval{500};    // when nothing was due
    std::chrono::milliseconds lease{60000};          // how long a claimed row is ours
    std::uint32_t batch = 20;
    std::uint32_t concurrency = 4;                   // sends of a batch in flight at once (lanes)
    std::uint32_t max_attempts = 12;                 // then the row fails for good
    std::chrono::hours service_window{48};           // WeChat's customer-service window
};

class OutboxWorker {
public:
    // Keeps references; all must outlive the worker.
    OutboxWorker(store::MysqlPool& mysql, wechat::api::ApiClient& api,
                 const config::PushTemplates& templates, OutboxWorkerOptions options);

    // Runs until stop(); on the caller's executor. Never throws: a MySQL outage is waited out.
    boost::asio::awaitable<void> run();
    // Asks run() to return after the pushes in hand (up to `concurrency`). Thread-safe.
    void stop();
    // After stop(): returns once run() has returned, or after `limit`, whichever comes first —
    // so a shutdown does not cut off a push WeChat accepted before it is marked sent (its lease
    // would end and another instance would send it again). On run()'s executor.
    boost::asio::awaitable<void> stopped(std::chrono::milliseconds limit);

    // One pass: claims due rows and delivers them. Returns how many were handled.
    boost::asio::awaitable<std::size_t> deliver_due();

    // Counts sends by channel (repairbot_outbox_sent_total) and failed attempts by errcode
    // (repairbot_outbox_send_failures_total) in `metrics`. Call before run().
    void set_metrics(Metrics* metrics) { metrics_ = metrics; }

private:
    // A claimed batch and when each of its recipients last wrote (absent: never, or unknown).
    struct Pass {
        std::vector<store::OutboxMessage> rows;
        std::unordered_map<std::string, store::Timestamp> last_inbound;
    };
    // Sends one row — a text when `last_inbound` puts the recipient inside the 48-hour window,
    // else a template — and records the outcome.
    boost::asio::awaitable<void> deliver(store::OutboxMessage row, std::optional<store::Timestamp> last_inbound);
    // Marks the row failed: back to pending after a backoff when `retry` and attempts remain,
    // else failed for good. Counts the attempt under `label` (api_failure_label, or what was
    // wrong with the row).
    boost::asio::awaitable<void> record_failure(store::OutboxMessage row, std::optional<int> errcode,
                                                std::string error, bool retry, std::string label);
    // Records that WeChat accepted a push. Marks that gather while a lane writes marks go
    // together in its next statement (at most one in flight, so a push waits for its mark no
    // longer than for the statement before it); the lane that finds nobody writing writes them
    // all, the others go on to their next send (the push is logged and counted as sent at once:
    // WeChat has it). On the lanes' strand; deliver_due returns once every mark of its pass is
    // written, or tried again and given up on (logged with the rows' ids: they are sent again
    // when their leases end).
    boost::asio::awaitable<void> mark_sent(store::OutboxRepository::SentPush sent);
    // Writes unmarked_ in groups until it is empty; a group whose statement fails goes back in
    // front of it and the error is thrown.
    boost::asio::awaitable<void> write_marks();

    store::MysqlPool& mysql_;
    wechat::api::ApiClient& api_;
    const config::PushTemplates& templates_;
    OutboxWorkerOptions options_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> running_{false};
    std::mt19937 random_;
    Metrics* metrics_ = nullptr;
    std::vector<store::OutboxRepository::SentPush> unmarked_;  // mark_sent's, on the lanes' strand
    bool marking_ = false;                                     // a lane is writing them
};

}  // namespace repairbot::bot
