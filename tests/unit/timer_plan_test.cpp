// The SLA engine's plan: which timers a ticket's state calls for, when, and under which stable ids
// (bot/timer_plan.h). Pure: no Redis, no MySQL, no clock.
#include <gtest/gtest.h>

#include <algorithm>

#include "bot/ticket_lifecycle.h"
#include "bot/ticket_stages.h"
#include "bot/timer_plan.h"
#include "dialog_test_support.h"

namespace repairbot::bot {
namespace {

namespace chr = std::chrono;
using dialog::Stage;
using store::Timestamp;

// An instant given in the desk's local time (UTC+8).
Timestamp local(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
    auto day = chr::sys_days{chr::year{y} / chr::month{mo} / chr::day{d}};
    return chr::time_point_cast<chr::milliseconds>(day) + chr::hours{h} + chr::minutes{mi} +
           chr::seconds{s} - chr::hours{8};
}

const config::SlaData& shipped() {
    static const config::SlaData data = [] {
        auto loaded = config::load_sla_data(REPAIRBOT_SOURCE_DIR "/config");
        if (!loaded) throw std::runtime_error(loaded.error().detail);
        return std::move(*loaded);
    }();
    return data;
}

store::Ticket received_emergency() {
    store::Ticket t;
    t.id = 42;
    t.number = "BX20261121-0001";
    t.urgency = "emergency";
    t.status = store::ticket_status::new_;
    t.created_at = local(2026, 11, 21, 10, 0);
    t.due.dispatch = t.created_at + chr::minutes{3};
    t.due.arrive = t.created_at + chr::minutes{30};
    t.due.finish = t.created_at + chr::hours{8};
    return t;
}

std::optional<PlannedTimer> find(const std::vector<PlannedTimer>& plan, TimerKind kind,
                                 Stage stage = Stage::finish) {
    for (const auto& p : plan)
        if (p.ref.kind == kind && (p.ref.stage == stage || kind == TimerKind::remind ||
                                   kind == TimerKind::auto_close))
            return p;
    return std::nullopt;
}

TEST(TimerIds, RoundTripEveryKindAndStage) {
    for (auto stage : dialog::all_stages)
        for (auto kind : {TimerKind::warn, TimerKind::breach}) {
            TimerRef ref{kind, 1234567, stage};
            auto parsed = parse_timer_id(timer_id(ref));
            ASSERT_TRUE(parsed) << timer_id(ref);
            EXPECT_EQ(*parsed, ref);
        }
    EXPECT_EQ(timer_id({TimerKind::breach, 7, Stage::accept}), "sla:7:accept:breach");
    EXPECT_EQ(timer_id({TimerKind::remind, 7, Stage::finish}), "fu:7:remind");
    EXPECT_EQ(timer_id({TimerKind::auto_close, 7, Stage::finish}), "fu:7:autoclose");
    EXPECT_EQ(timer_id({TimerKind::callback, 9, Stage::dispatch}), "cb:9");
    EXPECT_EQ(parse_timer_id("fu:7:autoclose")->kind, TimerKind::auto_close);
    EXPECT_EQ(parse_timer_id("cb:9")->id, 9u);
    EXPECT_EQ(timer_id({TimerKind::complaint, 11, Stage::dispatch}), "cp:11");
    ASSERT_TRUE(parse_timer_id("cp:11"));
    EXPECT_EQ(parse_timer_id("cp:11")->kind, TimerKind::complaint);
    EXPECT_EQ(parse_timer_id("cp:11")->id, 11u);
}

TEST(TimerIds, ForeignOrMangledMembersAreNotTimers) {
    for (const char* bad :
         {"", "sla", "sla:x:accept:warn", "sla:1:lunch:warn", "sla:1:accept:nap", "sla:1:accept",
          "fu:1:later", "cb:", "cb:1:2", "cp:", "cp:1:2", "ticket:1:arrive", "sla:-1:accept:warn",
          "sla:99999999999999999999:accept:warn"})
        EXPECT_FALSE(parse_timer_id(bad)) << bad;
}

TEST(TimerPlan, NewEmergencyWarnsAtEightyPercentAndBreachesOneSecondAfterEachDeadline) {
    auto t = received_emergency();
    auto plan = plan_ticket_timers(t, shipped());
    auto warn = find(plan, TimerKind::warn, Stage::dispatch);
    auto breach = find(plan, TimerKind::breach, Stage::dispatch);
    ASSERT_TRUE(warn && breach);
    EXPECT_EQ(warn->due, t.created_at + chr::seconds{144});  // 80 % of 3 min
    EXPECT_EQ(breach->due, *t.due.dispatch + chr::seconds{1});
    EXPECT_EQ(find(plan, TimerKind::breach, Stage::arrive)->due,
              *t.due.arrive + chr::seconds{1});
    EXPECT_EQ(find(plan, TimerKind::warn, Stage::finish)->due,
              t.created_at + chr::minutes{384});  // 80 % of 8 h
    EXPECT_FALSE(find(plan, TimerKind::warn, Stage::accept)) << "no accept deadline yet";
    EXPECT_FALSE(find(plan, TimerKind::remind));
    EXPECT_EQ(plan.size(), 6u);
    EXPECT_TRUE(std::is_sorted(plan.begin(), plan.end(),
                               [](const auto& a, const auto& b) { return a.due < b.due; }));
}

TEST(TimerPlan, MetStagesHaveNoTimersAndTheAcceptClockStartsAtDispatch) {
    auto t = received_emergency();
    t.status = store::ticket_status::dispatched;
    t.technician_id = 3;
    t.at.dispatched = t.created_at + chr::minutes{1};
    t.late.dispatch = false;
    t.due.accept = *t.at.dispatched + chr::minutes{5};
    auto plan = plan_ticket_timers(t, shipped());
    EXPECT_FALSE(find(plan, TimerKind::warn, Stage::dispatch));
    EXPECT_FALSE(find(plan, TimerKind::breach, Stage::dispatch));
    EXPECT_EQ(find(plan, TimerKind::warn, Stage::accept)->due, *t.at.dispatched + chr::minutes{4});
    EXPECT_EQ(find(plan, TimerKind::breach, Stage::accept)->due,
              *t.due.accept + chr::seconds{1});

    t.status = store::ticket_status::arrived;
    t.at.accepted = *t.at.dispatched + chr::minutes{2};
    t.at.arrived = t.created_at + chr::minutes{20};
    plan = plan_ticket_timers(t, shipped());
    ASSERT_EQ(plan.size(), 2u);
    EXPECT_EQ(plan[0].id, "sla:42:finish:warn");
    EXPECT_EQ(plan[1].id, "sla:42:finish:breach");
}

TEST(TimerPlan, AMovedFinishDeadlineIsWarnedWithThePolicysLeadBeforeIt) {
    auto t = received_emergency();
    t.status = store::ticket_status::arrived;
    t.at.dispatched = t.at.accepted = t.at.arrived = t.created_at + chr::minutes{5};
    t.late.finish = true;  // breached once; the owner was promised a new time
    t.due.finish = t.created_at + chr::hours{16};
    auto plan = plan_ticket_timers(t, shipped());
    ASSERT_EQ(plan.size(), 2u);
    EXPECT_EQ(find(plan, TimerKind::warn)->due, *t.due.finish - chr::minutes{96});  // 20 % of 8 h
    EXPECT_EQ(find(plan, TimerKind::breach)->due, *t.due.finish + chr::seconds{1});
}

TEST(TimerPlan, AWorkingDayWarningNeverFallsOnADayOff) {
    store::Ticket t;
    t.id = 5;
    t.urgency = "normal";
    t.status = store::ticket_status::accepted;
    t.created_at = local(2026, 11, 20, 16, 0);  // a Friday afternoon
    t.at.dispatched = t.at.accepted = t.created_at + chr::minutes{5};
    const auto& sla = shipped();
    auto d = dialog::deadline_for(sla.policy, sla.calendar, ticket_facts(t), Stage::arrive,
                                  chr::floor<chr::seconds>(t.created_at));
    ASSERT_TRUE(d);
    t.due.arrive = chr::time_point_cast<chr::milliseconds>(d->due);
    auto warn = find(plan_ticket_timers(t, sla), TimerKind::warn, Stage::arrive);
    ASSERT_TRUE(warn);
    EXPECT_EQ(warn->due, chr::time_point_cast<chr::milliseconds>(d->warn_at));
    EXPECT_EQ(warn->due, local(2026, 11, 23, 11, 12));  // Monday: 80 % of 24 working hours
    EXPECT_TRUE(sla.calendar.is_working_day(
        sla.calendar.local_date(chr::floor<chr::seconds>(warn->due))));
}

// A ticket booked for a long window ("明天下午", 14:00-18:00) is filed with its arrival due at
// the window's end less the lead, and its finish counted from that end; the plan must recognise
// those deadlines as the policy's and warn at the policy's points, not treat them as moved.
TEST(TimerPlan, ALongBookedWindowsDeadlinesAreThePolicysOwn) {
    store::Ticket t;
    t.id = 7;
    t.urgency = "normal";
    t.status = store::ticket_status::accepted;
    t.created_at = local(2026, 12, 4, 9, 0);
    t.at.dispatched = t.at.accepted = t.created_at + chr::minutes{5};
    t.preferred_from = local(2026, 12, 5, 14, 0);
    t.preferred_to = local(2026, 12, 5, 18, 0);
    const auto& sla = shipped();
    dialog::TicketFacts filed;  // as intake files it
    filed.urgency = dialog::Urgency::normal;
    filed.booked_visit = chr::floor<chr::seconds>(*t.preferred_to);
    EXPECT_EQ(ticket_facts(t).booked_visit, filed.booked_visit);

    const auto received = chr::floor<chr::seconds>(t.created_at);  // both stages count from it
    ASSERT_EQ(sla.policy.start_of(Stage::arrive), dialog::Milestone::received);
    ASSERT_EQ(sla.policy.start_of(Stage::finish), dialog::Milestone::received);
    auto arrive = dialog::deadline_for(sla.policy, sla.calendar, filed, Stage::arrive, received);
    auto finish = dialog::deadline_for(sla.policy, sla.calendar, filed, Stage::finish, received);
    ASSERT_TRUE(arrive && finish);
    EXPECT_EQ(arrive->due, chr::floor<chr::seconds>(local(2026, 12, 5, 17, 55)));
    t.due.arrive = chr::time_point_cast<chr::milliseconds>(arrive->due);
    t.due.finish = chr::time_point_cast<chr::milliseconds>(finish->due);
    auto plan = plan_ticket_timers(t, sla);
    auto warn_arrive = find(plan, TimerKind::warn, Stage::arrive);
    auto warn_finish = find(plan, TimerKind::warn, Stage::finish);
    ASSERT_TRUE(warn_arrive && warn_finish);
    EXPECT_EQ(warn_arrive->due, chr::time_point_cast<chr::milliseconds>(arrive->warn_at));
    EXPECT_EQ(warn_finish->due, chr::time_point_cast<chr::milliseconds>(finish->warn_at));
}

// Each stage's clock starts at the milestone the policy names (sla.toml [stage_starts]): as
// shipped the arrival and finish count from the report; a desk that counts the arrival from the
// dispatch and the finish from the arrival gets those deadlines when the job reaches them.
TEST(StageClocks, EachStageIsDueFromTheMilestoneThePolicyStartsItAt) {
    const auto& shipped_sla = shipped();
    store::Ticket t;
    t.id = 8;
    t.urgency = "emergency";
    t.status = store::ticket_status::new_;
    t.created_at = local(2026, 12, 6, 2, 0);  // a burst pipe at 2 a.m.
    start_stage_clocks(t, shipped_sla);
    EXPECT_EQ(t.due.dispatch, local(2026, 12, 6, 2, 3));
    EXPECT_EQ(t.due.arrive, local(2026, 12, 6, 2, 30));
    EXPECT_EQ(t.due.finish, local(2026, 12, 6, 10, 0));
    EXPECT_FALSE(t.due.accept) << "the acceptance window opens at each dispatch";
    EXPECT_FALSE(t.due.quote) << "not a paid job off the price list";

    config::SlaData desk = shipped_sla;
    desk.policy.stage_starts[static_cast<std::size_t>(Stage::arrive)] =
        dialog::Milestone::dispatched;
    desk.policy.stage_starts[static_cast<std::size_t>(Stage::finish)] = dialog::Milestone::arrived;
    ASSERT_TRUE(dialog::check_sla_policy(desk.policy).empty());
    store::Ticket u;
    u.id = 9;
    u.urgency = "emergency";
    u.status = store::ticket_status::new_;
    u.created_at = local(2026, 12, 6, 2, 0);
    u.quote_status = store::quote_status::required;  // off the price list: quoted from dispatch
    start_stage_clocks(u, desk);
    EXPECT_EQ(u.due.dispatch, local(2026, 12, 6, 2, 3));
    EXPECT_FALSE(u.due.arrive) << "not dispatched yet";
    EXPECT_FALSE(u.due.finish);
    EXPECT_FALSE(u.due.quote);

    u.status = store::ticket_status::dispatched;
    u.at.dispatched = local(2026, 12, 6, 2, 10);  // from the queue, 10 minutes in
    start_stage_clocks(u, desk);
    EXPECT_EQ(u.due.arrive, local(2026, 12, 6, 2, 40));
    EXPECT_EQ(u.due.quote, local(2026, 12, 6, 2, 25));
    EXPECT_FALSE(u.due.finish);

    u.status = store::ticket_status::arrived;
    u.at.accepted = local(2026, 12, 6, 2, 12);
    u.at.arrived = local(2026, 12, 6, 2, 35, 30) + chr::milliseconds{250};
    u.due.arrive = local(2026, 12, 6, 3, 0);  // a deadline already set stays as it is
    start_stage_clocks(u, desk);
    EXPECT_EQ(u.due.arrive, local(2026, 12, 6, 3, 0));
    EXPECT_EQ(u.due.finish, local(2026, 12, 6, 10, 35, 30))
        << "8 h from the arrival, whole seconds";

    // The plan warns at the policy's point of a deadline counted from its own milestone.
    auto warn = find(plan_ticket_timers(u, desk), TimerKind::warn, Stage::finish);
    ASSERT_TRUE(warn);
    EXPECT_EQ(warn->due, local(2026, 12, 6, 8, 59, 30)) << "80 % of the 8 hours";

    // A reopened job's deadlines are the revisit's, each from the revisit's own milestone: the
    // reopen stands for the dispatch, the finish waits for the revisit's arrival.
    store::Ticket r = u;
    r.status = store::ticket_status::dispatched;
    r.due.finish.reset();
    r.revisit.reopened = local(2026, 12, 7, 9, 0);
    start_stage_clocks(r, desk);
    EXPECT_EQ(r.revisit.accept_due, local(2026, 12, 7, 9, 5));
    EXPECT_EQ(r.revisit.arrive_due, local(2026, 12, 7, 9, 30));
    EXPECT_FALSE(r.due.finish) << "not there again yet";
    EXPECT_EQ(r.due.arrive, local(2026, 12, 6, 3, 0)) << "the first visit's stays";
    r.revisit.accepted = local(2026, 12, 7, 9, 2);
    r.revisit.arrived = local(2026, 12, 7, 9, 20);
    start_stage_clocks(r, desk);
    EXPECT_EQ(r.due.finish, local(2026, 12, 7, 17, 20));
    EXPECT_EQ(revisit_deadline(r, Stage::finish, desk), r.due.finish);
    EXPECT_FALSE(revisit_deadline(u, Stage::finish, desk)) << "not reopened";
}

TEST(TimerPlan, ADoneRepairWaitsForTheOwnerWithAReminderAndAnAutoClose) {
    auto t = received_emergency();
    t.status = store::ticket_status::done;
    t.at.dispatched = t.at.accepted = t.at.arrived = t.created_at + chr::minutes{5};
    t.at.done = t.created_at + chr::hours{2};
    auto plan = plan_ticket_timers(t, shipped());
    ASSERT_EQ(plan.size(), 2u);
    EXPECT_EQ(plan[0].id, "fu:42:remind");
    EXPECT_EQ(plan[0].due, *t.at.done + chr::hours{24});
    EXPECT_EQ(plan[1].id, "fu:42:autoclose");
    EXPECT_EQ(plan[1].due, *t.at.done + chr::days{7});

    t.status = store::ticket_status::confirmed;
    t.at.confirmed = *t.at.done + chr::hours{30};
    plan = plan_ticket_timers(t, shipped());
    ASSERT_EQ(plan.size(), 2u);
    EXPECT_EQ(plan[0].due, *t.at.confirmed + chr::hours{24});
    EXPECT_EQ(plan[1].due, *t.at.confirmed + chr::days{7});
}

TEST(TimerPlan, AQuoteWaitingForTheOwnerIsRemindedOnceFromTheLastTimeAsked) {
    auto t = received_emergency();
    t.status = store::ticket_status::accepted;
    t.at.dispatched = t.at.accepted = t.created_at + chr::minutes{2};
    t.due.quote = t.created_at + chr::minutes{17};
    t.quote_status = store::quote_status::pending;
    t.quote_cents = 12000;
    t.at.quoted = t.quote_asked_at = t.created_at + chr::minutes{10};
    auto plan = plan_ticket_timers(t, shipped());
    auto remind = find(plan, TimerKind::remind);
    ASSERT_TRUE(remind);
    EXPECT_EQ(remind->id, "fu:42:remind");
    EXPECT_EQ(remind->due, *t.at.quoted + chr::hours{2});
    EXPECT_FALSE(find(plan, TimerKind::auto_close)) << "an open job is never closed for silence";
    EXPECT_TRUE(find(plan, TimerKind::breach, Stage::arrive)) << "the stages still run meanwhile";

    t.quote_asked_at = t.created_at + chr::hours{5};  // the quote replaced on site
    remind = find(plan_ticket_timers(t, shipped()), TimerKind::remind);
    ASSERT_TRUE(remind);
    EXPECT_EQ(remind->due, *t.quote_asked_at + chr::hours{2});

    t.status = store::ticket_status::new_;
    EXPECT_FALSE(find(plan_ticket_timers(t, shipped()), TimerKind::remind))
        << "back in the queue: nobody's quote to answer";
    t.status = store::ticket_status::arrived;
    t.quote_status = store::quote_status::agreed;
    EXPECT_FALSE(find(plan_ticket_timers(t, shipped()), TimerKind::remind)) << "answered";
}

// A reopened emergency (返修) already accepted, arrived and finished once, reopened at `reopened`
// with the revisit's deadlines (bot/ticket_lifecycle.h reopen_job).
store::Ticket reopened_emergency(Timestamp reopened) {
    auto t = received_emergency();
    t.status = store::ticket_status::dispatched;
    t.technician_id = 3;
    t.at.dispatched = t.created_at + chr::minutes{1};
    t.at.accepted = t.created_at + chr::minutes{2};
    t.at.arrived = t.created_at + chr::minutes{20};
    t.late.dispatch = t.late.accept = t.late.arrive = t.late.finish = false;
    t.reopen_count = 1;
    t.revisit.reopened = reopened;
    t.due.accept = t.created_at + chr::minutes{6};
    t.revisit.accept_due = reopened + chr::minutes{5};
    t.revisit.arrive_due = reopened + chr::minutes{30};
    t.due.finish = reopened + chr::hours{8};
    return t;
}

TEST(TimerPlan, AReopenedJobIsWatchedAgainFromTheReopenUntilRevisited) {
    const auto reopened = received_emergency().created_at + chr::days{2};
    auto t = reopened_emergency(reopened);
    auto plan = plan_ticket_timers(t, shipped());
    EXPECT_EQ(find(plan, TimerKind::warn, Stage::accept)->due, reopened + chr::minutes{4});
    EXPECT_EQ(find(plan, TimerKind::breach, Stage::accept)->due,
              *t.revisit.accept_due + chr::seconds{1});
    EXPECT_EQ(find(plan, TimerKind::warn, Stage::arrive)->due, reopened + chr::minutes{24});
    EXPECT_EQ(find(plan, TimerKind::breach, Stage::arrive)->due,
              *t.revisit.arrive_due + chr::seconds{1});
    EXPECT_EQ(find(plan, TimerKind::warn, Stage::finish)->due, reopened + chr::minutes{384});
    EXPECT_FALSE(find(plan, TimerKind::warn, Stage::dispatch));
    EXPECT_EQ(plan.size(), 6u);

    t.status = store::ticket_status::accepted;
    t.revisit.accepted = reopened + chr::minutes{3};
    plan = plan_ticket_timers(t, shipped());
    EXPECT_FALSE(find(plan, TimerKind::breach, Stage::accept)) << "the revisit was accepted";
    EXPECT_TRUE(find(plan, TimerKind::breach, Stage::arrive));

    t.status = store::ticket_status::arrived;
    t.revisit.arrived = reopened + chr::minutes{25};
    plan = plan_ticket_timers(t, shipped());
    ASSERT_EQ(plan.size(), 2u);
    EXPECT_EQ(plan[1].id, "sla:42:finish:breach");
}

// Dispatcher::assign's part, by hand: the job given to `technician` with a fresh acceptance window.
void dispatch_again(store::Ticket& t, std::uint64_t technician, Timestamp at) {
    t.status = store::ticket_status::dispatched;
    t.technician_id = technician;
    stage_due(t, Stage::accept) = at + chr::minutes{5};
}

TEST(TimerPlan, AJobHandedOverAfterItsAcceptanceWaitsForTheNextTechniciansAcceptance) {
    auto t = received_emergency();
    t.status = store::ticket_status::accepted;
    t.technician_id = 3;
    t.at.dispatched = t.created_at + chr::minutes{1};
    t.at.accepted = t.created_at + chr::minutes{2};
    t.late.dispatch = t.late.accept = false;
    t.due.accept = *t.at.dispatched + chr::minutes{5};
    const auto handed = t.created_at + chr::minutes{4};
    auto back = hand_over_job(t, 3, handed);
    ASSERT_TRUE(back);
    // In the queue nobody has it to accept (the dispatchers were told); the arrival is watched.
    auto plan = plan_ticket_timers(*back, shipped());
    EXPECT_FALSE(find(plan, TimerKind::breach, Stage::accept));
    EXPECT_TRUE(find(plan, TimerKind::breach, Stage::arrive));

    dispatch_again(*back, 4, handed);
    plan = plan_ticket_timers(*back, shipped());
    ASSERT_TRUE(find(plan, TimerKind::breach, Stage::accept))
        << "the first technician's acceptance is not the new one's";
    EXPECT_EQ(find(plan, TimerKind::breach, Stage::accept)->due,
              handed + chr::minutes{5} + chr::seconds{1});
    EXPECT_TRUE(find(plan, TimerKind::warn, Stage::accept));

    auto accepted = accept_job(*back, 4, handed + chr::minutes{2});
    ASSERT_TRUE(accepted);
    EXPECT_EQ(accepted->at.accepted, t.at.accepted) << "the figures keep the first acceptance";
    plan = plan_ticket_timers(*accepted, shipped());
    EXPECT_FALSE(find(plan, TimerKind::breach, Stage::accept));
    EXPECT_TRUE(find(plan, TimerKind::breach, Stage::arrive));
}

TEST(TimerPlan, AJobHandedOverBeforeItsAcceptanceHasNoAcceptanceToWatchWhileNobodyHasIt) {
    auto t = received_emergency();
    t.status = store::ticket_status::dispatched;
    t.technician_id = 3;
    t.at.dispatched = t.created_at + chr::minutes{1};
    t.late.dispatch = false;
    t.due.accept = *t.at.dispatched + chr::minutes{5};
    auto back = hand_over_job(t, 3, t.created_at + chr::minutes{2});
    ASSERT_TRUE(back);
    // The first technician's window would run out in the queue and mark the acceptance late,
    // a verdict the next technician's figures would inherit: nobody has the job to accept it.
    auto plan = plan_ticket_timers(*back, shipped());
    EXPECT_FALSE(find(plan, TimerKind::warn, Stage::accept));
    EXPECT_FALSE(find(plan, TimerKind::breach, Stage::accept));
    EXPECT_TRUE(find(plan, TimerKind::breach, Stage::arrive)) << "the owner still waits for someone";
}

TEST(TimerPlan, ARevisitHandedOverAfterItsAcceptanceWaitsForTheNextTechniciansAcceptance) {
    const auto reopened = received_emergency().created_at + chr::days{2};
    auto t = reopened_emergency(reopened);
    t.status = store::ticket_status::accepted;
    t.revisit.accepted = reopened + chr::minutes{2};
    t.revisit.accept_late = false;
    auto back = hand_over_job(t, 3, reopened + chr::minutes{3});
    ASSERT_TRUE(back);
    dispatch_again(*back, 4, reopened + chr::minutes{3});
    auto plan = plan_ticket_timers(*back, shipped());
    ASSERT_TRUE(find(plan, TimerKind::breach, Stage::accept));
    EXPECT_EQ(find(plan, TimerKind::breach, Stage::accept)->due,
              *back->revisit.accept_due + chr::seconds{1});
}

TEST(TimerPlan, ARevisitsRecordedBreachIsNotScheduledAgainWhateverTheFirstVisitsVerdict) {
    const auto reopened = received_emergency().created_at + chr::days{2};
    auto t = reopened_emergency(reopened);
    t.late.accept = t.late.arrive = t.late.finish = true;  // the first visit was late throughout
    // The server was down when the revisit's deadlines passed: their breaches are still to act on.
    const auto after = reopened + chr::hours{9};
    auto plan = timers_to_schedule(t, shipped(), after);
    EXPECT_TRUE(find(plan, TimerKind::breach, Stage::accept));
    EXPECT_TRUE(find(plan, TimerKind::breach, Stage::arrive));
    EXPECT_TRUE(find(plan, TimerKind::breach, Stage::finish));
    // Acted on (the revisit's verdicts recorded): not again at every rebuild.
    t.revisit.accept_late = t.revisit.arrive_late = true;
    plan = timers_to_schedule(t, shipped(), after);
    EXPECT_FALSE(find(plan, TimerKind::breach, Stage::accept));
    EXPECT_FALSE(find(plan, TimerKind::breach, Stage::arrive));
    EXPECT_TRUE(find(plan, TimerKind::breach, Stage::finish));
}

TEST(TimerPlan, RatedClosedAndCancelledTicketsNeedNoTimers) {
    auto t = received_emergency();
    t.at.done = t.at.confirmed = t.created_at + chr::hours{2};
    for (const char* status : {store::ticket_status::rated, store::ticket_status::closed,
                               store::ticket_status::cancelled}) {
        t.status = status;
        EXPECT_TRUE(plan_ticket_timers(t, shipped()).empty()) << status;
    }
}

TEST(TimerPlan, EveryPlannedIdIsOneTrackCancelsWhenItIsNoLongerPlanned) {
    auto ids = ticket_timer_ids(42);
    EXPECT_EQ(ids.size(), 12u);
    auto t = received_emergency();
    t.due.quote = t.created_at + chr::minutes{20};
    t.due.accept = t.created_at + chr::minutes{8};
    for (const auto& p : plan_ticket_timers(t, shipped())) {
        EXPECT_NE(std::find(ids.begin(), ids.end(), p.id), ids.end()) << p.id;
        EXPECT_EQ(parse_timer_id(p.id), p.ref);
    }
    t.status = store::ticket_status::done;
    t.at.done = t.created_at;
    for (const auto& p : plan_ticket_timers(t, shipped()))
        EXPECT_NE(std::find(ids.begin(), ids.end(), p.id), ids.end()) << p.id;
}

TEST(TimerPlan, ARecordedBreachIsNotScheduledAgainButARearmedDeadlineIs) {
    auto t = received_emergency();
    t.late.dispatch = true;  // the engine recorded the dispatch breach; still not dispatched
    const auto later = t.created_at + chr::minutes{10};
    auto ids = [](const std::vector<PlannedTimer>& plan) {
        std::vector<std::string> out;
        for (const auto& p : plan) out.push_back(p.id);
        return out;
    };
    auto scheduled = ids(timers_to_schedule(t, shipped(), later));
    EXPECT_EQ(std::count(scheduled.begin(), scheduled.end(), "sla:42:dispatch:breach"), 0);
    EXPECT_EQ(std::count(scheduled.begin(), scheduled.end(), "sla:42:dispatch:warn"), 0);
    EXPECT_EQ(scheduled.size(), 4u) << "arrive and finish stay";
    EXPECT_EQ(plan_ticket_timers(t, shipped()).size(), 6u) << "the firing still sees the full plan";
    // Before its breach time the stage is scheduled whatever the flag says.
    EXPECT_EQ(timers_to_schedule(t, shipped(), t.created_at).size(), 6u);

    t.late.finish = true;  // breached once, re-promised for later
    t.due.finish = later + chr::hours{8};
    scheduled = ids(timers_to_schedule(t, shipped(), later));
    EXPECT_EQ(std::count(scheduled.begin(), scheduled.end(), "sla:42:finish:breach"), 1);
}

TEST(TimerPlan, ACallbackIsDueUntilDone) {
    store::Callback cb;
    cb.id = 8;
    cb.due_at = local(2026, 11, 24, 10, 0) + chr::milliseconds{250};
    auto p = plan_callback_timer(cb);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->id, "cb:8");
    EXPECT_EQ(p->due, local(2026, 11, 24, 10, 0));
    cb.done_at = cb.due_at;
    EXPECT_FALSE(plan_callback_timer(cb));
}

// An unhandled complaint is reminded of 24 h after it was filed (follow_ups.complaint_reminder),
// then 24 h after each reminder, whatever the weekday; a handled or closed one is not.
TEST(TimerPlan, AnUnhandledComplaintIsRemindedADayAfterItsFilingThenADayAfterEachReminder) {
    store::Complaint complaint;
    complaint.id = 11;
    complaint.created_at = local(2026, 12, 4, 22, 30) + chr::milliseconds{400};  // a Friday night
    auto first = plan_complaint_timer(complaint, shipped());
    ASSERT_TRUE(first);
    EXPECT_EQ(first->id, "cp:11");
    EXPECT_EQ(first->due, local(2026, 12, 5, 22, 30)) << "a Saturday: complaints do not wait";
    complaint.reminded_at = local(2026, 12, 5, 22, 31, 5);
    complaint.reminders = 1;
    auto second = plan_complaint_timer(complaint, shipped());
    ASSERT_TRUE(second);
    EXPECT_EQ(second->due, local(2026, 12, 6, 22, 31, 5)) << "counted from the last reminder";
    EXPECT_NE(action_marker(*first), action_marker(*second));
    complaint.status = "handled";
    EXPECT_FALSE(plan_complaint_timer(complaint, shipped()));
    complaint.status = "closed";
    EXPECT_FALSE(plan_complaint_timer(complaint, shipped()));
}

TEST(TimerPlan, TheActionMarkerTellsARearmedDeadlineFromARepeatedOne) {
    PlannedTimer a{{TimerKind::breach, 1, Stage::accept}, "sla:1:accept:breach",
                   Timestamp{chr::milliseconds{1'800'000'000'000}}};
    PlannedTimer b = a;
    b.due += chr::minutes{5};
    EXPECT_EQ(action_marker(a), "sla:1:accept:breach@1800000000000");
    EXPECT_NE(action_marker(a), action_marker(b));
}

// What the job push and the acceptance reply say about when to be there: the owner's booked
// time with the arrival deadline it set (its start, or a long window's end, less 5 minutes, as
// intake files it), the deadline alone otherwise — no booking, one booked too soon to set the
// deadline, a revisit (which does not honour the booking again) — and nothing without one.
TEST(TimerPlan, AVisitIsTheOwnersBookedTimeWithTheDeadlineItSetElseTheDeadline) {
    const auto& texts = dialog::testing::shipped_data().texts;
    const auto before = local(2026, 12, 5, 9, 0);  // the push's time: every deadline ahead
    store::Ticket t;
    EXPECT_EQ(visit_text(t, texts, shipped(), before), "") << "no arrival deadline";
    t.due.arrive = local(2026, 12, 7, 10, 0);
    EXPECT_EQ(visit_text(t, texts, shipped(), before), "请于12月7日 10:00前到场");

    t.preferred_from = local(2026, 12, 6, 14, 0);  // "明天下午": any time in it keeps the booking
    t.preferred_to = local(2026, 12, 6, 18, 0);
    t.due.arrive = local(2026, 12, 6, 17, 55);
    EXPECT_EQ(visit_text(t, texts, shipped(), before),
              "业主预约 12月6日 14:00-18:00 上门，请于12月6日 17:55前到场");
    t.preferred_to = local(2026, 12, 6, 15, 0);  // "明天下午2点": be there by 2
    t.due.arrive = local(2026, 12, 6, 13, 55);
    EXPECT_EQ(visit_text(t, texts, shipped(), before),
              "业主预约 12月6日 14:00-15:00 上门，请于12月6日 13:55前到场");
    t.preferred_from = local(2026, 12, 6, 23, 0);  // "23点": the window ends at midnight
    t.preferred_to = local(2026, 12, 7, 0, 0);
    t.due.arrive = local(2026, 12, 6, 22, 55);
    EXPECT_EQ(visit_text(t, texts, shipped(), before),
              "业主预约 12月6日 23:00-24:00 上门，请于12月6日 22:55前到场");
    t.preferred_from = local(2026, 12, 6, 20, 0);  // over the night
    t.preferred_to = local(2026, 12, 7, 9, 0);
    t.due.arrive = local(2026, 12, 7, 8, 55);
    EXPECT_EQ(visit_text(t, texts, shipped(), before),
              "业主预约 12月6日 20:00 至 12月7日 09:00 上门，请于12月7日 08:55前到场");

    // Booked at 15:02 for "3点" (15:02-16:00): too soon to set the deadline, the urgency's did.
    t.preferred_from = local(2026, 12, 5, 15, 2);
    t.preferred_to = local(2026, 12, 5, 16, 0);
    t.due.arrive = local(2026, 12, 7, 15, 2);
    EXPECT_EQ(visit_text(t, texts, shipped(), before), "请于12月7日 15:02前到场")
        << "no window the deadline contradicts";

    t.preferred_from = local(2026, 12, 6, 14, 0);
    t.preferred_to = local(2026, 12, 6, 15, 0);
    t.due.arrive = local(2026, 12, 6, 13, 55);
    t.revisit.reopened = local(2026, 12, 8, 9, 0);  // 返修: the revisit's own deadline
    t.revisit.arrive_due = local(2026, 12, 9, 9, 0);
    EXPECT_EQ(visit_text(t, texts, shipped(), before), "请于12月9日 09:00前到场");
}

// A job handed to someone after its arrival deadline passed (转单 after the acceptance, a
// re-dispatch after a missed acceptance window): the push and the chat do not ask for a time
// already gone — they say it has passed, booked or not.
TEST(TimerPlan, AVisitWhoseDeadlineHasPassedSaysSoInsteadOfAskingForIt) {
    const auto& texts = dialog::testing::shipped_data().texts;
    store::Ticket t;
    t.due.arrive = local(2026, 12, 7, 10, 0);
    EXPECT_EQ(visit_text(t, texts, shipped(), local(2026, 12, 7, 10, 0)), "请于12月7日 10:00前到场")
        << "at the deadline itself there is still time";
    EXPECT_EQ(visit_text(t, texts, shipped(), local(2026, 12, 7, 10, 30)),
              "到场时限12月7日 10:00已过，请尽快到场");
    t.preferred_from = local(2026, 12, 7, 14, 0);
    t.preferred_to = local(2026, 12, 7, 15, 0);
    t.due.arrive = local(2026, 12, 7, 13, 55);
    EXPECT_EQ(visit_text(t, texts, shipped(), local(2026, 12, 7, 14, 20)),
              "业主预约 12月7日 14:00-15:00 上门，到场时限12月7日 13:55已过，请尽快到场");
    EXPECT_EQ(visit_text(t, texts, shipped(), local(2026, 12, 7, 15, 0)),
              "业主预约的 12月7日 14:00-15:00 已过，请先联系业主另约上门时间")
        << "the whole window is over: a new time, not a hurry";
    t.at.arrived = local(2026, 12, 7, 13, 50);  // there in time; 接单 again later is not told off
    EXPECT_EQ(visit_text(t, texts, shipped(), local(2026, 12, 7, 16, 0)),
              "业主预约 12月7日 14:00-15:00 上门，请于12月7日 13:55前到场");

    store::Ticket revisit;  // 返修: the revisit's own deadline, the booking not honoured again
    revisit.due.arrive = local(2026, 12, 7, 10, 0);
    revisit.revisit.reopened = local(2026, 12, 8, 9, 0);
    revisit.revisit.arrive_due = local(2026, 12, 9, 9, 0);
    EXPECT_EQ(visit_text(revisit, texts, shipped(), local(2026, 12, 9, 9, 30)),
              "到场时限12月9日 09:00已过，请尽快到场");
}

TEST(TimerPlan, LocalTimesAreTheDesksClock) {
    EXPECT_EQ(local_time_text(local(2026, 1, 1, 0, 5), chr::minutes{480}), "1月1日 00:05");
    EXPECT_EQ(local_time_text(local(2026, 11, 21, 14, 30, 59), chr::minutes{480}), "11月21日 14:30");
}

}  // namespace
}  // namespace repairbot::bot
