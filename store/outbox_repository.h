// SQL for the transactional outbox: rows written with the change they announce, claimed by
// workers with a lease (several processes never send one row at once), retried with back-off.
// Blocking; runs on the connection given (inside MysqlPool::run / run_sync).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/errors.h"
#include "store/records.h"

namespace sql {
class Connection;
}

namespace repairbot::store {

class OutboxRepository {
  public:
    // Inserts one pending row (autocommit, or inside the caller's transaction); returns its id.
    static std::uint64_t enqueue(sql::Connection& c, std::optional<std::uint64_t> ticket_id,
                                 const NewOutbox& m, Timestamp now);

    // Leases up to `max` rows due at `now` (pending, or sending with an expired lease) to
    // `worker` until now + lease, counting an attempt on each; returns them oldest first.
    static std::vector<OutboxMessage> claim_due(sql::Connection& c, Timestamp now,
                                                std::chrono::milliseconds lease,
                                                const std::string& worker, std::uint32_t max);

    // Marks a leased row sent. StoreErrc::not_found when the row is not leased to `worker`
    // any more (the lease ran out and someone else took it).
    static Status mark_sent(sql::Connection& c, std::uint64_t id, const std::string& worker,
                            Timestamp now);

    // Records a failed try (WeChat errcode when there was one). With `retry_at` the row goes
    // back to pending until then; without, it ends as failed. StoreErrc::not_found as mark_sent.
    static Status mark_failed(sql::Connection& c, std::uint64_t id, const std::string& worker,
                              std::optional<int> errcode, const std::string& error,
                              std::optional<Timestamp> retry_at);

    // Rows of a ticket (tests, admin). Oldest first.
    static std::vector<OutboxMessage> for_ticket(sql::Connection& c, std::uint64_t ticket_id);
};

}  // namespace repairbot::store
