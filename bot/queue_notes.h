// The dispatchers' queue note. In a storm nobody is free to take the tickets, and a note per
// ticket to each dispatcher (3 dispatchers × 9,000 queued tickets: 27,000 pushes in a couple of
// bench minutes) is noise nobody can read and a load the outbox cannot carry. Instead a pass
// every few seconds looks at the tickets waiting for a human (status new) and, when some came
// in since the last note and that note is at least `every` old, queues one note to each active,
// WeChat-bound dispatcher: how many are new, how many of them are emergencies, how many wait in
// all, and the newest few by number, fault and address (config/notices.toml queue_note*).
//   * The first ticket after a quiet spell is told within one poll; in a storm, once per `every`.
//   * An emergency is also told at once, on its own, when it is filed (Dispatcher::
//     tells_at_once): the note only counts it.
//   * Exactly once across processes and restarts: the decision, the notes (outbox rows) and the
//     note's mark (the newest ticket told of) commit in one transaction holding the note's row
//     lock (store/queue_note_repository.h); a pass that fails rolls back and tells nothing.
//   * Deadlines near: a waiting ticket (not an emergency) reaching the warning point of a
//     stage's window — dispatch first, and arrival and finish when nobody takes it for hours —
//     has its SLA warning recorded for the note (bot/sla_timers.h; store/
//     queue_note_repository.h add_near_deadline) instead of a message per ticket to each
//     dispatcher. The note names the nearest few with their deadlines and stages and counts the
//     rest (those taken or already late meanwhile are left out: the breach is told instead);
//     such warnings make a note due as new tickets do, and at least once a minute whatever
//     `every` is, so they wait at most 60 s + `poll` (inside the last 2 minutes of a normal
//     ticket's 10-minute dispatch window).
//   * Breaches likewise: such a ticket passing a stage's deadline is marked late and its
//     breach recorded on it (the audit log and the figures name every miss), and the next note
//     lists the late ones still waiting, longest late first, to the dispatchers and, in a digest
//     of their own (queue_note_late_supervisors), to the supervisors — instead of an escalation
//     per ticket to each of them. An emergency's breach is still escalated on its own.
//   * A ticket whose filing commits after a higher-numbered one was already told of is not in a
//     note's "new" count (it is in the waiting total); its deadlines' warnings count it
//     in a later note (and names it when it is among the nearest).
// With no dispatcher to tell, the pass warns once per `every` (a minute while deadlines wait)
// and keeps the tickets "new" and the deadlines for the first note someone can read.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "config/notices.h"
#include "store/mysql_pool.h"
#include "store/queue_note_repository.h"

namespace repairbot::bot {

struct QueueNotesOptions {
    std::chrono::seconds every{60};         // at most one note this often (dispatch.queue_note_seconds)
    std::chrono::milliseconds poll{5000};   // how often a pass looks (bounds the first note's delay)
    std::uint32_t listed = 3;               // tickets named in a note (new ones; deadlines near)
    std::chrono::minutes utc_offset{8 * 60};  // the desk's local time, for the deadlines named
};

// The note's text: the fresh tickets of `queue` (queue_note, when any) and the deadlines `near`
// (queue_note_deadlines, when any) and the breaches of `near` (queue_note_late, or
// queue_note_late_unreported when no supervisor was told, when any), on lines of their own; ""
// when there is none of them. Pure.
[[nodiscard]] std::string queue_note_text(const config::Notices& notices, const store::WaitingQueue& queue,
                                          const store::NearDeadlines& near, std::chrono::minutes utc_offset,
                                          bool supervisors_told = true);
// The supervisors' digest of the breaches of `near` (queue_note_late_supervisors); "" when there
// are none. Pure.
[[nodiscard]] std::string late_digest_text(const config::Notices& notices, const store::NearDeadlines& near,
                                           std::chrono::minutes utc_offset);

class QueueNotes {
  public:
    using Clock = std::function<std::chrono::system_clock::time_point()>;

    // Keeps references; they must outlive the notes. `clock` is asked for "now".
    QueueNotes(store::MysqlPool& mysql, const config::Notices& notices, QueueNotesOptions options, Clock clock);

    // One pass: queues the note to every dispatcher when one is due: fresh tickets with the
    // last note at least `every` old, or deadlines near or breached with it at least
    // min(`every`, 60 s) old; and the breaches' digest to every supervisor. Returns how many dispatchers it went to (0: none was due, or
    // nobody to tell). Throws ServiceUnavailable when MySQL is down.
    boost::asio::awaitable<std::size_t> tell_due();

    // tell_due() every `poll` until stop(). Never throws: outages are logged and waited out.
    boost::asio::awaitable<void> run();
    // Asks run() to return after the pass in hand. Thread-safe.
    void stop() { stopping_ = true; }

  private:
    store::MysqlPool& mysql_;
    const config::Notices& notices_;
    QueueNotesOptions options_;
    Clock clock_;
    std::atomic<bool> stopping_{false};
};

}  // namespace repairbot::bot
