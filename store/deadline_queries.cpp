#include "store/deadline_queries.h"

#include "store/feedback_repository.h"
#include "store/sql_row.h"
#include "store/ticket_repository.h"

namespace repairbot::store {

using namespace sql_row;

std::vector<Ticket> DeadlineQueries::tickets_with_timers(sql::Connection& c,
                                                         std::uint64_t after_id,
                                                         std::uint32_t max) {
    static const std::vector<std::string> kWithTimers{"new", "dispatched", "accepted", "arrived", "done", "confirmed"};
    return TicketRepository::list_after(c, after_id, kWithTimers, max);
}

std::vector<Callback> DeadlineQueries::open_callbacks(sql::Connection& c, std::uint64_t after_id,
                                                      std::uint32_t max) {
    auto st =
        prepare(c, "SELECT " + callback_columns() +
                       " FROM callbacks WHERE id > ? AND done_at IS NULL ORDER BY id LIMIT ?");
    bind_all(*st, after_id, max);
    auto rs = query(*st);
    std::vector<Callback> out;
    while (rs->next()) out.push_back(read_callback(*rs));
    return out;
}

std::optional<Callback> DeadlineQueries::lock_callback(sql::Connection& c, std::uint64_t id) {
    auto st =
        prepare(c, "SELECT " + callback_columns() + " FROM callbacks WHERE id = ? FOR UPDATE");
    bind_all(*st, id);
    auto rs = query(*st);
    if (!rs->next()) return std::nullopt;
    return read_callback(*rs);
}

void DeadlineQueries::mark_overdue_told(sql::Connection& c, std::uint64_t id, Timestamp due) {
    auto st = prepare(c, "UPDATE callbacks SET overdue_told_for = ? WHERE id = ?");
    bind_all(*st, due, id);
    st->executeUpdate();
}

std::vector<Complaint> DeadlineQueries::open_complaints(sql::Connection& c, std::uint64_t after_id,
                                                        std::uint32_t max) {
    auto st =
        prepare(c, "SELECT " + complaint_columns() +
                       " FROM complaints WHERE id > ? AND status = 'open' ORDER BY id LIMIT ?");
    bind_all(*st, after_id, max);
    auto rs = query(*st);
    std::vector<Complaint> out;
    while (rs->next()) out.push_back(read_complaint(*rs));
    return out;
}

std::optional<Complaint> DeadlineQueries::lock_complaint(sql::Connection& c, std::uint64_t id) {
    auto st =
        prepare(c, "SELECT " + complaint_columns() + " FROM complaints WHERE id = ? FOR UPDATE");
    bind_all(*st, id);
    auto rs = query(*st);
    if (!rs->next()) return std::nullopt;
    return read_complaint(*rs);
}

void DeadlineQueries::mark_complaint_reminded(sql::Connection& c, std::uint64_t id, Timestamp at) {
    auto st =
        prepare(c, "UPDATE complaints SET reminded_at = ?, reminders = reminders + 1 WHERE id = ?");
    bind_all(*st, at, id);
    st->executeUpdate();
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
