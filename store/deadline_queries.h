// The MySQL side of the SLA timers: the reads that rebuild the Redis timer index at start-up
// (tickets whose state calls for timers, callbacks not done, complaints not handled), and what a
// firing timer needs to act exactly once (the ticket row locked, and whether the audit log already
// holds the action). Blocking; runs on the connection given (inside MysqlPool::run / run_sync).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/records.h"

namespace sql {
class Connection;
}

namespace repairbot::store {

class DeadlineQueries {
  public:
    // Up to `max` tickets with id > `after_id`, by id, in a status that may call for timers:
    // open (new, dispatched, accepted, arrived: stage deadlines) or waiting for the owner (done,
    // confirmed: reminder and auto-close). Page with the last id returned. Never fails.
    static std::vector<Ticket> tickets_with_timers(sql::Connection& c, std::uint64_t after_id,
                                                   std::uint32_t max);

    // Up to `max` callbacks not done yet with id > `after_id`, by id. Never fails.
    static std::vector<Callback> open_callbacks(sql::Connection& c, std::uint64_t after_id,
                                                std::uint32_t max);

    // One callback, its row locked (SELECT ... FOR UPDATE) until the caller's transaction ends:
    // lock it before its ticket, as marking it done does. Must run inside a transaction.
    // nullopt when there is none with that id.
    static std::optional<Callback> lock_callback(sql::Connection& c, std::uint64_t id);
    // Records that the callback's overdue note went out for due time `due` (overdue_told_for).
    static void mark_overdue_told(sql::Connection& c, std::uint64_t id, Timestamp due);

    // Up to `max` complaints not handled yet (status open) with id > `after_id`, by id. Never
    // fails.
    static std::vector<Complaint> open_complaints(sql::Connection& c, std::uint64_t after_id,
                                                  std::uint32_t max);

    // One complaint, its row locked (SELECT ... FOR UPDATE) until the caller's transaction ends:
    // lock it before its ticket, as handling a complaint and a callback's report do. Must run
    // inside a transaction. nullopt when there is none.
    static std::optional<Complaint> lock_complaint(sql::Connection& c, std::uint64_t id);
    // Records a reminder of the unhandled complaint sent at `at` (reminded_at, reminders + 1).
    static void mark_complaint_reminded(sql::Connection& c, std::uint64_t id, Timestamp at);

    // Locks the ticket's row (SELECT ... FOR UPDATE) until the caller's transaction ends, so two
    // workers firing timers of one ticket take turns. Must run inside a transaction. False when
    // there is no such ticket.
    static bool lock_ticket(sql::Connection& c, std::uint64_t ticket_id);

    // True when the ticket's audit log has an event by actor "sla" whose details carry
    // {"timer": marker} (bot/timer_plan.h action_marker): the action was taken already.
    static bool sla_action_taken(sql::Connection& c, std::uint64_t ticket_id,
                                 const std::string& marker);
};

}  // namespace repairbot::store
