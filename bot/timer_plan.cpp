#include "bot/timer_plan.h"

#include "bot/ticket_lifecycle.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <utility>

namespace repairbot::bot {

namespace {

using std::chrono::sys_seconds;

std::optional<store::Timestamp> milestone_time(const store::Ticket& t, dialog::Milestone m) {
    switch (m) {
        case dialog::Milestone::received: return t.created_at;
        case dialog::Milestone::dispatched: return t.at.dispatched;
        case dialog::Milestone::accepted: return t.at.accepted;
        case dialog::Milestone::quoted: return t.at.quoted;
        case dialog::Milestone::arrived: return t.at.arrived;
        case dialog::Milestone::finished: return t.at.done;
    }
    return std::nullopt;
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    for (;;) {
        auto at = s.find(sep);
        parts.push_back(s.substr(0, at));
        if (at == std::string_view::npos) return parts;
        s.remove_prefix(at + 1);
    }
}

}  // namespace

std::string_view to_string(TimerKind k) {
    switch (k) {
        case TimerKind::warn: return "warn";
        case TimerKind::breach: return "breach";
        case TimerKind::remind: return "remind";
        case TimerKind::auto_close: return "autoclose";
        case TimerKind::callback: return "callback";
        case TimerKind::complaint:
            return "complaint";
    }
    return "warn";
}

std::string timer_id(const TimerRef& ref) {
    auto n = std::to_string(ref.id);
    switch (ref.kind) {
        case TimerKind::warn:
        case TimerKind::breach:
            return "sla:" + n + ":" + std::string(dialog::to_string(ref.stage)) + ":" +
                   std::string(to_string(ref.kind));
        case TimerKind::remind:
        case TimerKind::auto_close: return "fu:" + n + ":" + std::string(to_string(ref.kind));
        case TimerKind::callback: return "cb:" + n;
        case TimerKind::complaint:
            return "cp:" + n;
    }
    return {};
}

std::optional<TimerRef> parse_timer_id(std::string_view id) {
    auto parts = split(id, ':');
    if (parts.size() < 2) return std::nullopt;
    auto n = parse_u64(parts[1]);
    if (!n) return std::nullopt;
    TimerRef ref;
    ref.id = *n;
    if (parts[0] == "sla" && parts.size() == 4) {
        auto stage = dialog::stage_from_string(parts[2]);
        if (!stage) return std::nullopt;
        ref.stage = *stage;
        if (parts[3] == "warn")
            ref.kind = TimerKind::warn;
        else if (parts[3] == "breach")
            ref.kind = TimerKind::breach;
        else
            return std::nullopt;
        return ref;
    }
    if (parts[0] == "fu" && parts.size() == 3) {
        if (parts[2] == "remind")
            ref.kind = TimerKind::remind;
        else if (parts[2] == "autoclose")
            ref.kind = TimerKind::auto_close;
        else
            return std::nullopt;
        return ref;
    }
    if (parts[0] == "cb" && parts.size() == 2) {
        ref.kind = TimerKind::callback;
        return ref;
    }
    if (parts[0] == "cp" && parts.size() == 2) {
        ref.kind = TimerKind::complaint;
        return ref;
    }
    return std::nullopt;
}

bool stages_running(const store::Ticket& t) {
    namespace s = store::ticket_status;
    return t.status == s::new_ || t.status == s::dispatched || t.status == s::accepted ||
           t.status == s::arrived;
}

dialog::TicketFacts ticket_facts(const store::Ticket& t) {
    dialog::TicketFacts f;
    f.urgency = dialog::urgency_from_string(t.urgency).value_or(dialog::Urgency::normal);
    f.public_area = t.public_area;
    f.paid_off_list = t.due.quote.has_value();
    if (!t.revisit.reopened) f.booked_visit = booked_visit_of(t);
    return f;
}

namespace {

// When a revisited stage's clock starts: the reopen stands for the receipt and the dispatch
// (and for a quote: the rework is not quoted); the revisit's own acceptance and arrival for
// theirs.
std::optional<store::Timestamp> revisit_milestone_time(const store::Ticket& t,
                                                       dialog::Milestone m) {
    switch (m) {
        case dialog::Milestone::accepted:
            return t.revisit.accepted;
        case dialog::Milestone::arrived:
            return t.revisit.arrived;
        case dialog::Milestone::finished:
            return t.at.done;
        case dialog::Milestone::received:
        case dialog::Milestone::dispatched:
        case dialog::Milestone::quoted:
            break;
    }
    return t.revisit.reopened;
}

// What a revisit's deadlines are set by: the urgency's limits again — a booked visit was the
// first visit's, and the rework is free (no paid extension).
dialog::TicketFacts revisit_facts(const store::Ticket& t) {
    dialog::TicketFacts facts;
    facts.urgency = dialog::urgency_from_string(t.urgency).value_or(dialog::Urgency::normal);
    facts.public_area = t.public_area;
    return facts;
}

// The facts stage `stage` of `t` is judged by: the revisit's for a revisited stage.
dialog::TicketFacts stage_facts(const store::Ticket& t, dialog::Stage stage) {
    return revisiting(t, stage) ? revisit_facts(t) : ticket_facts(t);
}

}  // namespace

std::optional<store::Timestamp> stage_start(const store::Ticket& t, dialog::Stage stage,
                                            const config::SlaData& sla) {
    const auto m = sla.policy.start_of(stage);
    return revisiting(t, stage) ? revisit_milestone_time(t, m) : milestone_time(t, m);
}

std::optional<store::Timestamp> revisit_deadline(const store::Ticket& t, dialog::Stage stage,
                                                 const config::SlaData& sla) {
    if (!revisiting(t, stage)) return std::nullopt;
    const auto start = stage_start(t, stage, sla);
    if (!start) return std::nullopt;
    auto d =
        dialog::deadline_for(sla.policy, sla.calendar, revisit_facts(t), stage, seconds_of(*start));
    if (!d) return std::nullopt;
    return ms_of(d->due);
}

void start_stage_clocks(store::Ticket& t, const config::SlaData& sla) {
    if (t.revisit.reopened) {
        for (auto stage : revisit_stages) {
            auto& due = stage_due(t, stage);
            if (!due && !stage_met(t, stage)) due = revisit_deadline(t, stage, sla);
        }
        return;
    }
    auto facts = ticket_facts(t);
    facts.paid_off_list = facts.paid_off_list || t.quote_status != store::quote_status::none;
    for (auto stage : dialog::all_stages) {
        if (stage == dialog::Stage::accept) continue;
        auto& due = stage_due(t, stage);
        if (due || stage_met(t, stage)) continue;
        const auto start = milestone_time(t, sla.policy.start_of(stage));
        if (!start) continue;
        if (auto d =
                dialog::deadline_for(sla.policy, sla.calendar, facts, stage, seconds_of(*start)))
            due = ms_of(d->due);
    }
}

std::optional<store::Timestamp> warning_time(const store::Ticket& t, dialog::Stage stage,
                                             store::Timestamp due, const config::SlaData& sla) {
    auto start = stage_start(t, stage, sla);
    if (!start) return std::nullopt;
    auto d = dialog::deadline_for(sla.policy, sla.calendar, stage_facts(t, stage), stage,
                                  seconds_of(*start));
    if (!d) return std::nullopt;
    auto stored = seconds_of(due);
    if (d->due == stored) return ms_of(d->warn_at);
    // A deadline the desk moved: keep the policy's lead before it, inside the window.
    auto warn = stored - (d->due - d->warn_at);
    return ms_of(std::max(warn, std::min(d->start, stored)));
}

std::vector<PlannedTimer> plan_ticket_timers(const store::Ticket& t, const config::SlaData& sla) {
    std::vector<PlannedTimer> out;
    auto add = [&](TimerRef ref, store::Timestamp due) {
        auto id = timer_id(ref);
        out.push_back({ref, std::move(id), ms_of(seconds_of(due))});
    };
    if (stages_running(t)) {
        for (auto stage : dialog::all_stages) {
            if (!stage_pending(t, stage)) continue;
            const auto& due = stage_due(t, stage);
            if (auto warn = warning_time(t, stage, *due, sla))
                add({TimerKind::warn, t.id, stage}, *warn);
            dialog::Deadline d;
            d.due = seconds_of(*due);
            add({TimerKind::breach, t.id, stage}, ms_of(dialog::breach_at(d)));
        }
        // A quote the owner has not answered, on a job someone has: one reminder, counted from
        // the last time asked.
        const auto asked = t.quote_asked_at ? t.quote_asked_at : t.at.quoted;
        if (is_open_job(t) && t.quote_status == store::quote_status::pending && asked)
            add({TimerKind::remind, t.id,
                 dialog::Stage::finish},  // the id's stage (parse_timer_id)
                ms_of(dialog::follow_up_due(sla.policy, sla.calendar,
                                            dialog::FollowUp::quote_reminder, seconds_of(*asked))));
    } else {
        std::optional<store::Timestamp> waiting_since;
        if (t.status == store::ticket_status::done) waiting_since = t.at.done;
        if (t.status == store::ticket_status::confirmed) waiting_since = t.at.confirmed;
        if (waiting_since) {
            auto from = seconds_of(*waiting_since);
            add({TimerKind::remind, t.id, dialog::Stage::finish},
                ms_of(dialog::follow_up_due(sla.policy, sla.calendar,
                                            dialog::FollowUp::rating_reminder, from)));
            add({TimerKind::auto_close, t.id, dialog::Stage::finish},
                ms_of(dialog::follow_up_due(sla.policy, sla.calendar, dialog::FollowUp::auto_close,
                                            from)));
        }
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const PlannedTimer& a, const PlannedTimer& b) { return a.due < b.due; });
    return out;
}

std::vector<PlannedTimer> timers_to_schedule(const store::Ticket& t, const config::SlaData& sla,
                                             store::Timestamp now) {
    auto plan = plan_ticket_timers(t, sla);
    std::erase_if(plan, [&](const PlannedTimer& p) {
        if (p.ref.kind != TimerKind::warn && p.ref.kind != TimerKind::breach) return false;
        if (stage_late(t, p.ref.stage) != std::optional<bool>(true)) return false;
        dialog::Deadline d;
        d.due = seconds_of(*stage_due(t, p.ref.stage));
        return ms_of(dialog::breach_at(d)) <= now;
    });
    return plan;
}

std::vector<std::string> ticket_timer_ids(std::uint64_t ticket_id) {
    std::vector<std::string> ids;
    for (auto stage : dialog::all_stages)
        for (auto kind : {TimerKind::warn, TimerKind::breach})
            ids.push_back(timer_id({kind, ticket_id, stage}));
    ids.push_back(timer_id({TimerKind::remind, ticket_id, dialog::Stage::finish}));
    ids.push_back(timer_id({TimerKind::auto_close, ticket_id, dialog::Stage::finish}));
    return ids;
}

std::optional<PlannedTimer> plan_callback_timer(const store::Callback& cb) {
    if (cb.done_at || cb.overdue_told_for == cb.due_at) return std::nullopt;
    TimerRef ref{TimerKind::callback, cb.id, dialog::Stage::dispatch};
    return PlannedTimer{ref, timer_id(ref), ms_of(seconds_of(cb.due_at))};
}

std::optional<PlannedTimer> plan_complaint_timer(const store::Complaint& complaint,
                                                 const config::SlaData& sla) {
    if (complaint.status != "open") return std::nullopt;
    const auto from = seconds_of(complaint.reminded_at.value_or(complaint.created_at));
    TimerRef ref{TimerKind::complaint, complaint.id, dialog::Stage::dispatch};
    return PlannedTimer{ref, timer_id(ref),
                        ms_of(dialog::follow_up_due(sla.policy, sla.calendar,
                                                    dialog::FollowUp::complaint_reminder, from))};
}

std::string action_marker(const PlannedTimer& timer) {
    return timer.id + "@" + std::to_string(timer.due.time_since_epoch().count());
}

std::string local_time_text(store::Timestamp t, std::chrono::minutes utc_offset) {
    auto local = seconds_of(t) + utc_offset;
    auto day = std::chrono::floor<std::chrono::days>(local);
    std::chrono::year_month_day ymd{day};
    std::chrono::hh_mm_ss hms{local - day};
    char buf[48];
    std::snprintf(buf, sizeof buf, "%u月%u日 %02d:%02d", static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()));
    return buf;
}

namespace {

// "12月6日 14:00-18:00" (one day; an end at midnight is 24:00), "12月6日 22:00 至 12月7日 08:00",
// or the start alone: an owner's booked time as the desk's messages show it.
std::string window_text(store::Timestamp from, std::optional<store::Timestamp> to,
                        std::chrono::minutes utc_offset) {
    std::string window = local_time_text(from, utc_offset);
    if (!to || *to <= from) return window;
    const auto day_of = [&](store::Timestamp t) {
        return std::chrono::floor<std::chrono::days>(seconds_of(t) + utc_offset);
    };
    const auto end_local = seconds_of(*to) + utc_offset;
    const bool midnight = end_local == std::chrono::floor<std::chrono::days>(end_local);
    if (day_of(*to) == day_of(from))
        return window + "-" + local_time_text(*to, utc_offset).substr(window.find(' ') + 1);
    if (midnight && day_of(*to) - day_of(from) == std::chrono::days{1}) return window + "-24:00";
    return window + " 至 " + local_time_text(*to, utc_offset);
}

}  // namespace

std::string visit_text(const store::Ticket& t, const dialog::ReplyTexts& texts,
                       const config::SlaData& sla, store::Timestamp now) {
    const auto& due = stage_due(t, dialog::Stage::arrive);
    if (!due) {
        // A desk that counts the arrival from the acceptance: known once accepted.
        const bool from_acceptance =
            sla.policy.start_of(dialog::Stage::arrive) == dialog::Milestone::accepted;
        if (from_acceptance && !stage_met(t, dialog::Stage::accept))
            return texts.render(dialog::TextId::tech_visit_on_accept, {});
        return {};
    }
    const auto offset = sla.calendar.utc_offset();
    const std::string arrive_by = local_time_text(*due, offset);
    // The booking set the deadline (booked_visit_of, less the lead); one booked too soon, or not
    // honoured, left the urgency's limit.
    const auto lead =
        std::chrono::duration_cast<std::chrono::milliseconds>(sla.policy.booked_arrival_lead);
    const auto visit = booked_visit_of(t);
    const bool booked = visit && !t.revisit.reopened && *due == ms_of(*visit) - lead;
    // Passed before the technician got there: a job pushed or shown after it (handed on,
    // dispatched late) — and a booking whose whole window is over needs a new time.
    const bool passed = *due < now && !stage_met(t, dialog::Stage::arrive);
    if (!booked)
        return texts.render(
            passed ? dialog::TextId::tech_visit_late : dialog::TextId::tech_visit_by,
            {{"arrive_by", arrive_by}});
    const bool window_over = now >= t.preferred_to.value_or(ms_of(*visit));
    const auto id = !passed       ? dialog::TextId::tech_visit_booked
                    : window_over ? dialog::TextId::tech_visit_booking_missed
                                  : dialog::TextId::tech_visit_booked_late;
    return texts.render(id, {{"window", window_text(*t.preferred_from, t.preferred_to, offset)},
                             {"arrive_by", arrive_by}});
}

}  // namespace repairbot::bot
