// 逾期明细 (bot/missed_deadlines.h): one row per late stage the figures count, with how late,
// who answers for it and who let an acceptance pass; the same count as the figures' late
// tallies; the three renderings.
#include <gtest/gtest.h>

#include "bot/missed_deadlines.h"

namespace repairbot::bot {
namespace {

namespace chr = std::chrono;
using store::Timestamp;

// An instant given in the desk's local time (UTC+8).
Timestamp local(int y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
    auto day = chr::sys_days{chr::year{y} / chr::month{mo} / chr::day{d}};
    return chr::time_point_cast<chr::milliseconds>(day) + chr::hours{h} + chr::minutes{mi} - chr::hours{8};
}

// A ticket whose four stages were each due `limit` minutes after it came in and met after `took`.
store::StatsTicketRow ticket(std::uint64_t id, Timestamp received, int limit, int took) {
    store::StatsTicketRow t;
    t.id = id;
    t.number = "BX20261102-000" + std::to_string(id);
    t.address = "3栋1单元502";
    t.fault_type = "水";
    t.building = "3";
    t.urgency = "emergency";
    t.urgency_now = "emergency";
    t.status = "closed";
    t.technician_id = 1;
    t.technician_name = "张师傅";
    t.received_at = received;
    for (auto* s : {&t.dispatch, &t.accept, &t.arrive, &t.finish}) {
        s->due = received + chr::minutes{limit};
        s->met = received + chr::minutes{took};
    }
    return t;
}

TEST(MissedDeadlines, EachLateStageIsOneRowWithHowLateAndWhoseFiguresItCountsIn) {
    auto range = *parse_month("2026-11");
    const auto in = local(2026, 11, 2, 10);
    auto on_time = ticket(1, in, 30, 20);
    auto late = ticket(2, in + chr::hours{1}, 30, 20);
    late.arrive.met = late.received_at + chr::minutes{75};  // 45 minutes past its 30
    auto open = ticket(3, in + chr::hours{2}, 30, 20);
    open.status = "arrived";
    open.finish.due = open.received_at + chr::hours{8};
    open.finish.met.reset();  // never finished: late from 8 h on
    const auto now = open.received_at + chr::hours{10};

    auto report = missed_deadlines(range, now, {{on_time, late, open}, {}});
    ASSERT_EQ(report.missed.size(), 2u);
    const auto& a = report.missed[0];
    EXPECT_EQ(a.number, late.number);
    EXPECT_EQ(a.stage, dialog::Stage::arrive);
    EXPECT_EQ(a.met, late.arrive.met);
    ASSERT_TRUE(a.minutes_late);
    EXPECT_DOUBLE_EQ(*a.minutes_late, 45.0);
    EXPECT_EQ(a.technician, "张师傅");
    EXPECT_EQ(a.address, "3栋1单元502");
    const auto& b = report.missed[1];
    EXPECT_EQ(b.number, open.number);
    EXPECT_EQ(b.stage, dialog::Stage::finish);
    EXPECT_FALSE(b.met) << "not finished by the cutoff";
    EXPECT_DOUBLE_EQ(*b.minutes_late, 120.0) << "late as of the cutoff";

    // The list explains the figures: per stage, as many rows as the overall late count.
    auto figures = compute_stats(range, now, {{on_time, late, open}, {}});
    for (std::size_t i = 0; i < figure_stages.size(); ++i) {
        auto rows = std::count_if(
            report.missed.begin(), report.missed.end(),
            [&](const MissedDeadline& m) { return m.stage == figure_stages[i] && m.ticket_late; });
        EXPECT_EQ(static_cast<std::size_t>(rows), figures.overall.stages[i].late) << i;
    }
}

// A finish missed and given a new promised time (the SLA engine's breach), still not done: late
// from the deadline missed, however far off the promise is, and the row says both; after a 返修
// the first visit's late finish stays listed though the revisit cleared the done time.
TEST(MissedDeadlines, AFinishMissedIsLateAgainstItsFirstDeadlineAndShowsTheNewPromise) {
    auto range = *parse_month("2026-11");
    const auto in = local(2026, 11, 2, 10);
    auto open = ticket(1, in, 30, 20);
    open.status = "arrived";
    open.finish.due = in + chr::hours{8};  // store::FirstFinish: the deadline missed
    open.finish.met.reset();
    open.finish.late = true;
    open.finish_due_now = in + chr::hours{16};  // the promise after the breach
    open.breach_reasons = {{"finish", "quote_owner"}};
    auto reopened = ticket(2, in, 30, 20);
    reopened.status = "dispatched";
    reopened.reopen_count = 1;
    reopened.finish.due = in + chr::hours{8};
    reopened.finish.met = in + chr::hours{9};  // the first visit, an hour late
    reopened.finish.late = true;
    reopened.finish_due_now = in + chr::hours{40};  // the revisit's, not met yet
    const auto now = in + chr::hours{10};

    auto report = missed_deadlines(range, now, {{open, reopened}, {}});
    ASSERT_EQ(report.missed.size(), 2u);
    const auto& a = report.missed[0];
    EXPECT_EQ(a.number, open.number);
    EXPECT_EQ(a.stage, dialog::Stage::finish);
    EXPECT_EQ(a.due, in + chr::hours{8});
    EXPECT_EQ(a.promised, in + chr::hours{16});
    EXPECT_FALSE(a.met);
    ASSERT_TRUE(a.minutes_late);
    EXPECT_DOUBLE_EQ(*a.minutes_late, 120.0) << "from the deadline missed to the cutoff";
    const auto& b = report.missed[1];
    EXPECT_EQ(b.number, reopened.number);
    EXPECT_EQ(b.met, in + chr::hours{9});
    EXPECT_DOUBLE_EQ(*b.minutes_late, 60.0);
    EXPECT_EQ(b.promised, in + chr::hours{40});

    auto figures = compute_stats(range, now, {{open, reopened}, {}});
    EXPECT_EQ(figures.overall.stages[3].late, 2u) << "both count as late finishes";
    EXPECT_EQ(figures.overall.minutes_to_finish, std::vector<double>{540.0})
        << "the first visit's finish, 9 h after it came in";

    auto table = to_table(report);
    EXPECT_NE(table.find("2026-11-02 18:00（改至 2026-11-03 02:00）"), std::string::npos) << table;
    EXPECT_NE(table.find("等业主答复报价"), std::string::npos) << "why, in words: " << table;
    EXPECT_NE(to_csv(report).find(",emergency,2026-11-03T02:00:00+08:00,quote_owner\r\n"),
              std::string::npos);
    EXPECT_EQ(to_json(report)["missed"][0]["reason"], "quote_owner");
    EXPECT_EQ(to_json(report)["missed"][1]["reason"], "");
    EXPECT_EQ(to_json(report)["missed"][0]["promised"], "2026-11-03T02:00:00+08:00");
    EXPECT_EQ(to_json(report)["missed"][1]["promised"], "2026-11-04T02:00:00+08:00")
        << "the revisit's finish deadline";
}

TEST(MissedDeadlines, AMissedAcceptanceNamesWhoLetItPassAndARecordedVerdictKeepsTheRow) {
    auto range = *parse_month("2026-11");
    auto t = ticket(1, local(2026, 11, 2, 10), 60, 30);
    t.accept.due = t.received_at + chr::minutes{45};  // re-armed for 张师傅 at the re-dispatch
    t.accept.met = t.received_at + chr::minutes{40};
    t.accept.late = true;                             // 王师傅's breach at +15
    t.missed_accepts = {{9, "王师傅"}};
    auto report = missed_deadlines(range, local(2027, 1, 1), {{t}, {}});
    ASSERT_EQ(report.missed.size(), 1u);
    const auto& m = report.missed[0];
    EXPECT_EQ(m.stage, dialog::Stage::accept);
    EXPECT_FALSE(m.minutes_late) << "met before the deadline as it stands: judged on the earlier one";
    EXPECT_EQ(m.let_pass, (std::vector<store::StatsMissedAccept>{{9, "王师傅"}}));

    auto table = to_table(report);
    EXPECT_NE(table.find("王师傅"), std::string::npos) << table;
    EXPECT_NE(table.find("接单"), std::string::npos) << table;
    EXPECT_NE(table.find("共 1 项"), std::string::npos) << table;
    auto j = to_json(report);
    EXPECT_EQ(j["count"], 1);
    EXPECT_EQ(j["missed"][0]["stage"], "accept");
    EXPECT_TRUE(j["missed"][0]["minutes_late"].is_null());
    EXPECT_EQ(j["missed"][0]["let_pass"][0]["technician"], "王师傅");
    EXPECT_EQ(j["missed"][0]["let_pass"][0]["technician_id"], 9);
    EXPECT_EQ(j["missed"][0]["due"], "2026-11-02T10:45:00+08:00");
}

// A window 王师傅 let pass counts in his figures even while the ticket's own acceptance is not
// late by the cutoff — re-dispatched and still pending, or cancelled before the new window ran
// out — so the list has a row for it too, marked as not the ticket's: every late acceptance in a
// technician's figures has its row, and the ticket's rows still number the overall late count.
TEST(MissedDeadlines, AWindowLetPassHasItsRowWhileTheTicketsOwnAcceptanceIsNotLate) {
    auto range = *parse_month("2026-11");
    const auto in = local(2026, 11, 2, 10);
    auto pending = ticket(1, in, 60, 30);
    pending.status = "dispatched";
    pending.accept.due = in + chr::minutes{45};  // 张师傅's window after the re-dispatch at +15
    pending.accept.met.reset();
    pending.accept.late = true;  // recorded at 王师傅's breach
    pending.arrive.met.reset();
    pending.finish.met.reset();
    pending.missed_accepts = {{9, "王师傅"}};
    auto cancelled = pending;
    cancelled.id = 2;
    cancelled.number = "BX20261102-0002";
    cancelled.status = "cancelled";
    cancelled.missed_accepts = {{4, "李师傅"}};
    cancelled.cancelled_at = in + chr::minutes{25};
    auto back_to_him = pending;  // 张师傅 let it pass, and has it back: judged with the ticket's
    back_to_him.id = 3;
    back_to_him.number = "BX20261102-0003";
    back_to_him.missed_accepts = {{1, "张师傅"}};
    const auto now = in + chr::minutes{30};

    auto report = missed_deadlines(range, now, {{pending, cancelled, back_to_him}, {}});
    ASSERT_EQ(report.missed.size(), 2u);
    for (const auto& m : report.missed) {
        EXPECT_EQ(m.stage, dialog::Stage::accept);
        EXPECT_FALSE(m.ticket_late) << m.number;
        EXPECT_FALSE(m.met);
        EXPECT_FALSE(m.minutes_late) << "the window as it stands has not run out";
        EXPECT_EQ(m.technician, "张师傅");
    }
    EXPECT_EQ(report.missed[0].let_pass, (std::vector<store::StatsMissedAccept>{{9, "王师傅"}}));
    EXPECT_FALSE(report.missed[0].cancelled);
    EXPECT_TRUE(report.missed[1].cancelled);

    auto figures = compute_stats(range, now, {{pending, cancelled, back_to_him}, {}});
    EXPECT_EQ(figures.overall.stages[1].late, 0u) << "the owner's acceptance is not late yet";
    for (const auto& g : figures.by_technician) {
        if (!g.technician_id) continue;
        auto rows =
            std::count_if(report.missed.begin(), report.missed.end(), [&](const MissedDeadline& m) {
                return std::any_of(m.let_pass.begin(), m.let_pass.end(),
                                   [&](const store::StatsMissedAccept& p) {
                                       return p.technician_id == *g.technician_id;
                                   });
            });
        EXPECT_EQ(static_cast<std::size_t>(rows), g.figures.stages[1].late) << g.key;
    }

    auto table = to_table(report);
    EXPECT_NE(table.find("接单*"), std::string::npos) << table;
    EXPECT_NE(table.find("工单本身的接单未判逾期"), std::string::npos) << table;
    EXPECT_NE(table.find("王师傅"), std::string::npos) << table;
    auto j = to_json(report);
    EXPECT_EQ(j["missed"][0]["ticket_late"], false);
    EXPECT_TRUE(j["missed"][0]["met"].is_null());
    auto csv = to_csv(report);
    EXPECT_NE(csv.find(",9,王师傅,0,emergency,,\r\n"), std::string::npos) << csv;
}

TEST(MissedDeadlines, TicketsOutsideTheRangeOrCancelledBeforeTheDeadlineAreNotListed) {
    auto range = *parse_month("2026-11");
    auto before = ticket(1, local(2026, 10, 31, 23), 30, 90);
    auto cancelled = ticket(2, local(2026, 11, 3, 10), 30, 20);
    cancelled.finish.met.reset();
    cancelled.cancelled_at = cancelled.received_at + chr::minutes{10};  // before any deadline
    cancelled.finish.due = cancelled.received_at + chr::hours{8};
    auto report = missed_deadlines(range, local(2027, 1, 1), {{before, cancelled}, {}});
    EXPECT_TRUE(report.missed.empty());
    EXPECT_NE(to_table(report).find("无逾期"), std::string::npos);
    EXPECT_EQ(to_json(report)["missed"], nlohmann::ordered_json::array());
}

TEST(MissedDeadlines, ACancelledTicketsMissedStageIsLateUpToTheCancelAndSaysSo) {
    auto range = *parse_month("2026-11");
    auto t = ticket(1, local(2026, 11, 2, 10), 30, 20);
    t.status = "cancelled";
    t.arrive.met.reset();
    t.finish.met.reset();
    t.cancelled_at = t.received_at + chr::minutes{50};  // 20 minutes after the arrival deadline
    auto report = missed_deadlines(range, local(2027, 1, 1), {{t}, {}});
    ASSERT_EQ(report.missed.size(), 2u);
    EXPECT_EQ(report.missed[0].stage, dialog::Stage::arrive);
    EXPECT_DOUBLE_EQ(*report.missed[0].minutes_late, 20.0) << "the clock stopped at the cancel";
    EXPECT_NE(to_table(report).find("已取消"), std::string::npos) << to_table(report);
    EXPECT_EQ(compute_stats(range, local(2027, 1, 1), {{t}, {}}).overall.stages[2].late, 1u);
}

TEST(MissedDeadlines, CsvHasOneRowPerLateStageWithFormulasDefused) {
    auto range = *parse_month("2026-11");
    auto t = ticket(1, local(2026, 11, 2, 10), 30, 20);
    t.arrive.met = t.received_at + chr::minutes{31};
    t.address = "=HYPERLINK(\"x\")";
    t.missed_accepts = {{9, "王师傅"}, {4, "李,师傅"}};
    t.accept.late = true;
    auto csv = to_csv(missed_deadlines(range, local(2027, 1, 1), {{t}, {}}));
    EXPECT_EQ(
        csv.rfind("number,received_at,urgency,fault_type,address,status,stage,due,met,"
                  "minutes_late,technician_id,technician,let_pass_ids,let_pass_names,ticket_late,"
                  "urgency_now,promised,reason\r\n",
                  0),
        0u)
        << csv;
    EXPECT_NE(csv.find(",\"'=HYPERLINK(\"\"x\"\")\","), std::string::npos) << csv;
    EXPECT_NE(csv.find(",accept,"), std::string::npos) << csv;
    EXPECT_NE(csv.find(",9;4,\"王师傅;李,师傅\",1,emergency,,\r\n"), std::string::npos) << csv;
    EXPECT_NE(csv.find(",arrive,2026-11-02T10:30:00+08:00,2026-11-02T10:31:00+08:00,1,1,张师傅,,,1,"
                       "emergency,,\r\n"),
              std::string::npos)
        << csv;
}

TEST(MissedDeadlines, ARowOfATicketRaisedByAReopenIsLabelledWithTheUrgencyItsDeadlineWasSetIn) {
    auto range = *parse_month("2026-11");
    auto t = ticket(1, local(2026, 11, 2, 10), 240, 20);  // a normal job's 4 h arrival ...
    t.arrive.met = t.received_at + chr::hours{5};         // ... an hour late
    t.urgency = "normal";                                 // COALESCE(first_urgency, urgency)
    t.urgency_now = "emergency";                          // a 返修 named a gas smell
    auto report = missed_deadlines(range, local(2027, 1, 1), {{t}, {}});
    ASSERT_EQ(report.missed.size(), 1u);
    EXPECT_EQ(report.missed[0].urgency, "normal");
    EXPECT_EQ(report.missed[0].urgency_now, "emergency");

    auto j = to_json(report);
    EXPECT_EQ(j["missed"][0]["urgency"], "normal");
    EXPECT_EQ(j["missed"][0]["urgency_now"], "emergency");
    auto table = to_table(report);
    EXPECT_NE(table.find("一般→紧急"), std::string::npos) << table;
    EXPECT_NE(table.find("首次上门各环节按甲的时限判定"), std::string::npos) << table;

    // A ticket never raised: one word, and no note about raises.
    t.urgency_now = "normal";
    auto plain = to_table(missed_deadlines(range, local(2027, 1, 1), {{t}, {}}));
    EXPECT_EQ(plain.find("→"), std::string::npos) << plain;
    EXPECT_EQ(plain.find("首次上门"), std::string::npos) << plain;
}

}  // namespace
}  // namespace repairbot::bot
