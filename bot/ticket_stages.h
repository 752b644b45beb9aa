// A ticket's SLA stages as stored, for whoever watches or reports them: each stage's deadline,
// the time it was met and the verdict recorded — the first visit's, or on a reopened job (返修)
// the revisit's (store::Revisit) for the stages a revisit goes through again (accept, arrive,
// finish). The SLA engine (bot/timer_plan.h, bot/sla_timers.h) and the moves
// (bot/ticket_lifecycle.h) read and record through these; the figures (bot/stats.h) keep reading
// the first visit's columns. Pure; no I/O.
#pragma once

#include <array>
#include <chrono>
#include <optional>

#include "dialog/sla_policy.h"
#include "store/records.h"

namespace repairbot::bot {

// A store time (milliseconds) to the whole seconds the dialogue's clock counts in, and back.
[[nodiscard]] inline std::chrono::sys_seconds seconds_of(store::Timestamp t) {
    return std::chrono::floor<std::chrono::seconds>(t);
}
[[nodiscard]] inline store::Timestamp ms_of(std::chrono::sys_seconds t) {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(t);
}

// The stages a reopened job goes through again, against deadlines of their own (counted from the
// reopen, or the revisit's acceptance or arrival: bot/timer_plan.h stage_start).
inline constexpr std::array<dialog::Stage, 3> revisit_stages{
    dialog::Stage::accept, dialog::Stage::arrive, dialog::Stage::finish};

// Whether stage `s` of `t` is a revisit's: `t` was reopened (Revisit::reopened) and `s` is one of
// revisit_stages.
[[nodiscard]] bool revisiting(const store::Ticket& t, dialog::Stage s);

// The stage's current deadline (Ticket::due, or the revisit's), the time it was met (Ticket::at,
// or the revisit's) and the verdict recorded for it (Ticket::late, or the revisit's: nullopt
// pending, false on time, true late — set once, when met or at the breach).
[[nodiscard]] const std::optional<store::Timestamp>& stage_due(const store::Ticket& t,
                                                              dialog::Stage s);
[[nodiscard]] std::optional<store::Timestamp>& stage_due(store::Ticket& t, dialog::Stage s);
[[nodiscard]] const std::optional<store::Timestamp>& stage_met(const store::Ticket& t,
                                                              dialog::Stage s);
[[nodiscard]] std::optional<store::Timestamp>& stage_met(store::Ticket& t, dialog::Stage s);
[[nodiscard]] const std::optional<bool>& stage_late(const store::Ticket& t, dialog::Stage s);
[[nodiscard]] std::optional<bool>& stage_late(store::Ticket& t, dialog::Stage s);

// Whether the current visit still has stage `s` to meet: its deadline is set and it is not met.
// The acceptance is pending exactly while a technician has the job and has not accepted it
// (status dispatched), in the window the dispatch opened (Dispatcher::assign): a job handed over
// (转单) after its acceptance and dispatched again waits for the next technician's, while
// stage_met keeps the first acceptance for the figures; in the queue (new, a hand-over nobody
// could take) nobody has the job to accept — the dispatchers were told, and the arrival and
// finish deadlines still run.
[[nodiscard]] bool stage_pending(const store::Ticket& t, dialog::Stage s);

// Whether the current visit met stage `s` late: its recorded verdict (false while none).
[[nodiscard]] bool met_late(const store::Ticket& t, dialog::Stage s);

// The time the owner's booking asks the technician to be there by (dialog::booked_visit_time of
// preferred_from..preferred_to), as intake filed its deadlines; nullopt without a booking.
[[nodiscard]] std::optional<std::chrono::sys_seconds> booked_visit_of(const store::Ticket& t);

}  // namespace repairbot::bot
