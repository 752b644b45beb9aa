#include "bot/ticket_stages.h"

#include <algorithm>
#include <utility>

namespace repairbot::bot {

bool revisiting(const store::Ticket& t, dialog::Stage s) {
    return t.revisit.reopened &&
           std::find(revisit_stages.begin(), revisit_stages.end(), s) != revisit_stages.end();
}

const std::optional<store::Timestamp>& stage_due(const store::Ticket& t, dialog::Stage s) {
    const bool again = revisiting(t, s);
    switch (s) {
        case dialog::Stage::dispatch: return t.due.dispatch;
        case dialog::Stage::accept: return again ? t.revisit.accept_due : t.due.accept;
        case dialog::Stage::quote: return t.due.quote;
        case dialog::Stage::arrive: return again ? t.revisit.arrive_due : t.due.arrive;
        case dialog::Stage::finish: break;
    }
    return t.due.finish;
}

std::optional<store::Timestamp>& stage_due(store::Ticket& t, dialog::Stage s) {
    return const_cast<std::optional<store::Timestamp>&>(stage_due(std::as_const(t), s));
}

const std::optional<store::Timestamp>& stage_met(const store::Ticket& t, dialog::Stage s) {
    const bool again = revisiting(t, s);
    switch (s) {
        case dialog::Stage::dispatch: return t.at.dispatched;
        case dialog::Stage::accept: return again ? t.revisit.accepted : t.at.accepted;
        case dialog::Stage::quote: return t.at.quoted;
        case dialog::Stage::arrive: return again ? t.revisit.arrived : t.at.arrived;
        case dialog::Stage::finish: break;
    }
    return t.at.done;
}

std::optional<store::Timestamp>& stage_met(store::Ticket& t, dialog::Stage s) {
    return const_cast<std::optional<store::Timestamp>&>(stage_met(std::as_const(t), s));
}

const std::optional<bool>& stage_late(const store::Ticket& t, dialog::Stage s) {
    const bool again = revisiting(t, s);
    switch (s) {
        case dialog::Stage::dispatch: return t.late.dispatch;
        case dialog::Stage::accept: return again ? t.revisit.accept_late : t.late.accept;
        case dialog::Stage::quote: return t.late.quote;
        case dialog::Stage::arrive: return again ? t.revisit.arrive_late : t.late.arrive;
        case dialog::Stage::finish: break;
    }
    return again ? t.revisit.finish_late : t.late.finish;
}

std::optional<bool>& stage_late(store::Ticket& t, dialog::Stage s) {
    return const_cast<std::optional<bool>&>(stage_late(std::as_const(t), s));
}

bool stage_pending(const store::Ticket& t, dialog::Stage s) {
    if (!stage_due(t, s)) return false;
    if (s == dialog::Stage::accept) return t.status == store::ticket_status::dispatched;
    return !stage_met(t, s);
}

bool met_late(const store::Ticket& t, dialog::Stage s) {
    return stage_met(t, s) && stage_late(t, s).value_or(false);
}

std::optional<std::chrono::sys_seconds> booked_visit_of(const store::Ticket& t) {
    if (!t.preferred_from) return std::nullopt;
    std::optional<std::chrono::sys_seconds> end;
    if (t.preferred_to) end = seconds_of(*t.preferred_to);
    return dialog::booked_visit_time(seconds_of(*t.preferred_from), end);
}

}  // namespace repairbot::bot
