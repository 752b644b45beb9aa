// 立单: writes confirmed reports into MySQL as tickets — the ticket, its first events, its
// dispatch (given to a technician with room, or queued for the dispatchers), its photos (the
// download worker's queue) and the owner's remembered profile, in one transaction.
//
// Confirmations that arrive while tickets are being written wait and are written together as
// the next group (group commit; store::TicketRepository::create_group): the group's tickets
// share one sequence statement, one multi-row INSERT, one transaction and its round trips, so
// MariaDB runs far fewer statements per ticket (docs/performance.md, step 38). A lone
// confirmation is written at once, alone, as before. Up to kWriters groups are written at a
// time, up to kMaxGroup tickets each. A group that cannot be created together — an idempotency
// key that already has its ticket, or a ticket whose rows fail — is written one ticket at a time,
// so a repeat still finds its ticket and a bad ticket fails only its own confirmation.
//
// Thread-safe: callers may wait on any executor; each resumes on its own.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bot/dispatch.h"
#include "dialog/session.h"
#include "store/mysql_pool.h"
#include "store/records.h"
#include "store/ticket_repository.h"

namespace repairbot::bot {

class TicketFiling {
  public:
    // Tickets per group at most, and groups being written at once (measured: one writer made
    // larger groups and the same rates, with a longer tail; docs/performance.md, step 38).
    static constexpr std::size_t kMaxGroup = 16;
    static constexpr std::size_t kWriters = 2;

    // One confirmed report on its way to MySQL.
    struct Request {
        store::NewTicket ticket;            // complete/within are TicketFiling's own
        std::vector<dialog::Photo> photos;  // queued for download with the ticket
        std::string owner;                  // the owner's openid
        std::optional<store::Owner> profile;  // remembered with the ticket, when set
        std::chrono::sys_seconds now{};
    };
    // What filing it came to: the ticket (or why not; created = false for a repeat of its
    // idempotency key) and its dispatch.
    struct Filed {
        std::optional<Result<store::CreatedTicket>> created;  // always set
        DispatchAttempt dispatch;
    };

    // Keeps references; both must outlive the filing (and any group in flight).
    TicketFiling(store::MysqlPool& mysql, Dispatcher& dispatcher);

    // Files `request`, alone or in a group with others waiting, and resumes on the caller's
    // executor. Throws what MysqlPool::run throws for the unit of work (ServiceUnavailable when
    // MySQL cannot be reached, a non-transient sql::SQLException): a group's failure reaches
    // each of its confirmations, as it would have alone; one ticket's own error reaches only its
    // confirmation (the group is then filed one by one).
    [[nodiscard]] boost::asio::awaitable<Filed> file(Request request);

    // Groups of two or more created together so far, and their tickets (for tests and tuning).
    struct Stats {
        std::uint64_t groups = 0;
        std::uint64_t tickets = 0;
    };
    [[nodiscard]] Stats stats() const { return {groups_.load(), grouped_tickets_.load()}; }

  private:
    // A request waiting in the queue, its outcome, and how to resume its caller.
    struct Waiting {
        Request request;
        std::optional<store::DispatchCandidate> chosen;  // set by complete; none: queued
        Filed filed;
        std::exception_ptr error;
        std::function<void()> resume;
    };
    using Group = std::vector<std::shared_ptr<Waiting>>;
    // The confirmations waiting and the writers running. Shared with each writer, which may
    // outlive the filing when its io_context is destroyed with the writer still suspended.
    struct Queue {
        std::mutex mutex;
        std::deque<std::shared_ptr<Waiting>> waiting;  // guarded by mutex
        std::size_t writers = 0;                       // guarded by mutex
        // Jobs given by filings not committed yet (any writer, or a lone filing), by technician:
        // counted as open jobs by every dispatch choice meanwhile. Guarded by mutex.
        JobsGiven in_flight;
    };
    class InFlight;

    // Queues `waiting`; true when a writer should be started for it (fewer than kWriters run).
    bool enqueue(std::shared_ptr<Waiting> waiting);
    void start_writer(const boost::asio::any_io_executor& ex);
    // Writes queued groups until the queue is empty (up to kWriters of these at a time).
    boost::asio::awaitable<void> write_groups(std::shared_ptr<Queue> queue);
    // Files `group` and sets each one's outcome or error; never throws.
    boost::asio::awaitable<void> write(Group& group);
    // On a pool thread: creates the group's tickets together; false when they cannot be
    // (then nothing of them was written). Throws a transient error for MysqlPool to retry.
    bool file_together(sql::Connection& c, Group& group) const;
    // On a pool thread: one ticket alone, a repeat of its key included.
    void file_one(sql::Connection& c, Waiting& w) const;
    // Binds w.request.ticket's complete/within to `w`; a job it gives is added to `given` (its
    // filing's, released when that returns) and to the queue's in-flight count.
    void bind(Waiting& w, JobsGiven& given) const;
    // Resumes each waiter of `group` (its outcome or error set); never throws.
    static void resume_all(Group& group);

    store::MysqlPool& mysql_;
    Dispatcher& dispatcher_;
    std::shared_ptr<Queue> queue_ = std::make_shared<Queue>();
    mutable std::atomic<std::uint64_t> groups_{0}, grouped_tickets_{0};
};

}  // namespace repairbot::bot
