// The SLA engine's timers as pure values: which timers a ticket's state calls for and when each
// is due, and the stable ids that name them in the Redis index (store/timer_index.h).
//
//   sla:<ticket id>:<stage>:warn|breach  a stage with a deadline not met yet, while the ticket is
//                                        open (new, dispatched, accepted, arrived)
//   fu:<ticket id>:remind|autoclose      a finished repair waiting for the owner (done: to
//                                        confirm; confirmed: to rate); remind also for an
//                                        open job's quote waiting for the owner's answer
//   cb:<callback id>                     a callback (回访) not done yet
//   cp:<complaint id>                    a complaint (投诉) not handled yet
//
// An id names one timer, so scheduling a plan twice is harmless; the due time travels with it
// (the index's score), and action_marker() adds it, so a re-armed deadline (a new technician's
// acceptance, a new promised finish) acts again while a repeated firing of one deadline does not.
// No I/O, no clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/ticket_stages.h"
#include "config/sla_data.h"
#include "dialog/sla_policy.h"
#include "dialog/texts.h"
#include "store/records.h"

namespace repairbot::bot {

enum class TimerKind : std::uint8_t {
    warn,        // a stage's warning (warning_percent of its window)
    breach,      // a stage's deadline passed unmet
    remind,      // the owner has not confirmed / rated for follow_ups.rating_reminder, or
                 // answered a quote for follow_ups.quote_reminder
    auto_close,  // no answer from the owner for follow_ups.auto_close
    callback,    // a callback's due time
    complaint,   // an unhandled complaint's next reminder (follow_ups.complaint_reminder)
};

// "warn", "breach", "remind", "autoclose", "callback", "complaint".
[[nodiscard]] std::string_view to_string(TimerKind k);

// What a timer id says.
struct TimerRef {
    TimerKind kind = TimerKind::warn;
    std::uint64_t id = 0;  // the ticket's id; the callback's or the complaint's for those kinds
    dialog::Stage stage = dialog::Stage::dispatch;  // meaningful for warn and breach only
    bool operator==(const TimerRef&) const = default;
};

// The id of a timer (see the top of this file).
[[nodiscard]] std::string timer_id(const TimerRef& ref);
// Inverse of timer_id; nullopt for anything else (a foreign or mangled member of the index).
[[nodiscard]] std::optional<TimerRef> parse_timer_id(std::string_view id);

struct PlannedTimer {
    TimerRef ref;
    std::string id;          // timer_id(ref)
    store::Timestamp due{};  // whole seconds
    bool operator==(const PlannedTimer&) const = default;
};

// True for the statuses whose stages still run: new, dispatched, accepted, arrived.
[[nodiscard]] bool stages_running(const store::Ticket& t);

// The ticket's facts as the policy reads them (a reopened job's booked visit is over).
[[nodiscard]] dialog::TicketFacts ticket_facts(const store::Ticket& t);

// Starts the clocks the ticket's recorded milestones call for: each stage but the acceptance
// (whose window Dispatcher::assign opens at every dispatch) that has no deadline yet, is not
// met, and whose start milestone (sla.policy.start_of, config/sla.toml [stage_starts]) is
// recorded gets the policy's deadline counted from that milestone's time in whole seconds. A
// stage met in the move that started its clock (完成 with an implicit arrival on a desk counting
// the finish from the arrival) stays unjudged, as does a met stage of a row without deadlines:
// a deadline set after the fact would judge it only by when someone replied. A deadline already
// set stays (a moved finish, the quote deadline of the first dispatch). A reopened job's clocks
// are the revisit's (revisit_stages: the acceptance too, the reopen being its dispatch), each
// from the revisit's own milestone — the reopen for a receipt or a dispatch, the revisit's
// acceptance or arrival — in the urgency's limits (no booking, no paid extension: reopen_job
// starts those it can at once). Idempotent; called by
// TicketIntake::new_ticket, Dispatcher::assign and the JobDesk moves that record a milestone a
// stage may start from (accept, quote and arrive, each possibly with an implicit acceptance).
// Pure.
void start_stage_clocks(store::Ticket& t, const config::SlaData& sla);

// The deadline the policy gives revisited stage `stage` of a reopened `t` (revisiting), counted
// from its start (stage_start) in the urgency's limits, with no booking and no paid extension;
// nullopt for a stage not revisited or not started. start_stage_clocks sets these. Pure.
[[nodiscard]] std::optional<store::Timestamp> revisit_deadline(const store::Ticket& t,
                                                               dialog::Stage stage,
                                                               const config::SlaData& sla);

// When stage `stage` of `t` starts its clock under [stage_starts]: the recorded milestone, the
// revisit's own for a revisited stage (revisiting); nullopt while not reached. Pure.
[[nodiscard]] std::optional<store::Timestamp> stage_start(const store::Ticket& t,
                                                          dialog::Stage stage,
                                                          const config::SlaData& sla);

// When to warn about a stage due at `due` (the stored deadline): the policy's warn_at when the
// policy, started at the stage's start milestone (stage_start), gives that same
// deadline; for a deadline the desk moved (a new promised finish) the same lead before `due` as
// the policy's window has, never before the window's start. nullopt when the stage's clock has
// not started.
[[nodiscard]] std::optional<store::Timestamp> warning_time(const store::Ticket& t,
                                                           dialog::Stage stage,
                                                           store::Timestamp due,
                                                           const config::SlaData& sla);

// Every timer the ticket's state calls for, by due time:
//  * while stages run: for each stage still pending (bot/ticket_stages.h stage_pending: a stored
//    deadline not met yet — a job dispatched again after a hand-over waits for the new
//    technician's acceptance; a reopened job's acceptance, arrival and finish are its
//    revisit's), a warning (when
//    warning_time has one) and a breach at dialog::breach_at(due); and while a quote waits for
//    the owner (quote_status pending) on a job a technician has (dispatched, accepted,
//    arrived), a reminder at quote_asked_at (else at.quoted) + quote_reminder;
//  * status done: a reminder at done + rating_reminder and an auto-close at done + auto_close;
//    status confirmed: the same counted from the confirmation.
// Nothing for any other status (rated, closed, cancelled).
[[nodiscard]] std::vector<PlannedTimer> plan_ticket_timers(const store::Ticket& t,
                                                           const config::SlaData& sla);

// The timers track() and rebuild() put in the index at `now`: the plan without the timers of a
// stage whose breach the engine has recorded already (late, still unmet, its breach time passed),
// so a restart or a later save does not fire old breaches again. A re-armed deadline (a new
// promised finish, a new technician's acceptance: due in the future) stays. A passed acceptance
// breach of a job handed over after its first acceptance (whose recorded verdict is that one's)
// stays too: fired again, the engine finds its action in the audit log and does nothing.
[[nodiscard]] std::vector<PlannedTimer> timers_to_schedule(const store::Ticket& t,
                                                           const config::SlaData& sla,
                                                           store::Timestamp now);

// Every id a ticket's timers can have (what track() cancels when the plan no longer has it).
[[nodiscard]] std::vector<std::string> ticket_timer_ids(std::uint64_t ticket_id);

// The callback's timer, at its due time; nullopt once it is done or told overdue for that due
// time (store::Callback::overdue_told_for).
[[nodiscard]] std::optional<PlannedTimer> plan_callback_timer(const store::Callback& cb);

// The unhandled complaint's next reminder: follow_ups.complaint_reminder after its last one
// (reminded_at), the first counted from its filing; nullopt once it is handled or closed.
[[nodiscard]] std::optional<PlannedTimer> plan_complaint_timer(const store::Complaint& complaint,
                                                               const config::SlaData& sla);

// What the audit log records for an action taken on `timer`: "<id>@<due in ms>". One action per
// marker, so a duplicate firing finds it and does nothing.
[[nodiscard]] std::string action_marker(const PlannedTimer& timer);

// "11月21日 14:30", the local time of `t` as the desk's messages show it (calendar's offset).
[[nodiscard]] std::string local_time_text(store::Timestamp t, std::chrono::minutes utc_offset);

// When the technician is to be at `t`, as the job push and the acceptance reply say it: the
// owner's booked time ("12月6日 14:00-18:00") with the arrival deadline it set
// (tech_visit_booked: booked_visit_of(t) less sla.policy.booked_arrival_lead),
// else the deadline alone (tech_visit_by: no booking, one booked too soon to count, a revisit);
// tech_visit_on_accept for a job not accepted yet on a desk that counts the arrival from the
// acceptance; "" when the ticket has no arrival deadline otherwise. A deadline before `now` and
// not met (a job pushed or shown after it passed: handed on, dispatched late) is said to have
// passed instead of asked for (tech_visit_late, tech_visit_booked_late), and a booking whose
// window is over by `now` asks for a new time with the owner (tech_visit_booking_missed). Pure.
[[nodiscard]] std::string visit_text(const store::Ticket& t, const dialog::ReplyTexts& texts,
                                     const config::SlaData& sla, store::Timestamp now);

}  // namespace repairbot::bot
