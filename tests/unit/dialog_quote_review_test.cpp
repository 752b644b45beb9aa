// A supervisor's review of technicians' quotes through step() (DOMAIN.md: the engineering
// supervisor reviews paid-repair quotes): 核准 [单号] [金额元] and 驳回 [单号] 原因, with none,
// one and several quotes waiting, by number or list position, and refused to anyone else.
#include <gtest/gtest.h>

#include "dialog/job_commands.h"
#include "dialog_test_support.h"

namespace repairbot::dialog {
namespace {

using namespace testing;

const std::string kQ1 = "BX20261121-0021";  // 王师傅 quoted 150元
const std::string kQ2 = "BX20261121-0022";  // 李师傅 quoted 80元

Chat supervisor_chat(std::size_t waiting, bool supervisor = true) {
    Chat chat;
    TechnicianView view{"s-1", "张主管", {}};
    view.supervisor = supervisor;
    std::vector<QuoteForReview> quotes = {{kQ1, "3栋2单元502", "水", "王师傅", 15000},
                                          {kQ2, "5栋101", "电", "李师傅", 8000}};
    quotes.resize(std::min(waiting, quotes.size()));
    view.quotes_to_review = quotes;
    chat.technician = view;
    return chat;
}

struct ReviewCase {
    const char* behaviour;
    std::size_t waiting;
    const char* message;
    std::optional<Effect> effect;  // the one effect expected; nullopt: none at all
    TextId reply;
    bool supervisor = true;
};

const ReviewCase kReviewCases[] = {
    {"ApproveByNumber", 1, "核准 BX20261121-0021", ApproveQuote{kQ1, std::nullopt, 15000},
     TextId::review_approved},
    {"ApproveByNumberAmongSeveral", 2, "核准 BX20261121-0022", ApproveQuote{kQ2, std::nullopt, 8000},
     TextId::review_approved},
    {"ApproveWithTheSupervisorsOwnAmount", 2, "核准 BX20261121-0021 120元",
     ApproveQuote{kQ1, 12000, 15000}, TextId::review_approved},
    // Named by its number only: "核准" alone or a position could approve a quote not looked at
    // (another supervisor's answer, or a list changed since it was read).
    {"ApproveWithoutANumberListsThem", 1, "核准", std::nullopt, TextId::review_which},
    {"APositionIsNotANumber", 2, "核准 2", std::nullopt, TextId::review_which},
    {"AnAmountWithoutItsUnitIsRefusedNotIgnored", 1, "核准 BX20261121-0021 80", std::nullopt,
     TextId::review_amount_invalid},
    {"ANoughtAmountIsRefused", 1, "核准 BX20261121-0021 0元", std::nullopt,
     TextId::review_amount_invalid},
    {"ApproveAQuoteNotWaiting", 2, "核准 BX20261121-0099", std::nullopt, TextId::review_not_waiting},
    {"NothingToReview", 0, "核准", std::nullopt, TextId::review_none},
    {"RejectWithAReason", 1, "驳回 BX20261121-0021 材料费偏高，请按价目表重报",
     RejectQuote{kQ1, "材料费偏高，请按价目表重报"}, TextId::review_rejected},
    {"RejectByNumberAmongSeveral", 2, "驳回 BX20261121-0022 不需要换整套", RejectQuote{kQ2, "不需要换整套"},
     TextId::review_rejected},
    {"RejectWithoutAReasonAsksForIt", 1, "驳回 BX20261121-0021", std::nullopt,
     TextId::review_reason_needed},
    {"RejectWithoutANumberListsThem", 1, "驳回 太贵", std::nullopt, TextId::review_which},
    {"ATechnicianWhoIsNoSupervisorIsRefused", 1, "核准 BX20261121-0021", std::nullopt,
     TextId::review_not_supervisor, false},
};

class QuoteReview : public ::testing::TestWithParam<ReviewCase> {};

TEST_P(QuoteReview, DoesWhatItSaysOnlyOnAQuoteWaitingForReview) {
    const auto& c = GetParam();
    Chat chat = supervisor_chat(c.waiting, c.supervisor);
    chat.say(c.message);
    if (c.effect) {
        ASSERT_EQ(chat.last.effects.size(), 1u) << c.message << " -> " << chat.reply();
        EXPECT_EQ(chat.last.effects.front(), *c.effect) << c.message;
    } else {
        EXPECT_TRUE(chat.last.effects.empty()) << c.message;
    }
    EXPECT_TRUE(contains(chat.reply(), opening_of(c.reply)))
        << c.message << " -> " << chat.reply() << " (expected " << key(c.reply) << ")";
    EXPECT_NE(chat.session.flow, Flow::technician_pick) << "no question is left pending";
}

INSTANTIATE_TEST_SUITE_P(Supervisor, QuoteReview, ::testing::ValuesIn(kReviewCases),
                         [](const auto& info) { return std::string(info.param.behaviour); });

TEST(QuoteReview, TheListNamesEachQuoteWithWhoQuotedAndTheAmount) {
    Chat chat = supervisor_chat(2);
    chat.say("核准");
    EXPECT_TRUE(contains(chat.reply(), "· BX20261121-0021 3栋2单元502 水，王师傅报价150元")) << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), "· BX20261121-0022 5栋101 电，李师傅报价80元")) << chat.reply();
}

TEST(QuoteReview, TheApprovalSaysTheAmountPutToTheOwner) {
    Chat chat = supervisor_chat(1);
    chat.say("核准 BX20261121-0021 130元");
    EXPECT_TRUE(contains(chat.reply(), "130元")) << chat.reply();
    chat = supervisor_chat(1);
    chat.say("核准 BX20261121-0021");
    EXPECT_TRUE(contains(chat.reply(), "150元")) << chat.reply();
}

TEST(QuoteReview, ANumberBeyondACutListIsLeftToTheBot) {
    Chat chat = supervisor_chat(2);
    chat.technician->more_quotes_to_review = true;
    chat.say("核准 BX20261121-0031");
    ASSERT_EQ(chat.last.effects.size(), 1u);
    EXPECT_EQ(chat.last.effects.front(), Effect(ApproveQuote{"BX20261121-0031", std::nullopt, std::nullopt}));
    EXPECT_TRUE(contains(chat.reply(), opening_of(TextId::review_approved_as_quoted))) << chat.reply();
    chat.say("核准");
    EXPECT_TRUE(contains(chat.reply(), "有2+条报价")) << "the list says it was cut: " << chat.reply();
}

TEST(QuoteReview, OwnersAnswersAreNoSupervisorsCommand) {
    EXPECT_FALSE(parse_job_command("同意"));
    EXPECT_FALSE(parse_job_command("同意报价"));
    EXPECT_FALSE(parse_job_command("不同意 太贵了"));
}

TEST(QuoteReview, ASupervisorsListOfJobsShowsTheQuotesWaitingForThem) {
    Chat chat = supervisor_chat(2);
    chat.say("我的工单");
    EXPECT_TRUE(contains(chat.reply(), opening_of(TextId::tech_no_jobs))) << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), "BX20261121-0022 5栋101 电，李师傅报价80元")) << chat.reply();
    chat = supervisor_chat(0);
    chat.say("我的工单");
    EXPECT_FALSE(contains(chat.reply(), "等待审核")) << chat.reply();
}

TEST(QuoteReview, OwnersAreToldToBindFirst) {
    Chat chat;  // not a technician at all
    chat.say("核准 BX20261121-0021");
    EXPECT_TRUE(chat.last.effects.empty());
    EXPECT_TRUE(contains(chat.reply(), opening_of(TextId::tech_not_bound))) << chat.reply();
}

TEST(QuoteReviewParsing, AnAmountNeedsItsUnitAndTheReasonIsKeptAsTyped) {
    auto c = parse_job_command("核准 BX20261121-0021 99.5元");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->action, JobAction::approve_quote);
    EXPECT_EQ(c->ticket, "bx20261121-0021");
    EXPECT_EQ(c->cents, 9950);
    c = parse_job_command("核准 2");
    ASSERT_TRUE(c);
    EXPECT_FALSE(c->cents);
    EXPECT_EQ(c->index, 2);
    c = parse_job_command("驳回 BX20261121-0021 换整套不合理，只换阀芯");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->action, JobAction::reject_quote);
    EXPECT_EQ(c->text, "换整套不合理，只换阀芯");
}

}  // namespace
}  // namespace repairbot::dialog
