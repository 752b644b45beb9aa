// SQL for the transactional outbox: rows written with the change they announce, claimed by
// workers with a lease (several processes never send one row at once), retried with back-off,
// and matched later with WeChat's delivery receipt of the template message they became.
// Blocking; runs on the connection given (inside MysqlPool::run / run_sync).
#pragma once

#include <chrono>
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

// What a TEMPLATESENDJOBFINISH receipt needs of the row it answers.
struct OutboxReceiptTarget {
    std::uint64_t id = 0;
    std::optional<std::uint64_t> ticket_id;
    std::string recipient;
    std::optional<std::string> receipt_status;  // the receipt recorded so far, if any
};

// The desk's staff roles, as the technicians table flags them (is_dispatcher, is_supervisor,
// is_manager).
enum class StaffRole { dispatcher, supervisor, manager };

class OutboxRepository {
  public:
    // Inserts one pending row (autocommit, or inside the caller's transaction); returns its id.
    static std::uint64_t enqueue(sql::Connection& c, std::optional<std::uint64_t> ticket_id,
                                 const NewOutbox& m, Timestamp now);
    // The same row added to the caller's batch (its id is not read back).
    static void enqueue(SqlBatch& batch, std::optional<std::uint64_t> ticket_id, const NewOutbox& m,
                        Timestamp now);

    // Inserts one pending "notify" row with `payload` for every active technician holding
    // `role` and bound to WeChat (an openid), in technician id order — one INSERT … SELECT
    // however many they are. Returns how many rows were queued (0: nobody holds the role).
    static std::size_t enqueue_for_staff(sql::Connection& c, StaffRole role,
                                         std::optional<std::uint64_t> ticket_id,
                                         const std::string& payload, Timestamp now);
    // The same statement added to the caller's batch (how many it queued is not read back).
    static void enqueue_for_staff(SqlBatch& batch, StaffRole role, std::optional<std::uint64_t> ticket_id,
                                  const std::string& payload, Timestamp now);

    // Leases up to `max` rows due at `now` to `worker` until now + lease, counting an attempt on
    // each: rows sending under an expired lease (a crashed worker's) first, then pending rows in
    // due order; returns them oldest first. Reads about `max` rows however large the backlog.
    // Not one transaction: a caller that runs it again after a failure passes the same `now`
    // and `repeat` = true, so the rows leased by the first run (same lease end) are returned
    // too, even when the repeat leases none of its own — then up to 2 × `max` rows.
    static std::vector<OutboxMessage> claim_due(sql::Connection& c, Timestamp now,
                                                std::chrono::milliseconds lease,
                                                const std::string& worker, std::uint32_t max,
                                                bool repeat = false);

    // Marks a leased row sent, with WeChat's msgid when it went out as a template message.
    // StoreErrc::not_found when the row is not leased to `worker` any more (the lease ran out
    // and someone else took it).
    static Status mark_sent(sql::Connection& c, std::uint64_t id, const std::string& worker,
                            Timestamp now, std::optional<std::int64_t> wechat_msgid = std::nullopt);
    // The same for several rows in one statement, all sent at `now`, each with its own msgid.
    // Returns how many of them carry this worker's mark (a repeat after a lost link counts the
    // first run's): a row not leased to `worker` any more is left as it is.
    struct SentPush {
        std::uint64_t id = 0;
        std::optional<std::int64_t> wechat_msgid;
    };
    static std::size_t mark_sent(sql::Connection& c, const std::vector<SentPush>& sent,
                                 const std::string& worker, Timestamp now);

    // Records a failed try (WeChat errcode when there was one). With `retry_at` the row goes
    // back to pending until then; without, it ends as failed. StoreErrc::not_found as mark_sent.
    static Status mark_failed(sql::Connection& c, std::uint64_t id, const std::string& worker,
                              std::optional<int> errcode, const std::string& error,
                              std::optional<Timestamp> retry_at);

    // The row sent as template message `wechat_msgid` (the newest, should WeChat ever repeat
    // one), locked FOR UPDATE when inside a transaction. StoreErrc::not_found when none.
    static Result<OutboxReceiptTarget> find_by_wechat_msgid(sql::Connection& c,
                                                            std::int64_t wechat_msgid);

    // True while a row to `recipient` is being sent (status 'sending'): WeChat may have taken
    // it and not yet have been marked sent with its msgid. Reads only the rows in flight.
    static bool sending_to(sql::Connection& c, const std::string& recipient);

    // Records WeChat's receipt Status on row `id` (cut to 64 characters).
    static void record_receipt(sql::Connection& c, std::uint64_t id, const std::string& status,
                               Timestamp at);

    // Notes on ticket `ticket_id` that a push did not reach its recipient (push_error, cut to
    // 255 characters), bumping the ticket's version so a writer holding an older copy cannot
    // blank it. StoreErrc::not_found when there is no such ticket.
    static Status record_push_error(sql::Connection& c, std::uint64_t ticket_id,
                                    const std::string& error, Timestamp at);

    // Rows of a ticket (tests, admin). Oldest first.
    static std::vector<OutboxMessage> for_ticket(sql::Connection& c, std::uint64_t ticket_id);
};

}  // namespace repairbot::store
