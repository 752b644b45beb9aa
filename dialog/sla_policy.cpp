#include "dialog/sla_policy.h"

#include <algorithm>
#include <charconv>

namespace repairbot::dialog {
namespace {

using std::chrono::sys_seconds;

constexpr int max_amount = 100000;

constexpr std::array<std::string_view, 5> stage_names{"dispatch", "accept", "quote", "arrive",
                                                      "finish"};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// 23:59:59 local time of the day `t` falls on.
sys_seconds end_of_local_day(const WorkingCalendar& cal, sys_seconds t) {
    return cal.at_local(cal.local_date(t), std::chrono::hours{24}) - std::chrono::seconds{1};
}

sys_seconds add_months(const WorkingCalendar& cal, sys_seconds t, int n) {
    const auto local = t + cal.utc_offset();
    const auto day = std::chrono::floor<std::chrono::days>(local);
    const Date d{day};
    auto ym = d.year() / d.month() + std::chrono::months{n};
    const auto last = std::chrono::year_month_day_last{ym / std::chrono::last}.day();
    const Date target{ym / std::min(d.day(), last)};
    return sys_seconds{std::chrono::sys_days{target}} + (local - day) - cal.utc_offset();
}

sys_seconds warn_point(sys_seconds start, sys_seconds due, int percent) {
    if (due <= start) return due;
    return start + (due - start) * percent / 100;
}

// For a working-day limit the share is of working time, so the warning never falls on a day off.
sys_seconds working_warn_point(const WorkingCalendar& cal, sys_seconds start, sys_seconds due,
                               int working_days, int percent) {
    const std::chrono::seconds window = std::chrono::days{working_days};
    return std::min(due, cal.add_working_time(start, window * percent / 100));
}

std::string amount_with(int n, std::string_view one, std::string_view many) {
    return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

}  // namespace

std::string_view to_string(Stage s) {
    return stage_names[static_cast<std::size_t>(s)];
}

std::optional<Stage> stage_from_string(std::string_view s) {
    for (auto st : all_stages)
        if (to_string(st) == s) return st;
    return std::nullopt;
}

std::string_view to_string(Milestone m) {
    switch (m) {
        case Milestone::received:
            return "received";
        case Milestone::dispatched:
            return "dispatched";
        case Milestone::accepted:
            return "accepted";
        case Milestone::quoted:
            return "quoted";
        case Milestone::arrived:
            return "arrived";
        case Milestone::finished:
            return "finished";
    }
    return "received";
}

std::optional<Milestone> milestone_from_string(std::string_view s) {
    for (auto m : {Milestone::received, Milestone::dispatched, Milestone::accepted,
                   Milestone::quoted, Milestone::arrived, Milestone::finished})
        if (to_string(m) == s) return m;
    return std::nullopt;
}

std::optional<SlaLimit> parse_sla_limit(std::string_view text) {
    text = trim(text);
    if (text == "same day") return SlaLimit::same_day();
    if (text == "planned date") return SlaLimit::planned_date();
    int n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end == text.data() || n < 1 || n > max_amount) return std::nullopt;
    const auto unit = trim(text.substr(static_cast<std::size_t>(end - text.data())));
    if (unit == "min") return SlaLimit::minutes(n);
    if (unit == "h") return SlaLimit{SlaLimit::Kind::wall_clock, n * 60};
    if (unit == "d") return SlaLimit{SlaLimit::Kind::wall_clock, n * 24 * 60};
    if (unit == "working day" || unit == "working days") return SlaLimit::working_days(n);
    if (unit == "month" || unit == "months") return SlaLimit::calendar_months(n);
    return std::nullopt;
}

std::string to_string(const SlaLimit& limit) {
    switch (limit.kind) {
        case SlaLimit::Kind::wall_clock:
            if (limit.amount != 0 && limit.amount % (24 * 60) == 0)
                return std::to_string(limit.amount / (24 * 60)) + " d";
            if (limit.amount != 0 && limit.amount % 60 == 0)
                return std::to_string(limit.amount / 60) + " h";
            return std::to_string(limit.amount) + " min";
        case SlaLimit::Kind::working_days:
            return amount_with(limit.amount, "working day", "working days");
        case SlaLimit::Kind::months:
            return amount_with(limit.amount, "month", "months");
        case SlaLimit::Kind::same_day:
            return "same day";
        case SlaLimit::Kind::planned_date:
            return "planned date";
    }
    return "?";
}

std::string_view to_string(FollowUp f) {
    switch (f) {
        case FollowUp::rating_reminder:
            return "rating_reminder";
        case FollowUp::auto_close:
            return "auto_close";
        case FollowUp::complaint_callback:
            return "complaint_callback";
        case FollowUp::repair_callback:
            return "repair_callback";
        case FollowUp::escalation:
            return "escalation";
        case FollowUp::quote_reminder:
            return "quote_reminder";
        case FollowUp::complaint_reminder:
            return "complaint_reminder";
    }
    return "escalation";
}

const UrgencyPolicy& SlaPolicy::for_urgency(Urgency u) const {
    switch (u) {
        case Urgency::emergency:
            return emergency;
        case Urgency::planned:
            return planned;
        case Urgency::normal:
            break;
    }
    return normal;
}

std::vector<std::string> check_sla_policy(const SlaPolicy& p) {
    std::vector<std::string> problems;
    auto amount_ok = [&](const SlaLimit& l, const std::string& field) {
        const bool needs_amount =
            l.kind != SlaLimit::Kind::same_day && l.kind != SlaLimit::Kind::planned_date;
        if (needs_amount && (l.amount < 1 || l.amount > max_amount * 24 * 60))
            problems.push_back(field + " must be a positive amount (it is " + to_string(l) + ")");
    };
    for (auto [name, up] : {std::pair<std::string, const UrgencyPolicy*>{"emergency", &p.emergency},
                            {"normal", &p.normal},
                            {"planned", &p.planned}}) {
        amount_ok(up->dispatch, name + ".dispatch");
        amount_ok(up->accept, name + ".accept");
        amount_ok(up->arrive, name + ".arrive");
        amount_ok(up->finish, name + ".finish");
        if (up->public_area_arrive)
            amount_ok(*up->public_area_arrive, name + ".public_area_arrive");
    }
    amount_ok(p.off_list_quote, "off_list_quote");
    amount_ok(p.planned_date_fallback, "planned_date_fallback");
    if (p.planned_date_fallback.kind == SlaLimit::Kind::planned_date)
        problems.push_back("planned_date_fallback cannot itself be 'planned date'");
    if (p.off_list_quote.kind == SlaLimit::Kind::planned_date)
        problems.push_back("off_list_quote cannot be 'planned date'");
    if (p.warning_percent < 1 || p.warning_percent > 99)
        problems.push_back("warning_percent must be between 1 and 99 (it is " +
                           std::to_string(p.warning_percent) + ")");
    if (p.booked_arrival_lead < std::chrono::minutes{0})
        problems.push_back("booked_arrival_lead must not be negative");
    for (auto stage : all_stages) {
        const auto allowed = possible_starts(stage);
        const auto start = p.start_of(stage);
        if (std::find(allowed.begin(), allowed.end(), start) != allowed.end()) continue;
        std::string words;
        for (std::size_t i = 0; i < allowed.size(); ++i) {
            if (i) words += i + 1 == allowed.size() ? " or " : ", ";
            words += to_string(allowed[i]);
        }
        problems.push_back("stage_starts." + std::string(to_string(stage)) + " must be " + words +
                           " (it is '" + std::string(to_string(start)) + "')");
    }
    for (std::size_t i = 0; i < p.follow_ups.size(); ++i) {
        const auto name = "follow_ups." + std::string(to_string(static_cast<FollowUp>(i)));
        const auto& l = p.follow_ups[i];
        if (l.kind == SlaLimit::Kind::same_day || l.kind == SlaLimit::Kind::planned_date)
            problems.push_back(name + " must be a duration, not '" + to_string(l) + "'");
        else
            amount_ok(l, name);
    }
    return problems;
}

std::string_view to_string(DeadlineBasis b) {
    switch (b) {
        case DeadlineBasis::class_limit:
            return "class_limit";
        case DeadlineBasis::public_area:
            return "public_area";
        case DeadlineBasis::booked_visit:
            return "booked_visit";
        case DeadlineBasis::off_list_quote:
            return "off_list_quote";
        case DeadlineBasis::planned_date_fallback:
            return "planned_date_fallback";
    }
    return "class_limit";
}

std::vector<Milestone> possible_starts(Stage s) {
    using M = Milestone;
    switch (s) {
        case Stage::dispatch:
            return {M::received};
        case Stage::accept:
            return {M::dispatched};
        case Stage::quote:
            return {M::dispatched, M::accepted};
        case Stage::arrive:
            return {M::received, M::dispatched, M::accepted};
        case Stage::finish:
            break;
    }
    return {M::received, M::dispatched, M::accepted, M::arrived};
}

sys_seconds booked_visit_time(sys_seconds start, std::optional<sys_seconds> end) {
    if (!end || *end - start <= std::chrono::hours{1}) return start;
    return *end;
}

sys_seconds limit_due(const SlaLimit& limit, const WorkingCalendar& cal, sys_seconds start,
                      std::optional<sys_seconds> planned) {
    switch (limit.kind) {
        case SlaLimit::Kind::wall_clock:
            return start + std::chrono::minutes{limit.amount};
        case SlaLimit::Kind::working_days:
            return cal.add_working_days(start, limit.amount);
        case SlaLimit::Kind::months:
            return add_months(cal, start, limit.amount);
        case SlaLimit::Kind::same_day:
            return end_of_local_day(cal, start);
        case SlaLimit::Kind::planned_date:
            return end_of_local_day(cal, planned ? *planned : start);
    }
    return start;
}

std::optional<Deadline> deadline_for(const SlaPolicy& policy, const WorkingCalendar& cal,
                                     const TicketFacts& facts, Stage stage, sys_seconds start) {
    const auto& up = policy.for_urgency(facts.urgency);
    const auto booked = up.honour_booked_time ? facts.booked_visit : std::optional<sys_seconds>{};
    Deadline d;
    d.start = start;
    SlaLimit limit = up.dispatch;
    switch (stage) {
        case Stage::dispatch:
            limit = up.dispatch;
            break;
        case Stage::accept:
            limit = up.accept;
            break;
        case Stage::quote:
            if (!facts.paid_off_list) return std::nullopt;
            limit = policy.off_list_quote;
            d.basis = DeadlineBasis::off_list_quote;
            break;
        case Stage::arrive:
            if (booked && *booked - policy.booked_arrival_lead > start) {
                d.due = *booked - policy.booked_arrival_lead;
                d.basis = DeadlineBasis::booked_visit;
                d.warn_at = warn_point(d.start, d.due, policy.warning_percent);
                return d;
            }
            limit = up.arrive;
            if (facts.public_area && up.public_area_arrive) {
                limit = *up.public_area_arrive;
                d.basis = DeadlineBasis::public_area;
            }
            break;
        case Stage::finish:
            limit = up.finish;
            if (booked && *booked > start) d.start = *booked;
            if (limit.kind == SlaLimit::Kind::planned_date) {
                if (booked && end_of_local_day(cal, *booked) > d.start) {
                    d.basis = DeadlineBasis::booked_visit;
                } else {
                    limit = policy.planned_date_fallback;
                    d.basis = DeadlineBasis::planned_date_fallback;
                }
            }
            break;
    }
    d.limit = limit;
    d.due = limit_due(limit, cal, d.start, booked);
    if (limit.kind == SlaLimit::Kind::working_days)
        d.calendar_complete = cal.missing_years(d.start, d.due).empty();
    d.warn_at = limit.kind == SlaLimit::Kind::working_days
                    ? working_warn_point(cal, d.start, d.due, limit.amount, policy.warning_percent)
                    : warn_point(d.start, d.due, policy.warning_percent);
    return d;
}

sys_seconds follow_up_due(const SlaPolicy& policy, const WorkingCalendar& cal, FollowUp f,
                          sys_seconds start) {
    return limit_due(policy.follow_up(f), cal, start, std::nullopt);
}

std::string_view to_string(Verdict v) {
    return v == Verdict::on_time ? "on_time" : "late";
}

Verdict judge(const Deadline& d, sys_seconds met_at) {
    return met_at <= d.due ? Verdict::on_time : Verdict::late;
}

std::string_view to_string(PendingState s) {
    switch (s) {
        case PendingState::running:
            return "running";
        case PendingState::warning:
            return "warning";
        case PendingState::breached:
            return "breached";
    }
    return "running";
}

PendingState pending_state(const Deadline& d, sys_seconds now) {
    if (now > d.due) return PendingState::breached;
    if (now >= d.warn_at) return PendingState::warning;
    return PendingState::running;
}

std::optional<sys_seconds> Milestones::at(Milestone m) const {
    switch (m) {
        case Milestone::received:
            return received;
        case Milestone::dispatched:
            return dispatched;
        case Milestone::accepted:
            return accepted;
        case Milestone::quoted:
            return quoted;
        case Milestone::arrived:
            return arrived;
        case Milestone::finished:
            return finished;
    }
    return std::nullopt;
}

Milestone meeting_milestone(Stage s) {
    switch (s) {
        case Stage::dispatch:
            return Milestone::dispatched;
        case Stage::accept:
            return Milestone::accepted;
        case Stage::quote:
            return Milestone::quoted;
        case Stage::arrive:
            return Milestone::arrived;
        case Stage::finish:
            return Milestone::finished;
    }
    return Milestone::finished;
}

std::string_view StageSla::label() const {
    if (verdict) return to_string(*verdict);
    return "pending";
}

std::vector<StageSla> sla_overview(const SlaPolicy& policy, const WorkingCalendar& cal,
                                   const TicketFacts& facts, const Milestones& m, sys_seconds now) {
    std::vector<StageSla> out;
    for (auto stage : all_stages) {
        if (stage == Stage::quote && !facts.paid_off_list) continue;
        StageSla s;
        s.stage = stage;
        if (auto start = m.at(policy.start_of(stage))) {
            s.deadline = deadline_for(policy, cal, facts, stage, *start);
            if (auto met = m.at(meeting_milestone(stage)))
                s.verdict = judge(*s.deadline, *met);
            else
                s.pending = pending_state(*s.deadline, now);
        }
        out.push_back(s);
    }
    return out;
}

}  // namespace repairbot::dialog
