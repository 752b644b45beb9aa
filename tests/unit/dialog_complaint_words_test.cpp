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

}  // namespace
}  // namespace repairbot::dialog
