// 派单: gives a ticket to a technician of its trade who serves its building, is on duty, bound to
// WeChat and under capacity, fewest open jobs first; records the dispatch (status, accept
// deadline, on-time verdict of the dispatch stage, audit event) and queues the job push, in one
// MySQL transaction. With nobody to give it to, the ticket waits in the dispatcher queue and
// the dispatchers are told. Runs on the caller's executor; SQL on the MysqlPool's threads.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/notices.h"
#include "config/sla_data.h"
#include "dialog/texts.h"
#include "store/mysql_pool.h"
#include "store/session_store.h"
#include "store/sql_batch.h"
#include "store/technician_repository.h"

namespace repairbot::bot {

// Told about every ticket a service saved (the SLA timers follow its new state). May be empty.
using TicketWatch = std::function<boost::asio::awaitable<void>(store::Ticket)>;
// Told about every callback a service saved, new, done or due anew (the SLA timers follow it).
// May be empty.
using CallbackWatch = std::function<boost::asio::awaitable<void>(store::Callback)>;

// The first candidate (the store orders them fewest open jobs first) who is bound to WeChat
// and not in `excluded` (e.g. the technician who handed the job over or let it time out).
// nullopt when there is none. Pure.
[[nodiscard]] std::optional<store::DispatchCandidate> choose_technician(
    const std::vector<store::DispatchCandidate>& candidates,
    const std::vector<std::uint64_t>& excluded);

// The technicians who handed ticket `ticket_id` over (转单), oldest first, from its audit log (the
// handed_over events' technician_id): an automatic re-dispatch — the next hand-over's, an accept
// time-out's — does not give the job back to someone who said they cannot do it. A dispatcher
// may, by hand. Blocking, on the caller's connection; the second form reads `events` already
// read (TicketRepository::events, in id order) and is pure.
[[nodiscard]] std::vector<std::uint64_t> handed_over_by(sql::Connection& c,
                                                        std::uint64_t ticket_id);
[[nodiscard]] std::vector<std::uint64_t> handed_over_by(
    const std::vector<store::TicketEvent>& events);

// The owner's notice that the technician who accepted their job no longer has it — handed over
// (转单) or taken off them by a dispatcher — and that someone else is being found, with what
// became of a quote waiting for the owner (withdrawn; a raise of an agreed quote falls back to
// the agreement). `before` and `after`: the ticket either side of hand_over_job; `technician`
// the name of the one it was with. nullopt when the owner never heard of an acceptance (`before`
// not accepted). Pure.
[[nodiscard]] std::optional<store::NewOutbox> owner_handover_notice(const config::Notices& notices,
                                                                    const store::Ticket& before,
                                                                    const store::Ticket& after,
                                                                    const std::string& technician);

// Jobs given to technicians by new tickets not committed yet (TicketFiling: a group being
// written, or a lone filing), which the tickets table does not hold yet: technician id -> jobs.
using JobsGiven = std::unordered_map<std::uint64_t, std::uint32_t>;

// `candidates` with the jobs `given` counted: each one's open jobs grow by theirs, those it
// fills are dropped, and the rest are in the store's order again (fewest open jobs first, then
// by id). Pure.
[[nodiscard]] std::vector<store::DispatchCandidate> counting_jobs_given(
    std::vector<store::DispatchCandidate> candidates, const JobsGiven& given);

struct DispatchOutcome {
    enum class Kind { dispatched, queued, not_needed } kind = Kind::queued;
    std::string ticket_number;
    std::optional<store::Technician> technician;
    // The ticket as saved by a dispatch (nullopt otherwise): callers hand it to the SLA timers.
    std::optional<store::Ticket> ticket;
};

// A ticket given to a technician: the ticket as it becomes (status, technician, dispatch time
// and on-time verdict, accept and quote deadlines), its audit event and the job push.
struct Assignment {
    store::Ticket ticket;
    store::NewEvent event;
    store::NewOutbox push;
};

// One try at a dispatch on a connection already held: the outcome, or a concurrent change of
// the ticket (conflict: read it again and retry).
struct DispatchAttempt {
    DispatchOutcome outcome;
    bool conflict = false;
};

// Dispatch's short memory that nobody of a trade had room in a building. In a storm every
// technician of the trade is full and every filing counted each one's open jobs only to find
// nobody (a quarter of MariaDB's statement time in the bench: docs/performance.md, step 32). For
// `hold` after a count found nobody, a new ticket of that trade and building is queued without
// counting again (an emergency always counts). A job that ends here (done, confirmed, rated,
// closed, cancelled) forgets everything at once; room freed otherwise (a hand-over, another
// process, a technician put on duty) is seen within `hold`. A forget that comes while a count is
// running wins over that count's "nobody" (a generation number). Thread-safe; bounded (cleared
// past 4,096 pairs: buildings come from owners' addresses).
class NoRoomMemo {
  public:
    using Clock = std::chrono::steady_clock;
    explicit NoRoomMemo(std::chrono::milliseconds hold) : hold_(hold) {}

    [[nodiscard]] bool nobody_free(const std::string& trade, const std::string& building,
                                   Clock::time_point now = Clock::now()) const;
    // The generation to pass to note_nobody_free: read it before counting.
    [[nodiscard]] std::uint64_t generation() const;
    // Notes that a count begun at `generation` found nobody; ignored when a forget came since.
    void note_nobody_free(const std::string& trade, const std::string& building,
                          std::uint64_t generation, Clock::time_point now = Clock::now());
    // A count found someone with room for this trade and building: its note ends.
    void room_seen(const std::string& trade, const std::string& building);
    void forget();
    void set_hold(std::chrono::milliseconds hold);

  private:
    static std::string key(const std::string& trade, const std::string& building);
    mutable std::mutex mutex_;
    std::chrono::milliseconds hold_;
    std::uint64_t generation_ = 0;
    std::unordered_map<std::string, Clock::time_point> full_since_;
};

// 【紧急】 (notices.toml dispatch_urgent_mark) before an emergency's number in the dispatchers'
// notes, else nothing.
[[nodiscard]] std::string urgent_mark(const config::Notices& notices, const store::Ticket& t);

class Dispatcher {
  public:
    // Keeps references; all must outlive the dispatcher. `notices` words the dispatchers' note
    // of a ticket nobody can take; `texts` (may be null) words the urgency and the visit in the
    // job push (紧急/一般/计划; the stored word, and no visit line, without them).
    Dispatcher(store::MysqlPool& mysql, const config::SlaData& sla, const config::Notices& notices,
               const dialog::ReplyTexts* texts = nullptr);

    // Dispatches ticket `ticket_id`, to nobody in `excluded`, if it is waiting for a technician:
    // status new (queued, or handed over), or dispatched to `taken_from` (an accept time-out's
    // technician) — given meanwhile to anyone else (a dispatcher's hand, even to someone in
    // `excluded`), it stays theirs. `actor` and `reason` go into the audit event
    // ("system"/"created", "sla"/"accept_timeout", technician openid/"handover"). not_needed when
    // the ticket is already with someone or closed. With nobody free, the dispatchers are told
    // (staff_dispatch_queued; staff_accept_timeout_queued for one left with `taken_from`, waiting
    // for their 接单, with their name and phone). Throws ServiceUnavailable when MySQL is down;
    // a concurrent change of the ticket is retried.
    [[nodiscard]] boost::asio::awaitable<DispatchOutcome> dispatch(
        std::uint64_t ticket_id, std::vector<std::uint64_t> excluded, std::string actor,
        std::string reason, std::chrono::sys_seconds now,
        std::optional<std::uint64_t> taken_from = std::nullopt);

    // The same, on a connection the caller holds (e.g. the one that just created `ticket`,
    // saving a pool hop and a re-read): blocking, for MysqlPool work. `ticket` is the current
    // row. Does not log; call log_outcome with the final outcome.
    // `record_queued` false: with nobody free, write nothing (no event, no note to the
    // dispatchers) — for a ticket whose queuing was recorded already.
    [[nodiscard]] DispatchAttempt dispatch_on(
        sql::Connection& c, store::Ticket ticket, const std::vector<std::uint64_t>& excluded,
        const std::string& actor, const std::string& reason, std::chrono::sys_seconds now,
        bool record_queued = true, std::optional<std::uint64_t> taken_from = std::nullopt) const;
    static void log_outcome(const DispatchOutcome& outcome, const std::string& reason);

    // A dispatcher's 派单 by hand: ticket `number` — waiting (status new, including one handed
    // over or timed out with nobody free), dispatched and not accepted yet, or accepted and not
    // on site yet — to technician `technician_id` (active and bound to WeChat, so the job push
    // reaches them; trade, buildings, duty and room are the dispatcher's call), or with none to
    // whoever dispatch() would choose, other than the technician it is with and those who handed
    // it over or let it time out. `actor` (who did it) goes into the audit event. The technician it
    // was with is told it went to someone else. An accepted job is taken off its technician as
    // their 转单 would (hand_over_job: a quote not answered yet goes with them; a "handed_over"
    // event with actor_role dispatcher, so no automatic re-dispatch gives it back to them) and
    // given in the same transaction; its owner is told someone else is being found (tell_owners).
    // Errors, each naming the value and what to do: StoreErrc::not_found (no such ticket or
    // technician), std::errc::operation_not_permitted (a status that cannot be dispatched — on
    // site, the technician finishes it — a technician who cannot take it, nobody free). The ticket
    // unchanged when it is with that technician already. Throws ServiceUnavailable when MySQL is
    // down.
    [[nodiscard]] boost::asio::awaitable<Result<store::Ticket>> dispatch_by_hand(
        std::string number, std::optional<std::uint64_t> technician_id, std::string actor,
        std::chrono::sys_seconds now);

    // Gives tickets waiting for their first technician (queued when nobody was free) to whoever
    // has room now — a job ended, a technician came on duty or was bound: one ticket of each
    // trade and building a pass (its oldest emergency, else its oldest), the areas with an
    // emergency first, up to `max` areas (TicketRepository::next_waiting). Nothing is written
    // for a ticket still nobody can take (its queuing was told). Returns the tickets
    // dispatched, as saved, for the SLA timers. Throws ServiceUnavailable when MySQL is down.
    [[nodiscard]] boost::asio::awaitable<std::vector<store::Ticket>> dispatch_waiting(
        std::uint32_t max, std::chrono::sys_seconds now);

    // With nobody to give a ticket to: its audit event ("told": whether the dispatchers got a note
    // of this very ticket, not only a count in a queue note — JobDesk tells them when it is taken
    // after all), and the note to the dispatchers (outbox rows, worded by notices.toml
    // staff_dispatch_queued; blocking, inside the caller's transaction).
    [[nodiscard]] static store::NewEvent queued_event(const std::vector<std::uint64_t>& excluded,
                                                      const std::string& actor,
                                                      const std::string& reason, bool told);
    void tell_dispatchers(sql::Connection& c, const store::Ticket& ticket,
                          store::Timestamp at) const;
    // The same note added to the caller's batch (a ticket's creation).
    void tell_dispatchers(store::SqlBatch& batch, const store::Ticket& ticket,
                          store::Timestamp at) const;

    // Whether a new ticket nobody could take is told to the dispatchers at once, on its own:
    // always without queue notes; with them (bot/queue_notes.h), only an emergency — the rest
    // wait for the next note. Pure.
    [[nodiscard]] bool tells_at_once(const store::Ticket& ticket) const {
        return !queue_notes_ || store::is_emergency(ticket);
    }
    // On: queued tickets other than emergencies are left to the queue notes. Call before use.
    void use_queue_notes(bool on) { queue_notes_ = on; }
    // Lets dispatch_by_hand speak to the owner of an accepted job it takes off its technician:
    // the notice (owner_handover_notice, worded by the dispatcher's notices) and the owner's
    // session, whose question about a quote withdrawn with the job is dropped
    // (drop_owner_questions). Without it the owner is not told. `sessions` must outlive the
    // dispatcher. Call before use.
    void tell_owners(store::SessionStore& sessions) { owner_sessions_ = &sessions; }

    // A new ticket's candidates, or none without asking MySQL while the memo says nobody of its
    // trade has room in its building (NoRoomMemo). Blocking, on the filing's connection.
    // `given`: jobs given by filings not committed yet, which the tickets table does not show
    // (counting_jobs_given); room that only they took is not remembered as nobody free.
    [[nodiscard]] std::optional<store::DispatchCandidate> choose_for_new(
        sql::Connection& c, const store::Ticket& ticket, const JobsGiven* given = nullptr) const;
    // Every ticket saved (the TicketWatch): a job that ended freed its technician's room.
    void ticket_saved(const store::Ticket& ticket) const;
    // How long "nobody free" is believed (default 1 s; 0: always count).
    void hold_no_room_for(std::chrono::milliseconds hold) { no_room_.set_hold(hold); }

    // What giving `ticket` to `chosen` (choose_technician's pick) writes, for a caller that saves
    // it itself (a new ticket inserted already dispatched). Pure.
    [[nodiscard]] Assignment assign(store::Ticket ticket, const store::DispatchCandidate& chosen,
                                    const std::string& actor, const std::string& reason,
                                    std::chrono::sys_seconds now) const;

  private:
    // Gives `ticket` (as read) to `chosen` and saves it (compare-and-set), with the job push and,
    // when it was with someone else, their note that it went elsewhere; `actor_role` on the
    // audit event; `outbox`: more rows written with it. The saved ticket, or the update's error
    // (version_conflict: read again).
    [[nodiscard]] Result<store::Ticket> give(
        sql::Connection& c, store::Ticket ticket, const store::DispatchCandidate& chosen,
        const std::string& actor, const std::string& actor_role, const std::string& reason,
        std::chrono::sys_seconds now, std::vector<store::NewOutbox> outbox = {}) const;

    store::MysqlPool& mysql_;
    const config::SlaData& sla_;
    const config::Notices& notices_;
    const dialog::ReplyTexts* texts_;
    store::SessionStore* owner_sessions_ = nullptr;
    bool queue_notes_ = false;
    mutable NoRoomMemo no_room_{std::chrono::milliseconds(1000)};
};

}  // namespace repairbot::bot
