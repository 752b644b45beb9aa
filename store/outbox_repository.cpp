#include "store/outbox_repository.h"

#include "store/errors.h"
#include "store/sql_row.h"

namespace repairbot::store {
namespace {

using namespace sql_row;

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
    auto st =
        prepare(c,
                "INSERT INTO outbox (kind, ticket_id, recipient, payload, status, next_attempt_at, "
                "created_at) VALUES (?,?,?,?,'pending',?,?)");
    bind_all(*st, m.kind, ticket_id, m.recipient, m.payload.empty() ? std::string("{}") : m.payload,
             m.not_before.value_or(now), now);
    st->executeUpdate();
    return last_insert_id(c);
}

std::vector<OutboxMessage> OutboxRepository::claim_due(sql::Connection& c, Timestamp now,
                                                       std::chrono::milliseconds lease,
                                                       const std::string& worker,
                                                       std::uint32_t max) {
    const Timestamp until = now + lease;
    auto up = prepare(
        c,
        "UPDATE outbox SET status='sending', lease_owner=?, lease_until=?, attempts=attempts+1 "
        "WHERE next_attempt_at <= ? AND (status='pending' OR (status='sending' AND lease_until <= "
        "?)) "
        "ORDER BY next_attempt_at, id LIMIT ?");
    bind_all(*up, worker, until, now, now, max);
    if (up->executeUpdate() == 0) return {};
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
                                   Timestamp now) {
    auto st =
        prepare(c,
                "UPDATE outbox SET status='sent', sent_at=?, lease_until=NULL, last_errcode=NULL "
                "WHERE id=? AND status='sending' AND lease_owner=?");
    bind_all(*st, now, id, worker);
    if (st->executeUpdate() == 0)
        return Error{StoreErrc::not_found, "outbox row not leased to this worker"};
    return Ok{};
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
