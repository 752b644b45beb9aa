// 逾期明细: every late stage the desk's figures count (bot/stats.h), one row each, for the
// dispatcher who must explain each missed deadline — the ticket, the stage, its deadline (for the
// finish the first visit's as first set, with the promise it was moved to beside it) and when
// it was met (or that it was not by the cutoff), how late, why as the SLA engine saw it at the
// breach, the ticket's technician (the one its
// figures count for), and for an acceptance each technician who let an acceptance window pass
// (the SLA engine's accept breaches, each followed by a re-dispatch). Computed from the same rows
// and cutoff as compute_stats with the same verdicts, so the rows of a stage with ticket_late
// number exactly the overall figures' late count of that stage. The technicians' figures differ
// where bot/stats.h says so: a late acceptance counts against those in let_pass, not the
// ticket's technician (unless they are one of them), and a window let pass also counts while
// the ticket's own acceptance is not late by the cutoff (re-dispatched and still pending, or
// cancelled before the new window ran out, or accepted on time before a 转单) — such a ticket
// gets an accept row with ticket_late false when someone other than its technician let a window
// pass, so every late acceptance in a technician's figures has its row (the count and the
// table's total include these rows). Pure: no clock, no I/O.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bot/stats.h"

namespace repairbot::bot {

struct MissedDeadline {
    std::string number;  // BX20261121-0007
    store::Timestamp received_at{};
    // The urgency the stage's deadline was set in (the first visit's), and the ticket's now,
    // which differs when a reopen raised it (返修 naming a danger). emergency | normal | planned.
    std::string urgency, urgency_now;
    std::string fault_type, address, status;
    dialog::Stage stage = dialog::Stage::dispatch;  // one of figure_stages
    // The stage's deadline and when it was met; met nullopt: not met by the cutoff. The finish's
    // is the first visit's as first given (store::FirstFinish), the one missed; an acceptance's
    // is the one standing (a re-dispatch gives a new window).
    std::optional<store::Timestamp> due, met;
    // finish only: the finish deadline as it stands when it differs from `due` — the new promised
    // finish the SLA engine gave the owner after the breach, or a reopen's revisit's.
    std::optional<store::Timestamp> promised;
    bool cancelled = false;  // the ticket was cancelled before the cutoff
    // (met, else the cutoff or the cancel/close) − due, in minutes, when positive; nullopt
    // without a deadline on record or when the deadline as it stands is not passed (the miss
    // was against an earlier one: the SLA engine's recorded verdict — see the ticket's audit log,
    // `repairbot ticket show`).
    std::optional<double> minutes_late;
    // Why, as the SLA engine saw it at the stage's first breach
    // (store::StatsTicketRow::breach_reasons: nobody_free, technician_off_duty, …) — for an
    // acceptance, the first breach of a window the row's technician (or nobody) had; "" when it
    // recorded none, the stage was met late before its timer fired, or (an acceptance) only
    // those in let_pass let a window pass.
    std::string reason;
    std::optional<std::uint64_t> technician_id;  // the ticket's, as its figures count it
    std::string technician;                      // "" without one
    std::vector<store::StatsMissedAccept> let_pass;  // accept only: who let a window pass
    // Whether the ticket's own stage is late (the overall figures count it); false only for an
    // accept row listed for its let_pass while the ticket's acceptance is not late.
    bool ticket_late = true;
    bool operator==(const MissedDeadline&) const = default;
};

struct MissedReport {
    StatsRange range;
    store::Timestamp as_of{};                 // the cutoff, as compute_stats's
    std::vector<MissedDeadline> missed;       // by received, ticket, then figure_stages order
};

// The late stages of the tickets received in `range`, judged at stats_cutoff(range, now), from
// the rows store::StatsRepository::fetch(stats_window(range, now)) returned.
[[nodiscard]] MissedReport missed_deadlines(const StatsRange& range, store::Timestamp now,
                                            const store::StatsRows& rows);

// GET /api/stats/missed: {from, to (excluded), as_of, count, missed: [{number, received_at,
// urgency, urgency_now, fault_type, address, status, stage, due, met, minutes_late, technician_id,
// technician, let_pass: [{technician_id, technician}], ticket_late, promised, reason}]}; times
// iso_datetime, null where none.
[[nodiscard]] nlohmann::ordered_json to_json(const MissedReport& report);
// CSV (RFC 4180, CRLF): a header, then one row per late stage with the JSON's fields; let_pass
// as two cells, let_pass_ids and let_pass_names, each joined by ';' in the same order (the ids
// are unambiguous; a name may hold anything); ticket_late 1 or 0; urgency_now, promised, reason
// last (added later: columns are only ever appended). Cells through csv_cell (formulas defused).
[[nodiscard]] std::string to_csv(const MissedReport& report);
// A table for the terminal with Chinese headings, local (UTC+8) minutes, the promised finish
// after the deadline ("（改至 …）"), the reason in words (原因: 无人可派, 等业主答复报价, …; "-"
// without one), "未完成" for a stage not
// met ("已取消" when the ticket was cancelled before the cutoff), "接单*" for a row that is not
// the ticket's own (ticket_late false) with a note saying so, and a line saying how many;
// "无逾期" when none.
[[nodiscard]] std::string to_table(const MissedReport& report);

}  // namespace repairbot::bot
