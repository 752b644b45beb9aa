// The technician's chat through step(): every command with no, one and several open jobs, with
// and without a ticket number, someone else's job refused, fees, and the "which job?" question.
#include <gtest/gtest.h>

#include "dialog/job_commands.h"
#include "dialog/money.h"
#include "dialog/session_codec.h"
#include "dialog_test_support.h"

namespace repairbot::dialog {
namespace {

using namespace testing;

const std::string kJ1 = "BX20261121-0007";  // accepted, 水
const std::string kJ2 = "BX20261121-0008";  // arrived, 电梯
const std::string kJ3 = "BX20261121-0009";  // dispatched, 电
const std::string kJ4 = "BX20261121-0010";  // accepted, off the price list, not quoted

TechnicianJob job(std::string number, JobStatus status, std::string address = "3栋2单元502",
                  std::string fault = "水") {
    return TechnicianJob{std::move(number), status, std::move(address), std::move(fault)};
}

enum class Jobs {
    none,
    one_accepted,
    one_dispatched,
    several,
    two_waiting,
    two_on_site,
    one_on_site_one_accepted,
    accepted_and_waiting,
    on_site_and_waiting,
    off_list_and_waiting,
    off_list,
    off_list_pending,
    off_list_agreed
};

std::vector<TechnicianJob> jobs_for(Jobs j) {
    switch (j) {
        case Jobs::none:
            return {};
        case Jobs::one_accepted:
            return {job(kJ1, JobStatus::accepted)};
        case Jobs::one_dispatched:
            return {job(kJ3, JobStatus::dispatched, "7栋101", "电")};
        case Jobs::two_waiting:
            return {job(kJ1, JobStatus::dispatched),
                    job(kJ3, JobStatus::dispatched, "7栋101", "电")};
        case Jobs::two_on_site:
            return {job(kJ1, JobStatus::arrived),
                    job(kJ2, JobStatus::arrived, "5栋电梯厅", "电梯")};
        case Jobs::accepted_and_waiting:
            return {job(kJ1, JobStatus::accepted), job(kJ3, JobStatus::dispatched, "7栋101", "电")};
        case Jobs::on_site_and_waiting:
            return {job(kJ2, JobStatus::arrived, "5栋电梯厅", "电梯"),
                    job(kJ3, JobStatus::dispatched, "7栋101", "电")};
        case Jobs::off_list_and_waiting: {
            auto j1 = job(kJ1, JobStatus::arrived);
            j1.off_list = true;
            return {j1, job(kJ3, JobStatus::dispatched, "7栋101", "电")};
        }
        case Jobs::one_on_site_one_accepted:
            return {job(kJ2, JobStatus::arrived, "5栋电梯厅", "电梯"),
                    job(kJ1, JobStatus::accepted)};
        case Jobs::several: {
            auto j4 = job(kJ4, JobStatus::accepted, "9栋902", "门窗");
            j4.off_list = true;
            return {job(kJ1, JobStatus::accepted),
                    job(kJ2, JobStatus::arrived, "5栋电梯厅", "电梯"),
                    job(kJ3, JobStatus::dispatched, "7栋101", "电"), j4};
        }
        case Jobs::off_list:
        case Jobs::off_list_pending:
        case Jobs::off_list_agreed: {
            auto j1 = job(kJ1, JobStatus::arrived);
            j1.off_list = true;
            j1.quote = j == Jobs::off_list           ? QuoteState::none
                       : j == Jobs::off_list_pending ? QuoteState::pending
                                                     : QuoteState::agreed;
            return {j1};
        }
    }
    return {};
}

Chat technician_chat(Jobs j) {
    Chat chat;
    chat.technician = TechnicianView{"t-1", "王师傅", jobs_for(j)};
    return chat;
}

struct CommandCase {
    const char* behaviour;
    Jobs jobs;
    const char* message;
    std::optional<Effect> effect;  // the one effect expected; nullopt: none at all
    TextId reply;                  // the reply opens with this text
    bool asks_which = false;
};

// The reply text opening up to its first placeholder, for texts that start with one.
std::string reply_mark(TextId id) {
    std::string s = opening_of(id);
    return s.empty() ? text_of(id).substr(text_of(id).find('}') + 1, 9) : s;
}

class TechnicianCommand : public ::testing::TestWithParam<CommandCase> {};

TEST_P(TechnicianCommand, DoesWhatItSaysOnlyOnTheSendersJob) {
    const auto& c = GetParam();
    Chat chat = technician_chat(c.jobs);
    chat.say(c.message);
    if (c.effect) {
        ASSERT_EQ(chat.last.effects.size(), 1u) << c.message << " -> " << chat.reply();
        EXPECT_EQ(chat.last.effects.front(), *c.effect) << c.message;
    } else {
        EXPECT_TRUE(chat.last.effects.empty()) << c.message;
    }
    EXPECT_TRUE(contains(chat.reply(), reply_mark(c.reply)))
        << c.message << " -> " << chat.reply() << " (expected " << key(c.reply) << ")";
    EXPECT_EQ(chat.session.flow == Flow::technician_pick, c.asks_which) << c.message;
    EXPECT_EQ(chat.session.job_command.has_value(), c.asks_which) << c.message;
}

const CommandCase kCommandCases[] = {
    // 接单
    {"AcceptWithoutJobsSaysThereAreNone", Jobs::none, "接单", std::nullopt, TextId::tech_no_jobs},
    {"AcceptTheOnlyJob", Jobs::one_dispatched, "接单", AcceptJob{kJ3}, TextId::tech_accepted},
    {"AcceptTheOnlyJobByNumber", Jobs::one_dispatched, "接单 BX20261121-0009", AcceptJob{kJ3},
     TextId::tech_accepted},
    {"AcceptTwiceSaysItIsAccepted", Jobs::one_accepted, "接单", std::nullopt,
     TextId::tech_already_accepted},
    // With several jobs, a command that names none means the only one it fits.
    {"AcceptWithSeveralTakesTheOnlyOneWaiting", Jobs::several, "接单", AcceptJob{kJ3},
     TextId::tech_accepted},
    {"AcceptWithTwoWaitingAsksWhich", Jobs::two_waiting, "接单", std::nullopt,
     TextId::tech_which_job, true},
    {"AcceptByTheTicketsEnd", Jobs::two_waiting, "接单 0009", AcceptJob{kJ3},
     TextId::tech_accepted},
    {"AcceptByTheTicketsEndWithoutItsZeros", Jobs::two_waiting, "接单 009", AcceptJob{kJ3},
     TextId::tech_accepted},
    // "09" is 0009's end, not the ninth line of a list of two.
    {"AcceptByATwoDigitEndLedByAZero", Jobs::two_waiting, "接单 09", AcceptJob{kJ3},
     TextId::tech_accepted},
    {"AcceptByNumberAmongSeveral", Jobs::several, "接单 BX20261121-0009", AcceptJob{kJ3},
     TextId::tech_accepted},
    {"AcceptByLowerCaseNumber", Jobs::several, "接单bx20261121-0009", AcceptJob{kJ3},
     TextId::tech_accepted},
    {"AcceptByListPosition", Jobs::several, "接单 3", AcceptJob{kJ3}, TextId::tech_accepted},
    {"AcceptSomeoneElsesJobIsRefused", Jobs::several, "接单 BX20261121-0099", std::nullopt,
     TextId::tech_job_not_yours},
    {"AcceptSomeoneElsesJobWithOneOpenIsRefused", Jobs::one_dispatched, "接单 BX20261121-0099",
     std::nullopt, TextId::tech_job_not_yours},
    {"AcceptPositionOutOfRangeWaitsForTheRightOne", Jobs::several, "接单 7", std::nullopt,
     TextId::tech_no_such_index, true},
    // 到达
    {"ArriveWithoutJobs", Jobs::none, "到达", std::nullopt, TextId::tech_no_jobs},
    {"ArriveAtTheOnlyJob", Jobs::one_accepted, "到达", ArriveJob{kJ1}, TextId::tech_arrived},
    {"ArriveAlsoAsYiDaoChang", Jobs::one_accepted, "已到场", ArriveJob{kJ1}, TextId::tech_arrived},
    {"ArriveAlsoAsDaoLe", Jobs::one_accepted, "到了", ArriveJob{kJ1}, TextId::tech_arrived},
    {"ArriveAlsoAsWoDaoLe", Jobs::one_accepted, "我到了", ArriveJob{kJ1}, TextId::tech_arrived},
    {"ArriveBeforeAcceptingSaysAcceptFirst", Jobs::one_dispatched, "到达", std::nullopt,
     TextId::tech_accept_first},
    {"ArriveWithTwoAcceptedAsksWhich", Jobs::several, "到达", std::nullopt, TextId::tech_which_job,
     true},
    {"ArriveAtTheOnlyAcceptedJobWithNoneOnSite", Jobs::accepted_and_waiting, "到达", ArriveJob{kJ1},
     TextId::tech_arrived},
    // Back from fetching parts, 到了 may mean the job on site: asked.
    {"ArriveWithAJobOnSiteAsksWhich", Jobs::one_on_site_one_accepted, "到了", std::nullopt,
     TextId::tech_which_job, true},
    // A place or a number left unread may name another job: asked, not guessed.
    {"ArriveNamingAPlaceAsksWhich", Jobs::accepted_and_waiting, "到达 7栋101", std::nullopt,
     TextId::tech_which_job, true},
    {"ArriveByNumberAmongSeveral", Jobs::several, "到达 BX20261121-0007", ArriveJob{kJ1},
     TextId::tech_arrived},
    {"ArriveTwiceSaysSo", Jobs::several, "到达 2", std::nullopt, TextId::tech_already_arrived},
    {"ArriveAtSomeoneElsesJob", Jobs::one_accepted, "到达 BX20261121-0099", std::nullopt,
     TextId::tech_job_not_yours},
    // 完成
    {"FinishWithoutJobs", Jobs::none, "完成", std::nullopt, TextId::tech_no_jobs},
    {"FinishTheOnlyJobWithoutFee", Jobs::one_accepted, "完成", FinishJob{kJ1, std::nullopt, ""},
     TextId::tech_finished},
    {"FinishInEnglish", Jobs::one_accepted, "done", FinishJob{kJ1, std::nullopt, ""},
     TextId::tech_finished},
    {"FinishWithFee", Jobs::one_accepted, "完成 费用 80", FinishJob{kJ1, 8000, ""},
     TextId::tech_finished_fee},
    {"FinishWithFeeAndYuan", Jobs::one_accepted, "完成 费用80元", FinishJob{kJ1, 8000, ""},
     TextId::tech_finished_fee},
    {"FinishWithDecimalFee", Jobs::one_accepted, "完成 费用 12.5", FinishJob{kJ1, 1250, ""},
     TextId::tech_finished_fee},
    {"FinishWithAGroupedFeeAndANote", Jobs::one_accepted, "完成 费用 1,200，换了主阀",
     FinishJob{kJ1, 120000, "换了主阀"}, TextId::tech_finished_fee},
    // A Chinese comma separates, never groups: 80元, the rest a note.
    {"FinishWithAFeeThenAChineseCommaIsNotAGroup", Jobs::one_accepted, "完成 费用 80，换阀门",
     FinishJob{kJ1, 8000, "换阀门"}, TextId::tech_finished_fee},
    {"FinishWithAFeeThenAChineseCommaAndThreeDigitsIsNotAGroup", Jobs::one_accepted,
     "完成 BX20261121-0007 费用 80，200", FinishJob{kJ1, 8000, "200"}, TextId::tech_finished_fee},
    {"FinishWithFeeAndNoteKeepsTheNoteAsTyped", Jobs::one_accepted,
     "完成，费用：12.50，换了ABC牌水龙头（业主自备）",
     FinishJob{kJ1, 1250, "换了ABC牌水龙头（业主自备）"}, TextId::tech_finished_fee},
    {"FinishWithAmountInYuanWithoutFeeWord", Jobs::one_accepted, "完成 80元 换阀门",
     FinishJob{kJ1, 8000, "换阀门"}, TextId::tech_finished_fee},
    {"FinishWithBadFeeSaysHowToWriteIt", Jobs::one_accepted, "完成 费用 八十多", std::nullopt,
     TextId::tech_fee_invalid},
    {"FinishWithFeeWordButNoAmount", Jobs::one_accepted, "完成 费用", std::nullopt,
     TextId::tech_fee_invalid},
    {"FinishSayingThereIsNoFee", Jobs::one_accepted, "完成 没有费用",
     FinishJob{kJ1, std::nullopt, "没有费用"}, TextId::tech_finished},
    {"FinishWithABareNumberBeyondTheListAsksWhetherItIsTheFee", Jobs::one_accepted, "完成 50",
     std::nullopt, TextId::tech_no_such_index_fee, true},
    {"FinishWithThreeDecimalsIsRefused", Jobs::one_accepted, "完成 费用 12.345", std::nullopt,
     TextId::tech_fee_invalid},
    {"FinishWithOneTakenOnFinishesIt", Jobs::on_site_and_waiting, "完成 费用 80",
     FinishJob{kJ2, 8000, ""}, TextId::tech_finished_fee},
    // A job on site and another accepted: yesterday's job left waiting for parts may be today's.
    {"FinishWithSeveralTakenOnAsksWhich", Jobs::several, "完成 费用 80", std::nullopt,
     TextId::tech_which_job, true},
    {"FinishByTheTicketsEndWithHao", Jobs::several, "完成 0007号", FinishJob{kJ1, std::nullopt, ""},
     TextId::tech_finished},
    {"FinishByTheTicketsEndWithAFullStop", Jobs::several, "完成 0007。",
     FinishJob{kJ1, std::nullopt, ""}, TextId::tech_finished},
    {"FinishWithANumberInTheNoteAsksWhich", Jobs::on_site_and_waiting, "完成 换了阀门 0009",
     std::nullopt, TextId::tech_which_job, true},
    {"FinishWithTwoOnSiteAsksWhich", Jobs::two_on_site, "完成 费用 80", std::nullopt,
     TextId::tech_which_job, true},
    {"FinishWithNothingTakenOnAsksWhich", Jobs::two_waiting, "完成", std::nullopt,
     TextId::tech_which_job, true},
    {"FinishByTheTicketsEndWithFee", Jobs::several, "完成 0008 费用 50", FinishJob{kJ2, 5000, ""},
     TextId::tech_finished_fee},
    {"FinishByNumberAmongSeveral", Jobs::several, "完成 BX20261121-0008 费用 50 换灯泡",
     FinishJob{kJ2, 5000, "换灯泡"}, TextId::tech_finished_fee},
    {"FinishByPositionAmongSeveral", Jobs::several, "完成 2", FinishJob{kJ2, std::nullopt, ""},
     TextId::tech_finished},
    {"FinishBeforeAcceptingSaysAcceptFirst", Jobs::several, "完成 BX20261121-0009", std::nullopt,
     TextId::tech_accept_first},
    {"FinishSomeoneElsesJob", Jobs::several, "完成 BX20261121-0099 费用 80", std::nullopt,
     TextId::tech_job_not_yours},
    {"FinishOffListWithoutQuoteAsksForIt", Jobs::off_list, "完成 费用 120", std::nullopt,
     TextId::tech_quote_needed},
    {"FinishOffListWhileQuotePendingWaits", Jobs::off_list_pending, "完成 费用 120", std::nullopt,
     TextId::tech_quote_waiting},
    {"FinishOffListAfterAgreement", Jobs::off_list_agreed, "完成 费用 120",
     FinishJob{kJ1, 12000, ""}, TextId::tech_finished_fee},
    // 报价
    {"QuoteWithoutJobs", Jobs::none, "报价 120", std::nullopt, TextId::tech_no_jobs},
    {"QuoteTheOnlyOffListJob", Jobs::off_list, "报价 120", QuoteJob{kJ1, 12000},
     TextId::tech_quoted},
    {"QuoteWithYuanAndDecimals", Jobs::off_list, "报价120.5元", QuoteJob{kJ1, 12050},
     TextId::tech_quoted},
    {"QuoteAgainWhilePendingReplacesIt", Jobs::off_list_pending, "报价 100", QuoteJob{kJ1, 10000},
     TextId::tech_quoted},
    {"QuoteAgainAfterAgreementAsksTheOwnerAgain", Jobs::off_list_agreed, "报价 300",
     QuoteJob{kJ1, 30000}, TextId::tech_quoted},
    {"ArriveAtAnOffListJobBeforeTheQuoteRecordsItAndSaysQuoteFirst", Jobs::several, "到达 4",
     ArriveJob{kJ4}, TextId::tech_arrived_quote_first},
    {"QuoteWithoutAmountSaysHow", Jobs::off_list, "报价", std::nullopt, TextId::tech_quote_invalid},
    {"QuoteWithBadAmountSaysHow", Jobs::off_list, "报价 很贵", std::nullopt,
     TextId::tech_quote_invalid},
    {"QuoteOnAListedRepairIsNotNeeded", Jobs::one_accepted, "报价 120", std::nullopt,
     TextId::tech_quote_not_needed},
    {"QuoteTheOnlyPaidRepairTakenOn", Jobs::off_list_and_waiting, "报价 120", QuoteJob{kJ1, 12000},
     TextId::tech_quoted},
    // On site at a listed repair: the quote may be meant for it (the reply will say so).
    {"QuoteWithAnotherJobOnSiteAsksWhich", Jobs::several, "报价 120", std::nullopt,
     TextId::tech_which_job, true},
    {"QuoteByPositionAmongSeveral", Jobs::several, "报价 120 4", QuoteJob{kJ4, 12000},
     TextId::tech_quoted},
    {"QuoteSomeoneElsesJob", Jobs::off_list, "报价 120 BX20261121-0099", std::nullopt,
     TextId::tech_job_not_yours},
    // The ticket's end before the amount: the job, never a 5元 quote.
    {"QuoteByTheTicketsEndThenAmount", Jobs::off_list, "报价 0007 200", QuoteJob{kJ1, 20000},
     TextId::tech_quoted},
    {"QuoteByTheTicketsEndWithHaoThenYuan", Jobs::several, "报价 0010号 150元",
     QuoteJob{kJ4, 15000}, TextId::tech_quoted},
    // Thousands grouped by a comma: 1200元, not 1元.
    {"QuoteWithThousandsGrouped", Jobs::off_list, "报价 0007 1,200", QuoteJob{kJ1, 120000},
     TextId::tech_quoted},
    {"QuoteWithThousandsAndDecimals", Jobs::off_list, "报价 12,000.50元", QuoteJob{kJ1, 1200050},
     TextId::tech_quoted},
    // Grouped wrongly: not a price to guess at.
    {"QuoteWithABadGroupSaysHow", Jobs::off_list, "报价 1,20", std::nullopt,
     TextId::tech_quote_invalid},
    {"QuoteWithALongGroupSaysHow", Jobs::off_list, "报价 1,2000", std::nullopt,
     TextId::tech_quote_invalid},
    // 转单
    {"HandOverWithoutJobs", Jobs::none, "转单 需要电工", std::nullopt, TextId::tech_no_jobs},
    {"HandOverTheOnlyJob", Jobs::one_accepted, "转单 需要电工", HandOverJob{kJ1, "需要电工"},
     TextId::tech_handed_over},
    {"HandOverWithoutReasonAsksForIt", Jobs::one_accepted, "转单", std::nullopt,
     TextId::tech_handover_reason},
    {"HandOverByNumberAmongSeveral", Jobs::several, "转单 BX20261121-0008 不会修电梯",
     HandOverJob{kJ2, "不会修电梯"}, TextId::tech_handed_over},
    {"HandOverWithSeveralAsksWhich", Jobs::several, "转单 太远了", std::nullopt,
     TextId::tech_which_job, true},
    {"HandOverSomeoneElsesJob", Jobs::several, "转单 BX20261121-0099 太远", std::nullopt,
     TextId::tech_job_not_yours},
    // 我的工单
    {"ListWithoutJobs", Jobs::none, "我的工单", ListJobs{}, TextId::tech_no_jobs},
    {"ListTheOnlyJob", Jobs::one_accepted, "我的工单", ListJobs{}, TextId::tech_jobs},
    {"ListSeveralJobs", Jobs::several, "工单", ListJobs{}, TextId::tech_jobs},
    // 绑定 (a bound technician may bind again; the bot decides)
    {"BindWithACode", Jobs::none, "绑定 A1b2C3", BindTechnician{"A1b2C3"}, TextId::bind_requested},
    {"BindWithoutACodeSaysHow", Jobs::none, "绑定", std::nullopt, TextId::bind_usage},
    // Anything else
    {"ChatterGetsTheCommandHint", Jobs::several, "在吗", std::nullopt, TextId::tech_hint},
    {"HelpListsTheCommands", Jobs::several, "帮助", std::nullopt, TextId::tech_help},
};

INSTANTIATE_TEST_SUITE_P(Technician, TechnicianCommand, ::testing::ValuesIn(kCommandCases),
                         [](const auto& info) { return std::string(info.param.behaviour); });

TEST(Technician, SeveralJobsAreListedWithPositionsAddressesAndStatus) {
    Chat chat = technician_chat(Jobs::several);
    chat.say("我的工单");
    EXPECT_TRUE(contains(chat.reply(), "1. BX20261121-0007 3栋2单元502 水（已接单）"))
        << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), "2. BX20261121-0008 5栋电梯厅 电梯（已到场）"));
    EXPECT_TRUE(contains(chat.reply(), "3. BX20261121-0009 7栋101 电（待接单）"));

    // An emergency stands out in every list: the one to go to first.
    chat.technician->open_jobs[2].emergency = true;
    chat.say("转单 太远");
    EXPECT_TRUE(contains(chat.reply(), "3. 【紧急】BX20261121-0009 7栋101 电（待接单）"))
        << chat.reply();
}

TEST(Technician, ConfirmationNamesTheTicketAndWhatToSendNext) {
    Chat chat = technician_chat(Jobs::one_dispatched);
    chat.say("接单");
    EXPECT_EQ(chat.reply(), "已接单 BX20261121-0009（7栋101），到场后发“到达”。");
    chat = technician_chat(Jobs::one_accepted);
    chat.say("完成 费用 12.5");
    EXPECT_TRUE(contains(chat.reply(), "费用12.50元")) << chat.reply();
}

// Taking a job on, the technician learns whom to call and when to be there (the owner's booked
// time): on a ladder, without opening the job push again.
TEST(Technician, AcceptingSaysWhomToCallAndWhenToBeThere) {
    auto view = TechnicianView{};
    view.id = "7";
    view.name = "王师傅";
    auto booked = job(kJ3, JobStatus::dispatched, "7栋101", "电");
    booked.phone = "13800138000";
    booked.visit = "业主预约 12月6日 14:00-18:00 上门，请于12月6日 13:55前到场";
    view.open_jobs = {booked};
    Chat chat;
    chat.technician = view;
    chat.say("接单");
    EXPECT_EQ(
        chat.reply(),
        "已接单 BX20261121-0009（7栋101）。业主电话 13800138000；业主预约 12月6日 14:00-18:00 "
        "上门，请于12月6日 13:55前到场。到场后发“到达”。");
    ASSERT_EQ(chat.last.effects.size(), 1u);
    EXPECT_EQ(chat.last.effects.front(), Effect{AcceptJob{kJ3}});

    // Asked again later (the push lost): the same, without a second acceptance.
    chat.technician->open_jobs[0].status = JobStatus::accepted;
    chat.say("接单 BX20261121-0009");
    EXPECT_EQ(chat.reply(),
              "BX20261121-0009 已接过单。业主电话 13800138000；业主预约 12月6日 14:00-18:00 "
              "上门，请于12月6日 13:55前到场。到场后发“到达”。");
    EXPECT_TRUE(chat.last.effects.empty());
}

// ---- the "which job?" question ----

struct PickCase {
    const char* behaviour;
    const char* command;
    const char* answer;
    Effect effect;
};

class WhichJob : public ::testing::TestWithParam<PickCase> {};

TEST_P(WhichJob, TheNextMessageCompletesThePendingCommand) {
    const auto& c = GetParam();
    Chat chat = technician_chat(Jobs::several);
    chat.say(c.command);
    ASSERT_EQ(chat.session.flow, Flow::technician_pick);
    // The pending command survives storage between the two messages.
    auto stored = decode(encode(chat.session));
    ASSERT_TRUE(stored.has_value());
    chat.session = *stored;
    chat.say(c.answer);
    ASSERT_EQ(chat.last.effects.size(), 1u) << chat.reply();
    EXPECT_EQ(chat.last.effects.front(), c.effect);
    EXPECT_EQ(chat.session.flow, Flow::idle);
    EXPECT_FALSE(chat.session.job_command.has_value());
}

const PickCase kPickCases[] = {
    {"HandOverByTicketNumber", "转单 太远", "BX20261121-0009", HandOverJob{kJ3, "太远"}},
    {"HandOverByLowerCaseNumberWithSpaces", "转单 太远", " bx20261121-0009 ",
     HandOverJob{kJ3, "太远"}},
    // 到达 offers the jobs taken on (0007, 0008, 0010), numbered 1 to 3.
    {"ArriveByPosition", "到达", "1", ArriveJob{kJ1}},
    {"ArriveByOrdinal", "到达", "第3个", ArriveJob{kJ4}},
    {"ArriveByTheTicketsEnd", "到达", "0010", ArriveJob{kJ4}},
    {"ArriveByTheTicketsEndWithoutItsFirstZero", "到达", "010", ArriveJob{kJ4}},
    {"ArriveByTheTicketsDateAndSerial", "到达", "20261121-0010", ArriveJob{kJ4}},
    {"HandOverKeepsTheReason", "转单 需要电工", "3", HandOverJob{kJ3, "需要电工"}},
    {"ANewFullCommandReplacesThePendingOne", "到达", "完成 BX20261121-0008",
     FinishJob{kJ2, std::nullopt, ""}},
};

INSTANTIATE_TEST_SUITE_P(Technician, WhichJob, ::testing::ValuesIn(kPickCases),
                         [](const auto& info) { return std::string(info.param.behaviour); });

TEST(Technician, WhichJobKeepsAskingUntilAnsweredAndRefusesOthersJobs) {
    Chat chat = technician_chat(Jobs::two_on_site);
    chat.say("完成 费用 80");
    chat.say("嗯");
    EXPECT_TRUE(contains(chat.reply(), opening_of(TextId::tech_pick_not_understood)));
    EXPECT_EQ(chat.session.flow, Flow::technician_pick);
    chat.say("9");
    EXPECT_TRUE(contains(chat.reply(), "没有第9单")) << chat.reply();
    EXPECT_EQ(chat.session.flow, Flow::technician_pick);
    chat.say("BX20261121-0099");
    EXPECT_TRUE(contains(chat.reply(), "BX20261121-0099 不是您的进行中工单")) << chat.reply();
    EXPECT_TRUE(chat.last.effects.empty());
    EXPECT_EQ(chat.session.flow, Flow::technician_pick);
    chat.say("2");
    ASSERT_NE(find_effect<FinishJob>(chat.last), nullptr);
    EXPECT_EQ(*find_effect<FinishJob>(chat.last), (FinishJob{kJ2, 8000, ""}));
}

// "完成 50" on a ladder with one job: no 50th job — perhaps the fee. The bot says both ways out
// and keeps the 完成 waiting: "1" finishes the job, "是" or "完成 费用 50" finishes it with the
// fee.
TEST(Technician, AFinishWithANumberPastTheListWaitsForTheJobOrTheFee) {
    Chat chat = technician_chat(Jobs::one_accepted);
    chat.say("完成 50");
    EXPECT_TRUE(contains(chat.reply(), "没有第50单。如果50元是费用，请回复“是”")) << chat.reply();
    EXPECT_TRUE(chat.last.effects.empty());
    chat.say("1");
    ASSERT_NE(find_effect<FinishJob>(chat.last), nullptr) << chat.reply();
    EXPECT_EQ(*find_effect<FinishJob>(chat.last), (FinishJob{kJ1, std::nullopt, ""}));

    Chat fee = technician_chat(Jobs::one_accepted);
    fee.say("完成 50");
    fee.say("完成 费用 50");
    ASSERT_NE(find_effect<FinishJob>(fee.last), nullptr) << fee.reply();
    EXPECT_EQ(*find_effect<FinishJob>(fee.last), (FinishJob{kJ1, 5000, ""}));
    EXPECT_EQ(fee.session.flow, Flow::idle);

    for (const char* yes : {"是", "是的", "对", "是费用", "好的", "嗯嗯", "80元", "费用80",
                            "是80元", "对的，是费用"}) {
        Chat said = technician_chat(Jobs::one_accepted);
        said.say("完成 80 换了阀门");
        said.say(yes);
        ASSERT_NE(find_effect<FinishJob>(said.last), nullptr) << yes << " -> " << said.reply();
        EXPECT_EQ(*find_effect<FinishJob>(said.last), (FinishJob{kJ1, 8000, "换了阀门"})) << yes;
        EXPECT_EQ(said.session.flow, Flow::idle) << yes;
    }
    // A question is no yes; after a list number was asked for, "是" alone takes nothing else.
    Chat doubt = technician_chat(Jobs::one_accepted);
    doubt.say("完成 80");
    doubt.say("是？");
    EXPECT_TRUE(doubt.last.effects.empty()) << doubt.reply();
    Chat plain = technician_chat(Jobs::several);
    plain.say("到达");
    plain.say("是");
    EXPECT_TRUE(plain.last.effects.empty()) << plain.reply();
    EXPECT_EQ(plain.session.flow, Flow::technician_pick);
    // Not understood: the fee question again, "是" still its answer; another amount is none.
    Chat unclear = technician_chat(Jobs::one_accepted);
    unclear.say("完成 80");
    unclear.say("嗯，差不多吧");
    EXPECT_TRUE(contains(unclear.reply(), "如果80元是费用，请回复“是”")) << unclear.reply();
    unclear.say("50元");
    EXPECT_TRUE(unclear.last.effects.empty()) << unclear.reply();
    for (const char* not_yes : {"8.0", "元", "不是", "是不是", "800"}) {
        unclear.say(not_yes);
        EXPECT_TRUE(unclear.last.effects.empty()) << not_yes << " -> " << unclear.reply();
    }
    unclear.say("是");
    ASSERT_NE(find_effect<FinishJob>(unclear.last), nullptr) << unclear.reply();
    EXPECT_EQ(find_effect<FinishJob>(unclear.last)->fee_cents, 8000);
    // Another bare number off the list is the fee asked about now: "是" takes 50, not 80.
    Chat other = technician_chat(Jobs::one_accepted);
    other.say("完成 80");
    other.say("50");
    EXPECT_TRUE(contains(other.reply(), "如果50元是费用，请回复“是”")) << other.reply();
    other.say("是");
    ASSERT_NE(find_effect<FinishJob>(other.last), nullptr) << other.reply();
    EXPECT_EQ(find_effect<FinishJob>(other.last)->fee_cents, 5000);
    // The job gone meanwhile: "是" has nothing to finish, and the question ends.
    Chat gone = technician_chat(Jobs::one_accepted);
    gone.say("完成 80");
    gone.technician->open_jobs.clear();
    gone.say("是");
    EXPECT_TRUE(gone.last.effects.empty());
    EXPECT_EQ(gone.reply(), text_of(TextId::tech_no_jobs));
    EXPECT_EQ(gone.session.flow, Flow::idle);
}

// Two jobs 完成 fits: "是" keeps the fee and still asks which; the job's number then finishes it
// with that fee.
TEST(Technician, AFeeSaidYesToWithTwoJobsStillAsksWhichJob) {
    Chat chat = technician_chat(Jobs::two_on_site);
    chat.say("完成 80");
    chat.say("是");
    EXPECT_TRUE(chat.last.effects.empty()) << chat.reply();
    EXPECT_EQ(chat.session.flow, Flow::technician_pick);
    ASSERT_TRUE(chat.session.job_command.has_value());
    EXPECT_EQ(chat.session.job_command->cents, 8000);
    chat.say("2");
    ASSERT_NE(find_effect<FinishJob>(chat.last), nullptr) << chat.reply();
    EXPECT_EQ(*find_effect<FinishJob>(chat.last), (FinishJob{kJ2, 8000, ""}));
}

TEST(Technician, WhichJobCanBeCancelled) {
    Chat chat = technician_chat(Jobs::several);
    chat.say("转单 太远");
    chat.say("取消");
    EXPECT_EQ(chat.reply(), text_of(TextId::tech_pick_cancelled));
    EXPECT_EQ(chat.session.flow, Flow::idle);
    EXPECT_FALSE(chat.session.job_command.has_value());
}

TEST(Technician, WhichJobIsDroppedWhenTheSenderIsNoLongerATechnician) {
    Chat chat = technician_chat(Jobs::several);
    chat.say("转单 太远");
    chat.technician.reset();
    chat.say("2");
    EXPECT_TRUE(chat.last.effects.empty());
    EXPECT_EQ(chat.session.flow, Flow::idle);
    EXPECT_FALSE(chat.session.job_command.has_value());
}

// A list number means the job shown under it: a job given to the technician meanwhile (which
// sorts first, by age) does not turn "2" into another job; a job shown but no longer theirs is
// said so, with the list as it is now, and the question waits for an answer from that list.
TEST(Technician, AListNumberMeansTheJobShownUnderItEvenWhenTheListChangedSince) {
    Chat chat = technician_chat(Jobs::several);
    chat.say("转单 太远");
    ASSERT_EQ(chat.session.flow, Flow::technician_pick);
    chat.technician->open_jobs.insert(chat.technician->open_jobs.begin(),
                                      job("BX20261120-0001", JobStatus::dispatched, "1栋101", "水"));
    chat.say("2");
    ASSERT_EQ(chat.last.effects.size(), 1u) << chat.reply();
    EXPECT_EQ(std::get<HandOverJob>(chat.last.effects.front()).ticket_number, kJ2)
        << "shown as 2, not now 2";

    chat.say("我的工单");  // the new list: 0001, 0007, 0008, 0009, 0010
    chat.technician->open_jobs.erase(chat.technician->open_jobs.begin() + 2);  // 0008 finished
    chat.say("接单 3");
    EXPECT_TRUE(chat.last.effects.empty());
    EXPECT_TRUE(contains(chat.reply(), "第3单（" + kJ2 + "）已不是您的进行中工单")) << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), "3. " + kJ3)) << "the list as it is now: " << chat.reply();
    chat.say("接单 3");
    ASSERT_EQ(chat.last.effects.size(), 1u) << chat.reply();
    EXPECT_EQ(std::get<AcceptJob>(chat.last.effects.front()).ticket_number, kJ3) << "3 of the list just shown";
}

// A list number past the list they saw, while the jobs changed since (a job given meanwhile):
// the list as it is now, to answer from; a list seen before the session went idle no longer
// decides what a number means.
TEST(Technician, ANumberPastTheListTheySawShowsTheListAsItIsNow) {
    Chat chat = technician_chat(Jobs::several);
    chat.technician->open_jobs.resize(2);
    chat.say("我的工单");  // 1. 0007  2. 0008
    chat.technician->open_jobs.push_back(job(kJ3, JobStatus::dispatched, "7栋101", "电"));
    chat.say("接单 3");
    EXPECT_TRUE(chat.last.effects.empty());
    EXPECT_TRUE(contains(chat.reply(), "刚才的列表里没有第3单。您现在的工单有3个")) << chat.reply();
    chat.say("接单 3");
    ASSERT_EQ(chat.last.effects.size(), 1u) << chat.reply();
    EXPECT_EQ(std::get<AcceptJob>(chat.last.effects.front()).ticket_number, kJ3);

    chat.say("我的工单");
    chat.now += chat.limits.session_idle_timeout + std::chrono::minutes{1};
    chat.technician->open_jobs.insert(chat.technician->open_jobs.begin(),
                                      job("BX20261120-0001", JobStatus::dispatched, "1栋101", "水"));
    chat.say("接单 1");
    ASSERT_EQ(chat.last.effects.size(), 1u) << chat.reply();
    EXPECT_EQ(std::get<AcceptJob>(chat.last.effects.front()).ticket_number, "BX20261120-0001")
        << "the old list is forgotten: 1 of the jobs as they are";
}

// Every job finished or taken while the technician was asked which one: the question ends.
TEST(Technician, WhichJobEndsWhenNoJobIsLeft) {
    Chat chat = technician_chat(Jobs::several);
    chat.say("转单 太远");
    chat.technician->open_jobs.clear();
    chat.say("1");
    EXPECT_EQ(chat.reply(), text_of(TextId::tech_no_jobs));
    EXPECT_EQ(chat.session.flow, Flow::idle);
    EXPECT_TRUE(chat.last.effects.empty());
}

// ---- photos from the site ----

// A technician's photo goes to the job they are at: the one arrived at, or their only job. It
// opens no repair report, so the 完成 that follows is a job command, not a report's answer.
TEST(Technician, APhotoFromTheSiteIsKeptOnTheJobArrivedAtAndOpensNoReport) {
    Chat chat = technician_chat(Jobs::several);  // only kJ2 arrived
    chat.photo("m-site-1");
    ASSERT_EQ(chat.last.effects.size(), 1u) << chat.reply();
    EXPECT_EQ(chat.last.effects.front(), Effect(AttachJobPhoto{kJ2, Photo{"m-site-1", "http://mmbiz.example/m-site-1"}}));
    EXPECT_TRUE(contains(chat.reply(), "照片已记入工单 " + kJ2)) << chat.reply();
    EXPECT_EQ(chat.session.flow, Flow::idle);
    EXPECT_TRUE(chat.session.draft.photos.empty());
    chat.say("完成");
    EXPECT_EQ(chat.session.flow, Flow::technician_pick) << "a job command: " << chat.reply();

    Chat only = technician_chat(Jobs::one_accepted);
    only.photo("m-site-2");
    const Effect kept = AttachJobPhoto{kJ1, Photo{"m-site-2", "http://mmbiz.example/m-site-2"}};
    EXPECT_EQ(only.last.effects, std::vector<Effect>{kept});
}

// Several jobs and not one arrived at (or two): which job the photo is for cannot be told, and
// the reply says to send 到达 first; a "which job?" under way is asked again after it.
TEST(Technician, APhotoWhoseJobCannotBeToldAsksForArrivalFirst) {
    Chat chat = technician_chat(Jobs::several);
    chat.technician->open_jobs[1].status = JobStatus::accepted;  // kJ2 no longer arrived
    chat.say("到达");
    chat.photo("m-site-3");
    EXPECT_TRUE(chat.last.effects.empty());
    EXPECT_TRUE(contains(chat.reply(), "请先发“到达 工单号”，再发照片")) << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), "1. " + kJ1)) << chat.reply();
    EXPECT_EQ(chat.session.flow, Flow::technician_pick);
    EXPECT_TRUE(contains(chat.last.replies.front().text, "哪一单"))
        << "asked again: " << chat.reply();
}

// On site at two jobs (a neighbour's leak too): the photo goes to the one last named with 到达;
// before naming one, the reply says to.
TEST(Technician, APhotoWithTwoJobsArrivedAtGoesToTheOneLastNamed) {
    Chat chat = technician_chat(Jobs::several);
    chat.technician->open_jobs[0].status = JobStatus::arrived;  // kJ1 and kJ2 both arrived
    chat.photo("m-two-1");
    EXPECT_TRUE(chat.last.effects.empty());
    EXPECT_TRUE(contains(chat.reply(), "请先发“到达 工单号”")) << chat.reply();
    chat.say("到达 " + kJ1);
    chat.photo("m-two-2");
    const Effect kept = AttachJobPhoto{kJ1, Photo{"m-two-2", "http://mmbiz.example/m-two-2"}};
    EXPECT_EQ(chat.last.effects, std::vector<Effect>{kept}) << chat.reply();
}

// A technician reporting a repair of their own (their home) sends the photo to the report; with
// no open job, a photo starts a report as anyone's does.
TEST(Technician, APhotoDuringTheirOwnReportOrWithNoJobIsTheReports) {
    Chat chat = technician_chat(Jobs::several);
    chat.say("报修");
    ASSERT_EQ(chat.session.flow, Flow::owner_report);
    chat.photo("m-home-1");
    EXPECT_TRUE(chat.last.effects.empty());
    ASSERT_EQ(chat.session.draft.photos.size(), 1u);
    EXPECT_EQ(chat.session.draft.photos[0].media_id, "m-home-1");

    Chat idle = technician_chat(Jobs::none);
    idle.photo("m-home-2");
    EXPECT_EQ(idle.session.flow, Flow::owner_report);
}

// ---- technicians and owners ----

TEST(Technician, OwnersAreToldToBindFirst) {
    Chat chat;  // no technician in the context
    chat.say("接单");
    EXPECT_EQ(chat.reply(), text_of(TextId::tech_not_bound));
    EXPECT_TRUE(chat.last.effects.empty());
    chat.say("完成 费用 80");
    EXPECT_EQ(chat.reply(), text_of(TextId::tech_not_bound));
}

// The database unreachable while the bot looks up who sent a message: a bound technician's 完成
// is answered "try again later" (not "bind first", which would send them after a new code), and
// a "which job?" under way is kept for the answer sent again.
TEST(Technician, AJobCommandFromASenderTheBotCouldNotLookUpIsAskedAgainLaterNotToBind) {
    Chat chat = technician_chat(Jobs::several);
    chat.say("转单 太远");
    ASSERT_EQ(chat.session.flow, Flow::technician_pick);
    const Session asked = chat.session;
    chat.technician.reset();
    chat.technician_unknown = true;
    chat.say("2");
    EXPECT_EQ(chat.reply(), text_of(TextId::tech_unrecognised));
    EXPECT_TRUE(chat.last.effects.empty());
    EXPECT_EQ(chat.session.flow, Flow::technician_pick) << "the question stays for the answer sent again";
    EXPECT_EQ(chat.session.job_command, asked.job_command);
    chat.say("到达 BX20261121-0009");
    EXPECT_EQ(chat.reply(), text_of(TextId::tech_unrecognised));

    Chat idle;
    idle.technician_unknown = true;
    idle.say("完成 费用 80");
    EXPECT_EQ(idle.reply(), text_of(TextId::tech_unrecognised));
    EXPECT_TRUE(idle.last.effects.empty());
    idle.say("厨房水管漏水");
    EXPECT_NE(idle.reply(), text_of(TextId::tech_unrecognised)) << "an owner's report goes on as ever";
    EXPECT_EQ(idle.session.flow, Flow::owner_report);
}

// An owner who writes their ticket number and then 完成 is asking about their repair, not a
// technician without a binding: they are not told to bind.
TEST(Technician, AnOwnersTicketNumberThenDoneIsNotToldToBind) {
    Chat chat;
    chat.say("BX20261121-0007 完成了吗");
    EXPECT_NE(chat.reply(), text_of(TextId::tech_not_bound)) << chat.reply();
}

// "到了" alone is a technician's arrival; an owner's "到了吗" / "我到了" is not a command for them.
TEST(Technician, AnOwnersDaoLeIsNotAJobCommand) {
    for (const char* said : {"到了吗", "我到了", "到了"}) {
        Chat chat;
        chat.say(said);
        EXPECT_NE(chat.reply(), text_of(TextId::tech_not_bound)) << said;
    }
}

TEST(Technician, AnOwnersMyTicketsIsAProgressQuery) {
    Chat chat;
    chat.say("我的工单");
    EXPECT_NE(find_effect<QueryProgress>(chat.last), nullptr);
}

TEST(Technician, AnyoneMayBindEvenInTheMiddleOfAReport) {
    Chat chat;
    chat.say("3栋502厨房水管漏水了");
    auto draft = chat.session.draft;
    chat.say("绑定 778899");
    ASSERT_NE(find_effect<BindTechnician>(chat.last), nullptr);
    EXPECT_EQ(find_effect<BindTechnician>(chat.last)->code, "778899");
    EXPECT_EQ(chat.session.flow, Flow::owner_report);
    EXPECT_EQ(chat.session.draft, draft);
}

TEST(Technician, ATechnicianCanReportARepairLikeAnOwner) {
    Chat chat = technician_chat(Jobs::several);
    chat.say("5号楼楼道灯坏了");
    EXPECT_EQ(chat.session.flow, Flow::owner_report);
    // Inside the report, a bare 完成 / 好了 answer the report; a job command that says more (a
    // ticket, a fee, a note) or another action is the job's, and the draft waits.
    chat.say("完成");
    EXPECT_TRUE(chat.last.effects.empty());
    EXPECT_EQ(chat.session.flow, Flow::owner_report);
    EXPECT_NE(chat.session.step, ReportStep::photos);
    const auto draft = chat.session.draft;
    chat.say("到达 BX20261121-0007");
    EXPECT_NE(find_effect<ArriveJob>(chat.last), nullptr);
    EXPECT_EQ(chat.session.flow, Flow::owner_report);
    chat.say("完成 1 费用 100 换了一段水管");
    EXPECT_NE(find_effect<FinishJob>(chat.last), nullptr) << chat.reply();
    EXPECT_EQ(chat.session.draft, draft) << "the draft waits";
    // A ticket's end alone after the command names the job, as read off the push.
    chat.say("完成 0008");
    ASSERT_NE(find_effect<FinishJob>(chat.last), nullptr) << chat.reply();
    EXPECT_EQ(find_effect<FinishJob>(chat.last)->ticket_number, kJ2);
    EXPECT_EQ(chat.session.draft, draft) << "the draft still waits";
    for (const std::string words : {"完成了", "到达电梯口时发现灯一直闪",
                                    "到达 0302 门口时发现灯一直闪"}) {  // the report's words
        chat.say(words);
        EXPECT_EQ(find_effect<FinishJob>(chat.last), nullptr) << words;
        EXPECT_EQ(find_effect<ArriveJob>(chat.last), nullptr) << words;
        EXPECT_EQ(chat.session.flow, Flow::owner_report) << words;
    }
}

// A technician's danger with no place gets the advice and a report at once; a place that is one
// of their jobs' is talk about the job.
TEST(Technician, ATechniciansDangerIsReportedAndTheirJobsPlaceIsTalk) {
    Chat danger = technician_chat(Jobs::several);
    danger.say("燃气泄漏了");
    EXPECT_EQ(danger.session.flow, Flow::owner_report) << danger.reply();
    EXPECT_TRUE(contains(danger.reply(), shipped_data().catalog.find_emergency("gas")->advice));

    Chat job = technician_chat(Jobs::several);
    const std::string place = job.technician->open_jobs.front().address;
    job.say(place + "水管换好了");
    EXPECT_EQ(job.session.flow, Flow::idle) << job.reply();
}

// A technician's words about their work name faults ("水管", "电话", "上门"): without a place in
// them they are no report of their own — the job commands keep working.
TEST(Technician, ATechniciansChatterAboutTheJobStartsNoReport) {
    for (const std::string words : {"换了一段水管，好了", "业主电话打不通", "马上到，堵车",
                                    "明天下午3点上门", "水管要换配件，明天再来"}) {
        Chat chat = technician_chat(Jobs::several);
        chat.say(words);
        EXPECT_EQ(chat.session.flow, Flow::idle) << words << ": " << chat.reply();
        EXPECT_TRUE(contains(chat.reply(), text_of(TextId::tech_hint)))
            << words << ": " << chat.reply();
    }
}

// ---- parsing ----

struct FeeCase {
    const char* text;
    std::optional<std::int64_t> cents;
};

TEST(TechnicianFees, YuanAreReadIntoCents) {
    const FeeCase cases[] = {
        {"80", 8000},
        {"80元", 8000},
        {"80 元", 8000},
        {"12.5", 1250},
        {"12.50", 1250},
        {"0.05", 5},
        {"0", 0},
        {"八十", 8000},
        {"一百二十元", 12000},
        {"50块", 5000},
        {"50块钱", 5000},
        {"1000000", 100000000},
        {"12.345", std::nullopt},
        {"12.", std::nullopt},
        {"-5", std::nullopt},
        {"八十多", std::nullopt},
        {"100来块", std::nullopt},
        {"abc", std::nullopt},
        {"", std::nullopt},
        {"1000001", std::nullopt},
        {"80元多", std::nullopt},
        {"9999999999999999999999", std::nullopt},
    };
    for (const auto& c : cases) EXPECT_EQ(parse_yuan(c.text), c.cents) << c.text;
}

TEST(TechnicianFees, CentsAreShownAsYuan) {
    EXPECT_EQ(format_yuan(8000), "80");
    EXPECT_EQ(format_yuan(1250), "12.50");
    EXPECT_EQ(format_yuan(5), "0.05");
    EXPECT_EQ(format_yuan(0), "0");
}

TEST(TechnicianParsing, TicketNumbersAndPositions) {
    EXPECT_TRUE(looks_like_ticket_number("bx20261121-0007"));
    EXPECT_FALSE(looks_like_ticket_number("502"));
    EXPECT_FALSE(looks_like_ticket_number("abcdef"));
    EXPECT_EQ(parse_job_ref("2")->index, 2);
    EXPECT_EQ(parse_job_ref("第3单")->index, 3);
    EXPECT_EQ(parse_job_ref("bx20261121-0007")->ticket, "bx20261121-0007");
    EXPECT_FALSE(parse_job_ref("2楼").has_value());
    EXPECT_FALSE(parse_job_ref("好的").has_value());
}

// The end of a ticket number, as read off the push: alone, four digits or 0-led; after a command
// only 0-led, since "完成 1500" may be a fee written without its unit.
TEST(TechnicianParsing, TheEndOfATicketNumberNamesTheJob) {
    EXPECT_EQ(parse_job_ref("0007")->ticket, "0007");
    EXPECT_EQ(parse_job_ref("1207")->ticket, "1207");
    EXPECT_EQ(parse_job_ref("007")->ticket, "007");
    EXPECT_FALSE(parse_job_ref("120").has_value()) << "three digits without a 0: neither";
    auto c = parse_job_command("完成 0007 换了阀门");
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->ticket, "0007");
    EXPECT_EQ(c->text, "换了阀门");
    c = parse_job_command("完成 1500");
    ASSERT_TRUE(c.has_value());
    EXPECT_TRUE(c->ticket.empty());
}

// Only zeros may be left off a serial: "007" is 0007's end, never 1007's.
TEST(Technician, AnEndNamesAJobOnlyWhenOnlyZerosAreLeftOff) {
    Chat chat = technician_chat(Jobs::two_waiting);
    chat.technician->open_jobs[1].ticket_number = "BX20261121-1007";
    chat.say("接单 007");
    ASSERT_EQ(chat.last.effects.size(), 1u) << chat.reply();
    EXPECT_EQ(chat.last.effects.front(), Effect(AcceptJob{kJ1}));
    chat.technician->open_jobs.erase(chat.technician->open_jobs.begin());
    chat.say("接单 007");
    EXPECT_TRUE(chat.last.effects.empty());
    EXPECT_TRUE(contains(chat.reply(), "工单 007 不是您的进行中工单")) << chat.reply();
}

// The which-job list holds only the jobs the command fits, and its count says how many.
TEST(Technician, TheWhichJobListHoldsOnlyTheJobsThatFit) {
    Chat chat = technician_chat(Jobs::two_waiting);
    chat.technician->open_jobs.push_back(job(kJ2, JobStatus::arrived, "5栋电梯厅", "电梯"));
    chat.say("接单");
    EXPECT_TRUE(contains(chat.reply(), "接单哪一单？可选的工单有2个")) << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), "2. " + kJ3)) << chat.reply();
    EXPECT_FALSE(contains(chat.reply(), kJ2)) << "on site: no acceptance to give";
    chat.say("3");
    EXPECT_TRUE(contains(chat.reply(), "没有第3单，请回复序号（1-2）")) << chat.reply();
    EXPECT_TRUE(chat.last.effects.empty());
}

// A number that names no line lists the command's own jobs, not a list an earlier question left
// behind; a list shown for a number not on the last one waits for the answer.
TEST(Technician, ANumberOffTheListListsTheCommandsJobsAndWaitsForTheAnswer) {
    Chat chat = technician_chat(Jobs::two_waiting);
    chat.technician->open_jobs.push_back(job(kJ2, JobStatus::arrived, "5栋电梯厅", "电梯"));
    chat.technician->open_jobs.push_back(job(kJ4, JobStatus::accepted, "9栋902", "门窗"));
    chat.say("接单");  // lists 0007 and 0009
    chat.say("1");
    chat.technician->open_jobs[0].status = JobStatus::accepted;
    chat.say("完成 9");
    EXPECT_TRUE(contains(chat.reply(), "没有第9单")) << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), "1. " + kJ1)) << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), "2. " + kJ2)) << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), "3. " + kJ4)) << chat.reply();
    EXPECT_FALSE(contains(chat.reply(), kJ3)) << "waiting for acceptance: not 完成's";
    chat.say("2");
    ASSERT_NE(find_effect<FinishJob>(chat.last), nullptr) << chat.reply();
    EXPECT_EQ(find_effect<FinishJob>(chat.last)->ticket_number, kJ2);

    chat.say("接单");      // the only one waiting: 0009, accepted at once; no list shown
    chat.say("我的工单");  // 4 jobs
    chat.technician->open_jobs.erase(chat.technician->open_jobs.begin() + 1);  // 0009 handed over
    chat.say("完成 2");
    EXPECT_TRUE(contains(chat.reply(), "已不是您的进行中工单")) << chat.reply();
    EXPECT_EQ(chat.session.flow, Flow::technician_pick) << "the reply asked for a number";
    chat.say("1");
    ASSERT_NE(find_effect<FinishJob>(chat.last), nullptr) << chat.reply();
    EXPECT_EQ(find_effect<FinishJob>(chat.last)->ticket_number, kJ1);
}

// With one job open, a place or a number not its own ("到达 7栋101" after that job was handed
// over) is asked about, not carried out on the job left; a count in the note is no place.
TEST(Technician, APlaceOrNumberNotTheJobsOwnIsAskedAbout) {
    Chat chat = technician_chat(Jobs::one_accepted);  // 0007 at 3栋2单元502
    chat.say("到达 7栋101");
    EXPECT_TRUE(chat.last.effects.empty()) << chat.reply();
    EXPECT_EQ(chat.session.flow, Flow::technician_pick);
    chat.say("取消");
    chat.say("完成 0009(换了阀门)");
    EXPECT_TRUE(chat.last.effects.empty()) << chat.reply();
    chat.say("取消");
    chat.say("到达 2栋");
    EXPECT_TRUE(chat.last.effects.empty()) << "2栋 is not 3栋2单元502: " << chat.reply();
    chat.say("取消");
    chat.say("到达 3栋502");
    ASSERT_NE(find_effect<ArriveJob>(chat.last), nullptr) << "its own address: " << chat.reply();
    Chat note = technician_chat(Jobs::one_accepted);
    note.say("完成 费用 80 换了2个阀门");
    ASSERT_NE(find_effect<FinishJob>(note.last), nullptr) << note.reply();
    EXPECT_EQ(find_effect<FinishJob>(note.last)->note, "换了2个阀门");
}

// An amount of money in the note ("100是材料费", "材料300块", "材料费 150") names no place: the
// only job is finished with the note kept; a room number beside money ("101 材料费另算",
// "101，材料费另算") or a free job's ("1502门口灯换了 不收费") is still asked about.
TEST(Technician, MoneyInTheNoteIsNoPlace) {
    for (const char* said :
         {"完成 费用 80，100是材料费", "完成 费用 80，材料费100", "完成 费用 80 材料300块",
          "完成 费用 80，另收材料250元", "完成，材料费 120 业主已付", "完成 费用 80 材料费 150"}) {
        Chat chat = technician_chat(Jobs::one_accepted);
        chat.say(said);
        const auto* done = find_effect<FinishJob>(chat.last);
        ASSERT_NE(done, nullptr) << said << ": " << chat.reply();
        EXPECT_EQ(done->ticket_number, kJ1) << said;
        EXPECT_FALSE(done->note.empty()) << "the note keeps the amount: " << said;
    }
    auto c = parse_job_command("完成 费用 80，100是材料费");
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->cents, std::optional<std::int64_t>(8000));
    EXPECT_EQ(c->text, "100是材料费");
    EXPECT_TRUE(c->places.empty());
    for (const char* said :
         {"完成 101，材料费另算", "完成 101 材料费另算", "完成 1502门口灯换了 不收费",
          "完成 2单元101材料费另算", "完成 1502门口灯换了免收费", "完成 1502门口灯换了 没有收费"}) {
        Chat room = technician_chat(Jobs::one_accepted);  // 0007 at 3栋2单元502
        room.say(said);
        EXPECT_TRUE(room.last.effects.empty())
            << said << ": may be another job's room: " << room.reply();
    }
    EXPECT_EQ(parse_job_command("到达 7栋101 收费处")->places,
              (std::vector<std::string>{"7栋", "101"}));
}

// A place is a job's own only as a whole part of its address ("2栋" is not 12栋's, "502室" is
// 3栋2单元502's); a photo while a 到达 question waits is kept on no job.
TEST(Technician, APlaceIsAJobsOwnOnlyWholeAndAPhotoWaitsForTheArrival) {
    Chat chat = technician_chat(Jobs::one_accepted);
    chat.technician->open_jobs[0].address = "12栋302";
    chat.say("到达 2栋");
    EXPECT_TRUE(chat.last.effects.empty()) << chat.reply();
    chat.say("取消");
    chat.say("到达 12栋302");
    ASSERT_NE(find_effect<ArriveJob>(chat.last), nullptr) << chat.reply();
    Chat room = technician_chat(Jobs::one_accepted);  // 3栋2单元502
    room.say("到达 502室");
    ASSERT_NE(find_effect<ArriveJob>(room.last), nullptr) << room.reply();
    Chat several = technician_chat(Jobs::several);
    several.say("到达 9栋902");  // two accepted, one on site: asked, not picked by the address
    EXPECT_TRUE(several.last.effects.empty()) << several.reply();

    Chat photo = technician_chat(Jobs::several);  // 0008 on site
    photo.say("到达");
    ASSERT_EQ(photo.session.flow, Flow::technician_pick);
    photo.photo("m-site-9");
    EXPECT_TRUE(photo.last.effects.empty()) << photo.reply();
    EXPECT_TRUE(contains(photo.reply(), text_of(TextId::tech_photo_which_asked))) << photo.reply();
}

// Serials start again each day: an end two open jobs share asks for the whole number.
TEST(Technician, AnEndTwoJobsShareAsksForTheWholeNumber) {
    Chat chat = technician_chat(Jobs::two_waiting);
    chat.technician->open_jobs[1].ticket_number = "BX20261122-0007";
    chat.say("接单 0007");
    EXPECT_TRUE(chat.last.effects.empty());
    EXPECT_TRUE(contains(chat.reply(), "有2个工单号以 0007 结尾")) << chat.reply();
    chat.say("嗯");  // asked again: from the same two
    EXPECT_TRUE(contains(chat.reply(), "请回复序号（1-2）")) << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), "2. BX20261122-0007")) << chat.reply();
    chat.say("2");
    ASSERT_EQ(chat.last.effects.size(), 1u) << chat.reply();
    EXPECT_EQ(chat.last.effects.front(), Effect(AcceptJob{"BX20261122-0007"}));
    chat.say("接单 BX20261121-0007");
    ASSERT_EQ(chat.last.effects.size(), 1u) << chat.reply();
    EXPECT_EQ(chat.last.effects.front(), Effect(AcceptJob{kJ1}));
}

// A note that says there is no fee (公共区域不收费, 无费用, 免收费) is a note, not a fee that could
// not be read; a fee given after it still counts.
TEST(TechnicianParsing, ANoteSayingThereIsNoFeeIsANote) {
    for (const char* said : {"完成 公共区域不收费", "完成 无费用，换了灯泡", "完成 免收费",
                             "完成 没有费用", "完成 没收费", "完成 不用收费", "完成 不需要费用"}) {
        auto c = parse_job_command(said);
        ASSERT_TRUE(c.has_value()) << said;
        EXPECT_FALSE(c->bad_amount) << said;
        EXPECT_FALSE(c->cents.has_value()) << said;
        EXPECT_FALSE(c->text.empty()) << "the note keeps it: " << said;
    }
    auto paid = parse_job_command("完成 上门不收费 材料费用 30");
    ASSERT_TRUE(paid.has_value());
    EXPECT_EQ(paid->cents, std::optional<std::int64_t>(3000));
    auto free = parse_job_command("完成 不用收费 1502");
    ASSERT_TRUE(free.has_value());
    EXPECT_FALSE(free->cents.has_value()) << "1502 is a room, not a fee nobody charged";
    EXPECT_TRUE(parse_job_command("完成 费用 abc")->bad_amount) << "a fee that cannot be read is still said so";
}

// The ticket number first, as read off the push, then the command: the same command.
TEST(TechnicianParsing, TheTicketNumberMayComeBeforeTheCommand) {
    auto c = parse_job_command("BX20261121-0007 完成 费用 80 换了阀门");
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->action, JobAction::finish);
    EXPECT_EQ(c->ticket, "bx20261121-0007");
    EXPECT_EQ(c->cents, std::optional<std::int64_t>(8000));
    EXPECT_EQ(c->text, "换了阀门");
    auto accept = parse_job_command("bx20261121-0009，接单");
    ASSERT_TRUE(accept.has_value());
    EXPECT_EQ(accept->action, JobAction::accept);
    EXPECT_EQ(accept->ticket, "bx20261121-0009");
    EXPECT_FALSE(parse_job_command("BX20261121-0007 漏水了").has_value()) << "a number and no command";
}

TEST(TechnicianParsing, WordsThatMerelyStartLikeACommandAreNotOne) {
    EXPECT_FALSE(parse_job_command("doneness").has_value());
    EXPECT_FALSE(parse_job_command("你好").has_value());
    EXPECT_FALSE(parse_job_command("").has_value());
}

}  // namespace
}  // namespace repairbot::dialog
