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

class QueueNoteRepository {
  public:
    // Locks note `name`'s row until the caller's transaction ends (creating it, with no mark,
    // the first time) and returns its mark. Call inside a Transaction.
    static QueueNoteMark lock(sql::Connection& c, const std::string& name);

    // The waiting tickets, with those above `told_through_id` counted and the newest `listed`
    // of them read. Reads the status-new entries of ix_tickets_status and the fresh rows only.
    static WaitingQueue waiting(sql::Connection& c, std::uint64_t told_through_id, std::uint32_t listed);

    // Records that note `name` told of every ticket up to `told_through_id`, at `at`.
    static void record(sql::Connection& c, const std::string& name, std::uint64_t told_through_id,
                       Timestamp at);
};

}  // namespace repairbot::store
