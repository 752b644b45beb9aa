// Global commands (取消 帮助 返回 修改地址 人工 进度 投诉) at every step of the report, and idle.
#include <gtest/gtest.h>

#include <functional>

#include "dialog/commands.h"
#include "dialog/turn.h"
#include "dialog_test_support.h"

namespace repairbot::dialog {
namespace {

using namespace testing;

// Brings a chat to `step` the way an owner would.
Chat chat_at(ReportStep step) {
    Chat chat;
    switch (step) {
        case ReportStep::address:
            chat.say("报修");
            break;
        case ReportStep::fault_type:
            chat.say("报修");
            chat.say("3栋502");
            break;
        case ReportStep::description:
            chat.say("报修");
            chat.say("3栋502");
            chat.say("1");
            break;
        case ReportStep::photos:
            chat.say("3栋502厨房水管漏水了");
            break;
        case ReportStep::phone:
            chat.say("3栋502厨房水管漏水了");
            chat.say("没有");
            break;
        case ReportStep::preferred_time:
            chat.say("3栋502厨房水管漏水了，电话13800138000");
            chat.say("没有");
            break;
        case ReportStep::confirm:
            chat.say("3栋502厨房水管漏水了，电话13800138000");
            chat.say("没有");
            chat.say("尽快");
            break;
        case ReportStep::resume:
            chat.say("3栋502厨房水管漏水了");
            chat.now += std::chrono::hours{1};
            chat.say("好了");
            break;
    }
    EXPECT_EQ(chat.session.flow, Flow::owner_report);
    EXPECT_EQ(chat.session.step, step);
    return chat;
}

const ReportStep kAllSteps[] = {
    ReportStep::address, ReportStep::fault_type,     ReportStep::description, ReportStep::photos,
    ReportStep::phone,   ReportStep::preferred_time, ReportStep::confirm,     ReportStep::resume};

class GlobalCommandAtStep : public ::testing::TestWithParam<ReportStep> {};

TEST_P(GlobalCommandAtStep, CancelDropsTheDraftAndSaysSo) {
    Chat chat = chat_at(GetParam());
    chat.say("取消");
    EXPECT_EQ(chat.session.flow, Flow::idle);
    EXPECT_EQ(chat.session.draft, ReportDraft{});
    EXPECT_EQ(chat.reply(), text_of(TextId::cancelled));
    EXPECT_TRUE(chat.last.effects.empty());
}

// Called off in the owner's own words, not only the one word 取消.
TEST_P(GlobalCommandAtStep, CancelInTheOwnersWordsDropsTheDraftToo) {
    for (const char* said : {"算了，不修了", "算了吧", "不用修了，谢谢", "算了。不报了"}) {
        Chat chat = chat_at(GetParam());
        chat.say(said);
        EXPECT_EQ(chat.session.flow, Flow::idle) << said;
        EXPECT_EQ(chat.session.draft, ReportDraft{}) << said;
        EXPECT_EQ(chat.reply(), text_of(TextId::cancelled)) << said;
    }
}

TEST_P(GlobalCommandAtStep, HelpAnswersAndKeepsTheStep) {
    Chat chat = chat_at(GetParam());
    auto before = chat.session.draft;
    chat.say("帮助");
    EXPECT_EQ(chat.reply().rfind(text_of(TextId::help), 0), 0u);
    EXPECT_EQ(chat.session.step, GetParam());
    EXPECT_EQ(chat.session.draft, before);
}

TEST_P(GlobalCommandAtStep, BackGoesToAnEarlierQuestionKeepingAnswers) {
    Chat chat = chat_at(GetParam());
    auto address = chat.session.draft.address;
    chat.say("返回");
    EXPECT_EQ(chat.session.flow, Flow::owner_report);
    EXPECT_LE(chat.session.step, GetParam());
    if (GetParam() == ReportStep::address || GetParam() == ReportStep::resume) {
        EXPECT_EQ(chat.session.step, GetParam());
    } else {
        EXPECT_LT(chat.session.step, GetParam());
    }
    EXPECT_EQ(chat.session.draft.address, address);
    EXPECT_FALSE(chat.last.replies.empty());
}

TEST_P(GlobalCommandAtStep, EditAddressAsksForTheAddressShowingTheCurrentOne) {
    Chat chat = chat_at(GetParam());
    chat.say("修改地址");
    EXPECT_EQ(chat.session.step, ReportStep::address);
    if (chat.session.draft.address) {
        EXPECT_TRUE(contains(chat.reply(), "3栋502"));
    }
    chat.say("6栋2单元801");
    EXPECT_EQ(display(*chat.session.draft.address), "6栋2单元801");
}

TEST_P(GlobalCommandAtStep, HumanHandsOverWithTheDraftAndKeepsIt) {
    Chat chat = chat_at(GetParam());
    auto before = chat.session.draft;
    chat.say("转人工");
    const auto* h = find_effect<HandToHuman>(chat.last);
    ASSERT_NE(h, nullptr);
    if (before.address) {
        EXPECT_TRUE(contains(h->draft_summary, "3栋502"));
    }
    EXPECT_EQ(chat.reply().rfind(text_of(TextId::handed_to_human), 0), 0u);
    EXPECT_EQ(chat.session.draft, before);
    EXPECT_EQ(chat.session.step, GetParam());
}

TEST_P(GlobalCommandAtStep, ProgressAsksTheBotAndKeepsTheDraft) {
    Chat chat = chat_at(GetParam());
    auto before = chat.session.draft;
    chat.say("进度");
    EXPECT_NE(find_effect<QueryProgress>(chat.last), nullptr);
    EXPECT_EQ(chat.session.draft, before);
    EXPECT_EQ(chat.session.step, GetParam());
}

TEST_P(GlobalCommandAtStep, ComplaintIsFiledWithItsText) {
    Chat chat = chat_at(GetParam());
    chat.say("投诉 上次维修师傅态度很差");
    const auto* c = find_effect<FileComplaint>(chat.last);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->text, "上次维修师傅态度很差");
    EXPECT_EQ(chat.reply().rfind(text_of(TextId::complaint_filed), 0), 0u);
    EXPECT_EQ(chat.session.step, GetParam());
}

TEST_P(GlobalCommandAtStep, RestartStartsAnEmptyDraft) {
    for (const char* said : {"重新开始", "重新填"}) {
        Chat chat = chat_at(GetParam());
        chat.say(said);
        EXPECT_EQ(chat.session.flow, Flow::owner_report) << said;
        EXPECT_EQ(chat.session.step, ReportStep::address) << said;
        EXPECT_FALSE(chat.session.draft.address.has_value()) << said;
    }
}

INSTANTIATE_TEST_SUITE_P(EveryStep, GlobalCommandAtStep, ::testing::ValuesIn(kAllSteps));

TEST(GlobalCommandWhenIdle, EachCommandHasAnAnswer) {
    struct Case {
        const char* command;
        TextId reply;
    };
    for (auto c : {Case{"取消", TextId::cancel_lookup}, Case{"帮助", TextId::help},
                   Case{"返回", TextId::idle_hint}, Case{"修改地址", TextId::idle_hint},
                   Case{"人工", TextId::handed_to_human}, Case{"投诉", TextId::complaint_filed},
                   Case{"报修", TextId::ask_address}}) {
        Chat chat;
        chat.say(c.command);
        EXPECT_EQ(chat.reply(), text_of(c.reply)) << c.command;
    }
    // 查询 is answered by the owner's list itself (the edge's, QueryProgress): no "请稍候" first.
    Chat chat;
    chat.say("查询");
    EXPECT_NE(find_effect<QueryProgress>(chat.last), nullptr);
    EXPECT_TRUE(chat.last.replies.empty()) << chat.reply();
}

// Turn::finish splits a progress turn where the answer goes: what was said before it, then what
// after (Reply::after_progress); a turn without one is one reply, as ever.
TEST(GlobalCommandWhenIdle, AProgressTurnSplitsItsRepliesWhereTheAnswerGoes) {
    Chat chat;
    const Inbound in = text("x");
    Turn t{chat.session, chat.context(), in, {}, {}, {}, {}};
    t.say_text("before");
    t.answer_progress();
    t.say_text("after");
    t.say_text("and more");
    auto out = std::move(t).finish();
    EXPECT_EQ(out.replies, (std::vector<Reply>{{"before", false}, {"after\nand more", true}}));
    EXPECT_EQ(out.effects, std::vector<Effect>{QueryProgress{}});

    Turn plain{chat.session, chat.context(), in, {}, {}, {}, {}};
    plain.say_text("one");
    plain.say_text("two");
    EXPECT_EQ(std::move(plain).finish().replies, (std::vector<Reply>{{"one\ntwo", false}}));
}

// The menu's 我的报修 while a report is under way: the list, then the question asked again —
// said after the answer (Reply::after_progress), so the edge puts the list before it.
TEST(GlobalCommandWhenIdle, TheProgressAnswerGoesBeforeTheQuestionAskedAgain) {
    Chat chat;
    chat.say("3栋502");
    ASSERT_FALSE(chat.last.replies.empty());
    chat.send(event(EventKind::click, std::string(kMenuMyRepairs)));
    EXPECT_NE(find_effect<QueryProgress>(chat.last), nullptr);
    ASSERT_EQ(chat.last.replies.size(), 1u) << chat.reply();
    EXPECT_TRUE(chat.last.replies[0].after_progress);
    EXPECT_FALSE(chat.last.replies[0].text.empty());
}

// DOMAIN.md: the owner cancels. With no report under way, 取消 asks the bot which filed tickets
// can be called off (it never cancels one by itself); "取消 BX…" names the one, whatever the case
// and words around it. A technician's 取消 has nothing to cancel.
TEST(GlobalCommandWhenIdle, CancelIsAboutAFiledTicket) {
    Chat bare;
    bare.say("取消");
    EXPECT_EQ(bare.last.effects, std::vector<Effect>{CancelTicket{}});
    for (const std::string words :
         {"取消 BX20261207-0006", "我要取消工单bx20261207-0006", "BX20261207-0006 不修了"}) {
        Chat chat;
        chat.say(words);
        EXPECT_EQ(chat.last.effects, std::vector<Effect>{CancelTicket{"BX20261207-0006"}}) << words;
        EXPECT_EQ(chat.reply(), "好的，正在为您取消工单 BX20261207-0006，请稍候。") << words;
        EXPECT_EQ(chat.session.flow, Flow::idle) << words;
    }
    // Only an order to cancel: a question, a negation, a change of time, a complaint are not.
    for (const std::string words : {"BX20261207-0006 取消了吗？", "不要取消 BX20261207-0006",
                                    "BX20261207-0006 明天的预约取消，改到后天上午",
                                    "投诉 BX20261207-0006 师傅来看了说不修了就走了"}) {
        Chat chat;
        chat.say(words);
        for (const auto& e : chat.last.effects)
            EXPECT_FALSE(std::holds_alternative<CancelTicket>(e)) << words << ": " << chat.reply();
    }
    // The emergency just filed may be the one cancelled: the same danger again is a new report.
    Chat filed;
    filed.profile.phone = "13800138000";
    filed.say("5栋502水管爆了");
    ASSERT_NE(find_effect<CreateTicket>(filed.last), nullptr) << filed.reply();
    filed.say("取消 BX20261207-0006");
    filed.say("水管又爆了");
    EXPECT_EQ(find_effect<HandToHuman>(filed.last), nullptr) << filed.reply();
    EXPECT_EQ(filed.session.flow, Flow::owner_report) << filed.reply();

    Chat draft;  // a report under way: 取消 is the draft's
    draft.say("3栋502厨房漏水");
    draft.say("取消");
    EXPECT_TRUE(draft.last.effects.empty());
    EXPECT_EQ(draft.session.flow, Flow::idle);
}

TEST(GlobalCommandWords, AreMatchedOnlyAsTheWholeMessage) {
    EXPECT_FALSE(parse_command("热水器取消不了"));
    EXPECT_EQ(parse_command("取消")->kind, CommandKind::cancel);
    EXPECT_EQ(parse_command("修改电话")->target, ReportStep::phone);
    EXPECT_EQ(parse_command("改时间")->target, ReportStep::preferred_time);
    EXPECT_EQ(parse_command("地址错了")->target, ReportStep::address);
    EXPECT_FALSE(parse_command("修改")->target.has_value());
    EXPECT_EQ(parse_command("投诉物业")->detail, "物业");
}

TEST(GlobalCommandWords, CancelInsideADescriptionIsADescription) {
    Chat chat = chat_at(ReportStep::description);
    chat.say("热水器取消不了定时");
    EXPECT_EQ(chat.session.flow, Flow::owner_report);
    EXPECT_EQ(chat.session.draft.description, "热水器取消不了定时");
}

}  // namespace
}  // namespace repairbot::dialog
