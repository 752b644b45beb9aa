// A complaint goes on record in the owner's own words: punctuation, case, spaces and characters
// such as ' % _ \ kept (it used to be the compact matching form, "droptabletickets100xqb" for
// "'; DROP TABLE tickets; -- \ 100% _x_ "q"", found by the hostile-request e2e test).
#include <gtest/gtest.h>

#include "dialog/commands.h"
#include "dialog_test_support.h"

namespace repairbot::dialog {
namespace {

using namespace testing;

TEST(DialogComplaintWords, TheComplaintKeepsTheOwnersWordsAsTyped) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"投诉 上次维修师傅态度很差", "上次维修师傅态度很差"},
        {"投诉：师傅迟到了2小时，还没道歉！", "师傅迟到了2小时，还没道歉"},
        {"投诉 '; DROP TABLE tickets; -- \\ 100% _x_ \"q\"", "'; DROP TABLE tickets; -- \\ 100% _x_ \"q\""},
        {"投诉 WiFi 密码 ABC", "WiFi 密码 ABC"},
    };
    for (const auto& [said, recorded] : cases) {
        Chat chat;
        chat.say(said);
        const auto* c = find_effect<FileComplaint>(chat.last);
        ASSERT_NE(c, nullptr) << said;
        EXPECT_EQ(c->text, recorded) << said;
    }
}

TEST(DialogComplaintWords, DuringAReportTheComplaintKeepsItsWordsToo) {
    Chat chat;
    chat.say("3栋2单元502厨房水管漏水了");
    chat.say("投诉 物业电话 打不通！");
    const auto* c = find_effect<FileComplaint>(chat.last);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->text, "物业电话 打不通");
}

TEST(DialogComplaintWords, WithoutTheKeywordAsTypedTheMatchedTextIsKept) {
    const Command cmd{CommandKind::complaint, std::nullopt, "太慢了"};
    EXPECT_EQ(complaint_words("投 诉 太慢了", cmd), "太慢了");
    EXPECT_EQ(complaint_words("", cmd), "太慢了");
    EXPECT_EQ(complaint_words("投诉", Command{CommandKind::complaint, std::nullopt, ""}), "");
}

// DOMAIN.md: a serious complaint goes to the manager at once. Serious is what faults.toml's
// serious_complaint_keywords name (a danger, harm, damage, an outside body), not negated; in
// any step of the chat, on the owner's words after 投诉.
TEST(DialogComplaintWords, AComplaintNamingHarmAnOutsideBodyOrADangerIsSerious) {
    const std::vector<std::pair<std::string, bool>> cases{
        {"投诉 师傅迟到两小时", false},
        {"投诉 上次维修师傅态度很差", false},
        {"投诉 再不处理我就打12345", true},
        {"投诉 楼上漏水把我家天花板泡坏了，要求赔偿", true},
        {"投诉 维修工把我家老人推倒受伤了", true},
        {"投诉 楼道电箱一直漏电，报了三次没人管", true},  // a danger still there
        {"投诉", false},
        // Everyday words that must not reach the manager (false alarms a review found).
        {"投诉 打人工电话一直没人接", false},
        {"投诉 我电话13812345678一直没人回", false},
        {"投诉 烟感报警器一直响没人修", false},
        {"投诉 垃圾桶溢出来了，垃圾房有股气味", false},
        {"投诉 停电检修不提前通知", false},
        {"投诉 师傅态度差，还好没有受伤", false},  // negated
        {"投诉 电话都打爆了也没人来", false},
    };
    for (const auto& [said, serious] : cases) {
        Chat chat;
        chat.say(said);
        const auto* c = find_effect<FileComplaint>(chat.last);
        ASSERT_NE(c, nullptr) << said;
        EXPECT_EQ(c->serious, serious) << said;
    }
    Chat reporting;
    reporting.say("3栋2单元502厨房水管漏水了");
    reporting.say("投诉 你们再拖着我就找媒体曝光");
    const auto* c = find_effect<FileComplaint>(reporting.last);
    ASSERT_NE(c, nullptr);
    EXPECT_TRUE(c->serious) << "mid-report too";
}

}  // namespace
}  // namespace repairbot::dialog
