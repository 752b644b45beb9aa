// SQL for tickets, their audit log and the outbox rows they announce. Every function is
// blocking, runs on the connection it is given (inside MysqlPool::run / run_sync), binds every
// value (prepared statements, or SqlBatch's literals where statements travel together), and
// opens its own transaction where a change spans rows.
// Non-transient SQL errors surface as sql::SQLException (MysqlPool retries transient ones).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/errors.h"
#include "store/records.h"
#include "store/sql_batch.h"

namespace sql {
class Connection;
}

namespace repairbot::store {

// What a new ticket carries; number, id and version are assigned by create().
struct NewTicket {
    Ticket ticket;         // number/id/version/updated_at ignored; created_at = received
    NewEvent first_event;  // usually type "created"
    std::vector<NewOutbox> outbox;
    // Called once the ticket has its number, before its transaction starts (so it may read on
    // `c`), to complete what is inserted: e.g. the dispatch, whose job push names the number —
    // the ticket's fields, further events (after first_event) and outbox rows. May be empty.
    std::function<void(sql::Connection& c, Ticket& ticket, std::vector<NewEvent>& events,
                       std::vector<NewOutbox>& outbox)>
        complete;
    // Called once the ticket is inserted (it has its id): statements added to `batch` run in
    // the ticket's transaction after its events and outbox rows, sent with them and the COMMIT
    // in one round trip — more rows that must commit with it. May be empty.
    std::function<void(SqlBatch& batch, const Ticket& ticket)> within;
};

struct CreatedTicket {
    Ticket ticket;
    bool created = false;  // false: the idempotency key already had this ticket
};

struct TicketFilter {
    std::optional<std::string> status;
    std::optional<std::string> urgency;
    std::optional<std::uint64_t> technician_id;
    std::optional<std::string> owner_openid;
    std::optional<Timestamp> from, to;  // created_at in [from, to)
    bool open_only = false;             // not closed and not cancelled
    std::uint32_t limit = 100;
    std::uint32_t offset = 0;
};

// One open ticket as its owner's 我的报修 shows it. A narrow read: in a storm owners ask for
// progress more than for anything else MySQL answers, and a whole ticket row costs the server
// about as much again to send as the query costs.
struct TicketProgress {
    std::string number, fault_type, status;
    std::string technician;  // the name of whoever has the job; empty when nobody (active) has it
    std::string quote_status;
    std::optional<std::uint32_t> quote_cents;
    std::optional<std::uint32_t> fee_cents;  // a done job's fee, for its confirmation question
    std::uint32_t reopen_count = 0;          // 返修 so far
    bool visited = false;  // a technician was on site: arrived, or quoted (made on site)
    // The current visit's: on a reopened job (返修) the revisit's arrival (bot/ticket_stages.h;
    // none for a job reopened before migration 0012 recorded the revisit's).
    std::optional<Timestamp> arrive_due, finish_due;
    bool operator==(const TicketProgress&) const = default;
};

class TicketRepository {
  public:
    // Takes the day's next number (ticket_sequences, unique across processes; a failed creation
    // may leave a gap), lets NewTicket::complete fill in the rest, then in one transaction inserts
    // the ticket, its events and its outbox rows (and NewTicket::within's) — three round trips:
    // START, the ticket's INSERT, then everything else with the COMMIT. Must not be called
    // inside another transaction. A repeated idempotency key returns the ticket that key already
    // made (created = false), also when two callers race; the repeat is found by the unique key
    // at the insert, so it has run `complete` and used up a number (a gap). Never returns an
    // error today (the Result leaves room for validation).
    static Result<CreatedTicket> create(sql::Connection& c, const NewTicket& t);

    // Creates several new tickets together: their numbers in the order given (one statement),
    // `complete` for each in that order, then one transaction with one multi-row INSERT of the
    // tickets and one batch of everyone's events, outbox rows and `within` rows with the COMMIT,
    // rows of the same kind merged into one statement (SqlBatch::Merge::rows: `within` must add
    // no statement that depends on the order) — four round trips for the group instead of three
    // per ticket, and a handful of statements (docs/performance.md, steps 38 and 39). All or
    // nothing: nullopt when an idempotency key of the group already has its ticket (a repeat,
    // or a key twice in the group): nothing was written but numbers (gaps), and the caller
    // creates them one by one with create(), which calls `complete` again. Throws sql::SQLException like create(); must not be called inside
    // another transaction. The tickets come back in the order given, with their ids.
    static std::optional<std::vector<Ticket>> create_group(sql::Connection& c,
                                                           const std::vector<const NewTicket*>& tickets);

    // StoreErrc::not_found when there is no such ticket.
    static Result<Ticket> find_by_id(sql::Connection& c, std::uint64_t id);
    static Result<Ticket> find_by_number(sql::Connection& c, const std::string& number);
    static Result<Ticket> find_by_idempotency_key(sql::Connection& c, const std::string& key);

    // Newest first. Never fails (an empty list).
    static std::vector<Ticket> list(sql::Connection& c, const TicketFilter& filter);

    // The owner's open tickets (neither closed nor cancelled), newest first, up to `max`: one
    // query on ix_tickets_owner with the technician's name.
    static std::vector<TicketProgress> progress_of_owner(sql::Connection& c,
                                                         const std::string& owner_openid,
                                                         std::uint32_t max);

    // Up to `max` tickets with id > after_id whose status is one of `statuses`, by id: a scan in
    // pages (the SLA index rebuild). One query.
    static std::vector<Ticket> list_after(sql::Connection& c, std::uint64_t after_id,
                                          const std::vector<std::string>& statuses, std::uint32_t max);

    // Tickets waiting for their first technician (status new, never dispatched): the one to give
    // first of each trade and building (its oldest emergency, else its oldest ticket), the areas
    // with an emergency first, then by age; up to `max` areas. Reads the status-new entries of
    // ix_tickets_status and their rows (a storm's queue: thousands, not the history).
    static std::vector<Ticket> next_waiting(sql::Connection& c, std::uint32_t max);

    // Open jobs (dispatched, accepted, arrived) whose quote waits for a supervisor's review
    // (quote_status review), oldest first, up to `max`. Reads the open statuses' entries of
    // ix_tickets_status, not the history.
    static std::vector<Ticket> quotes_in_review(sql::Connection& c, std::uint32_t max);

    // Saves every mutable field of `t` if the stored version is still t.version (compare-and-set),
    // with `event` (when its type is not empty) and `outbox` rows, in one transaction; at = the
    // event time and updated_at. Returns the saved ticket (version + 1).
    // StoreErrc::not_found, or StoreErrc::version_conflict when someone saved first.
    static Result<Ticket> update(sql::Connection& c, const Ticket& t, const NewEvent& event,
                                 const std::vector<NewOutbox>& outbox, Timestamp at);

    // Appends audit events in order, in one statement (autocommit, or inside the caller's
    // transaction).
    static void append_events(sql::Connection& c, std::uint64_t ticket_id, const std::vector<NewEvent>& events,
                              Timestamp at);
    // The same statement added to the caller's batch (nothing when `events` is empty).
    static void append_events(SqlBatch& batch, std::uint64_t ticket_id, const std::vector<NewEvent>& events,
                              Timestamp at);
    // Appends one audit event (autocommit, or inside the caller's transaction).
    static void append_event(sql::Connection& c, std::uint64_t ticket_id,
                             const NewEvent& e, Timestamp at);
    // The ticket's audit log in the order it was written (by id): what replays it (the quote
    // agreed before a raise, an interrupted re-dispatch's "breach is the last event") needs
    // that order, which the events' own times, from several servers' clocks, need not give.
    static std::vector<TicketEvent> events(sql::Connection& c, std::uint64_t ticket_id);
    // The ticket's events of `types`, newest first, read as committed now (LOCK IN SHARE MODE:
    // inside a transaction, not its snapshot, so one another transaction just wrote is seen, or
    // waited for). Blocking; SQL errors throw.
    static std::vector<TicketEvent> latest_events(sql::Connection& c, std::uint64_t ticket_id,
                                                  const std::vector<std::string>& types);
};

}  // namespace repairbot::store
