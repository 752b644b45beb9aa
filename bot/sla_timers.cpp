#include "bot/sla_timers.h"

#include "bot/breach_reasons.h"
#include "bot/callback_desk.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cppconn/connection.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string_view>

#include "bot/admin_api.h"
#include "bot/owner_questions.h"
#include "bot/staff_notice.h"
#include "bot/ticket_lifecycle.h"
#include "config/log.h"
#include "config/price_list.h"
#include "dialog/feedback.h"
#include "dialog/session_codec.h"
#include "store/deadline_queries.h"
#include "store/errors.h"
#include "store/feedback_repository.h"
#include "store/outbox_repository.h"
#include "store/queue_note_repository.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"
#include "store/transaction.h"

namespace repairbot::bot {

namespace asio = boost::asio;
using store::Timestamp;

namespace {

// What the engine needs to word and decide an action, shared by value with the SQL threads.
struct Desk {
    const config::SlaData* sla;
    const config::Notices* notices;
    const Dispatcher* dispatcher;  // whether the dispatchers hear of a queued ticket at once
};

std::string stage_name(const Desk& d, dialog::Stage s) {
    return d.notices->render("sla_stage_" + std::string(dialog::to_string(s)));
}

std::string when(const Desk& d, Timestamp t) {
    return local_time_text(t, d.sla->calendar.utc_offset());
}

// How long past a deadline, in the words a supervisor reads: "3天2小时", "2小时15分钟", "40分钟"
// (whole minutes, at least 1).
std::string overdue_text(Timestamp due, Timestamp now) {
    const auto minutes = std::max<long>(
        1, static_cast<long>(std::chrono::duration_cast<std::chrono::minutes>(now - due).count()));
    const long days = minutes / (24 * 60), hours = minutes / 60 % 24, mins = minutes % 60;
    if (days > 0)
        return std::to_string(days) + "天" + (hours ? std::to_string(hours) + "小时" : "");
    if (hours > 0)
        return std::to_string(hours) + "小时" + (mins ? std::to_string(mins) + "分钟" : "");
    return std::to_string(mins) + "分钟";
}

// Whether a breach of `stage` now is a revisit's (details.revisit): revisiting, or the finish of
// a ticket reopened before the revisit columns (reopen_count, no revisit.reopened).
bool revisit_breach(const store::Ticket& t, dialog::Stage stage) {
    return revisiting(t, stage) || (stage == dialog::Stage::finish && t.reopen_count > 0);
}

// The breaches of `stage` this visit had before (the first visit's, or the revisit's now under
// way: the audit log's sla_breach events, details.revisit = reopen_count): how many, and the
// deadline the first of them missed (details.due), when it reads.
struct EarlierBreaches {
    std::size_t count = 0;
    std::optional<Timestamp> first_due;
};
EarlierBreaches earlier_breaches(sql::Connection& c, const store::Ticket& t, dialog::Stage stage) {
    EarlierBreaches out;
    const bool again = revisit_breach(t, stage);
    // A plain read: the ticket's row is locked, and breaches are written only under that lock.
    for (const auto& e : store::TicketRepository::events(c, t.id)) {
        if (e.type != "sla_breach") continue;
        const auto details = nlohmann::json::parse(e.details, nullptr, /*allow_exceptions=*/false);
        if (!details.is_object() || details.value("stage", "") != dialog::to_string(stage))
            continue;
        const auto revisit = details.find("revisit");
        if (again ? (revisit == details.end() || !revisit->is_number_unsigned() ||
                     revisit->get<std::uint64_t>() != t.reopen_count)
                  : revisit != details.end())
            continue;
        if (++out.count == 1)  // in the order written: the first is the first breach
            out.first_due = details.contains("due") && details["due"].is_string()
                                ? parse_iso_datetime(details["due"].get<std::string>())
                                : std::nullopt;
    }
    return out;
}

store::NewOutbox notify_row(const std::string& openid, const nlohmann::json& payload) {
    return {"notify", openid, payload.dump(), std::nullopt};
}

// The new promised finish after a breach: the urgency's finish limit counted from now, as for a
// new report (dialog::deadline_for) — a planned job whose booked day is over, or that has none,
// gets planned_date_fallback, not the end of today.
Timestamp new_promised_finish(const Desk& d, const store::Ticket& t, Timestamp now) {
    const auto& policy = d.sla->policy;
    auto from = seconds_of(now);
    auto limit = dialog::deadline_for(policy, d.sla->calendar, ticket_facts(t), dialog::Stage::finish, from);
    auto due = limit ? limit->due : from;
    if (due <= from) due = dialog::limit_due(policy.planned_date_fallback, d.sla->calendar, from, {});
    return ms_of(due);
}

// What holds an unfinished job up, as the breach records it (details.reason) and with the text
// the owner is told (finish_delayed's {reason}).
struct FinishHoldUp {
    std::string_view reason;
    std::string_view owner_text;  // a notices.toml key
    bool quote;                   // a quote waits for an answer: whoever has the job
};
FinishHoldUp finish_hold_up(const store::Ticket& t) {
    if (t.quote_status == store::quote_status::pending)
        return {breach_reason::quote_owner, "finish_delay_quote", true};
    if (t.quote_status == store::quote_status::review)
        return {breach_reason::quote_review, "finish_delay_quote_review", true};
    if (!stage_met(t, dialog::Stage::arrive))
        return {breach_reason::not_arrived, "finish_delay_not_arrived", false};
    return {breach_reason::in_progress, "finish_delay_in_progress", false};
}

std::string finish_delay_reason(const Desk& d, const store::Ticket& t) {
    return d.notices->render(std::string(finish_hold_up(t).owner_text));
}

// Whether the arrival's deadline standing is the owner's booked time (the policy gave it on the
// booking's basis, not the urgency's limit: a booking the stage's start had passed, or a revisit,
// is not).
bool due_at_booked_time(const Desk& d, const store::Ticket& t) {
    const auto& due = stage_due(t, dialog::Stage::arrive);
    if (!due || revisiting(t, dialog::Stage::arrive) || !booked_visit_of(t)) return false;
    const auto start = stage_start(t, dialog::Stage::arrive, *d.sla);
    if (!start) return false;
    const auto limit = dialog::deadline_for(d.sla->policy, d.sla->calendar, ticket_facts(t),
                                            dialog::Stage::arrive, seconds_of(*start));
    return limit && limit->basis == dialog::DeadlineBasis::booked_visit &&
           limit->due == seconds_of(*due);
}

// Why a stage's deadline was missed, as far as the desk can tell at the breach — recorded on the
// sla_breach event (details.reason) for the late list (bot/missed_deadlines.h), so a dispatcher
// can tell a miss on the technician from one the desk or the owner held up: a code of
// bot/breach_reasons.h, "" when nothing explains it. `tech` is the ticket's technician, when on
// file.
std::string breach_reason(const Desk& d, const store::Ticket& t, dialog::Stage stage,
                          const std::optional<store::Technician>& tech) {
    using S = dialog::Stage;
    // Nobody has the job (never given, or back in the queue): no technician's miss.
    if (!t.technician_id) return std::string(breach_reason::nobody_free);
    if (stage == S::dispatch) return "";
    if (stage == S::finish)
        if (const auto hold = finish_hold_up(t); hold.quote) return std::string(hold.reason);
    if (tech && (stage == S::accept || !stage_met(t, S::arrive))) {
        if (!tech->active || !tech->on_duty) return std::string(breach_reason::technician_off_duty);
        if (!store::is_bound(*tech)) return std::string(breach_reason::technician_unbound);
    }
    if (stage == S::arrive && due_at_booked_time(d, t))
        return std::string(breach_reason::booked_visit);
    if (stage == S::finish) return std::string(finish_hold_up(t).reason);
    return "";
}

}  // namespace

namespace {

// What one firing found and did; the parts after the transaction (re-dispatch, scheduling,
// the owner's session) are carried out by the coroutine.
struct Fired {
    enum class Result { acted, already, stale, not_yet, skipped, gone } result = Result::stale;
    std::optional<Timestamp> reschedule;           // not_yet: the timer's new due time
    std::optional<store::Ticket> saved;            // the ticket as the action saved it
    std::optional<std::uint64_t> redispatch_from;  // accept breach: dispatch without them
    std::vector<std::uint64_t> handed_over_by;     // … nor those who handed the job over
    bool track_saved = false;                      // the action moved a deadline
    bool drop_questions = false;                   // the ticket closed: clear the owner's chat
    std::string owner_openid, number;
    // A complaint's reminder: whom it reached, and whether it went up to the managers.
    std::optional<ComplaintTold> complaint_told;
    bool complaint_up = false;
};

const char* result_name(Fired::Result r) {
    static const char* names[] = {"acted", "already", "stale", "not_yet", "skipped", "gone"};
    return names[static_cast<int>(r)];
}

}  // namespace

namespace {

// Whether `t`'s SLA messages wait for the dispatchers' queue note (bot/queue_notes.h) instead of
// going out on their own: those of every stage's deadline (dispatch first; arrival and finish
// when nobody takes it for hours) while it waits for a human, with queue notes on and no
// emergency. In a storm every queued ticket comes here in turn, for each of its deadlines.
bool left_to_queue_note(const Desk& d, const store::Ticket& t) {
    return t.status == store::ticket_status::new_ && !d.dispatcher->tells_at_once(t);
}

// The warning: the technician (or the dispatchers while nobody has the job; the supervisors for
// a quote waiting for their review) is told the stage's deadline is near; an audit event marks
// it done. A queued ticket's may be left to the queue note (left_to_queue_note). Runs inside the
// caller's transaction.
void warn(sql::Connection& c, const Desk& d, const store::Ticket& t, const PlannedTimer& p,
          const std::string& marker, Timestamp now) {
    auto stage = p.ref.stage;
    auto due = *stage_due(t, stage);
    std::string stage_text = stage_name(d, stage);
    std::string due_text = when(d, due);
    std::string notified = "dispatchers";
    // What push.toml's sla_warning template fields name, for whoever is told.
    const nlohmann::json fields = {
        {"number", t.number}, {"stage", stage_text}, {"due", due_text}, {"address", t.address}};
    std::optional<store::Technician> tech;
    // A quote waiting for review is the supervisors' to act on, not the technician's; with no
    // supervisor bound, the dispatchers are told so (one to bind), not that the technician cannot
    // be reached.
    const bool in_review = stage == dialog::Stage::quote && t.quote_status == store::quote_status::review;
    if (stage != dialog::Stage::dispatch && !in_review) tech = store::bound_technician_of(c, t);
    if (in_review) {
        auto review_text = [&](const char* key) {
            return d.notices->render(key, {{"number", t.number},
                                           {"fault_type", t.fault_type},
                                           {"address", t.address},
                                           {"due", due_text}});
        };
        notified = "supervisors";
        if (notify_staff(c, StaffRole::supervisor, t.id, "sla_warning",
                         review_text("sla_warning_review"), now, fields) == 0) {
            notified = "dispatchers";
            notify_staff(c, StaffRole::dispatcher, t.id, "sla_warning",
                         review_text("sla_warning_review_unstaffed"), now, fields);
            log::warn("sla", "quote_review_unstaffed",
                      {{"number", t.number},
                       {"fix", "bind a supervisor (is_supervisor, active, WeChat openid) to review quotes"}});
        }
    } else if (tech) {
        std::string text = d.notices->render(
            "sla_warning",
            {{"number", t.number}, {"stage", stage_text}, {"due", due_text}, {"address", t.address}});
        nlohmann::json payload = fields;
        payload["event"] = "sla_warning";
        payload["text"] = text;
        store::OutboxRepository::enqueue(c, t.id, notify_row(*tech->openid, payload), now);
        notified = "technician";
    } else if (left_to_queue_note(d, t)) {
        store::QueueNoteRepository::add_near_deadline(
            c, store::kDispatchersNote, t.id, std::string(dialog::to_string(stage)), due, now);
        notified = "queue_note";
    } else {
        // Nobody has the job yet, or its technician cannot be reached in WeChat.
        const char* key = t.status == store::ticket_status::new_ ? "sla_warning_dispatch"
                                                                 : "sla_warning_unreachable";
        notify_staff(c, StaffRole::dispatcher, t.id, "sla_warning",
                     d.notices->render(key, {{"number", t.number},
                                             {"fault_type", t.fault_type},
                                             {"address", t.address},
                                             {"stage", stage_text},
                                             {"due", due_text}}),
                     now, fields);
    }
    nlohmann::json details = {{"timer", marker},
                              {"stage", dialog::to_string(stage)},
                              {"due", iso_datetime(due)},
                              {"notified", notified}};
    if (revisit_breach(t, stage)) details["revisit"] = t.reopen_count;
    store::TicketRepository::append_event(c, t.id, {"sla", "system", "sla_warning", details.dump()},
                                          now);
}

}  // namespace

namespace {

// The unit of work of a ticket's timer: lock, re-plan, check the audit log, act. Blocking.
Fired act_on_ticket(sql::Connection& c, Desk d, TimerRef ref, std::string reminder,
                               Timestamp now) {
    using R = Fired::Result;
    Fired out;
    store::Transaction tx(c);
    if (!store::DeadlineQueries::lock_ticket(c, ref.id)) {
        out.result = R::gone;
        return out;
    }
    auto found = store::TicketRepository::find_by_id(c, ref.id);
    if (!found) {
        out.result = R::gone;
        return out;
    }
    store::Ticket t = std::move(*found);
    out.owner_openid = t.owner_openid;
    out.number = t.number;
    auto id = timer_id(ref);
    auto plan = plan_ticket_timers(t, *d.sla);
    auto p = std::find_if(plan.begin(), plan.end(), [&](const PlannedTimer& x) { return x.id == id; });
    if (p == plan.end()) {
        out.result = R::stale;
        // Closed by any means: the bot must stop asking the owner about it.
        out.drop_questions = ref.kind == TimerKind::auto_close &&
                             t.status == store::ticket_status::closed;
        return out;
    }
    if (p->due > now) {
        out.result = R::not_yet;
        out.reschedule = p->due;
        return out;
    }
    const std::string marker = action_marker(*p);
    if (store::DeadlineQueries::sla_action_taken(c, t.id, marker)) {
        out.result = R::already;
        // A re-dispatch interrupted after its breach was recorded: nothing happened to the
        // ticket since (the breach is still its last event), so do it now.
        if (ref.kind == TimerKind::breach && ref.stage == dialog::Stage::accept && t.technician_id) {
            auto events = store::TicketRepository::events(c, t.id);
            if (!events.empty()) {
                auto last = nlohmann::json::parse(events.back().details, nullptr, false);
                if (last.is_object() && last.value("timer", std::string()) == marker) {
                    out.redispatch_from = t.technician_id;
                    out.handed_over_by = handed_over_by(events);
                }
            }
        }
        out.drop_questions = ref.kind == TimerKind::auto_close;
        return out;
    }

    switch (ref.kind) {
        case TimerKind::warn: {
            auto breach = std::find_if(plan.begin(), plan.end(), [&](const PlannedTimer& x) {
                return x.ref.kind == TimerKind::breach && x.ref.stage == ref.stage;
            });
            if (breach != plan.end() && breach->due <= now) {
                out.result = R::skipped;  // late already: the escalation follows at once
                return out;
            }
            warn(c, d, t, *p, marker, now);
            tx.commit();
            out.result = R::acted;
            return out;
        }
        case TimerKind::breach: {
            auto stage = ref.stage;
            auto due = *stage_due(t, stage);
            bool emergency = store::is_emergency(t);
            std::string stage_text = stage_name(d, stage);
            store::Ticket next = t;
            auto& late = stage_late(next, stage);
            if (!late) late = true;
            // Who has it, to call: the supervisor should not have to look it up at 2 a.m.
            std::string who =
                t.technician_id ? std::string() : d.notices->render("sla_escalation_nobody");
            std::optional<store::Technician> tech;
            if (t.technician_id)
                if (auto found = store::TechnicianRepository::find_by_id(c, *t.technician_id))
                    tech = std::move(*found);
            if (tech)
                who = d.notices->render(
                    "sla_escalation_with",
                    {{"technician", tech->name},
                     {"phone", tech->phone.empty() ? std::string() : "（" + tech->phone + "）"}});
            std::string text =
                d.notices->render("sla_escalation", {{"urgency", emergency ? "紧急" : ""},
                                                     {"number", t.number},
                                                     {"fault_type", t.fault_type},
                                                     {"address", t.address},
                                                     {"stage", stage_text},
                                                     {"due", when(d, due)},
                                                     {"who", who}});
            // A finish missed again (the new promised time, and the next): how many times, and
            // how long since the deadline first missed; the managers hear it too — the
            // supervisors' escalation did not get it done.
            EarlierBreaches before;
            if (stage == dialog::Stage::finish) before = earlier_breaches(c, t, stage);
            if (before.count > 0) {
                // The first visit keeps the deadline first missed on the ticket (FirstFinish).
                const Timestamp first = before.first_due ? *before.first_due
                                        : t.reopen_count == 0 && t.first_finish.due
                                            ? *t.first_finish.due
                                            : due;
                text += d.notices->render("sla_escalation_again",
                                          {{"count", std::to_string(before.count + 1)},
                                           {"first_due", when(d, first)},
                                           {"late", overdue_text(first, now)}});
            }
            if (stage == dialog::Stage::accept && t.technician_id) {
                text += d.notices->render("sla_escalation_redispatch");
                out.redispatch_from = t.technician_id;
                out.handed_over_by = handed_over_by(c, t.id);
            }
            // Left to the queue note, the breach goes to the dispatchers and, in a digest, to the
            // supervisors; the ticket is marked late and the breach recorded here as always.
            const bool in_note = left_to_queue_note(d, t);
            std::size_t told = 0;
            if (in_note) {
                store::QueueNoteRepository::add_near_deadline(c, store::kDispatchersNote, t.id,
                                                              std::string(dialog::to_string(stage)),
                                                              due, now,
                                                              /*late=*/true);
            } else {
                told = notify_staff(c, StaffRole::supervisor, t.id, "sla_escalation", text, now);
                if (emergency || before.count > 0)
                    told += notify_staff(c, StaffRole::manager, t.id, "sla_escalation", text, now);
                if (stage == dialog::Stage::dispatch)
                    told += notify_staff(c, StaffRole::dispatcher, t.id, "sla_escalation", text, now);
            }
            nlohmann::json details = {{"timer", marker},
                                      {"stage", dialog::to_string(stage)},
                                      {"due", iso_datetime(due)},
                                      {"staff_told", told}};
            if (in_note) details["notified"] = "queue_note";
            if (t.technician_id) details["technician_id"] = *t.technician_id;
            // A reopened job's deadline: not the first visit's, which the figures count.
            if (revisit_breach(t, stage)) details["revisit"] = t.reopen_count;
            if (before.count > 0) details["breach_count"] = before.count + 1;
            if (auto reason = breach_reason(d, t, stage, tech); !reason.empty())
                details["reason"] = reason;
            std::vector<store::NewOutbox> owner;
            if (stage == dialog::Stage::finish) {
                auto promised = new_promised_finish(d, t, now);
                // The deadline missed stays for the figures' late list (store::FirstFinish).
                // (A ticket reopened before the revisit columns has reopen_count but no
                // revisit.reopened: its finish is a revisit's all the same.)
                if (t.reopen_count == 0 && !next.first_finish.due)
                    next.first_finish.due = t.due.finish;
                next.due.finish = promised;
                std::string reason = finish_delay_reason(d, t);
                std::string promised_text = when(d, promised);
                // Missed again: not the same apology word for word.
                std::string owner_text = d.notices->render(
                    before.count > 0 ? "finish_delayed_again" : "finish_delayed",
                    {{"number", t.number}, {"reason", reason}, {"promised", promised_text}});
                nlohmann::json payload = {{"event", "finish_delayed"}, {"number", t.number},
                                          {"reason", reason},          {"promised", promised_text},
                                          {"text", owner_text}};
                owner.push_back(notify_row(t.owner_openid, payload));
                details["promised"] = iso_datetime(promised);
                out.track_saved = true;
            }
            if (told == 0 && !in_note) log::warn("sla", "nobody_to_escalate_to", {{"number", t.number}});
            // The staff rows, the owner's and the event commit together with the ticket.
            auto saved = store::TicketRepository::update(
                c, next, {"sla", "system", "sla_breach", details.dump()}, owner, now);
            if (!saved) throw std::runtime_error("sla breach of " + t.number + ": " + saved.error().detail);
            tx.commit();
            out.saved = std::move(*saved);
            out.result = R::acted;
            return out;
        }
        case TimerKind::remind: {
            nlohmann::json payload = {{"event", "owner_reminder"}, {"number", t.number}, {"text", reminder}};
            store::OutboxRepository::enqueue(c, t.id, notify_row(t.owner_openid, payload), now);
            nlohmann::json details = {{"timer", marker}, {"status", t.status}};
            store::TicketRepository::append_event(c, t.id, {"sla", "system", "reminded", details.dump()},
                                                  now);
            tx.commit();
            out.result = R::acted;
            return out;
        }
        case TimerKind::auto_close: {
            auto closed = close_job(t, now);
            if (!closed) {
                out.result = R::stale;
                return out;
            }
            std::string text = d.notices->render("auto_closed", {{"number", t.number}});
            nlohmann::json payload = {{"event", "auto_closed"}, {"number", t.number}, {"text", text}};
            std::vector<store::NewOutbox> owner{notify_row(t.owner_openid, payload)};
            nlohmann::json details = {{"timer", marker}, {"from", t.status}};
            // Closed as confirmed: the repair may be chosen for a callback like any other.
            (void)queue_repair_callback(c, *closed, *d.sla, now);
            auto saved = store::TicketRepository::update(
                c, *closed, {"sla", "system", "auto_closed", details.dump()}, owner, now);
            if (!saved) throw std::runtime_error("auto-close of " + t.number + ": " + saved.error().detail);
            tx.commit();
            out.saved = std::move(*saved);
            out.drop_questions = true;
            out.result = R::acted;
            return out;
        }
        case TimerKind::callback:
        case TimerKind::complaint:
            break;
    }
    out.result = R::stale;
    return out;
}

// The unit of work of a callback's timer. The callback's row, locked first, makes it exactly once
// per due time (overdue_told_for, set with the note); a callback about a ticket also finds the
// audit event of a note told before that column existed.
Fired act_on_callback(sql::Connection& c, Desk d, TimerRef ref, Timestamp now) {
    using R = Fired::Result;
    Fired out;
    store::Transaction tx(c);
    auto cb = store::DeadlineQueries::lock_callback(c, ref.id);
    auto p = cb ? plan_callback_timer(*cb) : std::nullopt;
    if (!p) {
        out.result = !cb ? R::gone : cb->done_at ? R::stale : R::already;
        return out;
    }
    if (p->due > now) {
        out.result = R::not_yet;
        out.reschedule = p->due;
        return out;
    }
    if (cb->kind == "handover") {
        // Nobody recorded an answer to the owner's 人工 in time: up to the supervisors
        // (快速反应原则); with none, the dispatchers are reminded. A question about a quote
        // (报价咨询) says which ticket's.
        std::optional<store::Ticket> about;
        if (cb->enquiry_ticket_id)
            if (auto t = store::TicketRepository::find_by_id(c, *cb->enquiry_ticket_id))
                about = std::move(*t);
        const std::string text = d.notices->render(
            about ? "handover_overdue_enquiry" : "handover_overdue",
            {{"id", std::to_string(cb->id)},
             {"asked", when(d, cb->created_at)},
             {"number", about ? about->number : std::string()},
             {"owner", owner_contact(c, *d.notices, cb->owner_openid.value_or(""))}});
        auto told =
            notify_staff(c, StaffRole::supervisor, std::nullopt, "handover_overdue", text, now);
        if (told == 0)
            told =
                notify_staff(c, StaffRole::dispatcher, std::nullopt, "handover_overdue", text, now);
        if (told == 0)
            log::warn("sla", "handover_overdue_untold",
                      {{"callback", cb->id},
                       {"fix", "add a supervisor: repairbot technician add ... --supervisor"}});
        store::DeadlineQueries::mark_overdue_told(c, cb->id, cb->due_at);
        tx.commit();
        out.result = R::acted;
        return out;
    }
    const std::string marker = action_marker(*p);
    std::optional<store::Ticket> ticket;
    if (cb->ticket_id) {
        if (!store::DeadlineQueries::lock_ticket(c, *cb->ticket_id)) {
            out.result = R::gone;
            return out;
        }
        if (store::DeadlineQueries::sla_action_taken(c, *cb->ticket_id, marker)) {
            // Told before overdue_told_for existed: remember it on the row, so the index
            // refresh stops putting the timer back.
            store::DeadlineQueries::mark_overdue_told(c, cb->id, cb->due_at);
            tx.commit();
            out.result = R::already;
            return out;
        }
        if (auto t = store::TicketRepository::find_by_id(c, *cb->ticket_id)) {
            out.number = t->number;
            ticket = std::move(*t);
        }
    }
    // What the callback is about, and whom to call: the ticket's reporter, else the owner who
    // complained (a 投诉 in chat concerns no ticket).
    const auto subject = callback_subject(c, *d.notices, *cb, ticket);
    auto told = notify_staff(c, StaffRole::dispatcher, cb->ticket_id, "callback_overdue",
                             d.notices->render("callback_overdue", {{"what", subject.what},
                                                                    {"due", when(d, cb->due_at)},
                                                                    {"owner", subject.contact}}),
                             now);
    store::DeadlineQueries::mark_overdue_told(c, cb->id, cb->due_at);
    if (cb->ticket_id) {
        nlohmann::json details = {{"timer", marker}, {"callback_id", cb->id}, {"kind", cb->kind},
                                  {"staff_told", told}};
        store::TicketRepository::append_event(
            c, *cb->ticket_id, {"sla", "system", "callback_overdue", details.dump()}, now);
    }
    tx.commit();
    out.result = R::acted;
    return out;
}

// The unit of work of an unhandled complaint's reminder. The complaint's row, locked first (then
// its ticket's: the order of handling a complaint and of a callback's report), makes it exactly
// once per reminder: the plan counts the next from reminded_at, set with the note. The
// supervisors hear it; the managers too from the second reminder on, or for a serious complaint
// (anything unanswered goes up). Rescheduled for the next reminder.
Fired act_on_complaint(sql::Connection& c, Desk d, TimerRef ref, Timestamp now) {
    using R = Fired::Result;
    Fired out;
    store::Transaction tx(c);
    auto complaint = store::DeadlineQueries::lock_complaint(c, ref.id);
    auto p = complaint ? plan_complaint_timer(*complaint, *d.sla) : std::nullopt;
    if (!p) {
        out.result = complaint ? R::stale : R::gone;
        return out;
    }
    if (p->due > now) {
        out.result = R::not_yet;
        out.reschedule = p->due;
        return out;
    }
    std::optional<store::Ticket> ticket;
    if (complaint->ticket_id) {
        if (!store::DeadlineQueries::lock_ticket(c, *complaint->ticket_id)) {
            out.result = R::gone;
            return out;
        }
        if (auto t = store::TicketRepository::find_by_id(c, *complaint->ticket_id)) {
            out.number = t->number;
            ticket = std::move(*t);
        }
    }
    const auto count = complaint->reminders + 1;
    const bool up = complaint->severity == "serious" || count >= 2;
    const std::string note = d.notices->render(
        "staff_complaint_unhandled",
        {{"id", std::to_string(complaint->id)},
         {"filed", when(d, complaint->created_at)},
         {"count", std::to_string(count)},
         {"text",
          complaint->text.empty() ? d.notices->render("staff_complaint_empty") : complaint->text},
         {"owner", ticket ? ticket_contact(*ticket, *d.notices)
                          : owner_contact(c, *d.notices, complaint->owner_openid)}});
    out.complaint_told = tell_complaint_note(c, complaint->ticket_id, note, up, now);
    out.complaint_up = up;
    store::DeadlineQueries::mark_complaint_reminded(c, complaint->id, now);
    if (complaint->ticket_id) {
        nlohmann::json details = {{"timer", action_marker(*p)},
                                  {"complaint", complaint->id},
                                  {"reminder", count},
                                  {"supervisors_told", out.complaint_told->supervisors},
                                  {"managers_told", out.complaint_told->managers}};
        store::TicketRepository::append_event(
            c, *complaint->ticket_id, {"sla", "system", "complaint_reminded", details.dump()}, now);
    }
    tx.commit();
    complaint->reminded_at = now;
    complaint->reminders = count;
    if (auto next = plan_complaint_timer(*complaint, *d.sla)) out.reschedule = next->due;
    out.result = R::acted;
    return out;
}

}  // namespace

SlaTimers::SlaTimers(store::MysqlPool& mysql, store::TimerIndex& index,
                     store::SessionStore& sessions, Dispatcher& dispatcher,
                     const config::SlaData& sla, const config::Notices& notices,
                     const dialog::DialogData& dialog, SlaTimersOptions options, Clock clock)
    : mysql_(mysql), index_(index), sessions_(sessions), dispatcher_(dispatcher), sla_(sla),
      notices_(notices), dialog_(dialog), options_(std::move(options)), clock_(std::move(clock)) {}

Timestamp SlaTimers::now() const {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(clock_());
}

asio::awaitable<void> SlaTimers::track(store::Ticket ticket) {
    try {
        auto plan = timers_to_schedule(ticket, sla_, now());
        std::vector<std::pair<std::string, Timestamp>> scheduled;
        std::vector<std::string> cancelled;
        for (const auto& p : plan) scheduled.emplace_back(p.id, p.due);
        for (auto& id : ticket_timer_ids(ticket.id)) {
            bool planned = std::any_of(plan.begin(), plan.end(),
                                       [&](const PlannedTimer& p) { return p.id == id; });
            if (!planned) cancelled.push_back(std::move(id));
        }
        co_await index_.replace(std::move(scheduled), std::move(cancelled));
    } catch (const std::exception& e) {
        log::warn("sla", "track_failed", {{"number", ticket.number}, {"error", e.what()}});
    }
}

asio::awaitable<void> SlaTimers::track_callback(store::Callback callback) {
    try {
        if (auto p = plan_callback_timer(callback))
            co_await index_.schedule(p->id, p->due);
        else
            co_await index_.cancel(timer_id({TimerKind::callback, callback.id, dialog::Stage::dispatch}));
    } catch (const std::exception& e) {
        log::warn("sla", "track_failed", {{"callback", callback.id}, {"error", e.what()}});
    }
}

namespace {

// Puts into `index` the timers `plan` gives each row `fetch` reads, a page of `max` rows at a time
// by id (fetch(c, after_id, max)). Returns how many were scheduled.
template <class Fetch, class Plan>
asio::awaitable<std::size_t> rebuild_pages(store::MysqlPool& mysql, store::TimerIndex& index,
                                           std::uint32_t max, Fetch fetch, Plan plan) {
    std::size_t scheduled = 0;
    std::uint64_t after = 0;
    for (;;) {
        auto page = [after, max, fetch](sql::Connection& c) { return fetch(c, after, max); };
        auto rows = co_await mysql.run(std::move(page));
        if (rows.empty()) break;
        std::vector<std::pair<std::string, Timestamp>> timers;
        for (const auto& row : rows)
            for (auto& p : plan(row)) timers.emplace_back(std::move(p.id), p.due);
        after = rows.back().id;
        scheduled += co_await index.rebuild(std::move(timers));
    }
    co_return scheduled;
}

// An optional timer as a list of none or one, for rebuild_pages.
std::vector<PlannedTimer> as_list(std::optional<PlannedTimer> p) {
    std::vector<PlannedTimer> out;
    if (p) out.push_back(std::move(*p));
    return out;
}

}  // namespace

asio::awaitable<std::size_t> SlaTimers::rebuild() {
    const auto at = now();
    const auto max = options_.rebuild_page;
    std::size_t scheduled = co_await rebuild_pages(
        mysql_, index_, max, &store::DeadlineQueries::tickets_with_timers,
        [this, at](const store::Ticket& t) { return timers_to_schedule(t, sla_, at); });
    scheduled += co_await rebuild_pages(
        mysql_, index_, max, &store::DeadlineQueries::open_callbacks,
        [](const store::Callback& cb) { return as_list(plan_callback_timer(cb)); });
    scheduled += co_await rebuild_pages(
        mysql_, index_, max, &store::DeadlineQueries::open_complaints,
        [this](const store::Complaint& x) { return as_list(plan_complaint_timer(x, sla_)); });
    co_await index_.mark_built();
    log::info("sla", "rebuilt", {{"timers", scheduled}});
    co_return scheduled;
}

asio::awaitable<bool> SlaTimers::index_intact() {
    co_return co_await index_.built();
}

asio::awaitable<std::size_t> SlaTimers::fire_due() {
    auto at = now();
    auto due = co_await index_.claim(at, options_.lease, options_.batch);
    for (auto& timer : due) {
        if (stopping_) break;  // the rest come back after the lease
        co_await fire(std::move(timer), at);
    }
    co_return due.size();
}

asio::awaitable<void> SlaTimers::fire(store::DueTimer timer, Timestamp claimed_at) {
    auto ref = parse_timer_id(timer.id);
    if (!ref) {
        log::warn("sla", "unknown_timer", {{"timer", timer.id}});
        co_await index_.ack(timer.id);
        co_return;
    }
    try {
        if (ref->kind == TimerKind::callback)
            co_await fire_callback(*ref, timer, claimed_at);
        else if (ref->kind == TimerKind::complaint)
            co_await fire_complaint(*ref, timer, claimed_at);
        else
            co_await fire_ticket_timer(*ref, timer, claimed_at);
        co_await index_.ack(timer.id);
    } catch (const std::exception& e) {
        // Not acked: the timer comes back when its lease runs out.
        log::warn("sla", "fire_failed", {{"timer", timer.id}, {"error", e.what()}});
    }
}

namespace {

// The question the owner's chat asks about `t` while a reminder is due: confirm the fix (with
// its fee), rate it, or answer an open job's quote; nullopt for any other state.
std::optional<dialog::Feedback> question_of(const store::Ticket& t,
                                            std::chrono::sys_seconds asked_at) {
    return question_waiting(t.status, t.number, t.fee_cents, t.quote_status, t.quote_cents,
                            asked_at);
}

}  // namespace

asio::awaitable<SlaTimers::Reminder> SlaTimers::reminder_for(store::Ticket ticket, Timestamp now) {
    // Asked anew from a second on: an answer to the question before it, handled meanwhile, is
    // no answer to this one (dialog/feedback.h).
    auto question = question_of(ticket, seconds_of(now) + std::chrono::seconds{1});
    if (question) {
        try {
            auto session = co_await read_owner_session(sessions_, ticket.owner_openid);
            auto asked =
                dialog::ask_first(session ? std::move(*session) : dialog::Session{}, *question);
            for (const auto& f : asked.feedback)
                if (f.ticket_number == ticket.number)
                    co_return Reminder{dialog::feedback_reminder(f, dialog_.texts), question};
        } catch (const std::exception& e) {
            log::warn("sla", "session_unavailable",
                      {{"number", ticket.number}, {"error", e.what()}});
        }
    }
    std::string text;
    if (ticket.status == store::ticket_status::done)
        text = notices_.render("reminder_confirm", {{"number", ticket.number}});
    else if (ticket.status == store::ticket_status::confirmed)
        text = notices_.render("reminder_rating", {{"number", ticket.number}});
    else
        text = notices_.render("reminder_quote",
                               {{"number", ticket.number},
                                {"fee", config::yuan_text(ticket.quote_cents.value_or(0))}});
    co_return Reminder{std::move(text), std::nullopt};
}

asio::awaitable<void> SlaTimers::bring_forward(std::string openid, dialog::Feedback question) {
    const std::string number = question.ticket_number;
    OwnerSessionChange first =
        [&](std::optional<dialog::Session> stored) -> std::optional<dialog::Session> {
        auto session = dialog::ask_first(stored ? *stored : dialog::Session{}, question);
        if (stored && session == *stored) return std::nullopt;  // asked first already
        return session;
    };
    try {
        if (!co_await change_owner_session(sessions_, std::move(openid), std::move(first), 5))
            log::warn("sla", "session_contended", {{"number", number}});
    } catch (const std::exception& e) {
        log::warn("sla", "session_unavailable", {{"number", number}, {"error", e.what()}});
    }
}

asio::awaitable<void> SlaTimers::fire_ticket_timer(TimerRef ref, store::DueTimer timer,
                                                   Timestamp now) {
    Reminder reminder;
    std::string owner;
    if (ref.kind == TimerKind::remind) {
        auto read = [id = ref.id](sql::Connection& c) { return store::TicketRepository::find_by_id(c, id); };
        auto ticket = co_await mysql_.run(std::move(read));
        if (ticket) {
            owner = ticket->owner_openid;
            reminder = co_await reminder_for(std::move(*ticket), now);
        }
    }
    Desk desk{&sla_, &notices_, &dispatcher_};
    auto work = [desk, ref, text = reminder.text, now](sql::Connection& c) {
        return act_on_ticket(c, desk, ref, text, now);
    };
    Fired fired = co_await mysql_.run(std::move(work));
    // The reminder is committed (its push goes out after this): the question it names is the one
    // the owner's answer is to answer. Not before: a stale or early timer must not reorder them.
    if (fired.result == Fired::Result::acted && reminder.question)
        co_await bring_forward(owner, std::move(*reminder.question));

    if (fired.reschedule) co_await index_.schedule(timer.id, *fired.reschedule);
    if (fired.redispatch_from) {
        std::vector<std::uint64_t> excluded = std::move(fired.handed_over_by);
        excluded.push_back(*fired.redispatch_from);
        auto outcome = co_await dispatcher_.dispatch(ref.id, std::move(excluded), "sla",
                                                     "accept_timeout", seconds_of(now),
                                                     fired.redispatch_from);
        if (outcome.ticket) co_await track(*outcome.ticket);
    }
    if (fired.track_saved && fired.saved) co_await track(*fired.saved);
    if (fired.drop_questions && !fired.owner_openid.empty()) {
        // The ticket is closed either way; the chat answers a closed ticket's question.
        if (!co_await drop_owner_questions(sessions_, fired.owner_openid, fired.number))
            log::warn("sla", "session_contended", {{"number", fired.number}});
    }
    record_fired(timer, result_name(fired.result), now, fired.number);
}

asio::awaitable<void> SlaTimers::fire_callback(TimerRef ref, store::DueTimer timer, Timestamp now) {
    Desk desk{&sla_, &notices_, &dispatcher_};
    auto work = [desk, ref, now](sql::Connection& c) { return act_on_callback(c, desk, ref, now); };
    Fired fired = co_await mysql_.run(std::move(work));
    if (fired.reschedule) co_await index_.schedule(timer.id, *fired.reschedule);
    record_fired(timer, result_name(fired.result), now, {});
}

asio::awaitable<void> SlaTimers::fire_complaint(TimerRef ref, store::DueTimer timer,
                                                Timestamp now) {
    Desk desk{&sla_, &notices_, &dispatcher_};
    auto work = [desk, ref, now](sql::Connection& c) {
        return act_on_complaint(c, desk, ref, now);
    };
    Fired fired = co_await mysql_.run(std::move(work));
    if (fired.complaint_told) warn_untold("sla", ref.id, *fired.complaint_told, fired.complaint_up);
    if (fired.reschedule) co_await index_.schedule(timer.id, *fired.reschedule);
    record_fired(timer, result_name(fired.result), now, fired.number);
}

void SlaTimers::record_fired(const store::DueTimer& timer, const char* result, Timestamp now,
                             const std::string& number) {
    auto lag = std::chrono::duration_cast<std::chrono::milliseconds>(now - timer.due).count();
    log::info("sla", "fired", {{"timer", timer.id},
                               {"result", result},
                               {"number", number},
                               {"lag_ms", lag},
                               {"reclaimed", timer.reclaimed}});
    if (!metrics_) return;
    metrics_->counter("repairbot_sla_timers_fired_total", {{"result", result}},
                      "SLA and follow-up timers acted on, by what they did.")
        .add();
    metrics_->histogram("repairbot_sla_timer_lag_seconds", {}, Metrics::lag_buckets(),
                        "How late a timer fired: the time it was acted on minus its due time.")
        .observe(static_cast<double>(std::max<long long>(0, lag)) / 1000.0);
}

void SlaTimers::stop() { stopping_ = true; }

asio::awaitable<void> SlaTimers::run() {
    asio::steady_timer wait(co_await asio::this_coro::executor);
    log::info("sla", "worker_started", {{"worker", options_.worker_id}});
    while (!stopping_) {
        std::size_t claimed = 0;
        try {
            claimed = co_await fire_due();
        } catch (const ServiceUnavailable& e) {
            log::warn("sla", "unavailable", {{"error", e.what()}});
        } catch (const std::exception& e) {
            log::error("sla", "pass_failed", {{"error", e.what()}});
        }
        if (claimed < options_.batch && !stopping_) {
            wait.expires_after(options_.poll_interval);
            boost::system::error_code ignored;
            co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
        }
    }
    log::info("sla", "worker_stopped", {{"worker", options_.worker_id}});
}

}  // namespace repairbot::bot
