// The SLA engine at work: keeps the Redis timer index (store/timer_index.h) in step with the
// tickets in MySQL and acts when a timer falls due — a warning to the technician, an escalation
// to the supervisors (and the manager for emergencies, and for a finish missed again) at a breach,
// recorded with why it was missed for the late list, a re-dispatch when a job was
// not accepted in time, a new promised time for the owner when the finish is late, the owner's
// reminder, the auto-close after 7 days, the dispatchers told of a callback due (once per due
// time), the supervisors of a 人工 nobody answered in time (a handover callback due), and of a
// complaint (投诉) whose handling nobody has recorded: every follow_ups.complaint_reminder (24 h)
// from its filing until it is handled, the managers too from the second reminder on (or at the
// first for a serious one) — so no complaint is forgotten (件件有着落) even after its callback.
//
// Which timers a ticket needs is bot/timer_plan.h. Exactly once, across instances and restarts:
//  * a timer is claimed with a lease and acked after its action (a crashed worker's timers
//    come back when the lease runs out);
//  * a firing re-reads the ticket under a row lock and re-plans: it acts only if the plan still
//    has that timer due now (stage still unmet, ticket still waiting), so a stale or duplicate
//    timer does nothing; a timer moved later is put back at its new time;
//  * the action's audit event (actor "sla", details.timer = action_marker) is written in the
//    same transaction as its outbox rows and checked first, so a repeat finds it and stops.
// A timer that fires late (the server was down) acts once, at once; a warning whose breach has
// passed too is dropped (the escalation says more). Redis being wiped loses nothing: rebuild()
// refills the index from MySQL at start-up.
//
// All coroutines run on the caller's executor; SQL runs on the MysqlPool's threads.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "bot/dispatch.h"
#include "bot/metrics.h"
#include "bot/timer_plan.h"
#include "config/notices.h"
#include "config/sla_data.h"
#include "dialog/context.h"
#include "dialog/session.h"
#include "store/mysql_pool.h"
#include "store/records.h"
#include "store/session_store.h"
#include "store/timer_index.h"

namespace repairbot::bot {

struct SlaTimersOptions {
    std::string worker_id = "sla";                  // for the logs
    std::chrono::milliseconds poll_interval{500};   // the wait when nothing was due (bounds lag)
    std::chrono::milliseconds lease{60000};         // how long a claimed timer is ours
    std::uint32_t batch = 100;                      // timers claimed per pass
    std::uint32_t rebuild_page = 500;               // tickets read per query by rebuild()
};

class SlaTimers {
  public:
    using Clock = std::function<std::chrono::system_clock::time_point()>;

    // Keeps references; all must outlive the engine. `clock` is asked for "now" everywhere.
    SlaTimers(store::MysqlPool& mysql, store::TimerIndex& index, store::SessionStore& sessions,
              Dispatcher& dispatcher, const config::SlaData& sla, const config::Notices& notices,
              const dialog::DialogData& dialog, SlaTimersOptions options, Clock clock);

    // After every save of a ticket: schedules the timers its state calls for
    // (timer_plan.h timers_to_schedule) and cancels the others. Never throws: with Redis down it logs, and rebuild() plus the fire-time re-check
    // repair the index later.
    boost::asio::awaitable<void> track(store::Ticket ticket);

    // A callback (回访) was queued or done: schedules its due timer, or cancels it. Never throws.
    boost::asio::awaitable<void> track_callback(store::Callback callback);

    // Start-up: schedules the timers of every ticket, callback and open complaint in MySQL that
    // needs one (timers_to_schedule, plan_callback_timer, plan_complaint_timer; timers in flight
    // are left alone). A complaint's first reminder is put in the index by this alone (run again
    // every 10 minutes by the app): due a day after its filing, it never waits for it; a handled
    // complaint's timer fires once, finds it handled and is dropped. Returns how many were
    // scheduled. Throws ServiceUnavailable when MySQL or Redis is down.
    boost::asio::awaitable<std::size_t> rebuild();

    // False when Redis lost the index since the last complete rebuild() (a Redis restarted
    // empty): the caller rebuilds at once. Throws ServiceUnavailable when Redis is down.
    boost::asio::awaitable<bool> index_intact();

    // One pass: claims up to options.batch due timers, acts on each, acks it. Returns how many
    // were claimed. A timer whose action failed (MySQL down) is not acked: it comes back after
    // the lease. Throws ServiceUnavailable when Redis is down.
    boost::asio::awaitable<std::size_t> fire_due();

    // The worker loop: fire_due() until stop(), waiting poll_interval when nothing was due.
    // Never throws: outages are logged and waited out.
    boost::asio::awaitable<void> run();
    // Asks run() to return after the pass in hand. Thread-safe.
    void stop();

    // Counts fired timers by result and observes their lag (fired minus due) in `metrics`
    // (repairbot_sla_timers_fired_total, repairbot_sla_timer_lag_seconds). Call before run().
    void set_metrics(Metrics* metrics) { metrics_ = metrics; }

  private:
    boost::asio::awaitable<void> fire(store::DueTimer timer, store::Timestamp now);
    boost::asio::awaitable<void> fire_ticket_timer(TimerRef ref, store::DueTimer timer,
                                                   store::Timestamp now);
    boost::asio::awaitable<void> fire_callback(TimerRef ref, store::DueTimer timer,
                                               store::Timestamp now);
    boost::asio::awaitable<void> fire_complaint(TimerRef ref, store::DueTimer timer,
                                                store::Timestamp now);
    // The owner's reminder about `ticket`'s question (confirm the fix, rate it, answer a quote)
    // as their chat will ask it once the reminder is sent: first (dialog::ask_first: brought to
    // the front, or put back when the session lost it), so the answer the reminder asks for
    // answers this ticket — not another ticket's question asked first, nor nothing. `question`:
    // what to make first in the owner's session once the reminder is committed (bring_forward).
    // Reads the session, changes nothing. Notices' reminder_confirm / reminder_rating /
    // reminder_quote when Redis cannot be reached (logged).
    struct Reminder {
        std::string text;
        std::optional<dialog::Feedback> question;
    };
    boost::asio::awaitable<Reminder> reminder_for(store::Ticket ticket, store::Timestamp now);
    // Makes `question` the one `openid`'s chat asks first (compare-and-set; logged when the
    // session kept changing or Redis could not be reached). Never throws.
    boost::asio::awaitable<void> bring_forward(std::string openid, dialog::Feedback question);
    [[nodiscard]] store::Timestamp now() const;
    // Logs a fired timer and counts it (result, lag).
    void record_fired(const store::DueTimer& timer, const char* result, store::Timestamp now,
                      const std::string& number);

    store::MysqlPool& mysql_;
    store::TimerIndex& index_;
    store::SessionStore& sessions_;
    Dispatcher& dispatcher_;
    const config::SlaData& sla_;
    const config::Notices& notices_;
    const dialog::DialogData& dialog_;
    SlaTimersOptions options_;
    Clock clock_;
    std::atomic<bool> stopping_{false};
    Metrics* metrics_ = nullptr;
};

}  // namespace repairbot::bot
