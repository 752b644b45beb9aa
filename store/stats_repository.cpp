#include "store/stats_repository.h"

#include <map>
#include <string>

#include "store/sql_row.h"

namespace repairbot::store {
namespace {

using namespace sql_row;

// The technician whose figures ticket `t` counts in (StatsTicketRow::technician_id): the
// figures count a ticket's first visit, so a reopened ticket (返修) counts for the technician its
// first reopen went back to — that reopened event's details.technician_id, the one who did the
// first visit — whoever has it now; without one (reopened before the events named it), and for
// any other ticket, the current technician.
const std::string kFiguresTechnician =
    "COALESCE(CASE WHEN t.reopen_count > 0 THEN ("
    " SELECT CAST(JSON_VALUE(e.details, '$.technician_id') AS UNSIGNED) FROM ticket_events e "
    " WHERE e.ticket_id = t.id AND e.type = 'reopened' ORDER BY e.id LIMIT 1) END, t.technician_id)";

// The newest round wins: after a reopen (返修) the owner's last word on the repair is what the
// satisfaction rate should reflect.
const std::string kTicketsQuery =
    "SELECT v.*, tech.name AS technician_name, "
    "(SELECT r.score FROM ratings r WHERE r.ticket_id = v.id AND r.created_at < ? "
    " ORDER BY r.round DESC LIMIT 1) AS rating_score FROM ("
    " SELECT t.id, t.number, t.address, t.fault_type, t.building, "
    " COALESCE(t.first_urgency, t.urgency) AS urgency, t.urgency AS urgency_now, t.status, " +
    kFiguresTechnician +
    " AS technician_id, "
    " t.created_at, t.cancelled_at, t.closed_at, "
    " t.dispatch_due, t.dispatched_at, t.dispatch_late, "
    " t.accept_due, t.accepted_at, t.accept_late, "
    " t.arrive_due, t.arrived_at, t.arrive_late, "
    " COALESCE(t.first_finish_due, t.finish_due) AS finish_due, "
    " COALESCE(t.first_done_at, t.done_at) AS done_at, t.finish_late, "
    " t.finish_due AS finish_due_now, t.reopen_count, "
    " (t.preferred_from IS NOT NULL) AS booked_visit "
    " FROM tickets t WHERE t.created_at >= ? AND t.created_at < ?) v "
    "LEFT JOIN technicians tech ON tech.id = v.technician_id "
    "ORDER BY v.created_at, v.id";

// A complaint callback may name only its complaint; the ticket is then the complaint's. Its
// technician is the one its ticket counts for. A handover (人工) is an answer owed, not a 回访:
// the callback rates leave it out.
const std::string kCallbacksQuery =
    "SELECT v.*, tech.name AS technician_name FROM ("
    " SELECT cb.id, cb.kind, cb.due_at, cb.done_at, t.id AS ticket_id, t.fault_type, t.building, " +
    kFiguresTechnician +
    " AS technician_id "
    " FROM callbacks cb "
    " LEFT JOIN complaints cp ON cp.id = cb.complaint_id "
    " LEFT JOIN tickets t ON t.id = COALESCE(cb.ticket_id, cp.ticket_id) "
    " WHERE cb.due_at >= ? AND cb.due_at < ? AND cb.kind <> 'handover') v "
    "LEFT JOIN technicians tech ON tech.id = v.technician_id "
    "ORDER BY v.due_at, v.id";

// The first visits' breaches of the window's tickets before the cutoff, in the order they
// happened: each stage's, with the technician the job was with and the reason the SLA engine
// recorded (details.technician_id, details.reason); a reopened job's revisit's left out
// (details.revisit: the figures count the first visit). A month's tickets' events by
// ix_ticket_events_ticket.
constexpr const char* kBreachesQuery =
    "SELECT b.ticket_id, b.at, b.stage, b.technician_id, b.reason, tech.name AS technician_name "
    "FROM ("
    " SELECT e.ticket_id, e.id, e.at, JSON_VALUE(e.details, '$.stage') AS stage, "
    " CAST(JSON_VALUE(e.details, '$.technician_id') AS UNSIGNED) AS technician_id, "
    " JSON_VALUE(e.details, '$.reason') AS reason "
    " FROM tickets t JOIN ticket_events e ON e.ticket_id = t.id "
    " WHERE t.created_at >= ? AND t.created_at < ? AND e.type = 'sla_breach' AND e.at < ? "
    " AND JSON_VALUE(e.details, '$.revisit') IS NULL) b "
    "LEFT JOIN technicians tech ON tech.id = b.technician_id "
    "ORDER BY b.ticket_id, b.id";

StatsStageFacts read_stage(sql::ResultSet& rs, const char* due, const char* met, const char* late) {
    return StatsStageFacts{opt_time(rs, due), opt_time(rs, met), opt_bool(rs, late)};
}

StatsTicketRow read_ticket(sql::ResultSet& rs) {
    StatsTicketRow t;
    t.id = rs.getUInt64("id");
    t.number = str(rs, "number");
    t.address = str(rs, "address");
    t.fault_type = str(rs, "fault_type");
    t.building = str(rs, "building");
    t.urgency = str(rs, "urgency");
    t.urgency_now = str(rs, "urgency_now");
    t.status = str(rs, "status");
    t.technician_id = opt_u64(rs, "technician_id");
    t.technician_name = opt_str(rs, "technician_name").value_or("");
    t.received_at = time(rs, "created_at");
    t.cancelled_at = opt_time(rs, "cancelled_at");
    t.closed_at = opt_time(rs, "closed_at");
    t.dispatch = read_stage(rs, "dispatch_due", "dispatched_at", "dispatch_late");
    t.accept = read_stage(rs, "accept_due", "accepted_at", "accept_late");
    t.arrive = read_stage(rs, "arrive_due", "arrived_at", "arrive_late");
    t.finish = read_stage(rs, "finish_due", "done_at", "finish_late");
    t.finish_due_now = opt_time(rs, "finish_due_now");
    t.reopen_count = rs.getUInt("reopen_count");
    t.booked_visit = rs.getBoolean("booked_visit");
    t.rating_score = opt_int(rs, "rating_score");
    return t;
}

StatsCallbackRow read_callback(sql::ResultSet& rs) {
    StatsCallbackRow cb;
    cb.id = rs.getUInt64("id");
    cb.kind = str(rs, "kind");
    cb.due_at = time(rs, "due_at");
    cb.done_at = opt_time(rs, "done_at");
    cb.ticket_id = opt_u64(rs, "ticket_id");
    cb.fault_type = opt_str(rs, "fault_type").value_or("");
    cb.building = opt_str(rs, "building").value_or("");
    cb.technician_id = opt_u64(rs, "technician_id");
    cb.technician_name = opt_str(rs, "technician_name").value_or("");
    return cb;
}

}  // namespace

StatsRows StatsRepository::fetch(sql::Connection& c, const StatsWindow& w) {
    StatsRows out;
    // InnoDB's REPEATABLE READ gives both SELECTs one snapshot: a callback marked done between
    // them cannot make the two halves of the report disagree.
    Transaction trx(c);
    {
        auto st = prepare(c, kTicketsQuery);
        bind_all(*st, w.as_of, w.from, w.to);
        auto rs = query(*st);
        while (rs->next()) out.tickets.push_back(read_ticket(*rs));
    }
    {
        std::map<std::uint64_t, std::size_t> row_of;
        for (std::size_t i = 0; i < out.tickets.size(); ++i) row_of[out.tickets[i].id] = i;
        auto st = prepare(c, kBreachesQuery);
        bind_all(*st, w.from, w.to, w.as_of);
        auto rs = query(*st);
        while (rs->next()) {
            auto row = row_of.find(rs->getUInt64("ticket_id"));
            if (row == row_of.end()) continue;
            auto& t = out.tickets[row->second];
            const std::string stage = opt_str(*rs, "stage").value_or("");
            const auto technician = opt_u64(*rs, "technician_id");
            if (stage == "accept" && technician)
                t.missed_accepts.push_back(
                    {*technician, opt_str(*rs, "technician_name").value_or("")});
            // The first breach's reason is the stage's: later ones are a promise missed again.
            // An acceptance's is that of a window the ticket's technician let pass (or nobody's):
            // one another let pass is theirs, in let_pass; one after the first acceptance (a
            // hand-over's) is no window the acceptance was judged on.
            if (stage == "accept" && technician && technician != t.technician_id) continue;
            if (stage == "accept" && t.accept.met && time(*rs, "at") > *t.accept.met) continue;
            if (stage == "dispatch" || stage == "accept" || stage == "arrive" || stage == "finish")
                t.breach_reasons.try_emplace(stage, opt_str(*rs, "reason").value_or(""));
        }
    }
    {
        auto st = prepare(c, kCallbacksQuery);
        bind_all(*st, w.from, w.to);
        auto rs = query(*st);
        while (rs->next()) out.callbacks.push_back(read_callback(*rs));
    }
    trx.commit();
    return out;
}

}  // namespace repairbot::store
