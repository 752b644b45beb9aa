// The SLA policy: limits per urgency and stage, the public-area, booked-time and off-price-list
// rules, the warning share, on-time/late judging at the exact boundary, and follow-up timers.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "config/sla_data.h"
#include "dialog/sla_policy.h"

namespace repairbot::dialog {
namespace {

using std::chrono::sys_seconds;

// The instant of local time (UTC+08:00) y-m-d hh:mm[:ss].
sys_seconds cst(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
    return sys_seconds{std::chrono::sys_days{std::chrono::year{y} / m / d}} +
           std::chrono::hours{hh} + std::chrono::minutes{mm} + std::chrono::seconds{ss} -
           std::chrono::hours{8};
}

// "2026-02-14 Sat 16:00:00" in UTC+08:00, so a failing table row reads like the notice.
std::string show(sys_seconds t) {
    const auto local = t + std::chrono::hours{8};
    const auto day = std::chrono::floor<std::chrono::days>(local);
    const Date d{day};
    const std::chrono::hh_mm_ss tod{local - day};
    static constexpr const char* names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %s %02d:%02d:%02d", static_cast<int>(d.year()),
                  static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()),
                  names[std::chrono::weekday{day}.c_encoding()],
                  static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                  static_cast<int>(tod.seconds().count()));
    return buf;
}

std::string shipped_data_dir() {
    return std::string(REPAIRBOT_SOURCE_DIR) + "/config";
}

// The policy and calendar from config/ (loaded once; a failure fails every test that uses it).
const config::SlaData& shipped() {
    static const config::SlaData data = [] {
        auto r = config::load_sla_data(shipped_data_dir());
        if (!r) {
            ADD_FAILURE() << r.error().message();
            return config::SlaData{};
        }
        return std::move(r).value();
    }();
    return data;
}

const WorkingCalendar& cal() {
    return shipped().calendar;
}

using DB = DeadlineBasis;

struct DeadlineCase {
    const char* what;
    TicketFacts facts;
    Stage stage;
    sys_seconds start;
    sys_seconds due;
    sys_seconds warn_at;
    DeadlineBasis basis;
};

TicketFacts facts(Urgency u, bool public_area = false, bool paid_off_list = false,
                  std::optional<sys_seconds> booked = std::nullopt) {
    return TicketFacts{u, public_area, paid_off_list, booked};
}

constexpr auto E = Urgency::emergency;
constexpr auto N = Urgency::normal;
constexpr auto P = Urgency::planned;

TEST(SlaPolicy, DeadlinesPerUrgencyAndStage) {
    const DeadlineCase cases[] = {
        // Emergencies run on the wall clock, through a Spring Festival night.
        {"emergency dispatch", facts(E), Stage::dispatch, cst(2026, 2, 21, 3, 10),
         cst(2026, 2, 21, 3, 13), cst(2026, 2, 21, 3, 12, 24), DB::class_limit},
        {"emergency accept", facts(E), Stage::accept, cst(2026, 2, 21, 3, 12),
         cst(2026, 2, 21, 3, 17), cst(2026, 2, 21, 3, 16), DB::class_limit},
        {"emergency arrive, private", facts(E), Stage::arrive, cst(2026, 2, 21, 3, 10),
         cst(2026, 2, 21, 3, 40), cst(2026, 2, 21, 3, 34), DB::class_limit},
        {"emergency arrive, public area", facts(E, true), Stage::arrive, cst(2026, 2, 21, 3, 10),
         cst(2026, 2, 21, 3, 25), cst(2026, 2, 21, 3, 22), DB::public_area},
        {"emergency finish across the night", facts(E), Stage::finish, cst(2026, 3, 7, 22),
         cst(2026, 3, 8, 6), cst(2026, 3, 8, 4, 24), DB::class_limit},
        {"emergency ignores a booking", facts(E, false, false, cst(2026, 2, 22, 10)), Stage::arrive,
         cst(2026, 2, 21, 3, 10), cst(2026, 2, 21, 3, 40), cst(2026, 2, 21, 3, 34),
         DB::class_limit},
        // Normal: minutes to dispatch and accept, working days to arrive and finish.
        {"normal dispatch", facts(N), Stage::dispatch, cst(2026, 3, 2, 10), cst(2026, 3, 2, 10, 10),
         cst(2026, 3, 2, 10, 8), DB::class_limit},
        {"normal accept", facts(N), Stage::accept, cst(2026, 3, 2, 10, 5), cst(2026, 3, 2, 10, 35),
         cst(2026, 3, 2, 10, 29), DB::class_limit},
        {"normal arrive over a weekend, warned on Monday", facts(N), Stage::arrive,
         cst(2026, 3, 6, 16, 20), cst(2026, 3, 9, 16, 20), cst(2026, 3, 9, 11, 32),
         DB::class_limit},
        {"normal arrive has no public-area override", facts(N, true), Stage::arrive,
         cst(2026, 3, 6, 16, 20), cst(2026, 3, 9, 16, 20), cst(2026, 3, 9, 11, 32),
         DB::class_limit},
        {"normal finish across 春节 with both make-up Saturdays", facts(N), Stage::finish,
         cst(2026, 2, 13, 16), cst(2026, 2, 25, 16), cst(2026, 2, 25, 1, 36), DB::class_limit},
        {"normal finish from a report during 春节", facts(N), Stage::finish, cst(2026, 2, 18, 20),
         cst(2026, 2, 27, 9), cst(2026, 2, 26, 18, 36), DB::class_limit},
        {"normal finish over New Year 2026", facts(N), Stage::finish, cst(2025, 12, 31, 11),
         cst(2026, 1, 6, 11), cst(2026, 1, 5, 20, 36), DB::class_limit},
        // Booked visits.
        {"booked arrival: 5 minutes early", facts(N, false, false, cst(2026, 3, 4, 14)),
         Stage::arrive, cst(2026, 3, 2, 10), cst(2026, 3, 4, 13, 55), cst(2026, 3, 4, 3, 32),
         DB::booked_visit},
        {"booked too soon for the lead: the class limit",
         facts(N, false, false, cst(2026, 3, 2, 10, 3)), Stage::arrive, cst(2026, 3, 2, 10),
         cst(2026, 3, 3, 10), cst(2026, 3, 3, 5, 12), DB::class_limit},
        {"booked in the past: the class limit", facts(N, false, false, cst(2026, 3, 2, 9)),
         Stage::arrive, cst(2026, 3, 2, 10), cst(2026, 3, 3, 10), cst(2026, 3, 3, 5, 12),
         DB::class_limit},
        {"a later booking opens the finish window", facts(N, false, false, cst(2026, 3, 4, 14)),
         Stage::finish, cst(2026, 3, 2, 10), cst(2026, 3, 9, 14), cst(2026, 3, 6, 23, 36),
         DB::class_limit},
        // Planned.
        {"planned dispatch the same day", facts(P), Stage::dispatch, cst(2026, 3, 2, 10),
         cst(2026, 3, 2, 23, 59, 59), cst(2026, 3, 2, 21, 11, 59), DB::class_limit},
        {"planned dispatch late at night", facts(P), Stage::dispatch, cst(2026, 3, 2, 23, 50),
         cst(2026, 3, 2, 23, 59, 59), cst(2026, 3, 2, 23, 57, 59), DB::class_limit},
        {"planned arrive 72 h through 劳动节", facts(P), Stage::arrive, cst(2026, 5, 1, 10),
         cst(2026, 5, 4, 10), cst(2026, 5, 3, 19, 36), DB::class_limit},
        {"planned arrive at the booked time", facts(P, false, false, cst(2026, 5, 6, 9)),
         Stage::arrive, cst(2026, 5, 1, 9), cst(2026, 5, 6, 8, 55), cst(2026, 5, 5, 8, 56),
         DB::booked_visit},
        {"planned finish by the booked day", facts(P, false, false, cst(2026, 3, 10, 9)),
         Stage::finish, cst(2026, 3, 2, 10), cst(2026, 3, 10, 23, 59, 59),
         cst(2026, 3, 10, 20, 59, 59), DB::booked_visit},
        {"planned finish without a booked day", facts(P), Stage::finish, cst(2026, 3, 2, 10),
         cst(2026, 3, 9, 10), cst(2026, 3, 6, 10), DB::planned_date_fallback},
        {"planned finish with a booked day already over",
         facts(P, false, false, cst(2026, 3, 1, 10)), Stage::finish, cst(2026, 3, 2, 10),
         cst(2026, 3, 9, 10), cst(2026, 3, 6, 10), DB::planned_date_fallback},
        // The off-price-list quote.
        {"quote within 15 minutes of dispatch", facts(N, false, true), Stage::quote,
         cst(2026, 3, 2, 10), cst(2026, 3, 2, 10, 15), cst(2026, 3, 2, 10, 12), DB::off_list_quote},
        {"quote for an emergency too", facts(E, false, true), Stage::quote, cst(2026, 2, 17, 1),
         cst(2026, 2, 17, 1, 15), cst(2026, 2, 17, 1, 12), DB::off_list_quote},
    };
    const SlaPolicy policy;
    for (const auto& c : cases) {
        const auto d = deadline_for(policy, cal(), c.facts, c.stage, c.start);
        ASSERT_TRUE(d.has_value()) << c.what;
        EXPECT_EQ(show(d->due), show(c.due)) << c.what;
        EXPECT_EQ(show(d->warn_at), show(c.warn_at)) << c.what;
        EXPECT_EQ(to_string(d->basis), to_string(c.basis)) << c.what;
        EXPECT_TRUE(d->calendar_complete) << c.what;
        EXPECT_LE(d->start, d->warn_at) << c.what;
        EXPECT_LE(d->warn_at, d->due) << c.what;
    }
}

TEST(SlaPolicy, DeadlineKeepsTheLimitAndWindowItUsed) {
    const SlaPolicy policy;
    const auto booked = deadline_for(policy, cal(), facts(N, false, false, cst(2026, 3, 4, 14)),
                                     Stage::arrive, cst(2026, 3, 2, 10));
    ASSERT_TRUE(booked);
    EXPECT_FALSE(booked->limit.has_value());
    EXPECT_EQ(booked->start, cst(2026, 3, 2, 10));

    const auto finish = deadline_for(policy, cal(), facts(N, false, false, cst(2026, 3, 4, 14)),
                                     Stage::finish, cst(2026, 3, 2, 10));
    ASSERT_TRUE(finish);
    EXPECT_EQ(finish->start, cst(2026, 3, 4, 14));
    EXPECT_EQ(finish->limit, SlaLimit::working_days(3));

    const auto pub = deadline_for(policy, cal(), facts(E, true), Stage::arrive, cst(2026, 3, 2));
    ASSERT_TRUE(pub);
    EXPECT_EQ(pub->limit, SlaLimit::minutes(15));
}

TEST(SlaPolicy, QuoteOnlyForPaidRepairsOffThePriceList) {
    const SlaPolicy policy;
    EXPECT_FALSE(deadline_for(policy, cal(), facts(N), Stage::quote, cst(2026, 3, 2, 10)));
    EXPECT_FALSE(deadline_for(policy, cal(), facts(E, true), Stage::quote, cst(2026, 3, 2, 10)));
    EXPECT_TRUE(deadline_for(policy, cal(), facts(P, false, true), Stage::quote, cst(2026, 3, 2)));
}

TEST(SlaPolicy, WorkingDaysIntoAYearWithoutDataAreFlagged) {
    const SlaPolicy policy;
    const auto d = deadline_for(policy, cal(), facts(N), Stage::arrive, cst(2026, 12, 31, 10));
    ASSERT_TRUE(d);
    EXPECT_EQ(show(d->due), show(cst(2027, 1, 1, 10)));  // New Year's Day 2027 is unknown
    EXPECT_FALSE(d->calendar_complete);
    // Wall-clock limits do not depend on the calendar.
    const auto e = deadline_for(policy, cal(), facts(E), Stage::finish, cst(2026, 12, 31, 20));
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->calendar_complete);
}

TEST(SlaPolicy, WarningShareIsConfigurable) {
    const struct {
        int percent;
        sys_seconds warn_at;
    } cases[] = {
        {80, cst(2026, 3, 2, 10, 8)},
        {50, cst(2026, 3, 2, 10, 5)},
        {1, cst(2026, 3, 2, 10, 0, 6)},
        {99, cst(2026, 3, 2, 10, 9, 54)},
    };
    for (const auto& c : cases) {
        SlaPolicy policy;
        policy.warning_percent = c.percent;
        const auto d = deadline_for(policy, cal(), facts(N), Stage::dispatch, cst(2026, 3, 2, 10));
        ASSERT_TRUE(d);
        EXPECT_EQ(show(d->warn_at), show(c.warn_at)) << c.percent << " %";
    }
    // Half of one working day from Friday 16:20 is 12 h of working time: Monday 04:20.
    SlaPolicy half;
    half.warning_percent = 50;
    const auto d = deadline_for(half, cal(), facts(N), Stage::arrive, cst(2026, 3, 6, 16, 20));
    ASSERT_TRUE(d);
    EXPECT_EQ(show(d->warn_at), show(cst(2026, 3, 9, 4, 20)));
}

TEST(SlaPolicy, BookedLeadIsConfigurable) {
    SlaPolicy policy;
    policy.booked_arrival_lead = std::chrono::minutes{0};
    const auto d = deadline_for(policy, cal(), facts(N, false, false, cst(2026, 3, 4, 14)),
                                Stage::arrive, cst(2026, 3, 2, 10));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->due, cst(2026, 3, 4, 14));
    policy.normal.honour_booked_time = false;
    const auto unbooked = deadline_for(policy, cal(), facts(N, false, false, cst(2026, 3, 4, 14)),
                                       Stage::arrive, cst(2026, 3, 2, 10));
    ASSERT_TRUE(unbooked);
    EXPECT_EQ(unbooked->due, cst(2026, 3, 3, 10));
}

// One rule for the time a booking asks for: a point or a window up to an hour is to be kept at
// its start ("明天下午2点", 14:00-15:00); inside a longer one any time keeps it ("明天下午").
TEST(SlaPolicy, ABookingIsKeptByItsStartOrALongWindowsEnd) {
    EXPECT_EQ(booked_visit_time(cst(2026, 3, 4, 14), cst(2026, 3, 4, 15)), cst(2026, 3, 4, 14));
    EXPECT_EQ(booked_visit_time(cst(2026, 3, 4, 14), cst(2026, 3, 4, 14)), cst(2026, 3, 4, 14));
    EXPECT_EQ(booked_visit_time(cst(2026, 3, 4, 14), std::nullopt), cst(2026, 3, 4, 14));
    EXPECT_EQ(booked_visit_time(cst(2026, 3, 4, 14), cst(2026, 3, 4, 18)), cst(2026, 3, 4, 18));
    EXPECT_EQ(booked_visit_time(cst(2026, 3, 4, 14), cst(2026, 3, 4, 15, 1)),
              cst(2026, 3, 4, 15, 1));
}

TEST(SlaPolicy, JudgingAtTheExactBoundary) {
    const SlaPolicy policy;
    const auto d = *deadline_for(policy, cal(), facts(N), Stage::dispatch, cst(2026, 3, 2, 10));
    EXPECT_EQ(judge(d, cst(2026, 3, 2, 10, 10)), Verdict::on_time);
    EXPECT_EQ(judge(d, cst(2026, 3, 2, 10, 10, 1)), Verdict::late);
    EXPECT_EQ(judge(d, cst(2026, 3, 2, 9, 59)), Verdict::on_time);  // met before the clock started
    EXPECT_EQ(breach_at(d), cst(2026, 3, 2, 10, 10, 1));

    EXPECT_EQ(pending_state(d, cst(2026, 3, 2, 10, 7, 59)), PendingState::running);
    EXPECT_EQ(pending_state(d, cst(2026, 3, 2, 10, 8)), PendingState::warning);
    EXPECT_EQ(pending_state(d, cst(2026, 3, 2, 10, 10)), PendingState::warning);
    EXPECT_EQ(pending_state(d, cst(2026, 3, 2, 10, 10, 1)), PendingState::breached);
    EXPECT_EQ(to_string(Verdict::on_time), "on_time");
    EXPECT_EQ(to_string(PendingState::breached), "breached");
}

TEST(SlaPolicy, OverviewKeepsVerdictsAndShowsPendingStages) {
    const SlaPolicy policy;
    Milestones m;
    m.received = cst(2026, 3, 2, 10);
    m.dispatched = cst(2026, 3, 2, 10, 12);  // late: due 10:10
    m.accepted = cst(2026, 3, 2, 10, 20);    // on time: due 10:42
    const auto ticket = facts(N, false, true);

    auto at_1040 = sla_overview(policy, cal(), ticket, m, cst(2026, 3, 2, 10, 40));
    ASSERT_EQ(at_1040.size(), 5u);
    EXPECT_EQ(at_1040[0].label(), "late");
    EXPECT_EQ(at_1040[1].label(), "on_time");
    EXPECT_EQ(at_1040[2].stage, Stage::quote);
    EXPECT_EQ(at_1040[2].label(), "pending");
    EXPECT_EQ(at_1040[2].pending, PendingState::breached);  // due 10:27
    EXPECT_EQ(at_1040[3].pending, PendingState::running);   // due Tuesday 10:00
    EXPECT_EQ(show(at_1040[3].deadline->due), show(cst(2026, 3, 3, 10)));
    EXPECT_EQ(at_1040[4].pending, PendingState::running);

    // A month later nothing met changes its verdict; the unmet stages are breached.
    m.arrived = cst(2026, 3, 3, 9);
    auto later = sla_overview(policy, cal(), ticket, m, cst(2026, 4, 2, 10));
    EXPECT_EQ(later[0].label(), "late");
    EXPECT_EQ(later[1].label(), "on_time");
    EXPECT_EQ(later[3].label(), "on_time");
    EXPECT_EQ(later[4].pending, PendingState::breached);

    // Without a dispatch the accept and quote clocks have not started; no quote stage unless
    // the repair is off the price list.
    Milestones fresh;
    fresh.received = cst(2026, 3, 2, 10);
    auto f = sla_overview(policy, cal(), facts(N), fresh, cst(2026, 3, 2, 10, 1));
    ASSERT_EQ(f.size(), 4u);
    EXPECT_EQ(f[1].stage, Stage::accept);
    EXPECT_FALSE(f[1].deadline.has_value());
    EXPECT_EQ(f[1].label(), "pending");
    EXPECT_EQ(f[3].stage, Stage::finish);
}

TEST(SlaPolicy, FollowUpTimers) {
    const SlaPolicy policy;
    const struct {
        FollowUp timer;
        sys_seconds start;
        sys_seconds due;
    } cases[] = {
        {FollowUp::rating_reminder, cst(2026, 3, 2, 10), cst(2026, 3, 3, 10)},
        {FollowUp::auto_close, cst(2026, 3, 2, 10), cst(2026, 3, 9, 10)},
        {FollowUp::complaint_callback, cst(2026, 2, 14, 10), cst(2026, 2, 17, 10)},
        {FollowUp::repair_callback, cst(2026, 3, 15, 10), cst(2026, 4, 15, 10)},
        {FollowUp::repair_callback, cst(2026, 1, 31, 10), cst(2026, 2, 28, 10)},
        {FollowUp::repair_callback, cst(2026, 12, 20, 23, 30), cst(2027, 1, 20, 23, 30)},
        {FollowUp::escalation, cst(2026, 3, 2, 23, 55), cst(2026, 3, 3, 0, 5)},
    };
    for (const auto& c : cases)
        EXPECT_EQ(show(follow_up_due(policy, cal(), c.timer, c.start)), show(c.due))
            << to_string(c.timer) << " from " << show(c.start);
}

TEST(SlaPolicy, LimitsParseFromTheWordsOfTheConfigFile) {
    const struct {
        const char* text;
        std::optional<SlaLimit> limit;
        const char* canonical;
    } cases[] = {
        {"3 min", SlaLimit::minutes(3), "3 min"},
        {"3min", SlaLimit::minutes(3), "3 min"},
        {" 90 min ", SlaLimit::minutes(90), "90 min"},
        {"8 h", SlaLimit::hours(8), "8 h"},
        {"24 h", SlaLimit::hours(24), "1 d"},
        {"7 d", SlaLimit::days(7), "7 d"},
        {"1 working day", SlaLimit::working_days(1), "1 working day"},
        {"3 working days", SlaLimit::working_days(3), "3 working days"},
        {"1 month", SlaLimit::calendar_months(1), "1 month"},
        {"2 months", SlaLimit::calendar_months(2), "2 months"},
        {"same day", SlaLimit::same_day(), "same day"},
        {"planned date", SlaLimit::planned_date(), "planned date"},
        {"0 min", std::nullopt, ""},
        {"-3 min", std::nullopt, ""},
        {"3", std::nullopt, ""},
        {"3 mins", std::nullopt, ""},
        {"3 workdays", std::nullopt, ""},
        {"1.5 h", std::nullopt, ""},
        {"100001 min", std::nullopt, ""},
        {"", std::nullopt, ""},
        {"soon", std::nullopt, ""},
    };
    for (const auto& c : cases) {
        const auto parsed = parse_sla_limit(c.text);
        EXPECT_EQ(parsed, c.limit) << "'" << c.text << "'";
        if (parsed) {
            EXPECT_EQ(to_string(*parsed), c.canonical);
            EXPECT_EQ(parse_sla_limit(to_string(*parsed)), parsed) << "round trip " << c.text;
        }
    }
}

TEST(SlaPolicy, CheckPolicyNamesTheField) {
    EXPECT_TRUE(check_sla_policy(SlaPolicy{}).empty());
    const struct {
        const char* what;
        void (*breaks)(SlaPolicy&);
        const char* mentions;
    } cases[] = {
        {"zero minutes", [](SlaPolicy& p) { p.normal.accept = SlaLimit::minutes(0); },
         "normal.accept must be a positive amount"},
        {"negative working days",
         [](SlaPolicy& p) { p.emergency.public_area_arrive = SlaLimit::working_days(-1); },
         "emergency.public_area_arrive"},
        {"warning 0", [](SlaPolicy& p) { p.warning_percent = 0; }, "warning_percent"},
        {"warning 100", [](SlaPolicy& p) { p.warning_percent = 100; }, "warning_percent"},
        {"negative lead", [](SlaPolicy& p) { p.booked_arrival_lead = std::chrono::minutes{-5}; },
         "booked_arrival_lead"},
        {"planned date fallback",
         [](SlaPolicy& p) { p.planned_date_fallback = SlaLimit::planned_date(); },
         "planned_date_fallback"},
        {"same-day follow-up",
         [](SlaPolicy& p) {
             p.follow_ups[static_cast<std::size_t>(FollowUp::escalation)] = SlaLimit::same_day();
         },
         "follow_ups.escalation"},
        // A stage's clock starts where the desk can start it: not at its own end or after it,
        // not at "quoted" (only paid off-list jobs are quoted), the acceptance at each dispatch.
        {"arrival from its own end",
         [](SlaPolicy& p) {
             p.stage_starts[static_cast<std::size_t>(Stage::arrive)] = Milestone::arrived;
         },
         "stage_starts.arrive must be received, dispatched or accepted (it is 'arrived')"},
        {"finish from quoted",
         [](SlaPolicy& p) {
             p.stage_starts[static_cast<std::size_t>(Stage::finish)] = Milestone::quoted;
         },
         "stage_starts.finish must be received, dispatched, accepted or arrived"},
        {"acceptance from the report",
         [](SlaPolicy& p) {
             p.stage_starts[static_cast<std::size_t>(Stage::accept)] = Milestone::received;
         },
         "stage_starts.accept must be dispatched"},
        {"dispatch from dispatch",
         [](SlaPolicy& p) {
             p.stage_starts[static_cast<std::size_t>(Stage::dispatch)] = Milestone::dispatched;
         },
         "stage_starts.dispatch must be received"},
        {"quote from the finish",
         [](SlaPolicy& p) {
             p.stage_starts[static_cast<std::size_t>(Stage::quote)] = Milestone::finished;
         },
         "stage_starts.quote must be dispatched or accepted"},
    };
    for (const auto& c : cases) {
        SlaPolicy p;
        c.breaks(p);
        const auto problems = check_sla_policy(p);
        ASSERT_EQ(problems.size(), 1u) << c.what;
        EXPECT_NE(problems[0].find(c.mentions), std::string::npos) << c.what << ": " << problems[0];
    }
}

TEST(SlaPolicy, NamesRoundTrip) {
    for (auto s : all_stages) EXPECT_EQ(stage_from_string(to_string(s)), s);
    EXPECT_FALSE(stage_from_string("arrival"));
    for (auto m : {Milestone::received, Milestone::dispatched, Milestone::accepted,
                   Milestone::quoted, Milestone::arrived, Milestone::finished})
        EXPECT_EQ(milestone_from_string(to_string(m)), m);
    EXPECT_FALSE(milestone_from_string("booked"));
    EXPECT_EQ(meeting_milestone(Stage::arrive), Milestone::arrived);
    const SlaPolicy policy;
    EXPECT_EQ(policy.start_of(Stage::accept), Milestone::dispatched);
    EXPECT_EQ(policy.start_of(Stage::arrive), Milestone::received);
    EXPECT_EQ(&policy.for_urgency(Urgency::planned), &policy.planned);
}

}  // namespace
}  // namespace repairbot::dialog
