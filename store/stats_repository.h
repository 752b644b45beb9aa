// SQL for the desk's figures (统计): the compact facts of the tickets received in a window and of
// the callbacks due in it. SQL only; bot/stats.h turns the rows into rates and percentiles.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/sql_values.h"

namespace sql {
class Connection;
}

namespace repairbot::store {

// What to read. All instants UTC; the caller converts the desk's local (UTC+8) dates.
struct StatsWindow {
    Timestamp from{};  // tickets received (created_at) and callbacks due (due_at) in [from, to)
    Timestamp to{};
    Timestamp as_of{};  // ratings given at or after this instant are not read
};

// One stage of a ticket as stored: its deadline, when it was met, and the verdict the SLA
// engine recorded (nullopt pending, false on time, true late).
struct StatsStageFacts {
    std::optional<Timestamp> due;
    std::optional<Timestamp> met;
    std::optional<bool> late;
    bool operator==(const StatsStageFacts&) const = default;
};

// An acceptance deadline a technician let pass on a ticket (the SLA engine's accept breach, which
// records the technician the job was with, then re-dispatches), before StatsWindow::as_of.
struct StatsMissedAccept {
    std::uint64_t technician_id = 0;
    std::string technician_name;  // "" when no longer on file
    bool operator==(const StatsMissedAccept&) const = default;
};

// A ticket received in the window, with what the figures need.
struct StatsTicketRow {
    std::uint64_t id = 0;
    std::string number;   // BX20261121-0007
    std::string address;  // as shown to people
    std::string fault_type;
    std::string building;
    // The urgency the figures' (first visit's) deadlines were set in; urgency_now differs when
    // a reopen raised it (store/records.h Ticket::first_urgency). emergency | normal | planned.
    std::string urgency, urgency_now;
    std::string status;
    // The current technician; for a reopened ticket the first visit's (the one its first reopen
    // went back to, from that event), whoever has the revisit now.
    std::optional<std::uint64_t> technician_id;
    std::string technician_name;  // "" without a technician (or one no longer on file)
    Timestamp received_at{};      // created_at
    std::optional<Timestamp> cancelled_at, closed_at;
    // met = dispatched/accepted/arrived/done_at. The finish is the first visit's
    // (store::FirstFinish): the deadline it was first given, missed or not, and when it was done,
    // whatever a finish breach (a new promised finish) or a reopen moved since.
    StatsStageFacts dispatch, accept, arrive, finish;
    // The finish deadline as it stands (finish_due): a new promised finish, or a revisit's.
    std::optional<Timestamp> finish_due_now;
    std::uint32_t reopen_count = 0;
    // The owner booked the visit's time (preferred_from): the wait to arrive was theirs to choose.
    bool booked_visit = false;
    // The score of the newest round rated before StatsWindow::as_of; nullopt when not rated.
    std::optional<int> rating_score;
    std::vector<StatsMissedAccept> missed_accepts;  // in the order they happened
    // The stages the SLA engine's timers breached before StatsWindow::as_of (the first visit's
    // sla_breach events), by stage name ("dispatch", "accept", "arrive", "finish"), each with
    // the reason its first breach recorded (details.reason: a code of bot/breach_reasons.h, read
    // as stored; "" without one). An acceptance's counts only a window
    // let pass by the ticket's technician (technician_id) or by nobody, before the first
    // acceptance: another's is in missed_accepts, a hand-over's after it judges nothing here.
    std::map<std::string, std::string> breach_reasons;
    bool operator==(const StatsTicketRow&) const = default;
};

// A callback (回访) due in the window, with the ticket it is about (its own ticket_id, else its
// complaint's). The ticket fields are empty/nullopt for a complaint about no ticket.
struct StatsCallbackRow {
    std::uint64_t id = 0;
    std::string kind;  // complaint | sample
    Timestamp due_at{};
    std::optional<Timestamp> done_at;
    std::optional<std::uint64_t> ticket_id;
    std::string fault_type;
    std::string building;
    std::optional<std::uint64_t> technician_id;
    std::string technician_name;
    bool operator==(const StatsCallbackRow&) const = default;
};

struct StatsRows {
    std::vector<StatsTicketRow> tickets;      // by received_at, then id
    std::vector<StatsCallbackRow> callbacks;  // by due_at, then id
};

class StatsRepository {
  public:
    // Reads the tickets received and the callbacks due in [w.from, w.to) with two prepared
    // SELECTs inside one read transaction (one consistent snapshot). Blocking; runs on the
    // connection it is given (inside MysqlPool::run / run_sync). Never returns partial rows:
    // SQL errors surface as sql::SQLException (MysqlPool retries the transient ones).
    [[nodiscard]] static StatsRows fetch(sql::Connection& c, const StatsWindow& w);
};

}  // namespace repairbot::store
