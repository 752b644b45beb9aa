// The owner's confirmation, rating and quote approval through step(): every answer, words for
// scores, a comment required for 1-2, questions that never swallow a new report, and the
// parked draft coming back.
#include <gtest/gtest.h>

#include "dialog/feedback.h"
#include "dialog/session_codec.h"
#include "dialog_test_support.h"

namespace repairbot::dialog {
namespace {

using namespace testing;

const std::string kTicket = "BX20261120-0003";

Chat confirming(std::optional<std::int64_t> fee = 8000) {
    Chat chat;
    chat.session = begin_confirmation(chat.session, kTicket, fee, kNow);
    return chat;
}

Chat rating() {
    Chat chat = confirming();
    chat.say("修好了");
    EXPECT_EQ(chat.session.feedback.front().step, FeedbackStep::score);
    return chat;
}

Chat quoting() {
    Chat chat;
    chat.session = begin_quote_approval(chat.session, kTicket, 12000, kNow);
    return chat;
}

// ---- confirmation ----

TEST(Feedback, BeginConfirmationAsksAboutTheTicketAndFee) {
    Chat chat = confirming();
    EXPECT_EQ(chat.session.flow, Flow::owner_feedback);
    std::string q = feedback_question(chat.session, shipped_data().texts);
    EXPECT_TRUE(contains(q, kTicket)) << q;
    EXPECT_TRUE(contains(q, "费用80元")) << q;
    Chat free = confirming(std::nullopt);
    EXPECT_EQ(feedback_question(free.session, shipped_data().texts),
              "您的工单 BX20261120-0003 已维修完成。修好了请回复“1”，没修好请回复“2”。");
}

struct ConfirmCase {
    const char* answer;
    bool fixed;
    const char* not_fixed_text;  // ReportNotFixed.text when not fixed
};

TEST(Feedback, EveryWayOfSayingFixedOrNotFixed) {
    const ConfirmCase cases[] = {
        {"修好了", true, ""},
        {"好了", true, ""},
        {"1", true, ""},
        {"修好了，谢谢师傅！", true, ""},
        {"已修好", true, ""},
        {"没修好", false, ""},
        {"还是坏的", false, ""},
        {"2", false, ""},
        {"没修好，水龙头还在滴水！", false, "没修好，水龙头还在滴水"},
        {"还是不行", false, "还是不行"},
        {"灯还是不亮", false, "灯还是不亮"},
        {"还是没水", false, "还是没水"},
        {"仍然漏水", false, "仍然漏水"},
        {"还是老样子", false, "还是老样子"},
        {"修好了，还是不错的", true, ""},
        {"修好了，用着依然没问题", true, ""},
        {"修好了，师傅依然很专业", true, ""},
        {"好了，谢谢师傅", true, ""},
        {"已经好了，感谢！", true, ""},
        {"修好了，还是不用付钱吧？", true, ""},
        {"依旧滴水", false, "依旧滴水"},
    };
    for (const auto& c : cases) {
        Chat chat = confirming();
        chat.say(c.answer);
        if (c.fixed) {
            ASSERT_NE(find_effect<ConfirmFixed>(chat.last), nullptr) << c.answer;
            EXPECT_EQ(find_effect<ConfirmFixed>(chat.last)->ticket_number, kTicket);
            EXPECT_EQ(find_effect<ReportNotFixed>(chat.last), nullptr) << c.answer;
            EXPECT_EQ(chat.session.feedback.front().step, FeedbackStep::score) << c.answer;
            EXPECT_TRUE(contains(chat.reply(), opening_of(TextId::rating_prompt))) << c.answer;
        } else {
            ASSERT_NE(find_effect<ReportNotFixed>(chat.last), nullptr) << c.answer;
            EXPECT_EQ(*find_effect<ReportNotFixed>(chat.last),
                      (ReportNotFixed{kTicket, c.not_fixed_text}))
                << c.answer;
            EXPECT_EQ(find_effect<ConfirmFixed>(chat.last), nullptr) << c.answer;
            // Reopened: nothing to rate until it is done again.
            EXPECT_TRUE(chat.session.feedback.empty()) << c.answer;
            EXPECT_EQ(chat.session.flow, Flow::idle) << c.answer;
            EXPECT_TRUE(contains(chat.reply(), "已安排返修工单 " + kTicket)) << chat.reply();
        }
    }
}

// DOMAIN.md: safety advice at once for an emergency — also when the owner says so while telling
// us the repair did not hold. "还是不行，有燃气味" reopened the job with no word about the gas.
TEST(Feedback, ANotFixedThatNamesADangerGivesTheSafetyAdviceAndMarksTheRevisitUrgent) {
    struct Case {
        const char* answer;
        const char* kind;  // "" for none
    };
    const Case cases[] = {
        {"还是不行，有燃气味", "gas"},        {"没修好，还在漏水，水漫到客厅了", "flood"},
        {"没修好，插座还是打火", "electric"}, {"没修好，水龙头还在滴水", ""},
        {"还是不行，不过没有漏电", ""},  // negated
    };
    for (const auto& c : cases) {
        Chat chat = confirming();
        chat.say(c.answer);
        const auto* reopen = find_effect<ReportNotFixed>(chat.last);
        ASSERT_NE(reopen, nullptr) << c.answer;
        EXPECT_EQ(reopen->emergency, c.kind) << c.answer;
        const auto* rule = shipped_data().catalog.find_emergency(c.kind);
        if (*c.kind) {
            ASSERT_NE(rule, nullptr) << c.kind;
            EXPECT_EQ(chat.reply().rfind(rule->advice, 0), 0u)
                << "the advice comes first: " << chat.reply();
            EXPECT_TRUE(contains(chat.reply(), "已安排返修工单 " + kTicket)) << chat.reply();
        } else {
            EXPECT_FALSE(contains(chat.reply(), "【安全提示】")) << chat.reply();
        }
    }
}

// A danger named in an answer taken as free text — a rating's comment, a refusal's reason, a
// complaint — was swallowed: "1星，师傅走后燃气味很重" got only "感谢您的评价！". The answer is
// recorded, and the danger reported: its advice first, an emergency draft asking what is missing.
TEST(Feedback, ADangerNamedInAFreeTextAnswerIsRecordedAndReportedToo) {
    const auto& gas = *shipped_data().catalog.find_emergency("gas");
    const auto& electric = *shipped_data().catalog.find_emergency("electric");
    const auto& flood = *shipped_data().catalog.find_emergency("flood");
    auto expect_reported = [](const Chat& chat, const EmergencyRule& rule, const char* what) {
        EXPECT_TRUE(contains(chat.reply(), rule.advice)) << what << ": " << chat.reply();
        EXPECT_EQ(chat.session.flow, Flow::owner_report) << what;
        EXPECT_EQ(chat.session.draft.emergency, rule.kind) << what;
    };
    {
        Chat chat = rating();
        chat.say("1星，师傅走后燃气味很重");
        ASSERT_NE(find_effect<RateService>(chat.last), nullptr);
        EXPECT_EQ(find_effect<RateService>(chat.last)->score, 1);
        EXPECT_TRUE(contains(chat.reply(), text_of(TextId::rated_low))) << chat.reply();
        expect_reported(chat, gas, "score with comment");
    }
    {
        Chat chat = rating();
        chat.say("1");
        chat.say("师傅走后插座冒火花了");
        ASSERT_NE(find_effect<RateService>(chat.last), nullptr);
        EXPECT_EQ(find_effect<RateService>(chat.last)->comment, "师傅走后插座冒火花了");
        expect_reported(chat, electric, "comment step");
    }
    {
        Chat chat = quoting();
        chat.say("不同意，太贵了，现在水漫到客厅了");
        ASSERT_NE(find_effect<RefuseQuote>(chat.last), nullptr);
        expect_reported(chat, flood, "refusal's reason");
    }
    {
        Chat chat;
        chat.say("投诉 燃气味很大一直没人管");
        ASSERT_NE(find_effect<FileComplaint>(chat.last), nullptr);
        EXPECT_TRUE(contains(chat.reply(), text_of(TextId::complaint_filed))) << chat.reply();
        expect_reported(chat, gas, "complaint");
    }
    {
        Chat chat = rating();
        chat.say("2星，来得太慢");  // no danger: rated, nothing more
        EXPECT_EQ(chat.session.flow, Flow::idle);
        EXPECT_FALSE(contains(chat.reply(), "【安全提示】")) << chat.reply();
    }
}

// The emergency draft carries the owner's words about the danger, not the answer around them:
// the technician's push would otherwise read "1星，..." or "投诉 ...".
TEST(Feedback, TheEmergencyDraftDescribesTheDangerNotTheAnswer) {
    Chat chat = rating();
    chat.say("1星，师傅走后燃气味很重");
    EXPECT_EQ(chat.session.draft.description, "师傅走后燃气味很重");
    Chat complained;
    complained.say("投诉 燃气味很大一直没人管");
    EXPECT_EQ(complained.session.draft.description, "燃气味很大一直没人管");
}

// Words of a danger over or absent are no emergency: a good rating's comment speaks of the fault
// just fixed, and "没有闻到…", "…没有了", "…解决了" say it is not there.
TEST(Feedback, ADangerThatIsOverOrAbsentStartsNothing) {
    for (const char* answer :
         {"5星，燃气泄漏修好了，谢谢师傅", "5星，漏电问题解决了", "1星，燃气味没有了但来得太慢",
          "2星，漏电的问题已经排除了，就是态度差"}) {
        Chat chat = rating();
        chat.say(answer);
        ASSERT_NE(find_effect<RateService>(chat.last), nullptr) << answer;
        EXPECT_FALSE(contains(chat.reply(), "【安全提示】")) << answer << ": " << chat.reply();
        EXPECT_EQ(chat.session.flow, Flow::idle) << answer;
    }
    // A danger not fixed, not solved, still there, or asked about, is there.
    for (const char* answer :
         {"燃气泄漏还没修好", "还是不行，漏电一直没解决", "还是不行，燃气味还没消失",
          "还是不行，有燃气味……好了吗", "还是不行，漏电了不好了", "还是不行，漏电一直没能解决",
          "还是不行，漏电没法解决", "还是不行，燃气味无法排除", "还是不行，燃气味根本解决不了",
          "还是不行，漏电修好了没"}) {
        Chat still = confirming();
        still.say(answer);
        ASSERT_NE(find_effect<ReportNotFixed>(still.last), nullptr) << answer;
        EXPECT_NE(find_effect<ReportNotFixed>(still.last)->emergency, "") << answer;
        EXPECT_TRUE(contains(still.reply(), "【安全提示】")) << answer << ": " << still.reply();
    }
    Chat middling = rating();
    middling.say("3星，师傅走后燃气味很重");
    EXPECT_EQ(middling.session.draft.emergency, "gas") << "a middling rating's comment is read";

    Chat chat = confirming();
    chat.say("还是不行，没有闻到燃气味，就是打不着火");
    ASSERT_NE(find_effect<ReportNotFixed>(chat.last), nullptr);
    EXPECT_EQ(find_effect<ReportNotFixed>(chat.last)->emergency, "");
    EXPECT_FALSE(contains(chat.reply(), "【安全提示】")) << chat.reply();
}

// A message naming two dangers, one of them over: the draft reports the one still there (its
// advice, its type), as the scan found it — the report's own reading used to pick the longer
// or earlier word whether it was over or not.
TEST(Feedback, TheDraftReportsTheDangerStillThereNotTheOneOver) {
    const auto& electric = *shipped_data().catalog.find_emergency("electric");
    const auto& gas = *shipped_data().catalog.find_emergency("gas");
    Chat chat = rating();
    chat.say("1星，燃气味没有了，但是插座冒火花");
    ASSERT_NE(find_effect<RateService>(chat.last), nullptr);
    EXPECT_EQ(chat.session.flow, Flow::owner_report);
    EXPECT_EQ(chat.session.draft.emergency, electric.kind);
    EXPECT_EQ(chat.session.draft.fault_type, electric.fault_type);
    EXPECT_TRUE(contains(chat.reply(), electric.advice)) << chat.reply();
    EXPECT_FALSE(contains(chat.reply(), gas.advice)) << chat.reply();

    // The type comes from the words of the danger still there, not from the one over: smoke in
    // the lift is a lift job (电梯), not a gas one.
    Chat lift = rating();
    lift.say("1星，燃气味没有了，但是电梯里冒烟");
    EXPECT_EQ(lift.session.draft.emergency, "fire_medical");
    EXPECT_EQ(lift.session.draft.fault_type, "电梯");
}

// A report under way is kept: the danger gets its advice and the dispatchers are called in at
// once (HandToHuman, reason danger, with the words); the next question is still asked.
TEST(Feedback, ADangerNamedWhileADraftIsParkedCallsInTheDispatchersAndAsksTheNextQuestion) {
    Chat chat;
    chat.say("3栋502客厅灯不亮");
    chat.session = begin_confirmation(chat.session, kTicket, std::nullopt, kNow);
    chat.session = begin_confirmation(chat.session, "BX20261120-0009", std::nullopt, kNow);
    const auto draft = chat.session.draft;
    chat.say("1");
    chat.say("1星，师傅走后燃气味很重");
    const auto* human = find_effect<HandToHuman>(chat.last);
    ASSERT_NE(human, nullptr) << chat.reply();
    EXPECT_EQ(human->reason, HandOffReason::danger);
    EXPECT_EQ(human->words, "师傅走后燃气味很重");
    EXPECT_TRUE(contains(chat.reply(), shipped_data().catalog.find_emergency("gas")->advice));
    EXPECT_TRUE(contains(chat.reply(), text_of(TextId::danger_handed_to_human))) << chat.reply();
    EXPECT_EQ(chat.session.draft, draft) << "the draft in progress is kept";
    ASSERT_EQ(chat.session.feedback.size(), 1u);
    EXPECT_EQ(chat.session.feedback.front().ticket_number, "BX20261120-0009");
    EXPECT_TRUE(contains(chat.reply(), "BX20261120-0009"))
        << "the next question, asked: " << chat.reply();
}

TEST(Feedback, AnythingElseAtTheConfirmationIsAskedAgainThenAHumanOffered) {
    Chat chat = confirming();
    chat.say("嗯嗯");
    EXPECT_TRUE(contains(chat.reply(), "请回复“1”（修好了）或“2”（没修好）"));
    EXPECT_TRUE(chat.last.effects.empty());
    chat.say("啊");
    chat.say("哦");
    EXPECT_TRUE(contains(chat.reply(), text_of(TextId::offer_human)));
    EXPECT_EQ(chat.session.feedback.front().step, FeedbackStep::confirm);
}

// ---- rating ----

struct ScoreCase {
    const char* answer;
    int score;
    const char* comment;  // in the same message; "" when the comment is asked next
};

TEST(Feedback, ScoresAsNumbersAndWords) {
    const ScoreCase cases[] = {
        {"5", 5, ""},
        {"4分", 4, ""},
        {"五星", 5, ""},
        {"3", 3, ""},
        {"满意", 5, ""},
        {"非常满意", 5, ""},
        {"一般", 3, ""},
        {"比较满意", 4, ""},
        {"不满意", 1, ""},
        {"很不满意", 1, ""},
        {"1", 1, ""},
        {"2", 2, ""},
        {"5 师傅很专业", 5, "师傅很专业"},
        {"不满意，来得太晚了！", 1, "来得太晚了"},
    };
    for (const auto& c : cases) {
        Chat chat = rating();
        chat.say(c.answer);
        if (*c.comment) {
            ASSERT_NE(find_effect<RateService>(chat.last), nullptr) << c.answer;
            EXPECT_EQ(*find_effect<RateService>(chat.last),
                      (RateService{kTicket, c.score, c.comment}))
                << c.answer;
            EXPECT_TRUE(chat.session.feedback.empty());
            continue;
        }
        EXPECT_EQ(find_effect<RateService>(chat.last), nullptr) << c.answer;
        ASSERT_FALSE(chat.session.feedback.empty()) << c.answer;
        EXPECT_EQ(chat.session.feedback.front().step, FeedbackStep::comment) << c.answer;
        EXPECT_EQ(chat.session.feedback.front().score, c.score) << c.answer;
        EXPECT_EQ(chat.reply(), text_of(c.score <= 2 ? TextId::ask_comment_required
                                                     : TextId::ask_comment_optional))
            << c.answer;
    }
}

TEST(Feedback, ScoresOutOfRangeAreAskedAgain) {
    for (const char* bad : {"0", "6", "10", "4.5", "好"}) {
        Chat chat = rating();
        chat.say(bad);
        EXPECT_TRUE(chat.last.effects.empty()) << bad;
        EXPECT_TRUE(contains(chat.reply(), text_of(TextId::rating_not_understood))) << bad;
        EXPECT_EQ(chat.session.feedback.front().step, FeedbackStep::score) << bad;
    }
}

TEST(Feedback, HighScoreCommentIsOptional) {
    Chat chat = rating();
    chat.say("4");
    chat.say("跳过");
    ASSERT_NE(find_effect<RateService>(chat.last), nullptr);
    EXPECT_EQ(*find_effect<RateService>(chat.last), (RateService{kTicket, 4, ""}));
    EXPECT_EQ(chat.reply(), text_of(TextId::rated));
    EXPECT_EQ(chat.session.flow, Flow::idle);
    EXPECT_TRUE(chat.session.feedback.empty());
}

TEST(Feedback, HighScoreWithACommentKeepsItAsTyped) {
    Chat chat = rating();
    chat.say("5");
    chat.say("  师傅很准时，Thanks！ ");
    ASSERT_NE(find_effect<RateService>(chat.last), nullptr);
    EXPECT_EQ(find_effect<RateService>(chat.last)->comment, "师傅很准时，Thanks");
}

TEST(Feedback, LowScoreRequiresAComment) {
    Chat chat = rating();
    chat.say("2");
    EXPECT_EQ(chat.reply(), text_of(TextId::ask_comment_required));
    chat.say("跳过");
    EXPECT_EQ(chat.reply(), text_of(TextId::comment_required));
    EXPECT_TRUE(chat.last.effects.empty());
    EXPECT_EQ(chat.session.feedback.front().step, FeedbackStep::comment);
    // A comment may talk about the fault without starting a report.
    chat.say("灯还是有点闪，师傅态度也不好");
    ASSERT_NE(find_effect<RateService>(chat.last), nullptr);
    EXPECT_EQ(*find_effect<RateService>(chat.last),
              (RateService{kTicket, 2, "灯还是有点闪，师傅态度也不好"}));
    EXPECT_EQ(chat.reply(), text_of(TextId::rated_low)) << "the owner hears a supervisor will call";
    EXPECT_EQ(chat.session.flow, Flow::idle);
}

// An owner who will not say why ("算了不说了", "不想说") is rated without a comment — the complaint
// is filed and its callback asks — rather than having the refusal read as the complaint's
// words; a comment that merely contains 不说 is still a comment.
TEST(Feedback, DecliningToSayWhyRatesWithoutAComment) {
    for (const char* declined :
         {"算了不说了", "不想说", "懒得说了", "算了，还是不说了吧", "没什么好说的"}) {
        Chat chat = rating();
        chat.say("2");
        chat.say(declined);
        ASSERT_NE(find_effect<RateService>(chat.last), nullptr) << declined << ": " << chat.reply();
        EXPECT_EQ(*find_effect<RateService>(chat.last), (RateService{kTicket, 2, ""})) << declined;
        EXPECT_EQ(chat.reply(), text_of(TextId::rated_low)) << declined;
        EXPECT_EQ(chat.session.flow, Flow::idle) << declined;
    }
    Chat nudged = rating();
    nudged.say("1");
    nudged.say("跳过");
    EXPECT_EQ(nudged.reply(), text_of(TextId::comment_required))
        << "a bare skip is asked once more";
    nudged.say("不说了");
    ASSERT_NE(find_effect<RateService>(nudged.last), nullptr) << nudged.reply();
    EXPECT_EQ(find_effect<RateService>(nudged.last)->comment, "");

    Chat with_score = rating();
    with_score.say("2分，不想说");
    ASSERT_NE(find_effect<RateService>(with_score.last), nullptr) << with_score.reply();
    EXPECT_EQ(*find_effect<RateService>(with_score.last), (RateService{kTicket, 2, ""}));

    Chat middling = rating();
    middling.say("3");
    middling.say("算了不说了");
    ASSERT_NE(find_effect<RateService>(middling.last), nullptr) << middling.reply();
    EXPECT_EQ(find_effect<RateService>(middling.last)->comment, "");

    Chat said = rating();
    said.say("2");
    said.say("师傅说不说都不来");
    ASSERT_NE(find_effect<RateService>(said.last), nullptr) << said.reply();
    EXPECT_EQ(find_effect<RateService>(said.last)->comment, "师傅说不说都不来");
    Chat more = rating();
    more.say("1");
    more.say("不说了，反正你们也不管");
    ASSERT_NE(find_effect<RateService>(more.last), nullptr) << more.reply();
    EXPECT_EQ(find_effect<RateService>(more.last)->comment, "不说了，反正你们也不管");
}

// 修好了 is "1" and so is the worst score: an owner who sends "1" twice, then "5", rates 5 — a
// score alone at the comment question replaces the score; a comment that starts with a number
// is a comment.
TEST(Feedback, AScoreAloneAtTheCommentQuestionReplacesTheScore) {
    Chat chat = confirming();
    chat.say("1");
    chat.say("1");
    EXPECT_EQ(chat.reply(), text_of(TextId::ask_comment_required));
    chat.say("5");
    EXPECT_TRUE(chat.last.effects.empty()) << chat.reply();
    EXPECT_EQ(chat.reply(), text_of(TextId::ask_comment_optional));
    chat.say("跳过");
    ASSERT_NE(find_effect<RateService>(chat.last), nullptr);
    EXPECT_EQ(*find_effect<RateService>(chat.last), (RateService{kTicket, 5, ""}));

    for (const char* slip :
         {"打错了，5分", "点错了 应该是5", "不好意思按错了，是五星", "5分，刚才打错了",
          "点错了5星好评", "打错了，不是1分是5分", "不是1分，是5分，点错了", "按错了 5分不是1分"}) {
        Chat again = confirming();
        again.say("1");
        again.say("1");
        again.say(slip);
        EXPECT_TRUE(again.last.effects.empty()) << slip << " -> " << again.reply();
        EXPECT_EQ(again.reply(), text_of(TextId::ask_comment_optional)) << slip;
        EXPECT_EQ(again.session.feedback.front().score, 5) << slip;
    }
    Chat slip = confirming();
    slip.say("1");
    slip.say("1");
    slip.say("打错了");
    EXPECT_TRUE(slip.last.effects.empty()) << slip.reply();
    EXPECT_EQ(slip.session.feedback.front().step, FeedbackStep::score) << "the score asked again";
    EXPECT_TRUE(contains(slip.reply(), opening_of(TextId::rating_prompt))) << slip.reply();
    Chat hole = rating();
    hole.say("1");
    hole.say("师傅打错孔了");
    ASSERT_NE(find_effect<RateService>(hole.last), nullptr) << "the technician's slip is a comment";
    Chat late = rating();
    late.say("2");
    late.say("5分钟的活干了两个小时");
    ASSERT_NE(find_effect<RateService>(late.last), nullptr);
    EXPECT_EQ(*find_effect<RateService>(late.last),
              (RateService{kTicket, 2, "5分钟的活干了两个小时"}));

    // Another score said with its unit at the end is the rating changed, not the comment of a
    // 1 (a complaint read by a supervisor and the manager).
    for (auto [said, score] :
         {std::pair{"不是，我是说修好了，给五颗星", 5}, std::pair{"算了，给4分吧", 4}}) {
        Chat again = confirming();
        again.say("1");
        again.say("1");
        again.say(said);
        EXPECT_EQ(find_effect<RateService>(again.last), nullptr) << said << " -> " << again.reply();
        EXPECT_EQ(again.session.feedback.front().score, score) << said;
    }
    // A low score restated after its reason: rated at once, the reason its comment.
    Chat middling = confirming();
    middling.say("1");
    middling.say("1");
    middling.say("还行吧，三颗星");
    ASSERT_NE(find_effect<RateService>(middling.last), nullptr) << middling.reply();
    EXPECT_EQ(*find_effect<RateService>(middling.last), (RateService{kTicket, 3, "还行吧"}));
    Chat reason = rating();
    reason.say("3");
    reason.say("来了三次都没修好，1星");
    ASSERT_NE(find_effect<RateService>(reason.last), nullptr) << reason.reply();
    EXPECT_EQ(*find_effect<RateService>(reason.last),
              (RateService{kTicket, 1, "来了三次都没修好"}));
    // The score given, named in the comment, is the comment.
    Chat named = rating();
    named.say("1");
    named.say("来了三次都没修好，1星");
    ASSERT_NE(find_effect<RateService>(named.last), nullptr);
    EXPECT_EQ(find_effect<RateService>(named.last)->score, 1);
}

// Stars sent as stars, a 好评 given: scores.
TEST(Feedback, StarsAndAGoodReviewGivenAreScores) {
    for (auto [said, score] :
         {std::pair{"⭐⭐⭐⭐⭐", 5}, std::pair{"★★★", 3},
          std::pair{"⭐️⭐️⭐️⭐️⭐️", 5}, std::pair{"★★★★☆", 4},
          std::pair{"给个好评吧", 5}, std::pair{"给5分", 5}}) {
        Chat chat = rating();
        chat.say(said);
        const int got = find_effect<RateService>(chat.last)
                            ? find_effect<RateService>(chat.last)->score
                        : chat.session.feedback.empty() ? 0
                                                        : chat.session.feedback.front().score;
        EXPECT_EQ(got, score) << said << " -> " << chat.reply();
    }
}

// "4分吧，来得有点晚": the particle after the score is not the comment's first word.
TEST(Feedback, AScoresParticleStaysOutOfTheComment) {
    Chat chat = rating();
    chat.say("4分吧，来得有点晚");
    ASSERT_NE(find_effect<RateService>(chat.last), nullptr) << chat.reply();
    EXPECT_EQ(*find_effect<RateService>(chat.last), (RateService{kTicket, 4, "来得有点晚"}));
    Chat keeps = rating();
    keeps.say("5分，了解情况很仔细");
    ASSERT_NE(find_effect<RateService>(keeps.last), nullptr) << keeps.reply();
    EXPECT_EQ(find_effect<RateService>(keeps.last)->comment, "了解情况很仔细");
}

TEST(Feedback, ComplaintAtAnyTimeIsFiledAndTheQuestionStays) {
    for (auto make :
         {+[] { return confirming(); }, +[] { return rating(); }, +[] { return quoting(); }}) {
        Chat chat = make();
        auto before = chat.session.feedback;
        chat.say("投诉 师傅迟到两小时");
        ASSERT_NE(find_effect<FileComplaint>(chat.last), nullptr);
        EXPECT_EQ(find_effect<FileComplaint>(chat.last)->text, "师傅迟到两小时");
        EXPECT_EQ(chat.session.feedback, before);
        EXPECT_EQ(chat.session.flow, Flow::owner_feedback);
        EXPECT_TRUE(contains(chat.reply(), feedback_question(chat.session, shipped_data().texts)));
    }
}

TEST(Feedback, HelpProgressAndHumanAnswerAndAskAgain) {
    for (const char* cmd : {"帮助", "进度", "人工"}) {
        Chat chat = rating();
        chat.say(cmd);
        EXPECT_TRUE(contains(chat.reply(), opening_of(TextId::rating_prompt))) << cmd;
        EXPECT_EQ(chat.session.feedback.front().step, FeedbackStep::score) << cmd;
    }
}

// ---- a new report is never swallowed ----

TEST(Feedback, RatingInterruptedByANewReportIsResumedAfterIt) {
    Chat chat = rating();
    chat.say("楼道灯坏了");
    EXPECT_EQ(chat.session.flow, Flow::owner_report);
    EXPECT_EQ(chat.session.draft.fault_type, "电");
    EXPECT_EQ(chat.session.draft.description, "楼道灯坏了");
    ASSERT_EQ(chat.session.feedback.size(), 1u);  // the rating stays pending
    EXPECT_EQ(chat.session.feedback.front().step, FeedbackStep::score);
    chat.say("5号楼");
    chat.say("5号楼电梯厅");
    chat.say("没有");
    chat.say("13800138000");
    chat.say("尽快");
    ASSERT_EQ(chat.session.step, ReportStep::confirm) << chat.reply();
    chat.say("确认");
    ASSERT_NE(find_effect<CreateTicket>(chat.last), nullptr);
    // Filed: the bot asks for the rating again, in the same reply.
    EXPECT_EQ(chat.session.flow, Flow::owner_feedback);
    EXPECT_TRUE(contains(chat.reply(), "报修已提交"));
    EXPECT_TRUE(contains(chat.reply(), text_of(TextId::feedback_pending)));
    EXPECT_TRUE(contains(chat.reply(), opening_of(TextId::rating_prompt)));
    chat.say("5");
    chat.say("跳过");
    EXPECT_EQ(*find_effect<RateService>(chat.last), (RateService{kTicket, 5, ""}));
}

// "Fixed" in the owner's own words is fixed; a question, or a fault named beside it, is not.
TEST(Feedback, FixedInTheOwnersOwnWordsIsConfirmed) {
    for (const char* said :
         {"好了好了", "这回好了", "嗯，可以", "满意", "👍👍", "灯亮了，谢谢师傅", "不漏了👍"}) {
        Chat chat = confirming();
        chat.say(said);
        EXPECT_NE(find_effect<ConfirmFixed>(chat.last), nullptr) << said << " -> " << chat.reply();
    }
    for (const char* said :
         {"好了没", "不满意", "好了，另外厨房水龙头也坏了", "可以了吗", "灯不亮了", "好了一半",
          "灯亮了一下就灭了", "没问题吧？", "好了，不过开关有点松", "不能用了",
          "灯亮了，但是有点闪", "好了，就是有点燃气味"}) {
        Chat chat = confirming();
        chat.say(said);
        EXPECT_EQ(find_effect<ConfirmFixed>(chat.last), nullptr) << said << " -> " << chat.reply();
    }
}

// Asked whether the ticket is fixed, an owner who describes a fault in their own words most
// often means that one: "灯还是一闪一闪的" is not fixed; a fault named with no "still" is asked
// about (not fixed, or a new problem?), never filed as a second ticket unasked; 报修 then
// starts the new report.
TEST(Feedback, AFaultDescribedAtTheConfirmationIsAskedAboutNotFiledAgain) {
    Chat still = confirming();
    still.say("灯还是一闪一闪的，开关那里还有股焦糊味");
    ASSERT_NE(find_effect<ReportNotFixed>(still.last), nullptr) << still.reply();
    EXPECT_EQ(find_effect<ReportNotFixed>(still.last)->ticket_number, kTicket);
    EXPECT_TRUE(contains(still.reply(), "【安全提示】")) << "a burnt smell is a danger";

    Chat chat = confirming();
    chat.say("门把手装上了，有点松，晃来晃去的");
    EXPECT_TRUE(chat.last.effects.empty()) << chat.reply();
    EXPECT_EQ(chat.reply(),
              shipped_data().texts.render(TextId::not_fixed_or_new, {{"ticket", kTicket}}));
    EXPECT_TRUE(chat.session.report_id.empty()) << "no second report started";
    ASSERT_EQ(chat.session.feedback.size(), 1u);
    EXPECT_EQ(chat.session.feedback.front().step, FeedbackStep::confirm);
    chat.say("没修好，把手还是松");
    ASSERT_NE(find_effect<ReportNotFixed>(chat.last), nullptr) << chat.reply();

    Chat other = confirming();
    other.say("厨房水龙头坏了");
    EXPECT_EQ(other.reply(),
              shipped_data().texts.render(TextId::not_fixed_or_new, {{"ticket", kTicket}}));
    other.say("报修");
    EXPECT_EQ(other.session.flow, Flow::owner_report) << other.reply();
    // Said to be another one: a report at once.
    for (const char* said : {"我要报修，卫生间马桶堵了", "厨房水龙头也坏了"}) {
        Chat report = confirming();
        report.say(said);
        EXPECT_EQ(report.session.flow, Flow::owner_report) << said << " -> " << report.reply();
    }
}

// The answer to that question carries the words it was about: 是 sends them with the revisit,
// 新的 starts a report of them (the fault already known); either only right after the question.
TEST(Feedback, YesOrNewToTheFixedOrNewQuestionCarriesTheWordsOn) {
    for (const char* yes : {"是", "是的", "对，还没好", "嗯是的", "还是那个", "不是新的"}) {
        Chat chat = confirming();
        chat.say("门把手装上了，有点松，晃来晃去的");
        ASSERT_TRUE(chat.last.effects.empty()) << chat.reply();
        chat.say(yes);
        const auto* revisit = find_effect<ReportNotFixed>(chat.last);
        ASSERT_NE(revisit, nullptr) << yes << ": " << chat.reply();
        EXPECT_EQ(revisit->ticket_number, kTicket);
        EXPECT_EQ(revisit->text, "门把手装上了，有点松，晃来晃去的") << yes;
        EXPECT_TRUE(contains(chat.reply(), "已安排返修")) << chat.reply();
        EXPECT_TRUE(chat.session.fault_unplaced.empty());
    }
    for (const char* fresh : {"新的", "是新的", "不是", "另一个问题", "报修"}) {
        Chat chat = confirming();
        chat.say("厨房水龙头坏了");
        chat.say(fresh);
        EXPECT_EQ(chat.session.flow, Flow::owner_report) << fresh << ": " << chat.reply();
        EXPECT_EQ(chat.session.draft.fault_type, "水") << fresh << ": the fault is already known";
        EXPECT_EQ(chat.session.draft.description, "厨房水龙头坏了") << fresh;
        EXPECT_TRUE(chat.last.effects.empty()) << fresh;
        ASSERT_EQ(chat.session.feedback.size(), 1u) << "the confirmation still waits";
    }
    // A not-fixed answer in its own words carries the fault said before too.
    for (const char* not_fixed : {"没修好", "还是坏的", "2"}) {
        Chat chat = confirming();
        chat.say("门把手装上了，有点松，晃来晃去的");
        chat.say(not_fixed);
        const auto* revisit = find_effect<ReportNotFixed>(chat.last);
        ASSERT_NE(revisit, nullptr) << not_fixed << ": " << chat.reply();
        EXPECT_EQ(revisit->text, "门把手装上了，有点松，晃来晃去的") << not_fixed;
    }
    Chat worded = confirming();
    worded.say("门把手装上了，有点松，晃来晃去的");
    worded.say("没修好，一拧就掉");
    ASSERT_NE(find_effect<ReportNotFixed>(worded.last), nullptr) << worded.reply();
    EXPECT_EQ(find_effect<ReportNotFixed>(worded.last)->text,
              "门把手装上了，有点松，晃来晃去的；没修好，一拧就掉");
    for (const char* fresh : {"不是那个", "不是同一个", "不对"}) {
        Chat chat = confirming();
        chat.say("厨房水龙头坏了");
        chat.say(fresh);
        EXPECT_EQ(chat.session.flow, Flow::owner_report) << fresh << ": " << chat.reply();
    }
    // The platform's own events in between (location, a menu link opened) leave the words.
    Chat located = confirming();
    located.say("门把手装上了，有点松，晃来晃去的");
    located.send(event(EventKind::location_report));
    located.send(event(EventKind::view, "https://example.com"));
    located.say("是");
    ASSERT_NE(find_effect<ReportNotFixed>(located.last), nullptr) << located.reply();
    EXPECT_EQ(find_effect<ReportNotFixed>(located.last)->text, "门把手装上了，有点松，晃来晃去的");
    // Read clause by clause: "不，是新的" is a no then a new one; "是，…" says more.
    for (const char* fresh :
         {"不，是新的", "不,是别的", "是新的问题", "对，新的", "是的，新的", "不一样"}) {
        Chat chat = confirming();
        chat.say("厨房水龙头坏了");
        chat.say(fresh);
        EXPECT_EQ(chat.session.flow, Flow::owner_report) << fresh << ": " << chat.reply();
        EXPECT_EQ(find_effect<ReportNotFixed>(chat.last), nullptr) << fresh;
    }
    Chat more = confirming();
    more.say("门把手装上了，有点松，晃来晃去的");
    more.say("是，一拧就掉");
    ASSERT_NE(find_effect<ReportNotFixed>(more.last), nullptr) << more.reply();
    EXPECT_EQ(find_effect<ReportNotFixed>(more.last)->text,
              "门把手装上了，有点松，晃来晃去的；是，一拧就掉");
    // "好的" answers neither choice: asked again, the words kept for the answer after it.
    Chat ok = confirming();
    ok.say("门把手装上了，有点松，晃来晃去的");
    ok.say("好的");
    EXPECT_EQ(find_effect<ConfirmFixed>(ok.last), nullptr) << ok.reply();
    EXPECT_EQ(ok.reply(),
              shipped_data().texts.render(TextId::not_fixed_or_new, {{"ticket", kTicket}}));
    ok.say("是");
    ASSERT_NE(find_effect<ReportNotFixed>(ok.last), nullptr) << ok.reply();
    EXPECT_EQ(find_effect<ReportNotFixed>(ok.last)->text, "门把手装上了，有点松，晃来晃去的");
    // A voice message not understood leaves them too; dropping another ticket's question as well.
    Chat voiced = confirming();
    voiced.say("门把手装上了，有点松，晃来晃去的");
    Inbound silent = text("");
    silent.body = VoiceMessage{"media-voice", ""};
    voiced.send(silent);
    voiced.session = drop_feedback(voiced.session, "BX20261121-0099");
    voiced.say("是");
    ASSERT_NE(find_effect<ReportNotFixed>(voiced.last), nullptr) << voiced.reply();
    // Another question put first meanwhile (a reminder): a 是 is no longer about those words.
    Chat moved = confirming();
    moved.say("门把手装上了，有点松，晃来晃去的");
    ASSERT_FALSE(moved.session.fault_unplaced.empty());
    moved.session = ask_first(moved.session, Feedback{FeedbackStep::confirm, "BX20261121-0042",
                                                      std::nullopt, 0, moved.session.last_active});
    EXPECT_TRUE(moved.session.fault_unplaced.empty());

    Chat later = confirming();
    later.say("厨房水龙头坏了");
    later.say("你们几点上班");  // no answer to it: the words are not kept past this message
    EXPECT_TRUE(later.session.fault_unplaced.empty());
    later.say("是");
    EXPECT_EQ(find_effect<ReportNotFixed>(later.last), nullptr) << later.reply();

    Session kept;
    kept.fault_unplaced = "门把手有点松|晃";
    auto decoded = decode(encode(kept));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->fault_unplaced, kept.fault_unplaced)
        << "the words survive the session store";
}

TEST(Feedback, ConfirmationInterruptedByAnAddressAndCancelledReportIsResumed) {
    Chat chat = confirming();
    chat.say("3栋2单元502");
    EXPECT_EQ(chat.session.flow, Flow::owner_report);
    EXPECT_TRUE(chat.last.effects.empty());
    chat.say("取消");
    EXPECT_EQ(chat.session.flow, Flow::owner_feedback);
    EXPECT_TRUE(contains(chat.reply(), text_of(TextId::cancelled)));
    EXPECT_TRUE(contains(chat.reply(), "修好了请回复“1”"));
    chat.say("1");
    EXPECT_NE(find_effect<ConfirmFixed>(chat.last), nullptr);
}

TEST(Feedback, AnEmergencyDuringTheRatingIsFiledAtOnce) {
    Chat chat = rating();
    chat.profile.phone = "13800138000";
    chat.say("3栋502水管爆了");
    ASSERT_NE(find_effect<CreateTicket>(chat.last), nullptr);
    EXPECT_EQ(chat.session.flow, Flow::owner_feedback);
    EXPECT_EQ(chat.session.feedback.front().step, FeedbackStep::score);
}

// The emergency went in while a question of an earlier ticket waited (asked again right after
// it): the flood said again is that emergency on its way, not a second ticket — at every step,
// a comment's too; a correction of the report reaches the dispatchers; "到哪了" shows the
// progress. The question stays, asked again.
TEST(Feedback, WhatIsSaidOfTheEmergencyJustFiledIsNotTakenAsANewReportOrAnAnswer) {
    for (const bool confirmed : {false, true}) {
        SCOPED_TRACE(confirmed ? "at the rating" : "at 修好了吗");
        Chat chat = confirmed ? rating() : confirming();
        chat.profile.phone = "13800138000";
        chat.say("5栋502水管爆了");
        ASSERT_NE(find_effect<CreateTicket>(chat.last), nullptr) << chat.reply();
        ASSERT_EQ(chat.session.flow, Flow::owner_feedback);
        const auto question = feedback_question(chat.session, shipped_data().texts);
        const auto before = chat.session.feedback;

        chat.say("水管爆了快点来人啊");
        EXPECT_EQ(find_effect<CreateTicket>(chat.last), nullptr) << chat.reply();
        EXPECT_EQ(chat.session.flow, Flow::owner_feedback) << chat.reply();
        ASSERT_NE(find_effect<HandToHuman>(chat.last), nullptr) << chat.reply();
        EXPECT_EQ(*find_effect<HandToHuman>(chat.last),
                  (HandToHuman{HandOffReason::update, "", "水管爆了快点来人啊"}));
        EXPECT_TRUE(contains(chat.reply(), "您的紧急报修已提交（地址：5栋502）")) << chat.reply();
        EXPECT_TRUE(contains(chat.reply(), question)) << chat.reply();
        EXPECT_EQ(chat.session.feedback, before);

        chat.say("5栋502 水管爆了");
        EXPECT_EQ(find_effect<CreateTicket>(chat.last), nullptr) << "same place: " << chat.reply();

        chat.say("地址错了，是5栋503");
        ASSERT_NE(find_effect<HandToHuman>(chat.last), nullptr) << chat.reply();
        EXPECT_EQ(find_effect<HandToHuman>(chat.last)->reason, HandOffReason::correction);
        EXPECT_EQ(find_effect<CreateTicket>(chat.last), nullptr) << chat.reply();
        EXPECT_TRUE(contains(chat.reply(), question)) << chat.reply();

        chat.say("不对，是5栋503");
        ASSERT_NE(find_effect<HandToHuman>(chat.last), nullptr) << chat.reply();
        EXPECT_EQ(find_effect<HandToHuman>(chat.last)->reason, HandOffReason::correction);

        chat.say("师傅到哪了");
        EXPECT_NE(find_effect<QueryProgress>(chat.last), nullptr) << chat.reply();
        EXPECT_EQ(chat.session.feedback, before);

        chat.say("3栋101 水管也爆了");  // another place: another emergency
        EXPECT_NE(find_effect<CreateTicket>(chat.last), nullptr) << chat.reply();
    }

    // Words that could answer 修好了吗 ("还是没…") about the emergency just filed are about it: the
    // earlier ticket is not reopened.
    for (const std::string words : {"水管爆了，还是没人来", "怎么还是没人来"}) {
        Chat still = confirming();
        still.profile.phone = "13800138000";
        still.say("5栋502水管爆了");
        ASSERT_NE(find_effect<CreateTicket>(still.last), nullptr) << still.reply();
        still.say(words);
        EXPECT_EQ(find_effect<ReportNotFixed>(still.last), nullptr) << words << still.reply();
        EXPECT_TRUE(find_effect<HandToHuman>(still.last) || find_effect<QueryProgress>(still.last))
            << words << ": " << still.reply();
        EXPECT_EQ(still.session.feedback.front().step, FeedbackStep::confirm) << words;
    }

    // "不对，…" naming nothing of the report may answer 修好了吗: it is not taken as a correction.
    for (const std::string words : {"不对，师傅根本没来过", "不对，问题还在"}) {
        Chat bare = confirming();
        bare.profile.phone = "13800138000";
        bare.say("5栋502水管爆了");
        ASSERT_NE(find_effect<CreateTicket>(bare.last), nullptr) << bare.reply();
        bare.say(words);
        EXPECT_EQ(find_effect<HandToHuman>(bare.last), nullptr) << words << ": " << bare.reply();
    }

    Chat comment = rating();  // a low score's comment naming the same danger again
    comment.profile.phone = "13800138000";
    comment.say("1分");
    ASSERT_EQ(comment.session.feedback.front().step, FeedbackStep::comment);
    comment.say("5栋502水管爆了");
    ASSERT_NE(find_effect<CreateTicket>(comment.last), nullptr) << comment.reply();
    comment.say("水管又爆了，快来人");
    EXPECT_EQ(find_effect<CreateTicket>(comment.last), nullptr) << comment.reply();
    EXPECT_EQ(find_effect<RateService>(comment.last), nullptr) << "no comment: " << comment.reply();
    EXPECT_EQ(comment.session.feedback.front().step, FeedbackStep::comment);
    comment.say("时间不对，说好上午来的结果下午才到");  // a comment, though it names a slot
    ASSERT_NE(find_effect<RateService>(comment.last), nullptr) << comment.reply();
    EXPECT_EQ(find_effect<RateService>(comment.last)->comment,
              "时间不对，说好上午来的结果下午才到");
    EXPECT_EQ(find_effect<HandToHuman>(comment.last), nullptr) << comment.reply();

    Chat waited = rating();
    waited.profile.phone = "13800138000";
    waited.say("1分");
    waited.say("5栋502水管爆了");
    waited.say("师傅怎么还没来，等了三天");  // a comment may say it of the ticket rated
    ASSERT_NE(find_effect<RateService>(waited.last), nullptr) << waited.reply();
    EXPECT_EQ(find_effect<RateService>(waited.last)->comment, "师傅怎么还没来，等了三天");
}

// An owner with a question waiting (修好了吗 of one ticket) can still cancel another: "取消 BX…"
// and a bare 取消 reach the bot; the question stays, asked again.
TEST(Feedback, AnOwnerWithAQuestionWaitingCanStillCancelATicket) {
    Chat chat = confirming();
    chat.say("取消 BX20261207-0006");
    EXPECT_EQ(chat.last.effects, std::vector<Effect>{CancelTicket{"BX20261207-0006"}});
    EXPECT_TRUE(contains(chat.reply(), feedback_question(chat.session, shipped_data().texts)));
    EXPECT_EQ(chat.session.feedback.front().step, FeedbackStep::confirm);
    chat.say("取消");
    EXPECT_EQ(chat.last.effects, std::vector<Effect>{CancelTicket{}});

    Chat turned = confirming();  // thanks, but: not a confirmation
    turned.say("好了，谢谢师傅，不过灯还是不亮");
    EXPECT_EQ(find_effect<ConfirmFixed>(turned.last), nullptr) << turned.reply();
}

// A draft parked under the question (filed one report, began another, then 修好了吗 came): the
// owner's "地址错了，是5栋503" edits that draft, not the ticket filed before it.
TEST(Feedback, AParkedDraftsOwnCorrectionGoesToTheDraft) {
    Chat chat;
    chat.profile.phone = "13800138000";
    chat.say("5栋502水管爆了");
    ASSERT_NE(find_effect<CreateTicket>(chat.last), nullptr) << chat.reply();
    chat.say("3栋101 客厅灯不亮");
    ASSERT_EQ(chat.session.flow, Flow::owner_report) << chat.reply();
    chat.session = begin_confirmation(chat.session, kTicket, std::nullopt, kNow);
    ASSERT_EQ(chat.session.flow, Flow::owner_feedback);
    ASSERT_FALSE(chat.session.report_id.empty());
    chat.say("地址错了，是3栋102");
    EXPECT_EQ(find_effect<HandToHuman>(chat.last), nullptr) << chat.reply();
    ASSERT_TRUE(chat.session.draft.address.has_value()) << chat.reply();
    EXPECT_EQ(display(*chat.session.draft.address), "3栋102") << chat.reply();
}

// 投诉 naming the danger of the emergency just filed is filed as a complaint; the danger is that
// emergency, told to the dispatchers — not a second one.
TEST(Feedback, AComplaintNamingTheEmergencyJustFiledDoesNotFileItAgain) {
    Chat chat;
    chat.profile.phone = "13800138000";
    chat.say("5栋502厨房有很重的燃气味");
    ASSERT_NE(find_effect<CreateTicket>(chat.last), nullptr) << chat.reply();
    chat.say("投诉 燃气味很大没人管");
    EXPECT_NE(find_effect<FileComplaint>(chat.last), nullptr) << chat.reply();
    EXPECT_EQ(find_effect<CreateTicket>(chat.last), nullptr) << chat.reply();
    EXPECT_EQ(chat.session.flow, Flow::idle) << chat.reply();
    ASSERT_NE(find_effect<HandToHuman>(chat.last), nullptr) << chat.reply();
    EXPECT_EQ(find_effect<HandToHuman>(chat.last)->reason, HandOffReason::update);
}

// ---- a draft under way is parked, not lost ----

TEST(Feedback, ADraftUnderWayIsParkedAndResumedAfterTheRating) {
    Chat chat;
    chat.say("3栋502厨房水管漏水了");
    chat.photo("p1");
    ASSERT_EQ(chat.session.step, ReportStep::photos);
    auto draft = chat.session.draft;
    chat.session = begin_confirmation(chat.session, kTicket, std::nullopt, kNow);
    EXPECT_EQ(chat.session.flow, Flow::owner_feedback);
    EXPECT_EQ(chat.session.draft, draft);
    chat.say("1");
    EXPECT_NE(find_effect<ConfirmFixed>(chat.last), nullptr);
    chat.say("满意");
    chat.say("跳过");
    EXPECT_NE(find_effect<RateService>(chat.last), nullptr);
    // All answered: the draft comes back where it was.
    EXPECT_EQ(chat.session.flow, Flow::owner_report);
    EXPECT_EQ(chat.session.step, ReportStep::photos);
    EXPECT_EQ(chat.session.draft, draft);
    EXPECT_TRUE(contains(chat.reply(), text_of(TextId::report_resumed)));
    chat.say("好了");
    EXPECT_EQ(chat.session.step, ReportStep::phone);
}

TEST(Feedback, AParkedDraftTakesPhotosAndReportWordsWhileTheQuestionWaits) {
    Chat chat;
    chat.say("3栋502厨房水管漏水了");
    chat.session = begin_confirmation(chat.session, kTicket, 5000, kNow);
    chat.photo("p1");
    EXPECT_EQ(chat.session.flow, Flow::owner_report);
    EXPECT_EQ(chat.session.draft.photos.size(), 1u);
    EXPECT_EQ(chat.session.feedback.size(), 1u);
    chat.say("没有");
    chat.say("13800138000");
    chat.say("尽快");
    chat.say("确认");
    ASSERT_NE(find_effect<CreateTicket>(chat.last), nullptr);
    EXPECT_EQ(find_effect<CreateTicket>(chat.last)->report.photos.size(), 1u);
    EXPECT_EQ(chat.session.flow, Flow::owner_feedback);
    EXPECT_TRUE(contains(chat.reply(), "费用50元"));
}

TEST(Feedback, AParkedDraftCanBeCancelledFromTheQuestion) {
    Chat chat;
    chat.say("3栋502厨房水管漏水了");
    chat.session = begin_confirmation(chat.session, kTicket, std::nullopt, kNow);
    chat.say("取消");
    EXPECT_TRUE(chat.session.report_id.empty());
    EXPECT_EQ(chat.session.flow, Flow::owner_feedback);
    EXPECT_TRUE(contains(chat.reply(), text_of(TextId::cancelled)));
}

// ---- quotes ----

TEST(Feedback, QuoteAgreed) {
    Chat chat = quoting();
    EXPECT_TRUE(contains(feedback_question(chat.session, shipped_data().texts), "报价120元"));
    chat.say("同意");
    ASSERT_NE(find_effect<AgreeQuote>(chat.last), nullptr);
    EXPECT_EQ(*find_effect<AgreeQuote>(chat.last), (AgreeQuote{kTicket, 12000}))
        << "the agreement names the amount the owner was shown";
    EXPECT_EQ(chat.reply(), text_of(TextId::quote_agreed));
    EXPECT_EQ(chat.session.flow, Flow::idle);
}

struct RefuseCase {
    std::vector<const char*> messages;
    const char* reason;
};

TEST(Feedback, QuoteRefusedWithOrWithoutAReason) {
    const RefuseCase cases[] = {
        {{"不同意 太贵了"}, "太贵了"},
        {{"不同意，我自己找人修。"}, "我自己找人修"},
        {{"太贵了，不修了"}, "太贵了，不修了"},  // the price and a refusal: refused
        {{"不同意", "价格太高"}, "价格太高"},
        {{"2", "跳过"}, ""},
        {{"不修了", "先不修了"}, "先不修了"},
        {{"算了，不修了"}, "算了，不修了"},  // called off in a few words: refused, not a cancel
    };
    for (const auto& c : cases) {
        Chat chat = quoting();
        for (std::size_t i = 0; i + 1 < c.messages.size(); ++i) {
            chat.say(c.messages[i]);
            EXPECT_EQ(chat.reply(), text_of(TextId::ask_refuse_reason)) << c.messages[i];
            EXPECT_TRUE(chat.last.effects.empty());
        }
        chat.say(c.messages.back());
        ASSERT_NE(find_effect<RefuseQuote>(chat.last), nullptr) << c.messages.back();
        EXPECT_EQ(*find_effect<RefuseQuote>(chat.last), (RefuseQuote{kTicket, c.reason, 12000}));
        EXPECT_TRUE(contains(chat.reply(), "已取消"));
        EXPECT_EQ(chat.session.flow, Flow::idle);
    }
}

TEST(Feedback, HagglingOrAQuestionAtTheQuoteGoesToAPersonAndTheQuoteWaits) {
    for (const char* words :
         {"太贵了吧", "太贵了", "能便宜点吗", "包括材料吗", "为什么要120元？"}) {
        Chat chat = quoting();
        chat.say(words);
        EXPECT_EQ(find_effect<RefuseQuote>(chat.last), nullptr) << words;
        EXPECT_EQ(find_effect<AgreeQuote>(chat.last), nullptr) << words;
        const auto* human = find_effect<HandToHuman>(chat.last);
        ASSERT_NE(human, nullptr) << words;
        EXPECT_EQ(human->reason, HandOffReason::enquiry);
        EXPECT_EQ(human->ticket, kTicket);
        EXPECT_TRUE(std::string_view(words).starts_with(human->words)) << human->words;
        EXPECT_FALSE(human->words.empty());
        EXPECT_TRUE(contains(chat.reply(), opening_of(TextId::quote_enquiry))) << chat.reply();
        EXPECT_TRUE(contains(chat.reply(), "120元")) << chat.reply();
        ASSERT_EQ(chat.session.flow, Flow::owner_feedback) << words;
        EXPECT_EQ(chat.session.feedback.front().step, FeedbackStep::quote);
        // The answer still counts when it comes.
        chat.say("同意");
        EXPECT_NE(find_effect<AgreeQuote>(chat.last), nullptr) << words;
    }
}

TEST(Feedback, AQuestionWithARefusalWordInItIsAskedOfAPersonNotTakenAsARefusal) {
    for (const char* words : {"不同意吗？", "如果不修了，上门费要给吗？", "可以拒绝吗？",
                              "旧龙头不要了，换新的多少钱？", "怎么算了这么多钱", "好吧太贵了",
                              "可以，不过能便宜点吗"}) {
        Chat chat = quoting();
        chat.say(words);
        EXPECT_EQ(find_effect<RefuseQuote>(chat.last), nullptr) << words;
        EXPECT_EQ(find_effect<AgreeQuote>(chat.last), nullptr) << words;
        const auto* human = find_effect<HandToHuman>(chat.last);
        ASSERT_NE(human, nullptr) << words;
        EXPECT_EQ(human->reason, HandOffReason::enquiry) << words;
        EXPECT_EQ(chat.session.feedback.front().step, FeedbackStep::quote) << words;
    }
}

TEST(Feedback, ABareCancelAtAQuoteSaysHowToRefuseAndCancelsNothing) {
    Chat chat = quoting();
    chat.say("取消");
    EXPECT_EQ(find_effect<RefuseQuote>(chat.last), nullptr);
    EXPECT_TRUE(contains(chat.reply(), "不同意")) << chat.reply();
    EXPECT_EQ(chat.session.feedback.front().step, FeedbackStep::quote);
}

TEST(Feedback, ChangingOneMindAfterNoAgreesToTheQuote) {
    for (const char* words : {"算了，还是修吧", "还是同意吧", "同意"}) {
        Chat chat = quoting();
        chat.say("不同意");
        EXPECT_EQ(chat.reply(), text_of(TextId::ask_refuse_reason));
        chat.say(words);
        EXPECT_EQ(find_effect<RefuseQuote>(chat.last), nullptr) << words;
        EXPECT_NE(find_effect<AgreeQuote>(chat.last), nullptr) << words;
    }
}

TEST(Feedback, WordsAfterAYesThatAreNotAgreementDoNotAgree) {
    for (const char* words : {"好的，我问问家里人", "好的我想想", "ok我晚点回复", "可以优惠点",
                              "可以换个师傅", "同意？", "修？"}) {
        Chat chat = quoting();
        chat.say(words);
        EXPECT_EQ(find_effect<AgreeQuote>(chat.last), nullptr) << words;
        EXPECT_EQ(find_effect<RefuseQuote>(chat.last), nullptr) << words;
    }
    // A danger after the yes is the danger's.
    Chat chat = quoting();
    chat.say("好的，厨房燃气味很重");
    EXPECT_EQ(find_effect<AgreeQuote>(chat.last), nullptr);
    EXPECT_FALSE(chat.session.report_id.empty()) << "the emergency is being reported";
}

TEST(Feedback, AReasonAfterNoIsNotTakenForAChangeOfMind) {
    for (const char* words : {"还是修不好的", "还是修理费太贵", "好的，我自己找人修"}) {
        Chat chat = quoting();
        chat.say("不同意");
        chat.say(words);
        EXPECT_EQ(find_effect<AgreeQuote>(chat.last), nullptr) << words;
        ASSERT_NE(find_effect<RefuseQuote>(chat.last), nullptr) << words;
    }
    // A question about the price after 不同意: asked of a person, nothing refused.
    Chat chat = quoting();
    chat.say("不同意");
    chat.say("那上门费要给吗？");
    EXPECT_EQ(find_effect<RefuseQuote>(chat.last), nullptr);
    const auto* human = find_effect<HandToHuman>(chat.last);
    ASSERT_NE(human, nullptr);
    EXPECT_EQ(human->reason, HandOffReason::enquiry);
    EXPECT_EQ(chat.session.feedback.front().step, FeedbackStep::quote);
}

TEST(Feedback, ARefusalThatSaysWhyOrIsLongStillRefuses) {
    for (const char* words : {"师傅报的价太高了，算了不修了", "不同意，自己找人修的话便宜多了"}) {
        Chat chat = quoting();
        chat.say(words);
        EXPECT_NE(find_effect<RefuseQuote>(chat.last), nullptr) << words;
    }
    // A fault named at a quote, no question: a new report, not a price question.
    Chat chat = quoting();
    chat.say("卫生间瓷砖掉了一块");
    const auto* human = find_effect<HandToHuman>(chat.last);
    EXPECT_TRUE(human == nullptr || human->reason != HandOffReason::enquiry);
    EXPECT_FALSE(chat.session.report_id.empty()) << "a new report started";
    // 取消吧 as 取消: cancels nothing.
    Chat again = quoting();
    again.say("取消吧");
    EXPECT_EQ(find_effect<RefuseQuote>(again.last), nullptr);
}

TEST(Feedback, AgreementWithAParticleAgreesAndNoWordsAskNobody) {
    for (const char* words : {"好的呢",
                              "可以吧",
                              "行啊",
                              "同意吧",
                              "好吧",
                              "我同意",
                              "没问题",
                              "同意，尽快来修吧",
                              "好的，修吧",
                              "那就修吧",
                              "好的没问题",
                              "好吧，那就同意吧",
                              "行吧，同意",
                              "那就同意吧",
                              "那好吧",
                              "那行吧",
                              "那行",
                              "行，我同意",
                              "好的，我同意",
                              "可以，我接受",
                              "行，那就修吧",
                              "行吧，120就120，修吧",
                              "好吧，120就120元",
                              "120就120，修吧",
                              "120就120吧",
                              "修吧"}) {
        Chat chat = quoting();
        chat.say(words);
        EXPECT_NE(find_effect<AgreeQuote>(chat.last), nullptr) << words;
    }
    for (const char* words :
         {"好吧，那就不同意吧", "那好吧，我再想想", "行，我问问家里人", "100就100吧",
          "好吧，100就100", "行，100就100，修吧", "120就120？太贵了"}) {
        Chat no = quoting();
        no.say(words);
        EXPECT_EQ(find_effect<AgreeQuote>(no.last), nullptr) << words;
    }
    for (const char* words : {"?", "在吗", "？？", "你好，在吗", "有人吗"}) {
        Chat chat = quoting();
        chat.say(words);
        EXPECT_TRUE(chat.last.effects.empty()) << words;
        EXPECT_TRUE(contains(chat.reply(), "请回复“同意”接受报价120元")) << chat.reply();
    }
}

TEST(Feedback, ADangerANewReportOrAProgressQuestionAtTheQuoteIsNoQuoteEnquiry) {
    const auto enquiry = [](const Outcome& o) {
        const auto* human = find_effect<HandToHuman>(o);
        return human && human->reason == HandOffReason::enquiry;
    };
    {
        Chat chat = quoting();
        chat.say("厨房燃气味好重怎么办？");
        EXPECT_FALSE(enquiry(chat.last));
        EXPECT_TRUE(contains(chat.reply(), "燃气")) << chat.reply();
        EXPECT_FALSE(chat.session.report_id.empty()) << "the emergency is being reported";
    }
    {
        Chat chat = quoting();
        chat.say("3栋502卫生间灯也不亮了，能派人来看吗");
        EXPECT_FALSE(enquiry(chat.last));
        EXPECT_FALSE(chat.session.report_id.empty()) << "a new report started";
    }
    {
        Chat chat = quoting();
        chat.say("师傅怎么还没来");
        EXPECT_FALSE(enquiry(chat.last));
        EXPECT_NE(find_effect<QueryProgress>(chat.last), nullptr);
    }
}

TEST(Feedback, TheQuoteSaysThatARefusalCancelsTheRepair) {
    Chat chat = quoting();
    EXPECT_TRUE(contains(feedback_question(chat.session, shipped_data().texts), "取消"));
}

TEST(Feedback, AnythingElseAtTheQuoteIsAskedAgain) {
    Chat chat = quoting();
    chat.say("嗯");
    EXPECT_TRUE(contains(chat.reply(), "请回复“同意”接受报价120元"));
    EXPECT_TRUE(chat.last.effects.empty());
}

// ---- several questions, reminders, dropping ----

TEST(Feedback, QuestionsQueueAndTheNextIsAskedWhenOneIsSettled) {
    Chat chat = quoting();
    chat.session = begin_confirmation(chat.session, "BX20261120-0004", std::nullopt, kNow);
    ASSERT_EQ(chat.session.feedback.size(), 2u);
    chat.say("同意");
    EXPECT_TRUE(contains(chat.reply(), "BX20261120-0004 已维修完成"));
    chat.say("2");
    EXPECT_EQ(find_effect<ReportNotFixed>(chat.last)->ticket_number, "BX20261120-0004");
    EXPECT_EQ(chat.session.flow, Flow::idle);
}

TEST(Feedback, DoneAgainReplacesTheQuestionAboutTheSameTicket) {
    Chat chat = confirming();
    chat.session = begin_confirmation(chat.session, kTicket, 3000, kNow + std::chrono::hours{1});
    ASSERT_EQ(chat.session.feedback.size(), 1u);
    EXPECT_EQ(chat.session.feedback.front().cents, 3000);
}

TEST(Feedback, ARaisedQuoteKeepsItsPlaceBeforeOtherQuestions) {
    Chat chat = quoting();
    chat.session = begin_confirmation(chat.session, "BX20261120-0004", std::nullopt, kNow);
    chat.session = begin_quote_approval(chat.session, kTicket, 30000, kNow);
    ASSERT_EQ(chat.session.feedback.size(), 2u);
    EXPECT_EQ(chat.session.feedback[0].ticket_number, kTicket);
    EXPECT_EQ(chat.session.feedback[0].cents, 30000);
    EXPECT_TRUE(contains(feedback_question(chat.session, shipped_data().texts), "报价300元"))
        << "the push about the raised quote asks about it, not the other ticket";
}

TEST(Feedback, AnAnswerSentBeforeTheQuoteWasRaisedIsMetWithTheNewQuote) {
    Chat chat;
    chat.session = begin_quote_approval(chat.session, kTicket, 30000, kNow + std::chrono::seconds{1});
    chat.say("同意");  // handled at kNow: sent before the 300 was asked
    EXPECT_EQ(find_effect<AgreeQuote>(chat.last), nullptr);
    EXPECT_TRUE(contains(chat.reply(), "报价300元")) << chat.reply();
    ASSERT_EQ(chat.session.feedback.size(), 1u) << "still asked";
    chat.now = kNow + std::chrono::seconds{5};
    chat.say("同意");
    ASSERT_NE(find_effect<AgreeQuote>(chat.last), nullptr);
    EXPECT_EQ(*find_effect<AgreeQuote>(chat.last), (AgreeQuote{kTicket, 30000}));
}

// A quote asked again while the owner's 进度 was being handled (the chat runs the turn again on
// the changed session): the 进度 is still a 进度 — only an answer sent before the amount was
// asked is held back.
TEST(Feedback, ACommandSentBeforeTheQuoteWasAskedIsStillTheCommand) {
    Chat chat;
    chat.session =
        begin_quote_approval(chat.session, kTicket, 30000, kNow + std::chrono::seconds{1});
    chat.say("进度");
    EXPECT_NE(find_effect<QueryProgress>(chat.last), nullptr) << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), "报价300元")) << "and the quote is asked: " << chat.reply();
    ASSERT_EQ(chat.session.feedback.size(), 1u);
}

// A reminder about the second ticket asked makes it the question the owner's next answer
// answers: "1" after "BX…0004 还没确认" confirms 0004, not the quote asked first; the quote is
// asked again once it is settled.
TEST(Feedback, AReminderAboutAQuestionBehindAnotherBringsItToTheFront) {
    Chat chat = quoting();
    chat.session = begin_confirmation(chat.session, "BX20261120-0004", 5000, kNow);
    chat.session.misses = 2;
    chat.session =
        ask_first(chat.session, {FeedbackStep::confirm, "BX20261120-0004", 5000, 0, kNow});
    ASSERT_EQ(chat.session.feedback.size(), 2u);
    EXPECT_EQ(chat.session.feedback[0].ticket_number, "BX20261120-0004");
    EXPECT_EQ(chat.session.feedback[0].cents, 5000);
    EXPECT_EQ(chat.session.feedback[1].ticket_number, kTicket);
    EXPECT_EQ(chat.session.misses, 0u);
    EXPECT_TRUE(contains(feedback_reminder(chat.session, shipped_data().texts), "BX20261120-0004"));
    EXPECT_EQ(feedback_reminder(chat.session.feedback[1], shipped_data().texts),
              feedback_reminder(quoting().session, shipped_data().texts))
        << "a question's own reminder";
    chat.say("1");
    ASSERT_NE(find_effect<ConfirmFixed>(chat.last), nullptr);
    EXPECT_EQ(find_effect<ConfirmFixed>(chat.last)->ticket_number, "BX20261120-0004");
    EXPECT_EQ(find_effect<AgreeQuote>(chat.last), nullptr);
}

// The owner's "1" for the question asked first, handled before a reminder brought another one
// forward (the chat runs it again on the changed session), is no answer to the one brought
// forward: it is asked instead; a "1" after it answers it.
TEST(Feedback, AnAnswerHandledBeforeAQuestionWasBroughtForwardIsNoAnswerToIt) {
    Chat chat = confirming();
    chat.session = begin_confirmation(chat.session, "BX20261120-0004", std::nullopt, kNow);
    chat.session = ask_first(chat.session, {FeedbackStep::confirm, "BX20261120-0004", std::nullopt,
                                            0, kNow + std::chrono::seconds{1}});
    chat.say("1");  // handled at kNow
    EXPECT_EQ(find_effect<ConfirmFixed>(chat.last), nullptr);
    EXPECT_TRUE(contains(chat.reply(), "BX20261120-0004")) << chat.reply();
    ASSERT_EQ(chat.session.feedback.size(), 2u) << "both still asked";
    chat.now = kNow + std::chrono::seconds{5};
    chat.say("1");
    ASSERT_NE(find_effect<ConfirmFixed>(chat.last), nullptr);
    EXPECT_EQ(find_effect<ConfirmFixed>(chat.last)->ticket_number, "BX20261120-0004");
}

// A question the session lost (it expired, or was reset — even a session left asking nothing)
// is put back, first, by the reminder; one asked first already is left exactly as it is (a
// rating's comment under way stays one); a stale one (another amount) gives way to the ticket's.
TEST(Feedback, AReminderPutsALostQuestionBackReplacesAStaleOneAndLeavesTheFirstOneAsItIs) {
    Chat chat;
    chat.session = ask_first(chat.session, {FeedbackStep::quote, kTicket, 12000, 0, kNow});
    EXPECT_EQ(chat.session.flow, Flow::owner_feedback);
    ASSERT_EQ(chat.session.feedback.size(), 1u);
    chat.say("同意");
    ASSERT_NE(find_effect<AgreeQuote>(chat.last), nullptr);
    EXPECT_EQ(*find_effect<AgreeQuote>(chat.last), (AgreeQuote{kTicket, 12000}));

    Session broken;
    broken.flow = Flow::owner_feedback;  // asking, but nothing to ask
    broken = ask_first(broken, {FeedbackStep::confirm, kTicket, std::nullopt, 0, kNow});
    ASSERT_EQ(broken.feedback.size(), 1u);
    EXPECT_EQ(broken.feedback[0].ticket_number, kTicket);

    Chat commenting = rating();
    commenting.say("2");
    ASSERT_EQ(commenting.session.feedback.front().step, FeedbackStep::comment);
    const Session before = commenting.session;
    EXPECT_EQ(ask_first(before, {FeedbackStep::score, kTicket, std::nullopt, 0, kNow}), before);

    Session stale = quoting().session;
    stale = ask_first(stale, {FeedbackStep::quote, kTicket, 30000, 0, kNow});
    ASSERT_EQ(stale.feedback.size(), 1u);
    EXPECT_EQ(stale.feedback[0].cents, 30000) << "the amount the ticket waits on";
}

// Another ticket's question the owner is half way through (a low score's comment) stays first:
// the reminded one comes right after it, so the comment is not taken for its answer.
TEST(Feedback, AReminderWaitsBehindAnotherTicketsQuestionHalfAnswered) {
    Chat chat = rating();
    chat.say("2");
    ASSERT_EQ(chat.session.feedback.front().step, FeedbackStep::comment);
    chat.session = begin_confirmation(chat.session, "BX20261120-0004", std::nullopt, kNow);
    chat.session = begin_quote_approval(chat.session, "BX20261120-0005", 9000, kNow);
    chat.session = ask_first(chat.session, {FeedbackStep::quote, "BX20261120-0005", 9000, 0, kNow});
    ASSERT_EQ(chat.session.feedback.size(), 3u);
    EXPECT_EQ(chat.session.feedback[0].ticket_number, kTicket);
    EXPECT_EQ(chat.session.feedback[0].step, FeedbackStep::comment);
    EXPECT_EQ(chat.session.feedback[1].ticket_number, "BX20261120-0005");
    EXPECT_EQ(chat.session.feedback[2].ticket_number, "BX20261120-0004");
    chat.say("师傅不行");
    ASSERT_NE(find_effect<RateService>(chat.last), nullptr);
    EXPECT_EQ(find_effect<RateService>(chat.last)->ticket_number, kTicket);
    EXPECT_EQ(find_effect<ReportNotFixed>(chat.last), nullptr);
    EXPECT_TRUE(contains(chat.reply(), "BX20261120-0005")) << "the reminded one next\n"
                                                           << chat.reply();
}

TEST(Feedback, RemindersNameTheTicket) {
    const auto& texts = shipped_data().texts;
    EXPECT_TRUE(contains(feedback_reminder(confirming().session, texts), "还没确认"));
    EXPECT_TRUE(contains(feedback_reminder(rating().session, texts), "还没评价"));
    EXPECT_TRUE(contains(feedback_reminder(quoting().session, texts), "还在等您答复"));
    EXPECT_TRUE(contains(feedback_reminder(rating().session, texts), kTicket));
    EXPECT_EQ(feedback_reminder(Session{}, texts), "");
    EXPECT_EQ(feedback_question(Session{}, texts), "");
}

TEST(Feedback, DroppingTheLastQuestionBringsTheParkedDraftBack) {
    Chat chat;
    chat.say("3栋502厨房水管漏水了");
    auto s = begin_confirmation(chat.session, kTicket, std::nullopt, kNow);
    s = drop_feedback(s, kTicket);
    EXPECT_TRUE(s.feedback.empty());
    EXPECT_EQ(s.flow, Flow::owner_report);
    EXPECT_EQ(drop_feedback(confirming().session, kTicket).flow, Flow::idle);
}

TEST(Feedback, BeginConfirmationDropsATechniciansPendingPick) {
    Session s;
    s.flow = Flow::technician_pick;
    s.job_command = PendingJobCommand{JobAction::accept, std::nullopt, ""};
    s = begin_confirmation(s, kTicket, std::nullopt, kNow);
    EXPECT_EQ(s.flow, Flow::owner_feedback);
    EXPECT_FALSE(s.job_command.has_value());
}

TEST(Feedback, EveryQuestionSurvivesStorageBetweenMessages) {
    std::vector<Session> sessions = {confirming().session, rating().session, quoting().session};
    Chat comment = rating();
    comment.say("2");
    sessions.push_back(comment.session);
    Chat reason = quoting();
    reason.say("不同意");
    sessions.push_back(reason.session);
    for (const auto& s : sessions) {
        auto d = decode(encode(s));
        ASSERT_TRUE(d.has_value()) << encode(s);
        EXPECT_EQ(*d, s) << encode(s);
    }
}

}  // namespace
}  // namespace repairbot::dialog
