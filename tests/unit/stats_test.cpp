// The desk's figures as pure computation: range parsing, the stage verdict at a cutoff,
// nearest-rank percentiles, rates with empty denominators, the three renderings, and the
// /api/stats door (auth and range errors answered before any database work).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>

#include "bot/stats.h"
#include "bot/stats_command.h"

namespace repairbot::bot {
namespace {

namespace chr = std::chrono;
using store::StatsStageFacts;
using store::Timestamp;
using dialog::Verdict;

// An instant given in the desk's local time (UTC+8).
Timestamp local(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
    auto day = chr::sys_days{chr::year{y} / chr::month{mo} / chr::day{d}};
    return chr::time_point_cast<chr::milliseconds>(day) + chr::hours{h} + chr::minutes{mi} +
           chr::seconds{s} + chr::milliseconds{ms} - chr::hours{8};
}

chr::year_month_day ymd(int y, unsigned m, unsigned d) {
    return chr::year{y} / chr::month{m} / chr::day{d};
}

// ---- range parsing ----

TEST(StatsRange, MonthIsTheCalendarMonthInLocalTime) {
    struct Case {
        const char* text;
        chr::year_month_day from, to;
    };
    for (const auto& c : {Case{"2026-11", ymd(2026, 11, 1), ymd(2026, 12, 1)},
                          Case{"2026-12", ymd(2026, 12, 1), ymd(2027, 1, 1)},
                          Case{"2028-02", ymd(2028, 2, 1), ymd(2028, 3, 1)}}) {
        auto r = parse_month(c.text);
        ASSERT_TRUE(r) << c.text;
        EXPECT_EQ(r->from, c.from) << c.text;
        EXPECT_EQ(r->to, c.to) << c.text;
    }
    auto nov = parse_month("2026-11");
    ASSERT_TRUE(nov);
    EXPECT_EQ(store::to_sql_datetime(nov->utc_from()), "2026-10-31 16:00:00.000");
    EXPECT_EQ(store::to_sql_datetime(nov->utc_to()), "2026-11-30 16:00:00.000");
}

TEST(StatsRange, BadMonthsAreRejectedWithBadMonth) {
    for (const char* text : {"", "2026-13", "2026-00", "2026-1", "26-11", "2026/11", "2026-11-01",
                             "abcd-ef", " 2026-11", "1999-12", "+026-11"}) {
        auto r = parse_month(text);
        ASSERT_FALSE(r) << text;
        EXPECT_EQ(r.code(), make_error_code(StatsErrc::bad_month)) << text;
    }
    auto r = parse_month("2026-13");
    EXPECT_NE(r.error().message().find("YYYY-MM"), std::string::npos);
    EXPECT_NE(r.error().message().find("2026-13"), std::string::npos);
}

TEST(StatsRange, DateRangesExcludeTheirEnd) {
    auto r = parse_date_range("2026-11-01", "2026-11-16");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->from, ymd(2026, 11, 1));
    EXPECT_EQ(r->to, ymd(2026, 11, 16));
    EXPECT_TRUE(parse_date_range("2024-01-01", "2025-01-01"));  // 366 days, the most allowed

    struct Case {
        const char* from;
        const char* to;
        StatsErrc expected;
    };
    for (const auto& c : {Case{"2026-02-30", "2026-03-01", StatsErrc::bad_date},
                          Case{"2026-11-01", "2026-11-31", StatsErrc::bad_date},
                          Case{"2026-1-01", "2026-11-02", StatsErrc::bad_date},
                          Case{"2026-11-01", "tomorrow", StatsErrc::bad_date},
                          Case{"2026-11-05", "2026-11-05", StatsErrc::empty_range},
                          Case{"2026-11-05", "2026-11-01", StatsErrc::empty_range},
                          Case{"2025-01-01", "2026-01-03", StatsErrc::range_too_long}}) {
        auto bad = parse_date_range(c.from, c.to);
        ASSERT_FALSE(bad) << c.from << " " << c.to;
        EXPECT_EQ(bad.code(), make_error_code(c.expected)) << c.from << " " << c.to;
    }
}

TEST(StatsRange, ARequestNamesAMonthOrBothEnds) {
    using O = std::optional<std::string_view>;
    EXPECT_TRUE(parse_stats_range(O{"2026-11"}, {}, {}));
    EXPECT_TRUE(parse_stats_range({}, O{"2026-11-01"}, O{"2026-11-08"}));
    EXPECT_EQ(parse_stats_range({}, {}, {}).code(), make_error_code(StatsErrc::missing_range));
    EXPECT_EQ(parse_stats_range({}, O{"2026-11-01"}, {}).code(),
              make_error_code(StatsErrc::missing_range));
    EXPECT_EQ(parse_stats_range(O{"2026-11"}, O{"2026-11-01"}, {}).code(),
              make_error_code(StatsErrc::conflicting_range));
}

TEST(StatsRange, CutoffIsTheEarlierOfRangeEndAndNow) {
    auto nov = *parse_month("2026-11");
    EXPECT_EQ(stats_cutoff(nov, local(2027, 1, 5)), local(2026, 12, 1));
    EXPECT_EQ(stats_cutoff(nov, local(2026, 11, 20, 9)), local(2026, 11, 20, 9));
    auto w = stats_window(nov, local(2026, 11, 20, 9));
    EXPECT_EQ(w.from, local(2026, 11, 1));
    EXPECT_EQ(w.to, local(2026, 12, 1));
    EXPECT_EQ(w.as_of, local(2026, 11, 20, 9));
}

// ---- stage verdicts ----

TEST(StatsStageVerdict, Table) {
    const Timestamp due = local(2026, 11, 10, 12);
    const Timestamp cutoff = local(2026, 12, 1);
    using V = std::optional<Verdict>;
    using T = std::optional<Timestamp>;
    using B = std::optional<bool>;
    struct Case {
        const char* name;
        StatsStageFacts stage;
        Timestamp cutoff;
        T stopped;
        V expected;
    };
    const Case cases[] = {
        {"met before due", {due, due - chr::minutes{5}, B{}}, cutoff, {}, Verdict::on_time},
        {"met exactly at due", {due, due, B{}}, cutoff, {}, Verdict::on_time},
        {"met within due's second", {due, due + chr::milliseconds{999}, B{}}, cutoff, {},
         Verdict::on_time},
        {"met a second after due", {due, due + chr::seconds{1}, B{}}, cutoff, {}, Verdict::late},
        {"unmet, due passed", {due, T{}, B{}}, cutoff, {}, Verdict::late},
        {"unmet, not yet due at cutoff", {due, T{}, B{}}, due - chr::hours{1}, {}, V{}},
        {"unmet, breach instant is the cutoff", {due, T{}, B{}}, due + chr::seconds{1}, {}, V{}},
        {"unmet, breached before cutoff", {due, T{}, B{}}, due + chr::seconds{2}, {},
         Verdict::late},
        {"met after cutoff, due after cutoff", {due, due, B{false}}, due - chr::hours{1}, {}, V{}},
        {"met after cutoff, due before cutoff", {due, due + chr::hours{2}, B{true}},
         due + chr::hours{1}, {}, Verdict::late},
        {"no deadline", {T{}, due, B{}}, cutoff, {}, V{}},
        {"recorded on time wins over times", {due, due + chr::hours{5}, B{false}}, cutoff, {},
         Verdict::on_time},
        {"recorded late wins over times", {due, due - chr::hours{1}, B{true}}, cutoff, {},
         Verdict::late},
        {"cancelled before due", {due, T{}, B{}}, cutoff, due - chr::minutes{1}, V{}},
        {"cancelled after the breach", {due, T{}, B{}}, cutoff, due + chr::hours{1},
         Verdict::late},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(stage_verdict(c.stage, c.cutoff, c.stopped), c.expected) << c.name;
    }
}

// ---- percentiles ----

TEST(StatsPercentile, NearestRank) {
    struct Case {
        std::vector<double> sorted;
        int p;
        std::optional<double> expected;
    };
    const Case cases[] = {
        {{}, 90, std::nullopt},
        {{7}, 90, 7},
        {{3, 8}, 90, 8},
        {{3, 8}, 50, 3},
        {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, 9},  // ceil(9.0) = 9, exactly
        {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 91, 10},
        {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 50, 5},
        {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 90, 10},  // ceil(9.9) = 10
        {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}, 90, 16},
        {{5, 6}, 100, 6},
        {{5, 6}, 0, std::nullopt},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(nearest_rank_percentile(c.sorted, c.p), c.expected)
            << "n=" << c.sorted.size() << " p=" << c.p;
    }
}

// ---- figures ----

store::StatsTicketRow ticket(std::uint64_t id, Timestamp received) {
    store::StatsTicketRow t;
    t.id = id;
    t.fault_type = "水管漏水";
    t.building = "3";
    t.urgency = "normal";
    t.status = "done";
    t.technician_id = 1;
    t.technician_name = "张师傅";
    t.received_at = received;
    return t;
}

store::StatsCallbackRow callback(std::uint64_t id, Timestamp due, std::optional<Timestamp> done,
                                 std::optional<std::uint64_t> ticket_id) {
    store::StatsCallbackRow cb;
    cb.id = id;
    cb.kind = ticket_id ? "sample" : "complaint";
    cb.due_at = due;
    cb.done_at = done;
    cb.ticket_id = ticket_id;
    cb.fault_type = "水管漏水";
    cb.building = "3";
    cb.technician_id = 1;
    cb.technician_name = "张师傅";
    return cb;
}

// Every stage due `limit` minutes after receipt and met `took` minutes after receipt.
void every_stage(store::StatsTicketRow& t, int limit, int took) {
    for (auto* s : {&t.dispatch, &t.accept, &t.arrive, &t.finish}) {
        s->due = t.received_at + chr::minutes{limit};
        s->met = t.received_at + chr::minutes{took};
    }
}

TEST(StatsFigures, EmptyMonthHasZeroTicketsAndNullRates) {
    auto range = *parse_month("2026-11");
    auto report = compute_stats(range, local(2027, 1, 1), {});
    EXPECT_EQ(report.overall.tickets, 0u);
    auto j = to_json(report);
    EXPECT_EQ(j["tickets"], 0);
    for (const char* s : {"dispatch", "accept", "arrive", "finish"}) EXPECT_TRUE(j["on_time_rate"][s].is_null()) << s;
    for (const char* k : {"satisfaction_rate", "reopen_rate", "callback_completion_rate",
                          "mean_minutes_to_arrive", "p90_minutes_to_arrive",
                          "mean_minutes_to_finish", "p90_minutes_to_finish"})
        EXPECT_TRUE(j[k].is_null()) << k;
    EXPECT_EQ(j["by_fault_type"], nlohmann::ordered_json::array());
    EXPECT_EQ(j["by_building"], nlohmann::ordered_json::array());
    EXPECT_EQ(j["by_technician"], nlohmann::ordered_json::array());
    EXPECT_EQ(to_csv(report),
              "scope,key,technician_id,tickets,on_time_rate_dispatch,on_time_rate_accept,"
              "on_time_rate_arrive,on_time_rate_finish,satisfaction_rate,reopen_rate,"
              "callback_completion_rate,mean_minutes_to_arrive,p90_minutes_to_arrive,"
              "mean_minutes_to_finish,p90_minutes_to_finish\r\n"
              "overall,,,0,,,,,,,,,,,\r\n");
    auto table = to_table(report);
    EXPECT_NE(table.find("2026-11-01 至 2026-11-30"), std::string::npos) << table;
    EXPECT_NE(table.find("截至 2026-12-01 00:00"), std::string::npos) << table;
}

TEST(StatsFigures, NoRatingsLeaveSatisfactionNullButNotTheRest) {
    auto range = *parse_month("2026-11");
    auto t = ticket(1, local(2026, 11, 3, 9));
    every_stage(t, 60, 30);
    auto report = compute_stats(range, local(2027, 1, 1), {{t}, {}});
    EXPECT_EQ(report.overall.satisfaction_rate(), std::nullopt);
    EXPECT_EQ(report.overall.reopen_rate(), 0.0);
    EXPECT_EQ(report.overall.on_time_rate(dialog::Stage::finish), 1.0);
    EXPECT_EQ(report.overall.on_time_rate(dialog::Stage::quote), std::nullopt);
    EXPECT_EQ(report.overall.mean_minutes_to_arrive(), 30.0);
    EXPECT_EQ(report.overall.p90_minutes_to_finish(), 30.0);
    EXPECT_TRUE(to_json(report)["satisfaction_rate"].is_null());
}

// A visit the owner booked for Saturday waited for the owner, not the desk: its minutes stay out
// of the means and percentiles, its stages (due at the booked time) still count in the rates.
TEST(StatsFigures, ABookedVisitCountsInTheRatesButNotInTheMinutes) {
    auto range = *parse_month("2026-11");
    auto quick = ticket(1, local(2026, 11, 3, 9));
    every_stage(quick, 60, 30);
    auto booked = ticket(2, local(2026, 11, 3, 9));
    every_stage(booked, 4 * 24 * 60, 4 * 24 * 60 - 5);  // four days on, five minutes early
    booked.booked_visit = true;
    auto report = compute_stats(range, local(2027, 1, 1), {{quick, booked}, {}});
    EXPECT_EQ(report.overall.mean_minutes_to_arrive(), 30.0);
    EXPECT_EQ(report.overall.p90_minutes_to_finish(), 30.0);
    EXPECT_EQ(report.overall.on_time_rate(dialog::Stage::arrive), 1.0);
    EXPECT_EQ(report.overall.stages[2].on_time, 2u) << "both arrivals count in the rate";
}

TEST(StatsFigures, AllLateIsZeroNotNull) {
    auto range = *parse_month("2026-11");
    std::vector<store::StatsTicketRow> rows;
    for (std::uint64_t i = 1; i <= 3; ++i) {
        auto t = ticket(i, local(2026, 11, static_cast<unsigned>(i), 10));
        every_stage(t, 10, 11 * static_cast<int>(i));
        rows.push_back(t);
    }
    auto report = compute_stats(range, local(2027, 1, 1), {rows, {}});
    auto j = to_json(report);
    for (const char* s : {"dispatch", "accept", "arrive", "finish"}) {
        EXPECT_EQ(j["on_time_rate"][s], 0.0) << s;
        EXPECT_TRUE(j["on_time_rate"][s].is_number()) << s;
    }
    EXPECT_EQ(report.overall.stages[0], (StageTally{0, 3}));
    // 11, 22, 33 minutes: mean 22, p90 = the 3rd (ceil 2.7).
    EXPECT_EQ(j["mean_minutes_to_arrive"], 22.0);
    EXPECT_EQ(j["p90_minutes_to_arrive"], 33.0);
}

TEST(StatsFigures, TwoValuesP90IsTheLargerAndMeanKeepsFractions) {
    auto range = *parse_month("2026-11");
    auto a = ticket(1, local(2026, 11, 3, 9));
    a.arrive = {a.received_at + chr::hours{4}, a.received_at + chr::seconds{90}, std::nullopt};
    auto b = ticket(2, local(2026, 11, 4, 9));
    b.arrive = {b.received_at + chr::hours{4}, b.received_at + chr::minutes{4}, std::nullopt};
    auto report = compute_stats(range, local(2027, 1, 1), {{a, b}, {}});
    EXPECT_EQ(report.overall.mean_minutes_to_arrive(), (1.5 + 4.0) / 2);
    EXPECT_EQ(report.overall.p90_minutes_to_arrive(), 4.0);
    EXPECT_EQ(report.overall.mean_minutes_to_finish(), std::nullopt);
}

TEST(StatsFigures, CurrentMonthCountsOnlyWhatIsDecidedByNow) {
    auto range = *parse_month("2026-11");
    const Timestamp now = local(2026, 11, 15, 12);
    auto met = ticket(1, local(2026, 11, 14, 9));
    every_stage(met, 60, 30);
    auto pending = ticket(2, local(2026, 11, 15, 11));  // due 12:30, not met at 12:00
    pending.dispatch = {pending.received_at + chr::minutes{90}, std::nullopt, std::nullopt};
    auto overdue = ticket(3, local(2026, 11, 15, 8));  // due 09:00, unmet at 12:00
    overdue.dispatch = {overdue.received_at + chr::hours{1}, std::nullopt, std::nullopt};
    auto rated_later = ticket(4, local(2026, 11, 16, 8));  // received after now: not read
    rated_later.rating_score = 5;

    auto due_past = callback(1, local(2026, 11, 10), local(2026, 11, 11), 1);
    auto due_future = callback(2, local(2026, 11, 20), std::nullopt, 1);
    auto done_future = callback(3, local(2026, 11, 12), local(2026, 11, 16), 1);
    // Due on the 25th, the owner called back already on the 14th: done, it counts at once.
    auto done_early = callback(4, local(2026, 11, 25), local(2026, 11, 14), 1);
    // Due on the 25th, done on the 16th: after the cutoff, so it waits like due_future.
    auto done_early_later = callback(5, local(2026, 11, 25), local(2026, 11, 16), 1);

    auto report = compute_stats(range, now, {{met, pending, overdue, rated_later},
                                             {due_past, due_future, done_future, done_early,
                                              done_early_later}});
    EXPECT_EQ(report.as_of, now);
    EXPECT_EQ(report.overall.tickets, 3u);  // the one received after `now` is not counted
    EXPECT_EQ(report.overall.rated, 0u);
    EXPECT_EQ(report.overall.stages[0], (StageTally{1, 1}));  // met on time; overdue late
    EXPECT_EQ(report.overall.callbacks_due, 3u);  // due_past, done_future, done_early
    EXPECT_EQ(report.overall.callbacks_done, 2u);  // done on the 16th is not yet
    EXPECT_DOUBLE_EQ(*report.overall.callback_completion_rate(), 2.0 / 3.0);
}

TEST(StatsFigures, RowsOutsideTheRangeAreIgnored) {
    auto range = *parse_month("2026-11");
    auto before = ticket(1, local(2026, 10, 31, 23, 59, 59, 999));
    auto first = ticket(2, local(2026, 11, 1));
    auto after = ticket(3, local(2026, 12, 1));
    auto report = compute_stats(range, local(2027, 1, 1), {{before, first, after}, {}});
    EXPECT_EQ(report.overall.tickets, 1u);
}

TEST(StatsFigures, GroupsAreSortedAndUnassignedComesLast) {
    auto range = *parse_month("2026-11");
    auto a = ticket(1, local(2026, 11, 2));
    a.technician_name = "王师傅";
    a.technician_id = 9;
    auto b = ticket(2, local(2026, 11, 2));
    b.technician_name = "李师傅";
    b.technician_id = 12;
    b.building = "1";
    b.fault_type = "电路跳闸";
    b.reopen_count = 2;
    b.rating_score = 3;
    auto c = ticket(3, local(2026, 11, 2));
    c.technician_id.reset();
    c.technician_name.clear();
    c.building.clear();
    auto no_ticket = callback(1, local(2026, 11, 5), local(2026, 11, 5), std::nullopt);
    auto report = compute_stats(range, local(2027, 1, 1), {{a, b, c}, {no_ticket}});
    ASSERT_EQ(report.by_technician.size(), 3u);
    EXPECT_EQ(report.by_technician[0].key, "李师傅");
    EXPECT_EQ(report.by_technician[1].key, "王师傅");
    EXPECT_EQ(report.by_technician[2].technician_id, std::nullopt);
    ASSERT_EQ(report.by_building.size(), 3u);
    EXPECT_EQ(report.by_building[0].key, "");
    EXPECT_EQ(report.overall.callbacks_due, 1u);  // a callback about no ticket: overall only
    for (const auto& g : report.by_building) EXPECT_EQ(g.figures.callbacks_due, 0u);
    EXPECT_EQ(report.overall.reopen_rate(), 1.0 / 3.0);
    EXPECT_EQ(report.overall.satisfaction_rate(), 0.0);  // 3 stars is not satisfied

    auto j = to_json(report);
    EXPECT_TRUE(j["by_technician"][2]["technician_id"].is_null());
    EXPECT_EQ(j["by_technician"][0]["technician_id"], 12);
    EXPECT_EQ(j["by_technician"][0]["technician"], "李师傅");
    EXPECT_EQ(j["by_fault_type"][0]["fault_type"], "水管漏水");
    EXPECT_EQ(j["by_building"][1]["building"], "1");
    auto table = to_table(report);
    EXPECT_NE(table.find("(未派单)"), std::string::npos);
    EXPECT_NE(table.find("(无楼栋)"), std::string::npos);
    EXPECT_NE(table.find("33.3%"), std::string::npos) << table;
}

// A job whose first technician let the acceptance deadline pass was re-dispatched (the SLA
// engine's accept breach): the ticket's acceptance was late for the owner, and in the
// technicians' figures it is the first technician's late acceptance, while the one who has the
// job now is judged on their own deadline (re-armed when it was given to them).
TEST(StatsFigures, AMissedAcceptanceCountsAgainstWhoMissedItNotWhoTookTheJobOver) {
    auto range = *parse_month("2026-11");
    auto t = ticket(1, local(2026, 11, 2, 10));
    every_stage(t, 60, 30);
    t.accept.due = t.received_at + chr::minutes{45};  // re-armed for 张师傅 at the re-dispatch
    t.accept.met = t.received_at + chr::minutes{40};
    t.accept.late = true;                             // 王师傅's breach at +15
    t.missed_accepts = {{9, "王师傅"}};
    auto report = compute_stats(range, local(2027, 1, 1), {{t}, {}});
    const auto accept = static_cast<std::size_t>(1);  // figure_stages: dispatch, accept, ...
    EXPECT_EQ(report.overall.stages[accept].late, 1u) << "late for the owner";
    EXPECT_EQ(report.by_fault_type[0].figures.stages[accept].late, 1u);
    ASSERT_EQ(report.by_technician.size(), 2u);
    const auto& zhang = report.by_technician[0].technician_id == 1u ? report.by_technician[0]
                                                                    : report.by_technician[1];
    const auto& wang = report.by_technician[0].technician_id == 9u ? report.by_technician[0]
                                                                   : report.by_technician[1];
    EXPECT_EQ(zhang.figures.stages[accept].on_time, 1u) << "accepted within their own deadline";
    EXPECT_EQ(zhang.figures.stages[accept].late, 0u);
    EXPECT_EQ(zhang.figures.tickets, 1u);
    EXPECT_EQ(wang.key, "王师傅");
    EXPECT_EQ(wang.figures.stages[accept].late, 1u);
    EXPECT_EQ(wang.figures.stages[accept].on_time, 0u);
    EXPECT_EQ(wang.figures.tickets, 0u) << "the ticket is not theirs; the missed deadline is";

    // The one who has it now missed a deadline too (given back to them): theirs stays late.
    t.missed_accepts = {{9, "王师傅"}, {1, "张师傅"}};
    report = compute_stats(range, local(2027, 1, 1), {{t}, {}});
    for (const auto& g : report.by_technician)
        EXPECT_EQ(g.figures.stages[accept].late, 1u) << g.key;
}

// A job accepted on time and handed over (转单): the next technician's acceptance is watched,
// and one who let it pass and still has the job (nobody else free) answers for it in their
// group, although the ticket's recorded verdict is the first acceptance's (on time).
TEST(StatsFigures, AnAcceptanceMissedAfterAHandOverIsLateForWhoMissedItEvenIfTheyKeepTheJob) {
    auto range = *parse_month("2026-11");
    auto t = ticket(1, local(2026, 11, 2, 10));
    every_stage(t, 60, 30);
    t.accept.met = t.received_at + chr::minutes{2};  // 王师傅's acceptance, then his 转单
    t.accept.late = false;
    t.accept.due = t.received_at + chr::minutes{14};  // re-armed for 张师傅, who let it pass
    t.missed_accepts = {{1, "张师傅"}};
    auto report = compute_stats(range, local(2027, 1, 1), {{t}, {}});
    const auto accept = static_cast<std::size_t>(1);
    EXPECT_EQ(report.overall.stages[accept].on_time, 1u) << "the owner's job was accepted in time";
    ASSERT_EQ(report.by_technician.size(), 1u);
    EXPECT_EQ(report.by_technician[0].technician_id, 1u);
    EXPECT_EQ(report.by_technician[0].figures.stages[accept].late, 1u);
    EXPECT_EQ(report.by_technician[0].figures.stages[accept].on_time, 0u);
}

TEST(StatsFigures, CsvQuotesTextAndDefusesFormulas) {
    auto range = *parse_month("2026-11");
    auto a = ticket(1, local(2026, 11, 2));
    a.fault_type = "=HYPERLINK(\"x\")";
    a.building = "A,B";
    auto csv = to_csv(compute_stats(range, local(2027, 1, 1), {{a}, {}}));
    EXPECT_NE(csv.find("\r\nfault_type,\"'=HYPERLINK(\"\"x\"\")\",,1,"), std::string::npos) << csv;
    EXPECT_NE(csv.find("\r\nbuilding,\"A,B\",,1,"), std::string::npos) << csv;
    EXPECT_NE(csv.find("\r\ntechnician,张师傅,1,1,"), std::string::npos) << csv;
}

TEST(StatsFigures, TableAlignsChineseColumns) {
    auto range = *parse_month("2026-11");
    auto t = ticket(1, local(2026, 11, 3, 9));
    every_stage(t, 60, 30);
    auto table = to_table(compute_stats(range, local(2027, 1, 1), {{t}, {}}));
    EXPECT_NE(table.find("派单及时率"), std::string::npos);
    EXPECT_NE(table.find("100.0%"), std::string::npos);
    EXPECT_NE(table.find("30.0"), std::string::npos);
}

// ---- the HTTP door ----

TEST(StatsAuth, BearerTokenMatching) {
    EXPECT_TRUE(bearer_token_matches("Bearer s3cret", "s3cret"));
    EXPECT_TRUE(bearer_token_matches("bearer  s3cret ", "s3cret"));
    EXPECT_FALSE(bearer_token_matches("Bearer s3cre", "s3cret"));
    EXPECT_FALSE(bearer_token_matches("Bearer s3cretX", "s3cret"));
    EXPECT_FALSE(bearer_token_matches("Basic s3cret", "s3cret"));
    EXPECT_FALSE(bearer_token_matches("s3cret", "s3cret"));
    EXPECT_FALSE(bearer_token_matches("Bearer", "s3cret"));
    EXPECT_FALSE(bearer_token_matches("", "s3cret"));
    EXPECT_FALSE(bearer_token_matches("Bearer ", ""));
    EXPECT_FALSE(bearer_token_matches("", ""));
}

class StatsRoute : public ::testing::Test {
protected:
    Response get(const std::string& target, const std::string& authorization,
                 const std::string& token = "s3cret") {
        Router router;
        // Never connects: every request here is answered before the database.
        config::MysqlSettings settings;
        settings.host = "127.0.0.1";
        settings.port = 1;
        store::MysqlPool mysql(blocking_, settings);
        add_stats_routes(router, mysql, token, [] { return local(2027, 1, 1); });
        boost::asio::io_context ioc;
        Request req{http::verb::get, target, 11};
        if (!authorization.empty()) req.set(http::field::authorization, authorization);
        auto fut = boost::asio::co_spawn(ioc, router.handle(std::move(req)), boost::asio::use_future);
        ioc.run();
        return fut.get();
    }
    void TearDown() override { blocking_.join(); }
    boost::asio::thread_pool blocking_{1};
};

TEST_F(StatsRoute, MissingOrWrongTokenIs401WithJsonError) {
    for (const char* auth : {"", "Bearer nope", "Basic czNjcmV0", "Bearer s3cret2"}) {
        auto res = get("/api/stats?month=2026-11", auth);
        EXPECT_EQ(res.result(), http::status::unauthorized) << auth;
        EXPECT_EQ(res[http::field::www_authenticate], "Bearer");
        auto body = nlohmann::json::parse(res.body());
        EXPECT_TRUE(body["error"].is_string());
    }
}

TEST_F(StatsRoute, EmptyAdminTokenDisablesTheRoute) {
    auto res = get("/api/stats?month=2026-11", "Bearer ", "");
    EXPECT_EQ(res.result(), http::status::forbidden);
}

TEST_F(StatsRoute, BadOrMissingMonthIs400WithAClearMessage) {
    struct Case {
        const char* target;
        const char* message_part;
    };
    for (const auto& c : {Case{"/api/stats?month=2026-13", "YYYY-MM"},
                          Case{"/api/stats?month=2026-1", "YYYY-MM"},
                          Case{"/api/stats?month=", "YYYY-MM"},
                          Case{"/api/stats", "month=YYYY-MM"},
                          Case{"/api/stats?from=2026-11-01", "start and an end"},
                          Case{"/api/stats?month=2026-11&from=2026-11-01", "not both"},
                          Case{"/api/stats?from=2026-11-05&to=2026-11-01", "after the start"},
                          // Which month would be meant? Refused, as the other admin routes do.
                          Case{"/api/stats?month=2026-11&month=2026-10", "month: given more than once"}}) {
        auto res = get(c.target, "Bearer s3cret");
        EXPECT_EQ(res.result(), http::status::bad_request) << c.target;
        auto body = nlohmann::json::parse(res.body());
        EXPECT_NE(body["error"].get<std::string>().find(c.message_part), std::string::npos)
            << c.target << ": " << body;
    }
}

TEST_F(StatsRoute, OtherMethodsAre405) {
    Router router;
    config::MysqlSettings settings;
    store::MysqlPool mysql(blocking_, settings);
    add_stats_routes(router, mysql, "s3cret");
    boost::asio::io_context ioc;
    Request req{http::verb::post, "/api/stats?month=2026-11", 11};
    auto fut = boost::asio::co_spawn(ioc, router.handle(std::move(req)), boost::asio::use_future);
    ioc.run();
    EXPECT_EQ(fut.get().result(), http::status::method_not_allowed);
}

}  // namespace
}  // namespace repairbot::bot
