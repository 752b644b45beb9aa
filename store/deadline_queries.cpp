#include "store/deadline_queries.h"

#include "store/sql_row.h"
#include "store/ticket_repository.h"

namespace repairbot::store {
namespace {

using namespace sql_row;

constexpr const char* kCallbackColumns =
    "id, ticket_id, complaint_id, kind, due_at, done_at, done_by, outcome, notes, created_at";

Callback read_callback(sql::ResultSet& rs) {
    Callback c;
    c.id = rs.getUInt64("id");
    c.ticket_id = opt_u64(rs, "ticket_id");
    c.complaint_id = opt_u64(rs, "complaint_id");
    c.kind = str(rs, "kind");
    c.due_at = time(rs, "due_at");
    c.done_at = opt_time(rs, "done_at");
    c.done_by = str(rs, "done_by");
    c.outcome = opt_str(rs, "outcome");
    c.notes = str(rs, "notes");
    c.created_at = time(rs, "created_at");
    return c;
}

}  // namespace

std::vector<Ticket> DeadlineQueries::tickets_with_timers(sql::Connection& c,
                                                         std::uint64_t after_id,
                                                         std::uint32_t max) {
    static const std::vector<std::string> kWithTimers{"new", "dispatched", "accepted", "arrived", "done", "confirmed"};
    return TicketRepository::list_after(c, after_id, kWithTimers, max);
}

std::vector<Callback> DeadlineQueries::open_callbacks(sql::Connection& c, std::uint64_t after_id,
                                                      std::uint32_t max) {
    auto st = prepare(c, std::string("SELECT ") + kCallbackColumns +
                             " FROM callbacks WHERE id > ? AND done_at IS NULL ORDER BY id LIMIT ?");
    bind_all(*st, after_id, max);
    auto rs = query(*st);
    std::vector<Callback> out;
    while (rs->next()) out.push_back(read_callback(*rs));
    return out;
}

std::optional<Callback> DeadlineQueries::find_callback(sql::Connection& c, std::uint64_t id) {
    auto st = prepare(c, std::string("SELECT ") + kCallbackColumns + " FROM callbacks WHERE id = ?");
    bind_all(*st, id);
    auto rs = query(*st);
    if (!rs->next()) return std::nullopt;
    return read_callback(*rs);
}

bool DeadlineQueries::lock_ticket(sql::Connection& c, std::uint64_t ticket_id) {
    auto st = prepare(c, "SELECT id FROM tickets WHERE id = ? FOR UPDATE");
    bind_all(*st, ticket_id);
    auto rs = query(*st);
    return rs->next();
}

bool DeadlineQueries::sla_action_taken(sql::Connection& c, std::uint64_t ticket_id,
                                       const std::string& marker) {
    auto st = prepare(c,
                      "SELECT 1 FROM ticket_events WHERE ticket_id = ? AND actor = 'sla' "
                      "AND JSON_VALUE(details, '$.timer') = ? LIMIT 1");
    bind_all(*st, ticket_id, marker);
    auto rs = query(*st);
    return rs->next();
}

}  // namespace repairbot::store
