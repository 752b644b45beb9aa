#include "store/feedback_repository.h"

#include <cppconn/exception.h>

#include "store/errors.h"
#include "store/sql_row.h"

namespace repairbot::store {
namespace {

using namespace sql_row;

// The `n` a "SELECT COUNT(*) AS n ... WHERE ticket_id=? ... FOR UPDATE" counts for `ticket_id`.
std::size_t count_locked(sql::Connection& c, const char* query, std::uint64_t ticket_id) {
    auto st = prepare(c, query);
    bind_all(*st, ticket_id);
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
    return rs->next() ? static_cast<std::size_t>(rs->getUInt64("n")) : 0;
}

// Distinguishes "no such row" from "already in the end state" after an UPDATE hit nothing.
Status missing_or_done(sql::Connection& c, const char* table, std::uint64_t id) {
    auto st = prepare(c, std::string("SELECT 1 FROM ") + table + " WHERE id = ?");
    bind_all(*st, id);
    if (!query(*st)->next()) return Error{StoreErrc::not_found, table};
    return Error{StoreErrc::invalid_state, std::string(table) + " already done"};
}

}  // namespace

std::string complaint_columns(std::string_view alias) {
    std::string out;
    for (const char* column :
         {"id", "ticket_id", "owner_openid", "source", "severity", "text", "status", "handled_by",
          "resolution", "created_at", "handled_at", "reminded_at", "reminders"}) {
        if (!out.empty()) out += ", ";
        out += alias;
        out += column;
    }
    return out;
}

Complaint read_complaint(sql::ResultSet& rs) {
    Complaint c;
    c.id = rs.getUInt64("id");
    c.ticket_id = opt_u64(rs, "ticket_id");
    c.owner_openid = str(rs, "owner_openid");
    c.source = str(rs, "source");
    c.severity = str(rs, "severity");
    c.text = str(rs, "text");
    c.status = str(rs, "status");
    c.handled_by = str(rs, "handled_by");
    c.resolution = str(rs, "resolution");
    c.created_at = time(rs, "created_at");
    c.handled_at = opt_time(rs, "handled_at");
    c.reminded_at = opt_time(rs, "reminded_at");
    c.reminders = rs.getUInt("reminders");
    return c;
}

std::string callback_columns(std::string_view alias) {
    static constexpr const char* kColumns[] = {
        "id",      "ticket_id", "complaint_id",     "owner_openid", "enquiry_ticket_id",
        "kind",    "due_at",    "overdue_told_for", "done_at",      "done_by",
        "outcome", "notes",     "created_at"};
    std::string out;
    for (const char* column : kColumns) {
        if (!out.empty()) out += ", ";
        out.append(alias).append(column);
    }
    return out;
}

Callback read_callback(sql::ResultSet& rs) {
    Callback c;
    c.id = rs.getUInt64("id");
    c.ticket_id = opt_u64(rs, "ticket_id");
    c.complaint_id = opt_u64(rs, "complaint_id");
    c.owner_openid = opt_str(rs, "owner_openid");
    c.enquiry_ticket_id = opt_u64(rs, "enquiry_ticket_id");
    c.kind = str(rs, "kind");
    c.due_at = time(rs, "due_at");
    c.overdue_told_for = opt_time(rs, "overdue_told_for");
    c.done_at = opt_time(rs, "done_at");
    c.done_by = str(rs, "done_by");
    c.outcome = opt_str(rs, "outcome");
    c.notes = str(rs, "notes");
    c.created_at = time(rs, "created_at");
    return c;
}

Result<std::uint64_t> FeedbackRepository::add_rating(sql::Connection& c, const Rating& r) {
    auto st =
        prepare(c,
                "INSERT INTO ratings (ticket_id, round, owner_openid, score, comment, created_at) "
                "VALUES (?,?,?,?,?,?)");
    bind_all(*st, r.ticket_id, r.round, r.owner_openid, r.score, r.comment, r.created_at);
    try {
        st->executeUpdate();
    } catch (const sql::SQLException& e) {
        if (e.getErrorCode() == 1062) return Error{StoreErrc::duplicate, "rating"};
        throw;
    }
    return last_insert_id(c);
}

std::vector<Rating> FeedbackRepository::ratings_for_ticket(sql::Connection& c,
                                                           std::uint64_t ticket_id) {
    auto st = prepare(
        c,
        "SELECT id, ticket_id, round, owner_openid, score, comment, created_at FROM ratings "
        "WHERE ticket_id = ? ORDER BY round");
    bind_all(*st, ticket_id);
    auto rs = query(*st);
    std::vector<Rating> out;
    while (rs->next()) {
        Rating r;
        r.id = rs->getUInt64("id");
        r.ticket_id = rs->getUInt64("ticket_id");
        r.round = rs->getUInt("round");
        r.owner_openid = str(*rs, "owner_openid");
        r.score = rs->getUInt("score");
        r.comment = str(*rs, "comment");
        r.created_at = time(*rs, "created_at");
        out.push_back(std::move(r));
    }
    return out;
}

std::uint64_t FeedbackRepository::add_complaint(sql::Connection& c, const Complaint& x) {
    auto st = prepare(c,
                      "INSERT INTO complaints (ticket_id, owner_openid, source, severity, text, "
                      "status, created_at) "
                      "VALUES (?,?,?,?,?,'open',?)");
    bind_all(*st, x.ticket_id, x.owner_openid, x.source, x.severity, x.text, x.created_at);
    st->executeUpdate();
    return last_insert_id(c);
}

Result<Complaint> FeedbackRepository::find_complaint(sql::Connection& c, std::uint64_t id) {
    auto st = prepare(c, "SELECT " + complaint_columns() + " FROM complaints WHERE id = ?");
    bind_all(*st, id);
    auto rs = query(*st);
    if (!rs->next()) return Error{StoreErrc::not_found, "complaint"};
    return read_complaint(*rs);
}

std::vector<Complaint> FeedbackRepository::complaints(sql::Connection& c, const std::string& status,
                                                      std::uint32_t limit) {
    auto st = prepare(c, "SELECT " + complaint_columns() +
                             " FROM complaints WHERE (? = '' OR status = ?) ORDER BY created_at "
                             "DESC, id DESC LIMIT ?");
    bind_all(*st, status, status, limit);
    auto rs = query(*st);
    std::vector<Complaint> out;
    while (rs->next()) out.push_back(read_complaint(*rs));
    return out;
}

Status FeedbackRepository::handle_complaint(sql::Connection& c, std::uint64_t id,
                                            const std::string& by, const std::string& resolution,
                                            Timestamp now) {
    auto st = prepare(
        c,
        "UPDATE complaints SET status = 'handled', handled_by = ?, resolution = ?, handled_at = ? "
        "WHERE id = ? AND status = 'open'");
    bind_all(*st, by, resolution, now, id);
    if (st->executeUpdate() == 0) return missing_or_done(c, "complaints", id);
    return Ok{};
}

bool FeedbackRepository::make_serious(sql::Connection& c, std::uint64_t id) {
    auto st = prepare(
        c, "UPDATE complaints SET severity = 'serious' WHERE id = ? AND severity <> 'serious'");
    bind_all(*st, id);
    return st->executeUpdate() > 0;
}

bool FeedbackRepository::close_complaint(sql::Connection& c, std::uint64_t id) {
    auto st =
        prepare(c, "UPDATE complaints SET status = 'closed' WHERE id = ? AND status = 'handled'");
    bind_all(*st, id);
    return st->executeUpdate() > 0;
}

Result<std::uint64_t> FeedbackRepository::add_callback(
    sql::Connection& c, const Callback& cb, const std::optional<std::string>& dedupe_key) {
    auto st =
        prepare(c,
                "INSERT INTO callbacks (ticket_id, complaint_id, owner_openid, enquiry_ticket_id, "
                "kind, dedupe_key, due_at, created_at) VALUES (?,?,?,?,?,?,?,?)");
    bind_all(*st, cb.ticket_id, cb.complaint_id, cb.owner_openid, cb.enquiry_ticket_id, cb.kind,
             dedupe_key, cb.due_at, cb.created_at);
    try {
        st->executeUpdate();
    } catch (const sql::SQLException& e) {
        if (e.getErrorCode() == 1062)
            return Error{StoreErrc::duplicate, "callback " + dedupe_key.value_or("")};
        throw;
    }
    return last_insert_id(c);
}

namespace {
// The owner's open handover; `locking`: " FOR UPDATE" or "".
std::optional<Callback> read_open_handover(sql::Connection& c, const std::string& owner_openid,
                                           const char* locking) {
    auto st = prepare(
        c, "SELECT " + callback_columns() + " FROM callbacks WHERE open_handover_of = ?" + locking);
    bind_all(*st, owner_openid);
    auto rs = query(*st);
    if (!rs->next()) return std::nullopt;
    return read_callback(*rs);
}
}  // namespace

std::optional<Callback> FeedbackRepository::lock_open_handover(sql::Connection& c,
                                                               const std::string& owner_openid) {
    return read_open_handover(c, owner_openid, " FOR UPDATE");
}

void FeedbackRepository::move_callback_due(sql::Connection& c, std::uint64_t id, Timestamp due) {
    auto st = prepare(c, "UPDATE callbacks SET due_at = ? WHERE id = ?");
    bind_all(*st, due, id);
    st->executeUpdate();
}

void FeedbackRepository::forget_enquiry(sql::Connection& c, std::uint64_t id) {
    auto st = prepare(c, "UPDATE callbacks SET enquiry_ticket_id = NULL WHERE id = ?");
    bind_all(*st, id);
    st->executeUpdate();
}

std::optional<Callback> FeedbackRepository::open_handover(sql::Connection& c,
                                                          const std::string& owner_openid) {
    return read_open_handover(c, owner_openid, "");
}

bool FeedbackRepository::settle_enquiry(sql::Connection& c, std::uint64_t id,
                                        std::uint64_t ticket_id, const std::string& by,
                                        const std::string& notes, Timestamp now) {
    auto st = prepare(c,
                      "UPDATE callbacks SET done_at = ?, done_by = ?, notes = ? "
                      "WHERE id = ? AND done_at IS NULL AND enquiry_ticket_id = ?");
    bind_all(*st, now, by, notes, id, ticket_id);
    return st->executeUpdate() > 0;
}

std::vector<Callback> FeedbackRepository::callbacks(sql::Connection& c, const CallbackFilter& f) {
    std::string q = "SELECT " + callback_columns() + " FROM callbacks WHERE 1=1";
    if (f.kind) q += " AND kind = ?";
    if (f.done) q += *f.done ? " AND done_at IS NOT NULL" : " AND done_at IS NULL";
    if (f.due_before) q += " AND due_at < ?";
    q += " ORDER BY due_at, id LIMIT ?";
    auto st = prepare(c, q);
    int i = 0;
    if (f.kind) bind(*st, ++i, *f.kind);
    if (f.due_before) bind(*st, ++i, *f.due_before);
    bind(*st, ++i, f.limit);
    auto rs = query(*st);
    std::vector<Callback> out;
    while (rs->next()) out.push_back(read_callback(*rs));
    return out;
}

Status FeedbackRepository::complete_callback(sql::Connection& c, std::uint64_t id,
                                             const std::string& by, const std::string& outcome,
                                             const std::string& notes, Timestamp now) {
    auto st = prepare(c,
                      "UPDATE callbacks SET done_at = ?, done_by = ?, outcome = ?, notes = ? "
                      "WHERE id = ? AND done_at IS NULL");
    bind_all(*st, now, by, outcome, notes, id);
    if (st->executeUpdate() == 0) return missing_or_done(c, "callbacks", id);
    return Ok{};
}

std::size_t FeedbackRepository::open_callbacks_for_ticket(sql::Connection& c,
                                                         std::uint64_t ticket_id) {
    return count_locked(c,
                        "SELECT COUNT(*) AS n FROM callbacks WHERE ticket_id=? AND done_at IS NULL "
                        "FOR UPDATE",
                        ticket_id);
}

std::size_t FeedbackRepository::open_complaints_for_ticket(sql::Connection& c,
                                                           std::uint64_t ticket_id) {
    return count_locked(
        c, "SELECT COUNT(*) AS n FROM complaints WHERE ticket_id=? AND status='open' FOR UPDATE",
        ticket_id);
}

}  // namespace repairbot::store
