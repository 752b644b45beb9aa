// The desk's figures (统计) for a date range: pure computation from store::StatsRows, and the
// three ways they are shown (JSON for GET /api/stats, a terminal table, CSV). No clock and no
// I/O inside: callers pass `now` and print the strings.
//
// Definitions (DOMAIN.md "Figures the company reports", issue 8). A range is [from, to) in the
// desk's local time (UTC+8); a month is its calendar month. The figures are as things stood at
// the cutoff `as_of` = min(to, now), so a month's figures are final once the month is over.
//  * tickets: tickets received (created_at) in the range before the cutoff, cancelled ones
//    included.
//  * on-time rate per stage (dispatch, accept, arrive, finish; 及时率):
//      on time ÷ (on time + late). A stage counts only when it had a deadline and was decided by
//      the cutoff: met before as_of, or its deadline ran out before as_of while unmet. A stage
//      still open and not yet due at the cutoff, one without a deadline, and one whose deadline
//      fell after the ticket was cancelled or closed unmet, count neither way. A decided stage
//      takes the verdict the SLA engine recorded (the *_late column, kept once set, so a reopen's
//      fresh deadline does not rewrite history); without one it is judged from the times at
//      second resolution like dialog::judge (met at or before `due` is on time), and an unmet
//      stage past its deadline is late. The finish is the first visit's (store::FirstFinish):
//      the deadline it was first given and when the first visit was done, so a finish breached
//      and given a new promised time is late from its breach on, and a 返修 (which clears the
//      done time for the revisit) does not take the first visit's finish out of the figures.
//  * minutes to arrive / to finish: (arrived_at or the first visit's done) − received, in
//    minutes (fractions kept), for tickets that reached the milestone before the cutoff — not
//    those whose visit the owner booked (their wait was the owner's choice; their stages still
//    count in the rates: the booked time was the arrival's deadline). The mean is the
//    arithmetic mean; the 90th percentile is nearest-rank: the ⌈0.9·n⌉-th smallest value
//    (n = 1 → the value, n = 2 → the larger, n = 10 → the 9th).
//  * reopen rate (返修率): tickets with reopen_count ≥ 1 ÷ tickets (the count as stored now).
//  * satisfaction rate (满意率): tickets whose newest rating before the cutoff has 4 or 5 stars
//    ÷ tickets rated before the cutoff.
//  * callback completion rate (回访完成率): callbacks done before the cutoff ÷ callbacks due in
//    [from, to) that were due, or already done, before the cutoff (one done early counts at
//    once; one not yet due and not done waits for its due date). Callbacks are chosen by due
//    date, not by their ticket's date; a group (fault type, building, technician) counts the
//    callbacks about its tickets.
//  * Every rate is a fraction 0..1, and null (nullopt) when its denominator is 0; means and
//    percentiles are null without values.
//  * Groups use the ticket's current fault type, building and technician — for a reopened
//    ticket (返修) the technician of its first visit, whose stages the figures count, whoever
//    has the revisit now (store/stats_repository.h); tickets without a technician form one
//    group with technician_id null and name "". One exception, so a
//    technician answers for their own deadlines: an acceptance deadline a technician let pass
//    (the SLA engine's accept breach, after which the job is re-dispatched) is a late acceptance
//    in that technician's group, and the technician who has the job now is judged on the
//    deadline they were given (from the times), unless they let one pass too: then it is late in
//    their group, whatever the recorded verdict (a first acceptance before a 转单). The ticket
//    counts in its current technician's group only; the overall and other groups keep the ticket's
//    recorded verdict (late for the owner).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/errors.h"
#include "dialog/sla_policy.h"
#include "store/stats_repository.h"

namespace repairbot::bot {

// Why a range could not be read from the user's words.
enum class StatsErrc {
    bad_month = 1,    // not YYYY-MM with a month 01..12
    bad_date,         // not YYYY-MM-DD naming a real day
    empty_range,      // to is not after from
    range_too_long,   // more than max_stats_days
    missing_range,    // neither a month nor both ends of a range
    conflicting_range,  // a month and a from/to range at once
};

[[nodiscard]] const std::error_category& stats_category() noexcept;
[[nodiscard]] inline std::error_code make_error_code(StatsErrc e) noexcept {
    return {static_cast<int>(e), stats_category()};
}

}  // namespace repairbot::bot

template <>
struct std::is_error_code_enum<repairbot::bot::StatsErrc> : std::true_type {};

namespace repairbot::bot {

// The longest range the figures read at once (days); bounds the rows held in memory.
inline constexpr int max_stats_days = 366;

// Local (UTC+8) calendar days [from, to).
struct StatsRange {
    std::chrono::year_month_day from{};
    std::chrono::year_month_day to{};
    [[nodiscard]] store::Timestamp utc_from() const;  // from's 00:00 UTC+8, as UTC
    [[nodiscard]] store::Timestamp utc_to() const;
    bool operator==(const StatsRange&) const = default;
};

// "2026-11" -> [2026-11-01, 2026-12-01). StatsErrc::bad_month (detail quoting the input) for
// anything else, including years outside 2000..2999. Pure.
[[nodiscard]] Result<StatsRange> parse_month(std::string_view text);
// Two YYYY-MM-DD days, `to` excluded. StatsErrc::bad_date, empty_range or range_too_long. Pure.
[[nodiscard]] Result<StatsRange> parse_date_range(std::string_view from, std::string_view to);
// The range a request names: a month, or from and to (each nullopt when absent).
// StatsErrc::missing_range, conflicting_range, or the errors of the two parsers above. Pure.
[[nodiscard]] Result<StatsRange> parse_stats_range(std::optional<std::string_view> month,
                                                   std::optional<std::string_view> from,
                                                   std::optional<std::string_view> to);

// The cutoff the figures are computed at: min(range end, now).
[[nodiscard]] store::Timestamp stats_cutoff(const StatsRange& range, store::Timestamp now);
// The window to ask store::StatsRepository::fetch for.
[[nodiscard]] store::StatsWindow stats_window(const StatsRange& range, store::Timestamp now);

// The stages the figures report, in order.
inline constexpr std::array<dialog::Stage, 4> figure_stages{
    dialog::Stage::dispatch, dialog::Stage::accept, dialog::Stage::arrive, dialog::Stage::finish};

// Minutes from `from` to `to`, fractions kept (negative when `to` is earlier).
[[nodiscard]] double minutes_between(store::Timestamp from, store::Timestamp to);
// The shortest text that reads back as exactly `v` (the CSV's numbers); "" if it cannot be made.
[[nodiscard]] std::string format_number(double v);
// `v` with one decimal (the terminal tables' minutes and percentages).
[[nodiscard]] std::string one_decimal(double v);

// When `t`'s clocks stopped, if they did: cancelled or closed, the earlier.
[[nodiscard]] std::optional<store::Timestamp> stopped_at(const store::StatsTicketRow& t);

// The stored facts of figure stage `s` of `t` (quote: the finish's; the figures do not report it).
[[nodiscard]] const store::StatsStageFacts& stage_facts(const store::StatsTicketRow& t,
                                                        dialog::Stage s);

// Whether a technician other than the one `t` counts for let one of its acceptance windows pass
// (StatsTicketRow::missed_accepts): a late acceptance in their own figures whatever the ticket's
// comes to, and their row of the late list. Pure.
[[nodiscard]] bool let_pass_by_another(const store::StatsTicketRow& t);

// The verdict of one stage at `cutoff` as defined above; nullopt when it counts neither way.
// `stopped_at` is when the ticket was cancelled or closed, if it was. Pure.
[[nodiscard]] std::optional<dialog::Verdict> stage_verdict(
    const store::StatsStageFacts& stage, store::Timestamp cutoff,
    std::optional<store::Timestamp> stopped_at);

// The nearest-rank p-th percentile (1..100) of `sorted` (ascending); nullopt when empty. Pure.
[[nodiscard]] std::optional<double> nearest_rank_percentile(const std::vector<double>& sorted,
                                                            int p);

struct StageTally {
    std::size_t on_time = 0;
    std::size_t late = 0;
    bool operator==(const StageTally&) const = default;
};

// The counts behind one set of figures, and the figures derived from them.
struct Figures {
    std::size_t tickets = 0;
    std::array<StageTally, 4> stages{};  // indexed like figure_stages
    std::size_t reopened = 0;
    std::size_t rated = 0;
    std::size_t satisfied = 0;  // rated 4 or 5
    std::size_t callbacks_due = 0;
    std::size_t callbacks_done = 0;
    std::vector<double> minutes_to_arrive;  // ascending
    std::vector<double> minutes_to_finish;  // ascending

    [[nodiscard]] std::optional<double> on_time_rate(dialog::Stage s) const;  // nullopt for quote
    [[nodiscard]] std::optional<double> satisfaction_rate() const;
    [[nodiscard]] std::optional<double> reopen_rate() const;
    [[nodiscard]] std::optional<double> callback_completion_rate() const;
    [[nodiscard]] std::optional<double> mean_minutes_to_arrive() const;
    [[nodiscard]] std::optional<double> p90_minutes_to_arrive() const;
    [[nodiscard]] std::optional<double> mean_minutes_to_finish() const;
    [[nodiscard]] std::optional<double> p90_minutes_to_finish() const;
};

// The figures of one fault type, building or technician.
struct GroupFigures {
    std::string key;  // the fault type, the building, or the technician's name
    std::optional<std::uint64_t> technician_id;  // by_technician only; nullopt = unassigned
    Figures figures;
};

struct StatsReport {
    StatsRange range;
    store::Timestamp as_of{};
    Figures overall;
    std::vector<GroupFigures> by_fault_type;  // by key (byte order)
    std::vector<GroupFigures> by_building;    // by key
    std::vector<GroupFigures> by_technician;  // by name, then id; the unassigned group last
};

// Computes the report from the rows store::StatsRepository::fetch(stats_window(range, now))
// returned. Rows outside the range are ignored. Pure; never fails.
[[nodiscard]] StatsReport compute_stats(const StatsRange& range, store::Timestamp now,
                                        const store::StatsRows& rows);

// "YYYY-MM-DD".
[[nodiscard]] std::string to_string(const std::chrono::year_month_day& day);
// "YYYY-MM-DD HH:MM", the desk's local time (UTC+8) of `t`, seconds dropped.
[[nodiscard]] std::string local_minute_text(store::Timestamp t);
// A terminal report's first lines: "<title> <from> 至 <last day>（UTC+8，截至 <as_of>）" and a
// blank line.
[[nodiscard]] std::string report_heading(std::string_view title, const StatsRange& range,
                                         store::Timestamp as_of);

// The JSON of GET /api/stats: tickets, on_time_rate {dispatch, accept, arrive, finish},
// satisfaction_rate, reopen_rate, callback_completion_rate, mean_minutes_to_arrive,
// p90_minutes_to_arrive, mean_minutes_to_finish, p90_minutes_to_finish (null when undefined,
// full double precision), and by_fault_type / by_building / by_technician: arrays of the same
// fields plus fault_type, building, or technician_id and technician. Keys in that order. Pure.
[[nodiscard]] nlohmann::ordered_json to_json(const StatsReport& report);

// CSV (RFC 4180, CRLF line ends): a header, then one row per scope (overall, fault_type,
// building, technician) with the JSON's figures; empty cells for null, numbers in the shortest
// form that reads back exactly. Text cells through csv_cell. Pure.
[[nodiscard]] std::string to_csv(const StatsReport& report);

// One CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line end; text a
// spreadsheet would run as a formula (=, +, -, @, tab or CR first) prefixed with '. Pure.
[[nodiscard]] std::string csv_cell(std::string_view text);

// A table for the terminal, Chinese headings (及时率 ...), rates as percentages with one
// decimal, minutes with one decimal, "-" for null; columns aligned for CJK widths. Pure.
[[nodiscard]] std::string to_table(const StatsReport& report);

}  // namespace repairbot::bot
