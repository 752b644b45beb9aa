#include "store/outbox_repository.h"

#include "store/errors.h"
#include "store/sql_row.h"

namespace repairbot::store {
namespace {

using namespace sql_row;

constexpr const char* kEnqueue =
    "INSERT INTO outbox (kind, ticket_id, recipient, payload, status, next_attempt_at, created_at) "
    "VALUES (?,?,?,?,'pending',?,?)";

// One "notify" row per active, WeChat-bound holder of `role`. The flag's column comes from this
// switch, never from input. Inside a transaction the SELECT part takes shared locks on the
// technicians rows it reads (InnoDB, REPEATABLE READ): a 绑定 or an admin edit of a technician
// waits for the ticket's commit.
std::string staff_notice_sql(StaffRole role) {
    const char* flag = role == StaffRole::dispatcher   ? "is_dispatcher"
                       : role == StaffRole::supervisor ? "is_supervisor"
                                                       : "is_manager";
    return std::string("INSERT INTO outbox (kind, ticket_id, recipient, payload, status, next_attempt_at, "
                       "created_at) "
                       "SELECT 'notify', ?, openid, ?, 'pending', ?, ? FROM technicians WHERE active = 1 AND ") +
           flag + " <> 0 AND openid IS NOT NULL AND openid <> '' ORDER BY id";
}

constexpr const char* kColumns =
    "id, kind, ticket_id, recipient, payload, status, attempts, next_attempt_at, last_errcode, "
    "last_error, created_at, sent_at";

OutboxMessage read_message(sql::ResultSet& rs) {
    OutboxMessage m;
    m.id = rs.getUInt64("id");
    m.kind = str(rs, "kind");
    m.ticket_id = opt_u64(rs, "ticket_id");
    m.recipient = str(rs, "recipient");
    m.payload = str(rs, "payload");
    m.status = str(rs, "status");
    m.attempts = rs.getUInt("attempts");
    m.next_attempt_at = time(rs, "next_attempt_at");
    m.last_errcode = opt_int(rs, "last_errcode");
    m.last_error = str(rs, "last_error");
    m.created_at = time(rs, "created_at");
    m.sent_at = opt_time(rs, "sent_at");
    return m;
}

}  // namespace

std::uint64_t OutboxRepository::enqueue(sql::Connection& c, std::optional<std::uint64_t> ticket_id,
                                        const NewOutbox& m, Timestamp now) {
    auto st = prepare(c, std::string(kEnqueue) + " RETURNING id");
    bind_all(*st, m.kind, ticket_id, m.recipient, json_or_empty_object(m.payload), m.not_before.value_or(now),
             now);
    auto inserted = query(*st);  // RETURNING id: the new id without a second statement
    if (!inserted->next()) throw sql::SQLException("INSERT INTO outbox ... RETURNING id returned no row");
    return inserted->getUInt64(1);
}

void OutboxRepository::enqueue(SqlBatch& batch, std::optional<std::uint64_t> ticket_id, const NewOutbox& m,
                               Timestamp now) {
    batch.add(kEnqueue, m.kind, ticket_id, m.recipient, json_or_empty_object(m.payload),
              m.not_before.value_or(now), now);
}

std::size_t OutboxRepository::enqueue_for_staff(sql::Connection& c, StaffRole role,
                                               std::optional<std::uint64_t> ticket_id,
                                               const std::string& payload, Timestamp now) {
    auto st = prepare(c, staff_notice_sql(role));
    bind_all(*st, ticket_id, json_or_empty_object(payload), now, now);
    return static_cast<std::size_t>(st->executeUpdate());
}

void OutboxRepository::enqueue_for_staff(SqlBatch& batch, StaffRole role, std::optional<std::uint64_t> ticket_id,
                                         const std::string& payload, Timestamp now) {
    batch.add(staff_notice_sql(role), ticket_id, json_or_empty_object(payload), now, now);
}

std::vector<OutboxMessage> OutboxRepository::claim_due(sql::Connection& c, Timestamp now,
                                                       std::chrono::milliseconds lease,
                                                       const std::string& worker,
                                                       std::uint32_t max, bool repeat) {
    const Timestamp until = now + lease;
    // Two claims, each an ordered range of ix_outbox_due that stops at its LIMIT: a crashed
    // worker's expired leases first (few), then pending rows in due order. One claim of
    // "pending OR expired" had to sort every due row, so after an outage each pass of the
    // backlog read all of it (564 rows read to claim 20 of 500; 82 now).
    auto expired = prepare(c,
                           "UPDATE outbox SET lease_owner=?, lease_until=?, attempts=attempts+1 "
                           "WHERE status='sending' AND next_attempt_at <= ? AND lease_until <= ? "
                           "ORDER BY next_attempt_at, id LIMIT ?");
    bind_all(*expired, worker, until, now, now, max);
    auto claimed = static_cast<std::uint32_t>(expired->executeUpdate());
    if (claimed < max) {
        auto pending = prepare(c,
                               "UPDATE outbox SET status='sending', lease_owner=?, lease_until=?, "
                               "attempts=attempts+1 WHERE status='pending' AND next_attempt_at <= ? "
                               "ORDER BY next_attempt_at, id LIMIT ?");
        bind_all(*pending, worker, until, now, max - claimed);
        claimed += static_cast<std::uint32_t>(pending->executeUpdate());
    }
    if (claimed == 0 && !repeat) return {};
    auto st = prepare(
        c,
        std::string("SELECT ") + kColumns +
            " FROM outbox WHERE status='sending' AND lease_owner=? AND lease_until=? ORDER BY id");
    bind_all(*st, worker, until);
    auto rs = query(*st);
    std::vector<OutboxMessage> out;
    while (rs->next()) out.push_back(read_message(*rs));
    return out;
}

Status OutboxRepository::mark_sent(sql::Connection& c, std::uint64_t id, const std::string& worker,
                                   Timestamp now, std::optional<std::int64_t> wechat_msgid) {
    if (mark_sent(c, {SentPush{id, wechat_msgid}}, worker, now) == 0)
        return Error{StoreErrc::not_found, "outbox row not leased to this worker"};
    return Ok{};
}

std::size_t OutboxRepository::mark_sent(sql::Connection& c, const std::vector<SentPush>& sent,
                                        const std::string& worker, Timestamp now) {
    if (sent.empty()) return 0;
    // One text per group size (the worker's groups are at most its batch): each row takes its
    // own msgid by id.
    std::string when;
    for (std::size_t i = 0; i < sent.size(); ++i) when += " WHEN ? THEN ?";
    auto st = prepare(c,
                      "UPDATE outbox SET status='sent', sent_at=?, lease_until=NULL, "
                      "last_errcode=NULL, wechat_msgid=CASE id" +
                          when +
                          " END "
                          "WHERE id IN (" +
                          placeholders(sent.size()) + ") AND status='sending' AND lease_owner=?");
    int i = 1;
    bind(*st, i++, now);
    for (const auto& s : sent) {
        bind(*st, i++, s.id);
        if (s.wechat_msgid)
            st->setInt64(i++, *s.wechat_msgid);
        else
            st->setNull(i++, sql::DataType::BIGINT);
    }
    for (const auto& s : sent) bind(*st, i++, s.id);
    bind(*st, i, worker);
    const auto updated = static_cast<std::size_t>(st->executeUpdate());
    if (updated == sent.size()) return updated;
    // Fewer: a lease ran out, or this is the pool's second run after a lost link that had
    // committed the first — which rows carry this worker's mark is read back (a mark keeps
    // lease_owner), so the second run does not count its own marks as lost.
    auto marked =
        prepare(c, "SELECT COUNT(*) FROM outbox WHERE id IN (" + placeholders(sent.size()) +
                       ") AND status='sent' AND lease_owner=?");
    int j = 1;
    for (const auto& s : sent) bind(*marked, j++, s.id);
    bind(*marked, j, worker);
    auto rs = query(*marked);
    return rs->next() ? rs->getUInt64(1) : updated;
}

Status OutboxRepository::mark_failed(sql::Connection& c, std::uint64_t id,
                                     const std::string& worker, std::optional<int> errcode,
                                     const std::string& error, std::optional<Timestamp> retry_at) {
    auto st = prepare(c,
                      "UPDATE outbox SET status=?, next_attempt_at=COALESCE(?, next_attempt_at), "
                      "lease_until=NULL, "
                      "last_errcode=?, last_error=LEFT(?, 512) WHERE id=? AND status='sending' AND "
                      "lease_owner=?");
    bind_all(*st, std::string(retry_at ? "pending" : "failed"), retry_at, errcode, error, id,
             worker);
    if (st->executeUpdate() == 0)
        return Error{StoreErrc::not_found, "outbox row not leased to this worker"};
    return Ok{};
}

Result<OutboxReceiptTarget> OutboxRepository::find_by_wechat_msgid(sql::Connection& c,
                                                                   std::int64_t wechat_msgid) {
    auto st = prepare(c,
                      "SELECT id, ticket_id, recipient, receipt_status FROM outbox "
                      "WHERE wechat_msgid=? ORDER BY id DESC LIMIT 1 FOR UPDATE");
    st->setInt64(1, wechat_msgid);
    auto rs = query(*st);
    if (!rs->next()) return Error{StoreErrc::not_found, "outbox row of msgid"};
    OutboxReceiptTarget t;
    t.id = rs->getUInt64("id");
    t.ticket_id = opt_u64(*rs, "ticket_id");
    t.recipient = str(*rs, "recipient");
    t.receipt_status = opt_str(*rs, "receipt_status");
    return t;
}

bool OutboxRepository::sending_to(sql::Connection& c, const std::string& recipient) {
    auto st = prepare(c,
                      "SELECT 1 FROM outbox FORCE INDEX (ix_outbox_due) "
                      "WHERE status='sending' AND recipient=? LIMIT 1");
    st->setString(1, recipient);
    return query(*st)->next();
}

void OutboxRepository::record_receipt(sql::Connection& c, std::uint64_t id,
                                      const std::string& status, Timestamp at) {
    auto st = prepare(c, "UPDATE outbox SET receipt_status=LEFT(?, 64), receipt_at=? WHERE id=?");
    bind_all(*st, status, at, id);
    st->executeUpdate();
}

Status OutboxRepository::record_push_error(sql::Connection& c, std::uint64_t ticket_id,
                                           const std::string& error, Timestamp at) {
    auto st = prepare(c,
                      "UPDATE tickets SET push_error=LEFT(?, 255), version=version+1, updated_at=? "
                      "WHERE id=?");
    bind_all(*st, error, at, ticket_id);
    if (st->executeUpdate() == 0) return Error{StoreErrc::not_found, "ticket"};
    return Ok{};
}

std::vector<OutboxMessage> OutboxRepository::for_ticket(sql::Connection& c,
                                                        std::uint64_t ticket_id) {
    auto st = prepare(
        c, std::string("SELECT ") + kColumns + " FROM outbox WHERE ticket_id=? ORDER BY id");
    bind_all(*st, ticket_id);
    auto rs = query(*st);
    std::vector<OutboxMessage> out;
    while (rs->next()) out.push_back(read_message(*rs));
    return out;
}

}  // namespace repairbot::store
