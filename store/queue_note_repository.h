// SQL for the dispatchers' queue note (bot/queue_notes.h): the tickets waiting for a human
// (status new: nobody could take them), what the last note told of, and the record of a note
// sent. Blocking; runs on the connection given (inside MysqlPool::run / run_sync), inside the
// caller's transaction, which lock() makes the only one deciding about a note at a time.
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

// The dispatchers' note: its row in queue_notes (seeded by migration 0006).
inline constexpr const char* kDispatchersNote = "dispatchers";

// What a note said last: the newest ticket it told of (0: none yet) and when.
struct QueueNoteMark {
    std::uint64_t told_through_id = 0;
    std::optional<Timestamp> sent_at;
};

// A waiting ticket as the note lists it.
struct WaitingTicket {
    std::uint64_t id = 0;
    std::string number;
    std::string fault_type;
    std::string address;
    std::string urgency;
};

// The tickets in status new, split by a note's mark.
struct WaitingQueue {
    std::uint64_t waiting = 0;            // every ticket in status new
    std::uint64_t fresh = 0;              // of them, newer than the mark (id above it)
    std::uint64_t fresh_emergencies = 0;  // of the fresh, urgency emergency
    std::uint64_t newest_id = 0;          // the highest fresh id (0 when none is fresh)
    std::vector<WaitingTicket> newest;    // up to `listed` fresh tickets, newest first
};

// A waiting ticket with the deadline of one of its stages: for a warning the ticket's current
// one, for a breach the one it missed.
struct DeadlineTicket {
    WaitingTicket ticket;
    Timestamp due;
    std::string stage;  // whose deadline: "dispatch", "accept", "quote", "arrive" or "finish"
};

// Waiting tickets whose deadline of some stage is near or past (their SLA warning or breach was
// left to the note).
struct NearDeadlines {
    // Tickets, not records: one with two deadlines near counts (and is named) once, by the
    // nearest; one late for dispatch with its arrival near is in both.
    std::uint64_t count = 0;              // warned, still waiting (status new), deadline ahead
    std::uint64_t through_seq = 0;        // the highest record read (0: none)
    std::vector<DeadlineTicket> nearest;  // up to `listed` of them, nearest deadline first
    std::uint64_t late = 0;               // breached, still waiting
    std::vector<DeadlineTicket> latest;   // up to `listed` of them, longest late first
};

class QueueNoteRepository {
  public:
    // Locks note `name`'s row until the caller's transaction ends (creating it, with no mark,
    // the first time) and returns its mark. Call inside a Transaction.
    static QueueNoteMark lock(sql::Connection& c, const std::string& name);

    // The waiting tickets, with those above `told_through_id` counted and the newest `listed`
    // of them read. Reads the status-new entries of ix_tickets_status and the fresh rows only.
    static WaitingQueue waiting(sql::Connection& c, std::uint64_t told_through_id, std::uint32_t listed);

    // Records the warning (or with `late`, the breach) of the deadline `due` of `stage`
    // ("dispatch", "accept", "quote", "arrive" or "finish"; anything else is refused: thrown) of
    // ticket `ticket_id` for note `name`'s next pass. One record per ticket and stage: a breach
    // turns an untold warning of its stage into a breach (with the deadline missed); a warning
    // over an untold breach of its stage (a moved deadline warned again, which only happens
    // while nobody can be told) leaves the breach as it is: the miss is what must reach someone,
    // and the new deadline's own breach is recorded in its turn. Call inside the warning's
    // transaction, with its audit event: it takes a shared lock on the note's row first, so a
    // note being written (which holds the row for update) waits for warnings in flight to commit
    // and reads them, and never deletes one it did not read.
    static void add_near_deadline(sql::Connection& c, const std::string& name,
                                  std::uint64_t ticket_id, const std::string& stage, Timestamp due,
                                  Timestamp at, bool late = false);

    // The recorded warnings of tickets still waiting (status new) whose deadline (the ticket's
    // current one of the record's stage) is still ahead of `now`, `listed` of them named,
    // nearest deadline first, and the recorded breaches of tickets still waiting (whatever `now`
    // is), `listed` named with the deadline they missed, longest late first. `through_seq`
    // covers every record read, taken or lapsed ones too (a warning whose deadline passed
    // without its breach recorded yet). Call after lock().
    static NearDeadlines near_deadlines(sql::Connection& c, Timestamp now, std::uint32_t listed);

    // Forgets the records up to `through_seq` (a note told of them; those of tickets taken
    // meanwhile go with them), or with `only_late` the breaches among them. Call after lock(),
    // in its transaction.
    static void forget_near_deadlines(sql::Connection& c, std::uint64_t through_seq, bool only_late = false);

    // Records that note `name` told of every ticket up to `told_through_id`, at `at`.
    static void record(sql::Connection& c, const std::string& name, std::uint64_t told_through_id,
                       Timestamp at);
};

}  // namespace repairbot::store
