// A technician's 上班 / 下班 in their own chat: the whole message is the command ("下班了",
// "我先收工了"), never the start of other words ("下班后过去"); it sets whether they get new
// jobs (SetDuty), says so, reminds them of the jobs they still hold, and an owner's "下班了" is
// an owner's words.
#include <gtest/gtest.h>

#include "dialog/job_commands.h"
#include "dialog_test_support.h"

namespace repairbot::dialog {
namespace {

using namespace testing;

struct DutyWords {
    const char* message;
    std::optional<bool> on;  // nullopt: not a duty command
};

class DutyCommandWords : public ::testing::TestWithParam<DutyWords> {};

TEST_P(DutyCommandWords, AreTheWholeMessage) {
    const auto& c = GetParam();
    auto parsed = parse_job_command(c.message);
    if (!c.on) {
        EXPECT_TRUE(!parsed || parsed->kind != JobCommandKind::duty) << c.message;
        return;
    }
    ASSERT_TRUE(parsed) << c.message;
    EXPECT_EQ(parsed->kind, JobCommandKind::duty) << c.message;
    EXPECT_EQ(parsed->on_duty, *c.on) << c.message;
}

INSTANTIATE_TEST_SUITE_P(
    Words, DutyCommandWords,
    ::testing::Values(
        DutyWords{"下班", false}, DutyWords{"下班了", false}, DutyWords{"我下班了！", false},
        DutyWords{"我先下班了", false}, DutyWords{"今天不上班", false},
        DutyWords{"我请假了", false}, DutyWords{"下班呀", false}, DutyWords{"今天休息", false},
        DutyWords{"下班啦。", false}, DutyWords{"上班", true}, DutyWords{"上班了", true},
        DutyWords{"开工啦", true}, DutyWords{"我在岗", true}, DutyWords{"今晚值班", true},
        DutyWords{" 上 班 ", true},
        // Words about the work, or a question, are not the command.
        DutyWords{"下班后再过去", std::nullopt}, DutyWords{"下班了吗", std::nullopt},
        DutyWords{"下班后", std::nullopt}, DutyWords{"上班时间再修", std::nullopt},
        DutyWords{"休息一下再修", std::nullopt}, DutyWords{"师傅下班了", std::nullopt},
        DutyWords{"下班了？", std::nullopt}, DutyWords{"休息?", std::nullopt},
        // An arrival, and one job finished, said the way a day's end is.
        DutyWords{"已到岗", std::nullopt}, DutyWords{"收工了", std::nullopt}));

Chat technician(bool on_duty, std::vector<TechnicianJob> jobs = {}) {
    Chat chat;
    chat.technician = TechnicianView{"t-1", "王师傅", std::move(jobs)};
    chat.technician->on_duty = on_duty;
    return chat;
}

TechnicianJob accepted_job() {
    return TechnicianJob{"BX20261121-0007", JobStatus::accepted, "3栋2单元502", "水"};
}

TEST(TechnicianDuty, OffDutyStopsNewJobsAndSaysHowToComeBack) {
    Chat chat = technician(true);
    chat.say("下班了");
    ASSERT_EQ(chat.last.effects.size(), 1u) << chat.reply();
    EXPECT_EQ(chat.last.effects.front(), Effect{SetDuty{false}});
    EXPECT_TRUE(contains(chat.reply(), opening_of(TextId::tech_duty_off))) << chat.reply();
    EXPECT_FALSE(contains(chat.reply(), opening_of(TextId::tech_duty_jobs_left))) << chat.reply();
}

TEST(TechnicianDuty, OffDutyWithJobsInHandSaysTheyAreStillTheirs) {
    Chat chat = technician(true, {accepted_job()});
    chat.say("我先下班了");
    ASSERT_EQ(chat.last.effects.size(), 1u);
    EXPECT_EQ(chat.last.effects.front(), Effect{SetDuty{false}});
    EXPECT_TRUE(contains(chat.reply(), opening_of(TextId::tech_duty_off))) << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), "还有1张未完成的工单")) << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), "BX20261121-0007")) << chat.reply();
}

TEST(TechnicianDuty, OnDutyAgainTakesNewJobs) {
    Chat chat = technician(false);
    chat.say("上班");
    ASSERT_EQ(chat.last.effects.size(), 1u);
    EXPECT_EQ(chat.last.effects.front(), Effect{SetDuty{true}});
    EXPECT_TRUE(contains(chat.reply(), opening_of(TextId::tech_duty_on))) << chat.reply();
}

TEST(TechnicianDuty, SayingTheStateTheyAreInChangesNothing) {
    Chat on = technician(true);
    on.say("上班了");
    EXPECT_TRUE(on.last.effects.empty());
    EXPECT_TRUE(contains(on.reply(), opening_of(TextId::tech_duty_already_on))) << on.reply();

    Chat off = technician(false);
    off.say("下班");
    EXPECT_TRUE(off.last.effects.empty());
    EXPECT_TRUE(contains(off.reply(), opening_of(TextId::tech_duty_already_off))) << off.reply();
}

TEST(TechnicianDuty, TheirListRemindsThemTheyAreOffDuty) {
    Chat off = technician(false, {accepted_job()});
    off.say("我的工单");
    EXPECT_TRUE(contains(off.reply(), "BX20261121-0007")) << off.reply();
    EXPECT_TRUE(contains(off.reply(), opening_of(TextId::tech_duty_off_reminder))) << off.reply();

    Chat none = technician(false);
    none.say("我的工单");
    EXPECT_TRUE(contains(none.reply(), opening_of(TextId::tech_duty_off_reminder))) << none.reply();

    Chat on = technician(true, {accepted_job()});
    on.say("我的工单");
    EXPECT_FALSE(contains(on.reply(), opening_of(TextId::tech_duty_off_reminder))) << on.reply();
}

// 下班 while "完成哪一单？" waits: set, and the question asked again, its list as shown — the
// next "1" still answers it.
TEST(TechnicianDuty, AWaitingWhichJobQuestionIsAskedAgain) {
    Chat chat = technician(
        true,
        {accepted_job(), TechnicianJob{"BX20261121-0009", JobStatus::accepted, "7栋101", "电"}});
    chat.say("完成");
    ASSERT_EQ(chat.session.flow, Flow::technician_pick) << chat.reply();
    chat.say("下班");
    ASSERT_EQ(chat.last.effects.size(), 1u);
    EXPECT_EQ(chat.last.effects.front(), Effect{SetDuty{false}});
    EXPECT_EQ(chat.session.flow, Flow::technician_pick);
    EXPECT_TRUE(contains(chat.reply(), "完成哪一单？")) << chat.reply();
    chat.technician->on_duty = false;
    chat.say("1");
    ASSERT_EQ(chat.last.effects.size(), 1u) << chat.reply();
    const Effect finished = FinishJob{"BX20261121-0007", std::nullopt, ""};
    EXPECT_EQ(chat.last.effects.front(), finished);
}

TEST(TechnicianDuty, BackOnDutyListsTheJobsWaitingForThem) {
    Chat chat = technician(false, {accepted_job()});
    chat.say("上班了");
    ASSERT_EQ(chat.last.effects.size(), 1u);
    EXPECT_EQ(chat.last.effects.front(), Effect{SetDuty{true}});
    EXPECT_TRUE(contains(chat.reply(), "BX20261121-0007")) << chat.reply();
}

TEST(TechnicianDuty, AnOwnersWordsAreNoCommand) {
    Chat owner;
    owner.say("下班了");
    EXPECT_TRUE(owner.last.effects.empty());
    EXPECT_FALSE(contains(owner.reply(), opening_of(TextId::tech_not_bound))) << owner.reply();
}

// While the bot cannot read who the sender is, a whole-message 下班 is far likelier a
// technician's: they are told to send it again, not given an owner's hint.
TEST(TechnicianDuty, UnreadableSenderIsToldToSendItAgain) {
    Chat unknown;
    unknown.technician_unknown = true;
    unknown.say("下班了");
    EXPECT_TRUE(unknown.last.effects.empty());
    EXPECT_TRUE(contains(unknown.reply(), opening_of(TextId::tech_unrecognised)))
        << unknown.reply();
}

// A technician reporting a repair of their own: "今天休息" may say when to come; never their duty.
TEST(TechnicianDuty, DuringTheirOwnReportItIsTheReportsAnswer) {
    Chat chat = technician(true);
    chat.say("我要报修");
    ASSERT_EQ(chat.session.flow, Flow::owner_report) << chat.reply();
    chat.say("今天休息");
    EXPECT_EQ(chat.session.flow, Flow::owner_report) << chat.reply();
    for (const auto& e : chat.last.effects)
        EXPECT_FALSE(std::holds_alternative<SetDuty>(e)) << chat.reply();
    EXPECT_FALSE(contains(chat.reply(), opening_of(TextId::tech_duty_off))) << chat.reply();
}

}  // namespace
}  // namespace repairbot::dialog
