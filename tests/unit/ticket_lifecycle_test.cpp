// The moves of a ticket (bot/ticket_lifecycle.h): who may make them, from which status, what
// they record, and that verdicts once set are never rewritten.
#include "bot/ticket_lifecycle.h"

#include <gtest/gtest.h>

#include "bot/timer_plan.h"
#include "config/sla_data.h"

namespace repairbot::bot {
namespace {

using namespace std::chrono_literals;
namespace ts = store::ticket_status;

store::Timestamp at(int minutes) {
    // 2026-11-23 (a Monday) 02:00 UTC = 10:00 in the desk's time.
    return store::Timestamp{std::chrono::sys_days{std::chrono::year{2026} / 11 / 23}} + 2h +
           std::chrono::minutes{minutes};
}

store::Ticket dispatched_ticket() {
    store::Ticket t;
    t.id = 7;
    t.number = "BX20261123-0007";
    t.status = ts::dispatched;
    t.technician_id = 3;
    t.urgency = "normal";
    t.created_at = at(0);
    t.at.dispatched = at(1);
    t.due.accept = at(31);
    t.due.arrive = at(24 * 60);
    t.due.finish = at(3 * 24 * 60);
    return t;
}

TEST(TicketLifecycle, AcceptRecordsTimeAndOnTimeVerdict) {
    auto t = accept_job(dispatched_ticket(), 3, at(10));
    ASSERT_TRUE(t) << t.error().message();
    EXPECT_EQ(t->status, ts::accepted);
    EXPECT_EQ(t->at.accepted, at(10));
    EXPECT_EQ(t->late.accept, false);
}

TEST(TicketLifecycle, AcceptAfterTheDeadlineIsLate) {
    auto t = accept_job(dispatched_ticket(), 3, at(45));
    ASSERT_TRUE(t);
    EXPECT_EQ(t->late.accept, true);
}

TEST(TicketLifecycle, AnotherTechniciansCommandIsRefused) {
    auto t = accept_job(dispatched_ticket(), 4, at(10));
    ASSERT_FALSE(t);
    EXPECT_EQ(t.code(), make_error_code(LifecycleErrc::not_yours));
}

TEST(TicketLifecycle, AcceptTwiceIsRefusedAsWrongStatus) {
    auto once = accept_job(dispatched_ticket(), 3, at(10));
    ASSERT_TRUE(once);
    auto twice = accept_job(*once, 3, at(11));
    EXPECT_EQ(twice.code(), make_error_code(LifecycleErrc::wrong_status));
}

TEST(TicketLifecycle, FinishWithoutArriveRecordsArrivalToo) {
    auto t = accept_job(dispatched_ticket(), 3, at(10));
    auto done = finish_job(*t, 3, 5000, "换了水龙头", at(90));
    ASSERT_TRUE(done) << done.error().message();
    EXPECT_EQ(done->status, ts::done);
    EXPECT_EQ(done->at.arrived, at(90));
    EXPECT_EQ(done->at.done, at(90));
    EXPECT_EQ(done->fee_cents, 5000u);
    EXPECT_EQ(done->done_note, "换了水龙头");
    EXPECT_EQ(done->late.finish, false);
}

TEST(TicketLifecycle, FinishBeforeAcceptIsRefused) {
    auto done = finish_job(dispatched_ticket(), 3, std::nullopt, "", at(5));
    EXPECT_EQ(done.code(), make_error_code(LifecycleErrc::wrong_status));
}

TEST(TicketLifecycle, OffListRepairWorkWaitsForTheOwnersAgreement) {
    auto t = dispatched_ticket();
    t.paid = true;
    t.quote_status = store::quote_status::required;
    auto accepted = accept_job(t, 3, at(5));
    ASSERT_TRUE(accepted);
    EXPECT_EQ(finish_job(*accepted, 3, std::nullopt, "", at(20)).code(),
              make_error_code(LifecycleErrc::quote_required));
    auto quoted = quote_job(*accepted, 3, 12000, at(12));
    ASSERT_TRUE(quoted);
    EXPECT_EQ(quoted->quote_status, store::quote_status::pending);
    EXPECT_EQ(quoted->at.quoted, at(12));
    EXPECT_EQ(finish_job(*quoted, 3, std::nullopt, "", at(30)).code(),
              make_error_code(LifecycleErrc::quote_pending));
    auto agreed = agree_quote(*quoted, 12000, at(15));
    ASSERT_TRUE(agreed);
    auto done = finish_job(*agreed, 3, std::nullopt, "", at(60));
    ASSERT_TRUE(done);
    EXPECT_EQ(done->fee_cents, 12000u) << "an agreed quote is the fee when none is given";
}

TEST(TicketLifecycle, ArrivalBeforeTheQuoteIsRecordedAndTheQuoteMadeOnSite) {
    auto t = dispatched_ticket();
    t.paid = true;
    t.quote_status = store::quote_status::required;
    t.due.arrive = at(30);
    auto accepted = accept_job(t, 3, at(5));
    auto arrived = arrive_job(*accepted, 3, at(20));
    ASSERT_TRUE(arrived) << "arriving is not working: the arrival deadline is met, not waived";
    EXPECT_EQ(arrived->status, ts::arrived);
    EXPECT_EQ(arrived->at.arrived, at(20));
    EXPECT_EQ(arrived->late.arrive, false);
    EXPECT_EQ(finish_job(*arrived, 3, std::nullopt, "", at(25)).code(),
              make_error_code(LifecycleErrc::quote_required));
    auto quoted = quote_job(*arrived, 3, 8000, at(24));
    ASSERT_TRUE(quoted) << quoted.error().message();
    EXPECT_EQ(quoted->status, ts::arrived);
    EXPECT_EQ(quoted->quote_status, store::quote_status::pending);
    auto agreed = agree_quote(*quoted, 8000, at(26));
    ASSERT_TRUE(agreed);
    EXPECT_TRUE(finish_job(*agreed, 3, 8000, "", at(50)));
}

TEST(TicketLifecycle, AnAgreedQuoteRaisedOnSiteWaitsForTheOwnerAgain) {
    auto t = dispatched_ticket();
    t.quote_status = store::quote_status::required;
    auto agreed = agree_quote(*quote_job(t, 3, 12000, at(12)), 12000, at(15));
    ASSERT_TRUE(agreed);
    auto raised = quote_job(*agreed, 3, 30000, at(40));
    ASSERT_TRUE(raised) << raised.error().message();
    EXPECT_EQ(raised->quote_status, store::quote_status::pending);
    EXPECT_EQ(raised->quote_cents, 30000u);
    EXPECT_EQ(raised->at.quoted, at(12)) << "the quote stage was met by the first quote";
    EXPECT_EQ(finish_job(*raised, 3, std::nullopt, "", at(50)).code(),
              make_error_code(LifecycleErrc::quote_pending));
    EXPECT_EQ(agree_quote(*raised, 12000, at(45)).code(),
              make_error_code(LifecycleErrc::quote_changed))
        << "an agreement to the old amount is not one to the new";
    auto again = agree_quote(*raised, 30000, at(45));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->quote_status, store::quote_status::agreed);
}

// DOMAIN.md: a supervisor reviews paid-repair quotes. With one to review it, the technician's
// quote waits for the supervisor, whose approval (at the amount given, or one of their own) is
// the quote the stage's deadline counts and the one the owner is asked about.
TEST(TicketLifecycle, AQuoteForReviewReachesTheOwnerOnlyWhenASupervisorApprovesIt) {
    auto t = accept_job(dispatched_ticket(), 3, at(5));
    t->quote_status = store::quote_status::required;
    t->due.quote = at(16);
    auto quoted = quote_job(*t, 3, 12000, at(10), /*review=*/true);
    ASSERT_TRUE(quoted);
    EXPECT_EQ(quoted->quote_status, store::quote_status::review);
    EXPECT_EQ(quoted->quote_cents, 12000u);
    EXPECT_FALSE(quoted->at.quoted) << "not the supervisor's quote yet";
    EXPECT_FALSE(quoted->quote_asked_at) << "the owner is not asked yet";
    EXPECT_EQ(finish_job(*quoted, 3, std::nullopt, "", at(12)).code(),
              make_error_code(LifecycleErrc::quote_in_review));
    EXPECT_EQ(agree_quote(*quoted, 12000, at(12)).code(), make_error_code(LifecycleErrc::wrong_status))
        << "the owner has nothing to agree to yet";

    auto approved = approve_quote(*quoted, 10000, 12000, at(14));
    ASSERT_TRUE(approved) << approved.error().message();
    EXPECT_EQ(approved->quote_status, store::quote_status::pending);
    EXPECT_EQ(approved->quote_cents, 10000u) << "the supervisor's own amount";
    EXPECT_EQ(approved->at.quoted, at(14));
    EXPECT_EQ(approved->late.quote, false);
    EXPECT_EQ(approved->quote_asked_at, at(14));
    EXPECT_EQ(approve_quote(*approved, std::nullopt, std::nullopt, at(15)).code(),
              make_error_code(LifecycleErrc::wrong_status))
        << "approved once";

    auto as_quoted = approve_quote(*quoted, std::nullopt, std::nullopt, at(20));
    ASSERT_TRUE(as_quoted);
    EXPECT_EQ(as_quoted->quote_cents, 12000u);
    EXPECT_EQ(as_quoted->late.quote, true) << "due at(16)";
}

TEST(TicketLifecycle, ARejectedQuoteGoesBackToTheTechnician) {
    auto t = accept_job(dispatched_ticket(), 3, at(5));
    t->quote_status = store::quote_status::required;
    auto quoted = quote_job(*t, 3, 50000, at(10), /*review=*/true);
    auto rejected = reject_quote(*quoted, std::nullopt, at(12));
    ASSERT_TRUE(rejected);
    EXPECT_EQ(rejected->quote_status, store::quote_status::required);
    EXPECT_FALSE(rejected->quote_cents);
    EXPECT_EQ(rejected->status, ts::accepted);
    auto again = quote_job(*rejected, 3, 30000, at(13), /*review=*/true);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->quote_status, store::quote_status::review);
    EXPECT_EQ(reject_quote(*again, std::nullopt, at(14))->quote_status, store::quote_status::required);
    EXPECT_EQ(reject_quote(*rejected, std::nullopt, at(14)).code(), make_error_code(LifecycleErrc::wrong_status));
    // A raise of a quote the owner agreed to, rejected: the agreed price stands.
    auto raised = quote_job(*again, 3, 45000, at(14), /*review=*/true);
    auto kept = reject_quote(*raised, 30000, at(15));
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->quote_status, store::quote_status::agreed);
    EXPECT_EQ(kept->quote_cents, 30000u);
    // An approval of an amount since replaced is not one.
    EXPECT_EQ(approve_quote(*raised, std::nullopt, 30000, at(15)).code(),
              make_error_code(LifecycleErrc::quote_changed));
    // A hand-over takes a quote under review along, as one the owner has not answered.
    auto handed = hand_over_job(*again, 3, at(15));
    ASSERT_TRUE(handed);
    EXPECT_EQ(handed->quote_status, store::quote_status::required);
}

// The price in force when a raise was made, replayed from the audit log as the job desk writes
// it: an agreement sets it, quotes (a raise and its corrections) leave it, a rejection sets what
// it restored.
TEST(TicketLifecycle, TheAgreedPriceBeforeARaiseIsReplayedFromTheAuditLog) {
    // Each log as "type details" pairs, then the price in force at its last quote.
    struct Case {
        const char* behaviour;
        std::vector<std::pair<const char*, const char*>> log;
        std::optional<std::uint32_t> agreed;
    };
    const char* q100 = R"({"quote_cents":10000})";
    const Case cases[] = {
        {"a first quote has none", {{"quoted", q100}}, std::nullopt},
        {"a raise corrected while in review",
         {{"quoted", q100}, {"quote_agreed", q100}, {"quoted", R"({"quote_cents":15000})"},
          {"quoted", R"({"quote_cents":16000})"}},
         10000},
        {"a rejected raise, then another",
         {{"quote_agreed", q100}, {"quoted", R"({"quote_cents":15000})"},
          {"quote_rejected", R"({"restored_cents":10000})"}, {"quoted", R"({"quote_cents":12000})"}},
         10000},
        {"a raise agreed, then raised again",
         {{"quote_agreed", q100}, {"quoted", R"({"quote_cents":15000})"},
          {"quote_agreed", R"({"quote_cents":15000})"}, {"quoted", R"({"quote_cents":18000})"}},
         15000},
        {"unreadable details", {{"quote_agreed", "not json"}, {"quoted", "{}"}}, std::nullopt},
        {"a raise dropped with a hand-over, then the next technician's raise",
         {{"quote_agreed", q100}, {"quoted", R"({"quote_cents":15000})"},
          {"handed_over", R"({"restored_cents":10000})"}, {"quoted", R"({"quote_cents":17000})"}},
         10000},
        {"a hand-over of an agreed quote leaves it",
         {{"quote_agreed", q100}, {"handed_over", R"({"reason":"x"})"}, {"quoted", R"({"quote_cents":17000})"}},
         10000},
    };
    for (const auto& c : cases) {
        std::vector<store::TicketEvent> events;
        for (const auto& [type, details] : c.log) {
            store::TicketEvent e;
            e.type = type;
            e.details = details;
            events.push_back(e);
        }
        EXPECT_EQ(agreed_before_raise(events), c.agreed) << c.behaviour;
    }

    auto t = accept_job(dispatched_ticket(), 3, at(5));
    t->quote_status = store::quote_status::review;
    t->quote_cents = 15000;
    auto handed = hand_over_job(*t, 3, at(8), 10000);
    ASSERT_TRUE(handed);
    EXPECT_EQ(handed->quote_status, store::quote_status::agreed) << "the raise goes, the agreement stays";
    EXPECT_EQ(handed->quote_cents, 10000u);
}

TEST(TicketLifecycle, AReworkIsNotQuotedAgain) {
    auto t = accept_job(dispatched_ticket(), 3, at(5));
    t->quote_status = store::quote_status::agreed;
    t->quote_cents = 12000;
    t->reopen_count = 1;
    EXPECT_EQ(quote_job(*t, 3, 20000, at(6)).code(), make_error_code(LifecycleErrc::rework_free));
}

TEST(TicketLifecycle, AHandOverTakesAnUnansweredQuoteAlongButAnAgreedOneStands) {
    auto t = accept_job(dispatched_ticket(), 3, at(5));
    t->quote_status = store::quote_status::pending;
    t->quote_cents = 12000;
    auto handed = hand_over_job(*t, 3, at(8));
    ASSERT_TRUE(handed);
    EXPECT_EQ(handed->quote_status, store::quote_status::required);
    EXPECT_FALSE(handed->quote_cents);
    t->quote_status = store::quote_status::agreed;
    handed = hand_over_job(*t, 3, at(8));
    ASSERT_TRUE(handed);
    EXPECT_EQ(handed->quote_status, store::quote_status::agreed);
    EXPECT_EQ(handed->quote_cents, 12000u);
}

TEST(TicketLifecycle, ARefusalOfAReplacedQuoteCancelsNothing) {
    auto t = dispatched_ticket();
    t.quote_status = store::quote_status::required;
    auto replaced = quote_job(*quote_job(t, 3, 12000, at(12)), 3, 9000, at(14));
    ASSERT_TRUE(replaced);
    EXPECT_EQ(replaced->quote_cents, 9000u);
    EXPECT_EQ(refuse_quote(*replaced, 12000, "太贵了", at(20)).code(),
              make_error_code(LifecycleErrc::quote_changed));
    auto refused = refuse_quote(*replaced, 9000, "还是太贵", at(21));
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, ts::cancelled);
    EXPECT_EQ(quote_job(*refused, 3, 5000, at(22)).code(),
              make_error_code(LifecycleErrc::wrong_status))
        << "a refusal cancelled the ticket: no quote after it";
}

TEST(TicketLifecycle, QuoteForAFreeRepairIsRefused) {
    EXPECT_EQ(quote_job(dispatched_ticket(), 3, 100, at(5)).code(),
              make_error_code(LifecycleErrc::not_off_list));
}

TEST(TicketLifecycle, RefusedQuoteCancelsWithTheReasonKept) {
    auto t = dispatched_ticket();
    t.quote_status = store::quote_status::required;
    auto quoted = quote_job(t, 3, 30000, at(12));
    auto refused = refuse_quote(*quoted, 30000, "太贵了", at(20));
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, ts::cancelled);
    EXPECT_EQ(refused->quote_status, store::quote_status::refused);
    EXPECT_EQ(refused->cancel_reason, "业主不同意报价：太贵了");
    EXPECT_EQ(refused->at.cancelled, at(20));
}

TEST(TicketLifecycle, HandOverPutsAnAcceptedJobBackInTheQueue) {
    auto accepted = accept_job(dispatched_ticket(), 3, at(5));
    auto handed = hand_over_job(*accepted, 3, at(8));
    ASSERT_TRUE(handed);
    EXPECT_EQ(handed->status, ts::new_) << "waiting for a technician again, seen in the dispatcher queue";
    EXPECT_FALSE(handed->technician_id) << "no longer theirs: off their list and load";
    EXPECT_EQ(hand_over_job(*handed, 9, at(9)).code(), make_error_code(LifecycleErrc::not_yours));
}

TEST(TicketLifecycle, ConfirmThenRateThenClose) {
    auto done = finish_job(*accept_job(dispatched_ticket(), 3, at(5)), 3, std::nullopt, "", at(60));
    auto confirmed = confirm_fixed(*done, at(70));
    ASSERT_TRUE(confirmed);
    EXPECT_EQ(confirmed->status, ts::confirmed);
    auto rated = rate_job(*confirmed, at(71));
    ASSERT_TRUE(rated);
    EXPECT_EQ(rated->at.rated, at(71));
    EXPECT_EQ(rated->at.confirmed, at(70));
    auto closed = close_job(*rated, at(72));
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->status, ts::closed);
    EXPECT_EQ(confirm_fixed(*closed, at(73)).code(), make_error_code(LifecycleErrc::wrong_status));
}

TEST(TicketLifecycle, AutoCloseOfAnUnansweredJobConfirmsIt) {
    auto done = finish_job(*accept_job(dispatched_ticket(), 3, at(5)), 3, std::nullopt, "", at(60));
    auto closed = close_job(*done, at(60 + 7 * 24 * 60));
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->at.confirmed, at(60 + 7 * 24 * 60));
}

TEST(TicketLifecycle, ReopenGoesBackToTheSameTechnicianWithAFreshFinishDeadline) {
    config::SlaData sla;
    auto done = finish_job(*accept_job(dispatched_ticket(), 3, at(5)), 3, 3000, "note", at(60));
    auto confirmed = confirm_fixed(*done, at(70));
    auto reopened = reopen_job(*confirmed, sla, at(100));
    ASSERT_TRUE(reopened) << reopened.error().message();
    EXPECT_EQ(reopened->status, ts::dispatched);
    EXPECT_EQ(reopened->technician_id, 3u);
    EXPECT_EQ(reopened->reopen_count, 1u);
    EXPECT_FALSE(reopened->at.done);
    EXPECT_FALSE(reopened->at.confirmed);
    EXPECT_EQ(reopened->fee_cents, 3000u) << "the fee charged stays; rework is free";
    EXPECT_EQ(reopened->at.accepted, at(5)) << "the first acceptance is kept for the figures";
    EXPECT_EQ(reopened->late.finish, false) << "a verdict once recorded stays";
    EXPECT_EQ(reopened->first_finish.done, at(60))
        << "the first visit's finish stays for the figures";
    EXPECT_EQ(reopened->first_finish.due, confirmed->due.finish) << "with the deadline it had";
    // Normal urgency: 3 working days from Monday 11:40 → Thursday 11:40 local.
    EXPECT_EQ(reopened->due.finish, at(100 + 3 * 24 * 60));
    // The job can be accepted and finished again; its first verdicts do not change.
    auto again = accept_job(*reopened, 3, at(200));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->at.accepted, at(5));
    // Rework is free: a new fee is refused, the same one or none keeps the first visit's.
    EXPECT_EQ(finish_job(*again, 3, 2000, "", at(300)).code(),
              make_error_code(LifecycleErrc::rework_free));
    EXPECT_EQ(finish_job(*again, 3, 3000, "", at(300))->fee_cents, 3000u);
    EXPECT_EQ(finish_job(*again, 3, 0, "", at(300))->fee_cents, 3000u);
    auto redone = finish_job(*again, 3, std::nullopt, "", at(300));
    ASSERT_TRUE(redone);
    EXPECT_EQ(redone->at.done, at(300));
    EXPECT_EQ(redone->fee_cents, 3000u);
}

TEST(TicketLifecycle, AReopenedJobMustBeAcceptedAndVisitedAgainInTime) {
    config::SlaData sla;
    auto done = finish_job(*arrive_job(*accept_job(dispatched_ticket(), 3, at(5)), 3, at(40)), 3,
                           std::nullopt, "", at(60));
    auto reopened = reopen_job(*confirm_fixed(*done, at(70)), sla, at(100));
    ASSERT_TRUE(reopened);
    EXPECT_EQ(reopened->revisit.reopened, at(100));
    EXPECT_FALSE(reopened->revisit.accepted);
    EXPECT_FALSE(reopened->revisit.arrived);
    // Normal urgency, counted from the reopen: accept in 30 min, arrive within 1 working day.
    EXPECT_EQ(reopened->revisit.accept_due, at(130));
    EXPECT_EQ(reopened->revisit.arrive_due, at(100 + 24 * 60));
    EXPECT_EQ(reopened->due.accept, at(31)) << "the first visit's deadline stays for the figures";
    EXPECT_EQ(reopened->late.accept, false) << "and so does its verdict";

    auto accepted = accept_job(*reopened, 3, at(145));
    ASSERT_TRUE(accepted);
    EXPECT_EQ(accepted->revisit.accepted, at(145));
    EXPECT_EQ(accepted->at.accepted, at(5)) << "the first acceptance is kept for the figures";
    EXPECT_EQ(accepted->late.accept, false);
    EXPECT_EQ(accepted->revisit.accept_late, true) << "the revisit's acceptance was late";
    EXPECT_TRUE(met_late(*accepted, dialog::Stage::accept));
    EXPECT_FALSE(met_late(*done, dialog::Stage::accept)) << "the first visit's was on time";

    auto redone = finish_job(*accepted, 3, std::nullopt, "", at(300));
    ASSERT_TRUE(redone);
    EXPECT_EQ(redone->revisit.arrived, at(300)) << "finishing is being there";
    EXPECT_EQ(redone->at.arrived, at(40));
    EXPECT_EQ(redone->revisit.arrive_late, false);
    EXPECT_EQ(redone->revisit.finish_late, false);
    EXPECT_EQ(redone->late.finish, false) << "the first visit's finish verdict stays";
    EXPECT_FALSE(met_late(*redone, dialog::Stage::arrive));

    // A second reopen starts the clocks again.
    auto again = reopen_job(*redone, sla, at(400));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->revisit.reopened, at(400));
    EXPECT_EQ(again->first_finish.done, at(60)) << "the first visit's, not the revisit's";
    EXPECT_EQ(again->first_finish.due, done->due.finish);
    EXPECT_FALSE(again->revisit.accepted);
    EXPECT_FALSE(again->revisit.arrived);
    EXPECT_FALSE(again->revisit.accept_late) << "a new revisit, judged afresh";
    EXPECT_EQ(again->revisit.accept_due, at(430));
    auto arrived = arrive_job(*again, 3, at(410));
    ASSERT_TRUE(arrived);
    EXPECT_EQ(arrived->revisit.accepted, at(410)) << "arriving is accepting";
    EXPECT_EQ(arrived->revisit.arrived, at(410));
}

TEST(TicketLifecycle, AReopenedPlannedJobIsDueByTheFallbackNotTheEndOfTheReopenDay) {
    config::SlaData sla;
    auto t = dispatched_ticket();
    t.urgency = "planned";
    auto done = finish_job(*accept_job(t, 3, at(5)), 3, std::nullopt, "", at(60));
    auto reopened = reopen_job(*done, sla, at(470));  // Monday 17:50
    ASSERT_TRUE(reopened);
    // planned_date_fallback, 5 working days: the next Monday 17:50, not Monday 23:59:59.
    EXPECT_EQ(reopened->due.finish, at(470 + 7 * 24 * 60));
}

TEST(TicketLifecycle, AReopenNamingADangerRaisesTheUrgencyAndKeepsTheOneTheFirstVisitWasJudgedIn) {
    config::SlaData sla;
    auto done = finish_job(*accept_job(dispatched_ticket(), 3, at(5)), 3, std::nullopt, "", at(60));
    auto raised = reopen_job(*done, sla, at(100), /*emergency=*/true);
    ASSERT_TRUE(raised);
    EXPECT_EQ(raised->urgency, "emergency");
    EXPECT_EQ(raised->first_urgency, "normal");
    // The revisit runs in an emergency's limits: accept in 5 minutes, on site in 30.
    EXPECT_EQ(raised->revisit.accept_due, at(105));
    EXPECT_EQ(raised->revisit.arrive_due, at(130));
    EXPECT_EQ(raised->due.accept, at(31)) << "the first visit's normal deadline stays";

    // A second raise keeps the first visit's urgency, not the emergency in between.
    auto redone = finish_job(*accept_job(*raised, 3, at(104)), 3, std::nullopt, "", at(120));
    auto again = reopen_job(*redone, sla, at(200), /*emergency=*/true);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->urgency, "emergency");
    EXPECT_EQ(again->first_urgency, "normal");
    // Nor does a later plain reopen lower the urgency or forget the first.
    auto plain = reopen_job(
        *finish_job(*accept_job(*again, 3, at(201)), 3, std::nullopt, "", at(210)), sla, at(300));
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->urgency, "emergency");
    EXPECT_EQ(plain->first_urgency, "normal");

    // An emergency from the start is not "raised".
    auto t = dispatched_ticket();
    t.urgency = "emergency";
    auto emergency = reopen_job(*finish_job(*accept_job(t, 3, at(2)), 3, std::nullopt, "", at(20)),
                                sla, at(30), /*emergency=*/true);
    ASSERT_TRUE(emergency);
    EXPECT_FALSE(emergency->first_urgency);
}

// A desk counting the arrival from the acceptance and the finish from the arrival
// ([stage_starts]): the revisit's are counted from the revisit's own acceptance and arrival, not
// from the reopen (which stands for the receipt and the dispatch).
TEST(TicketLifecycle, ARevisitsClocksStartFromTheMilestonesTheDeskCountsFrom) {
    config::SlaData sla;
    sla.policy.stage_starts[static_cast<std::size_t>(dialog::Stage::arrive)] =
        dialog::Milestone::accepted;
    sla.policy.stage_starts[static_cast<std::size_t>(dialog::Stage::finish)] =
        dialog::Milestone::arrived;
    auto t = dispatched_ticket();
    t.urgency = "emergency";  // accept 5 min, arrive 30 min, finish 8 h, on the wall clock
    auto done =
        finish_job(*arrive_job(*accept_job(t, 3, at(2)), 3, at(20)), 3, std::nullopt, "", at(60));
    auto reopened = reopen_job(*done, sla, at(100));
    ASSERT_TRUE(reopened);
    EXPECT_EQ(reopened->revisit.accept_due, at(105)) << "the reopen is the revisit's dispatch";
    EXPECT_FALSE(reopened->revisit.arrive_due) << "not accepted again yet";
    EXPECT_FALSE(reopened->due.finish) << "not there again yet";
    EXPECT_EQ(stage_start(*reopened, dialog::Stage::accept, sla), at(100));
    EXPECT_FALSE(stage_start(*reopened, dialog::Stage::arrive, sla));

    auto accepted = accept_job(*reopened, 3, at(103));
    ASSERT_TRUE(accepted);
    start_stage_clocks(*accepted, sla);
    EXPECT_EQ(accepted->revisit.arrive_due, at(133));
    EXPECT_EQ(accepted->due.arrive, t.due.arrive) << "the first visit's stays";
    auto arrived = arrive_job(*accepted, 3, at(120));
    ASSERT_TRUE(arrived);
    start_stage_clocks(*arrived, sla);
    EXPECT_EQ(arrived->due.finish, at(120 + 8 * 60));
    EXPECT_EQ(arrived->revisit.arrive_due, at(133)) << "a deadline once set stays";
}

TEST(TicketLifecycle, AnOpenJobCannotBeReopened) {
    config::SlaData sla;
    EXPECT_EQ(reopen_job(dispatched_ticket(), sla, at(5)).code(),
              make_error_code(LifecycleErrc::wrong_status));
}

}  // namespace
}  // namespace repairbot::bot
