#include "store/callback_queue_repository.h"

#include "store/errors.h"
#include "store/sql_row.h"

namespace repairbot::store {
namespace {

using namespace sql_row;

// A complaint callback may name only its complaint; the ticket is then the complaint's. A
// handover's owner comes with what the desk knows of them.
const std::string& callback_select() {
    static const std::string q =
        "SELECT " + callback_columns("cb.") +
        ", t.id AS entry_ticket_id, t.number AS ticket_number, "
        "et.number AS enquiry_ticket_number, o.name AS owner_name, o.phone AS owner_phone "
        "FROM callbacks cb "
        "LEFT JOIN complaints cp ON cp.id = cb.complaint_id "
        "LEFT JOIN tickets t ON t.id = COALESCE(cb.ticket_id, cp.ticket_id) "
        "LEFT JOIN tickets et ON et.id = cb.enquiry_ticket_id "
        "LEFT JOIN owners o ON o.openid = cb.owner_openid ";
    return q;
}

const std::string& complaint_select() {
    static const std::string q =
        "SELECT " + complaint_columns("cp.") +
        ", t.number AS ticket_number, cb.id AS callback_id, cb.due_at AS callback_due_at, "
        "cb.done_at AS callback_done_at "
        "FROM complaints cp "
        "LEFT JOIN tickets t ON t.id = cp.ticket_id "
        "LEFT JOIN callbacks cb ON cb.id = "
        "(SELECT MAX(x.id) FROM callbacks x WHERE x.complaint_id = cp.id AND x.kind = "
        "'complaint') ";
    return q;
}

CallbackEntry read_entry(sql::ResultSet& rs) {
    CallbackEntry e;
    e.callback = read_callback(rs);
    e.ticket_id = opt_u64(rs, "entry_ticket_id");
    e.ticket_number = opt_str(rs, "ticket_number");
    e.enquiry_ticket_number = opt_str(rs, "enquiry_ticket_number");
    e.owner_name = opt_str(rs, "owner_name");
    e.owner_phone = opt_str(rs, "owner_phone");
    return e;
}

ComplaintEntry read_complaint_entry(sql::ResultSet& rs) {
    ComplaintEntry e;
    e.complaint = read_complaint(rs);
    e.ticket_number = opt_str(rs, "ticket_number");
    e.callback_id = opt_u64(rs, "callback_id");
    e.callback_due_at = opt_time(rs, "callback_due_at");
    e.callback_done_at = opt_time(rs, "callback_done_at");
    return e;
}

}  // namespace

std::string complaint_callback_key(std::uint64_t complaint_id) {
    return "complaint:" + std::to_string(complaint_id);
}

std::string sample_callback_key(std::uint64_t ticket_id) {
    return "sample:" + std::to_string(ticket_id);
}

std::vector<CallbackEntry> CallbackQueueRepository::callbacks(sql::Connection& c,
                                                              const CallbackFilter& f) {
    std::string q = callback_select() + "WHERE 1=1";
    if (f.kind) q += " AND cb.kind = ?";
    if (f.done) q += *f.done ? " AND cb.done_at IS NOT NULL" : " AND cb.done_at IS NULL";
    if (f.due_before) q += " AND cb.due_at < ?";
    q += " ORDER BY cb.due_at, cb.id LIMIT ?";
    auto st = prepare(c, q);
    int i = 0;
    if (f.kind) bind(*st, ++i, *f.kind);
    if (f.due_before) bind(*st, ++i, *f.due_before);
    bind(*st, ++i, f.limit);
    auto rs = query(*st);
    std::vector<CallbackEntry> out;
    while (rs->next()) out.push_back(read_entry(*rs));
    return out;
}

Result<CallbackEntry> CallbackQueueRepository::find_callback(sql::Connection& c, std::uint64_t id) {
    auto st = prepare(c, callback_select() + "WHERE cb.id = ?");
    bind_all(*st, id);
    auto rs = query(*st);
    if (!rs->next()) return Error{StoreErrc::not_found, "callback " + std::to_string(id)};
    return read_entry(*rs);
}

std::vector<ComplaintEntry> CallbackQueueRepository::complaints(sql::Connection& c,
                                                                const std::string& status,
                                                                std::uint32_t limit) {
    auto st = prepare(c, std::string(complaint_select()) +
                             "WHERE (? = '' OR cp.status = ?) "
                             "ORDER BY cp.created_at DESC, cp.id DESC LIMIT ?");
    bind_all(*st, status, status, limit);
    auto rs = query(*st);
    std::vector<ComplaintEntry> out;
    while (rs->next()) out.push_back(read_complaint_entry(*rs));
    return out;
}

Result<ComplaintEntry> CallbackQueueRepository::find_complaint(sql::Connection& c,
                                                               std::uint64_t id) {
    auto st = prepare(c, std::string(complaint_select()) + "WHERE cp.id = ?");
    bind_all(*st, id);
    auto rs = query(*st);
    if (!rs->next()) return Error{StoreErrc::not_found, "complaint " + std::to_string(id)};
    return read_complaint_entry(*rs);
}

Result<std::uint64_t> CallbackQueueRepository::schedule_complaint_callback(
    sql::Connection& c, const Complaint& complaint, Timestamp due, Timestamp now) {
    const std::string key = complaint_callback_key(complaint.id);
    auto queue = [&](const std::string& dedupe_key) {
        Callback cb;
        cb.ticket_id = complaint.ticket_id;
        cb.complaint_id = complaint.id;
        cb.kind = "complaint";
        cb.due_at = due;
        cb.created_at = now;
        return FeedbackRepository::add_callback(c, cb, dedupe_key);
    };
    // Read first: an UPDATE that sets the due date it already has counts no row.
    auto find =
        prepare(c, "SELECT id, done_at, outcome FROM callbacks WHERE dedupe_key = ? FOR UPDATE");
    bind_all(*find, key);
    auto rs = query(*find);
    if (!rs->next()) return queue(key);
    const std::uint64_t id = rs->getUInt64("id");
    if (opt_time(*rs, "done_at")) {
        if (opt_str(*rs, "outcome") == std::optional<std::string>("satisfied"))
            return Error{StoreErrc::invalid_state, "the callback of complaint " +
                                                       std::to_string(complaint.id) +
                                                       " is done: the owner was satisfied"};
        return queue(key + ":handled");
    }
    auto st = prepare(c, "UPDATE callbacks SET due_at = ? WHERE id = ?");
    bind_all(*st, due, id);
    st->executeUpdate();
    return id;
}

}  // namespace repairbot::store
