// The desk's time limits (DOMAIN.md) as a plain policy, and the pure arithmetic that turns a
// ticket's facts and a stage's start into a deadline, a warning time and an on-time/late verdict.
// No clock inside: callers pass `now`. Loaded from config/sla.toml by config/sla_data.h.
//
// Instants are second-resolution. `due` is the last on-time instant: a stage met at `due` is on
// time, one second later it is late (breach_at() is the instant a breach timer fires).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dialog/catalog.h"
#include "dialog/sla_calendar.h"

namespace repairbot::dialog {

// The promised steps of a repair, in order. `quote` exists only for a paid repair outside the
// price list (the supervisor's quote before work starts).
enum class Stage : std::uint8_t { dispatch, accept, quote, arrive, finish };
inline constexpr std::array<Stage, 5> all_stages{Stage::dispatch, Stage::accept, Stage::quote,
                                                 Stage::arrive, Stage::finish};

// "dispatch", "accept", "quote", "arrive", "finish".
[[nodiscard]] std::string_view to_string(Stage s);
// Inverse of to_string; nullopt for any other word.
[[nodiscard]] std::optional<Stage> stage_from_string(std::string_view s);

// The events of a ticket's life a stage's clock can start from (and that meet a stage).
enum class Milestone : std::uint8_t { received, dispatched, accepted, quoted, arrived, finished };

// "received", "dispatched", "accepted", "quoted", "arrived", "finished".
[[nodiscard]] std::string_view to_string(Milestone m);
// Inverse of to_string; nullopt for any other word.
[[nodiscard]] std::optional<Milestone> milestone_from_string(std::string_view s);

// One time limit.
struct SlaLimit {
    enum class Kind : std::uint8_t {
        wall_clock,    // `amount` minutes on the wall clock (nights and holidays count)
        working_days,  // `amount` working days on the calendar (sla_calendar.h)
        months,        // `amount` calendar months, same clock time, clamped to the month's end
        same_day,      // by 23:59:59 local time of the start's day
        planned_date,  // by 23:59:59 local time of the ticket's booked (planned) day
    };
    Kind kind = Kind::wall_clock;
    int amount = 0;  // minutes, working days or months; 0 for same_day and planned_date

    static constexpr SlaLimit minutes(int m) { return {Kind::wall_clock, m}; }
    static constexpr SlaLimit hours(int h) { return {Kind::wall_clock, h * 60}; }
    static constexpr SlaLimit days(int d) { return {Kind::wall_clock, d * 24 * 60}; }
    static constexpr SlaLimit working_days(int d) { return {Kind::working_days, d}; }
    static constexpr SlaLimit calendar_months(int m) { return {Kind::months, m}; }
    static constexpr SlaLimit same_day() { return {Kind::same_day, 0}; }
    static constexpr SlaLimit planned_date() { return {Kind::planned_date, 0}; }

    bool operator==(const SlaLimit&) const = default;
};

// Reads a limit as written in config/sla.toml: "<n> min", "<n> h", "<n> d" (24 h days on the
// wall clock), "<n> working day(s)", "<n> month(s)", "same day", "planned date"; n is a whole
// number from 1 to 100000 and the space before the unit is optional. nullopt for anything else.
[[nodiscard]] std::optional<SlaLimit> parse_sla_limit(std::string_view text);
// The limit in the words parse_sla_limit reads, largest whole unit first ("24 h" -> "1 d").
[[nodiscard]] std::string to_string(const SlaLimit& limit);

// The limits of one urgency class.
struct UrgencyPolicy {
    SlaLimit dispatch;
    SlaLimit accept;
    SlaLimit arrive;
    SlaLimit finish;
    std::optional<SlaLimit> public_area_arrive;  // replaces `arrive` for public-area faults
    bool honour_booked_time = true;  // a booked visit time sets the arrival (see deadline_for)
    bool operator==(const UrgencyPolicy&) const = default;
};

// The follow-up timers that are not stages of a repair.
enum class FollowUp : std::uint8_t {
    rating_reminder,     // the owner has not rated since the repair was confirmed
    auto_close,          // no answer from the owner since the repair was done
    complaint_callback,  // a handled complaint is called back
    repair_callback,     // a finished repair is called back (回访)
    escalation,          // a request nobody answered goes to the supervisor
    quote_reminder,      // the owner has not answered a paid repair's quote since asked
    complaint_reminder,  // a complaint not handled yet is reminded of, again every this long
};

// "rating_reminder", "auto_close", "complaint_callback", "repair_callback", "escalation",
// "quote_reminder", "complaint_reminder".
[[nodiscard]] std::string_view to_string(FollowUp f);

// The whole policy, defaulting to DOMAIN.md's values (config/sla.toml states the same).
struct SlaPolicy {
    UrgencyPolicy emergency{SlaLimit::minutes(3), SlaLimit::minutes(5),  SlaLimit::minutes(30),
                            SlaLimit::hours(8),   SlaLimit::minutes(15), false};
    UrgencyPolicy normal{
        SlaLimit::minutes(10),     SlaLimit::minutes(30), SlaLimit::working_days(1),
        SlaLimit::working_days(3), std::nullopt,          true};
    UrgencyPolicy planned{SlaLimit::same_day(),     SlaLimit::hours(2), SlaLimit::hours(72),
                          SlaLimit::planned_date(), std::nullopt,       true};

    // A paid repair outside the price list: the quote is due this long after the quote stage's
    // start (stage_starts; as shipped, the first dispatch).
    SlaLimit off_list_quote = SlaLimit::minutes(15);
    // The technician is due this long before a booked visit time.
    std::chrono::minutes booked_arrival_lead{5};
    // Replaces a "planned date" limit when the ticket has no booked day.
    SlaLimit planned_date_fallback = SlaLimit::working_days(5);
    // The warning falls at this share (1..99 %) of the window from the stage's start to `due`.
    int warning_percent = 80;

    // The milestone whose time starts each stage's clock (indexed by Stage). The DOMAIN.md
    // limits count arrival and finish from the report, acceptance and the quote from dispatch.
    std::array<Milestone, 5> stage_starts{Milestone::received, Milestone::dispatched,
                                          Milestone::dispatched, Milestone::received,
                                          Milestone::received};

    // Indexed by FollowUp; "same day" and "planned date" are not allowed here.
    std::array<SlaLimit, 7> follow_ups{
        SlaLimit::hours(24),   SlaLimit::days(7),  SlaLimit::days(3),  SlaLimit::calendar_months(1),
        SlaLimit::minutes(10), SlaLimit::hours(2), SlaLimit::hours(24)};

    [[nodiscard]] const UrgencyPolicy& for_urgency(Urgency u) const;
    [[nodiscard]] Milestone start_of(Stage s) const {
        return stage_starts[static_cast<std::size_t>(s)];
    }
    [[nodiscard]] const SlaLimit& follow_up(FollowUp f) const {
        return follow_ups[static_cast<std::size_t>(f)];
    }
    bool operator==(const SlaPolicy&) const = default;
};

// The milestones stage `s`'s clock may start from (SlaPolicy::stage_starts): one reached
// before the stage can be met, where the desk starts clocks — the report, the first dispatch,
// the first acceptance, the arrival (the acceptance's: each dispatch, Dispatcher::assign).
// "quoted" starts nothing: only paid off-list jobs are quoted.
[[nodiscard]] std::vector<Milestone> possible_starts(Stage s);

// What a policy gets wrong, one sentence each naming the field: a non-positive amount, a
// warning share outside 1..99, a negative booked lead, "planned date" as the fallback or as a
// follow-up, "same day" as a follow-up, a stage start outside possible_starts. Empty when the
// policy is usable.
[[nodiscard]] std::vector<std::string> check_sla_policy(const SlaPolicy& p);

// What decides a ticket's deadlines.
struct TicketFacts {
    Urgency urgency = Urgency::normal;
    bool public_area = false;    // 共用部位/公共设施: free, and faster for emergencies
    bool paid_off_list = false;  // a paid repair whose work is not on the price list
    std::optional<std::chrono::sys_seconds> booked_visit;  // booked_visit_time of the booking
};

// The time an owner's booking asks the technician to be there by: a point in time or a window of
// up to an hour ("明天下午2点", 14:00-15:00) at its start; a longer window ("明天下午") at its
// end, since any time inside it keeps the booking. The one rule for intake, the timer plan, the
// desk's views and the technician's visit text.
[[nodiscard]] std::chrono::sys_seconds booked_visit_time(
    std::chrono::sys_seconds start, std::optional<std::chrono::sys_seconds> end);

// Which rule produced a deadline, so the desk can say why.
enum class DeadlineBasis : std::uint8_t {
    class_limit,            // the urgency class's limit for the stage
    public_area,            // the public-area override
    booked_visit,           // the owner's booked time
    off_list_quote,         // the off-price-list quote limit
    planned_date_fallback,  // "planned date" without a booked day
};

// "class_limit", "public_area", "booked_visit", "off_list_quote", "planned_date_fallback".
[[nodiscard]] std::string_view to_string(DeadlineBasis b);

struct Deadline {
    std::chrono::sys_seconds start{};    // when the window opened
    std::chrono::sys_seconds due{};      // the last on-time instant
    std::chrono::sys_seconds warn_at{};  // when to warn (start <= warn_at <= due)
    DeadlineBasis basis = DeadlineBasis::class_limit;
    std::optional<SlaLimit> limit;  // the limit applied; none for a booked arrival
    // False when a working-day limit ran through a year without holiday data (weekends only).
    bool calendar_complete = true;
    bool operator==(const Deadline&) const = default;
};

// The instant a stage not yet met becomes late: one second after `due`.
[[nodiscard]] inline std::chrono::sys_seconds breach_at(const Deadline& d) {
    return d.due + std::chrono::seconds{1};
}

// When `limit`, started at `start`, runs out: the last on-time instant. A planned_date limit
// needs `planned` (its day's 23:59:59 local); without it, it is treated as same_day. Amounts
// are used as given (check_sla_policy rejects non-positive ones).
[[nodiscard]] std::chrono::sys_seconds limit_due(const SlaLimit& limit, const WorkingCalendar& cal,
                                                 std::chrono::sys_seconds start,
                                                 std::optional<std::chrono::sys_seconds> planned);

// The deadline of `stage` for a ticket with `facts`, the stage's clock started at `start` (the
// time of policy.start_of(stage)). Rules, first that applies:
//  * quote: off_list_quote, only for paid_off_list tickets; nullopt for every other ticket.
//  * arrive with a booked visit (and a class that honours bookings): due at the booked time
//    minus booked_arrival_lead; when that is not after `start` (booked too soon or in the
//    past), the rules below apply instead.
//  * arrive for a public-area fault: the class's public_area_arrive, when it has one.
//  * finish with a booked visit later than `start` (honoured): the finish window opens at the
//    booked time instead of `start`; a "planned date" finish is due at the end of the booked
//    day, or, without a booked day (or one already over), by planned_date_fallback.
//  * otherwise the class's limit for the stage.
// The warning lands at warning_percent of [window start, due], rounded down to the second; for
// a working-day limit, of the window's working time (so never on a day off).
[[nodiscard]] std::optional<Deadline> deadline_for(const SlaPolicy& policy,
                                                   const WorkingCalendar& cal,
                                                   const TicketFacts& facts, Stage stage,
                                                   std::chrono::sys_seconds start);

// When a follow-up timer started at `start` is due.
[[nodiscard]] std::chrono::sys_seconds follow_up_due(const SlaPolicy& policy,
                                                     const WorkingCalendar& cal, FollowUp f,
                                                     std::chrono::sys_seconds start);

enum class Verdict : std::uint8_t { on_time, late };
// "on_time", "late".
[[nodiscard]] std::string_view to_string(Verdict v);

// A stage met at `met_at`: on_time when met_at <= due, else late. The verdict depends only on
// the two instants, so once recorded it never changes (a stage met on time stays on time).
[[nodiscard]] Verdict judge(const Deadline& d, std::chrono::sys_seconds met_at);

enum class PendingState : std::uint8_t {
    running,   // now < warn_at
    warning,   // warn_at <= now <= due: the technician should have been warned
    breached,  // now > due: late whatever happens next
};
// "running", "warning", "breached".
[[nodiscard]] std::string_view to_string(PendingState s);

// A stage not met yet, seen at `now`.
[[nodiscard]] PendingState pending_state(const Deadline& d, std::chrono::sys_seconds now);

// The times a ticket reached each milestone so far.
struct Milestones {
    std::optional<std::chrono::sys_seconds> received, dispatched, accepted, quoted, arrived,
        finished;
    [[nodiscard]] std::optional<std::chrono::sys_seconds> at(Milestone m) const;
};

// The milestone that meets each stage (dispatch is met when dispatched, ...).
[[nodiscard]] Milestone meeting_milestone(Stage s);

// One stage of a ticket as the desk sees it at some `now`.
struct StageSla {
    Stage stage = Stage::dispatch;
    std::optional<Deadline> deadline;     // none until the stage's clock has started
    std::optional<Verdict> verdict;       // set once the stage is met
    std::optional<PendingState> pending;  // set while the clock runs and the stage is not met
    // "on_time", "late" or "pending" (also for a clock not started), as GET /api/tickets shows.
    [[nodiscard]] std::string_view label() const;
};

// Every stage that applies to the ticket (quote only for paid_off_list), in Stage order.
[[nodiscard]] std::vector<StageSla> sla_overview(const SlaPolicy& policy,
                                                 const WorkingCalendar& cal,
                                                 const TicketFacts& facts, const Milestones& m,
                                                 std::chrono::sys_seconds now);

}  // namespace repairbot::dialog
