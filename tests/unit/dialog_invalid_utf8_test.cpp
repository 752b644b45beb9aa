// Bytes that are not UTF-8 in what an owner sends (a broken client, a hostile request) are read
// as U+FFFD by step(), so the report still files: MariaDB's utf8mb4 columns refused the raw
// bytes and the confirmation failed with a 500 on every resend (found by the hostile-request e2e
// test). Also the strict UTF-8 check and repair in dialog/text.h.
#include <gtest/gtest.h>

#include "dialog/feedback.h"
#include "dialog/text.h"
#include "dialog_test_support.h"

namespace repairbot::dialog {
namespace {

using namespace testing;

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(DialogUtf8, WellFormedTextIsValidAndKeptAsItIs) {
    for (const std::string s : {"", "abc", "3栋2单元502", "😀🔧", "\xC2\x80", "\xF4\x8F\xBF\xBF"}) {
        EXPECT_TRUE(text::is_valid_utf8(s)) << s;
        EXPECT_EQ(text::to_valid_utf8(s), s);
    }
}

TEST(DialogUtf8, StrayTruncatedOverlongSurrogateAndTooLargeSequencesAreReplaced) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"\xFF", kReplacement},
        {"a\x80z", "a" + kReplacement + "z"},
        {"\xE6\xBC", kReplacement + kReplacement},              // truncated 漏
        {"\xC0\xAF", kReplacement + kReplacement},              // overlong '/'
        {"\xED\xA0\x80", kReplacement + kReplacement + kReplacement},  // a surrogate
        {"\xF4\x90\x80\x80", kReplacement + kReplacement + kReplacement + kReplacement},  // > U+10FFFF
        {"水管\xFF\xFE漏水", "水管" + kReplacement + kReplacement + "漏水"},
    };
    for (const auto& [in, want] : cases) {
        EXPECT_FALSE(text::is_valid_utf8(in)) << in;
        const auto out = text::to_valid_utf8(in);
        EXPECT_TRUE(text::is_valid_utf8(out)) << out;
        EXPECT_EQ(out, want);
    }
}

TEST(DialogUtf8, AReportWithBytesThatAreNotUtf8IsFiledWithValidText) {
    Chat chat;
    chat.say("3栋2单元502厨房水管\xFF\xFE漏水了\xE6\xBC，电话13800138000");
    for (int turn = 0; turn < 6 && !find_effect<CreateTicket>(chat.last); ++turn) {
        const auto r = chat.reply();
        if (contains(r, "照片")) chat.say("没有");
        else if (contains(r, "什么时候")) chat.say("尽快");
        else if (contains(r, "“确认”")) chat.say("确认");
        else break;
        EXPECT_TRUE(text::is_valid_utf8(chat.reply())) << chat.reply();
    }
    const auto* created = find_effect<CreateTicket>(chat.last);
    ASSERT_NE(created, nullptr) << chat.reply();
    EXPECT_TRUE(text::is_valid_utf8(created->report.description)) << created->report.description;
    EXPECT_TRUE(contains(created->report.description, "漏水了")) << created->report.description;
    EXPECT_TRUE(contains(created->report.description, kReplacement)) << created->report.description;
    EXPECT_EQ(created->report.phone, "13800138000");
}

TEST(DialogUtf8, ImageIdsAndVoiceTextThatAreNotUtf8AreRepairedToo) {
    Chat chat;
    chat.say("3栋2单元502厨房水管漏水了，电话13800138000");
    chat.send(Inbound{"owner-1", "img-bad", ImageMessage{"MEDIA\xFF", "http://x/\xFE"}});
    for (const auto& p : chat.session.draft.photos) {
        EXPECT_TRUE(text::is_valid_utf8(p.media_id)) << p.media_id;
        EXPECT_TRUE(text::is_valid_utf8(p.pic_url)) << p.pic_url;
    }
    chat.send(Inbound{"owner-1", "v1", VoiceMessage{"V", "\xC0\xAF 没有"}});
    EXPECT_TRUE(text::is_valid_utf8(chat.reply())) << chat.reply();
}

// A complaint is filed from the words the dialogue heard (Said::raw), which step() has already
// repaired: idle, during a report, while a confirmation waits, typed or spoken.
TEST(DialogUtf8, AComplaintWithBytesThatAreNotUtf8IsFiledWithValidWordsInEveryFlow) {
    const std::string typed = "投诉 师傅\xE6\xBC迟到\xFF两小时";
    const std::string recorded =
        "师傅" + kReplacement + kReplacement + "迟到" + kReplacement + "两小时";
    Chat idle;
    Chat reporting;
    reporting.say("3栋2单元502厨房水管漏水了");
    ASSERT_EQ(reporting.session.flow, Flow::owner_report);
    Chat confirming;
    confirming.session = begin_confirmation(confirming.session, "BX20261120-0003", 8000, kNow);
    for (Chat* chat : {&idle, &reporting, &confirming}) {
        chat->say(typed);
        const auto* c = find_effect<FileComplaint>(chat->last);
        ASSERT_NE(c, nullptr) << chat->reply();
        EXPECT_EQ(c->text, recorded);
    }
    Chat spoken;
    spoken.send(Inbound{"owner-1", "v2", VoiceMessage{"V", typed}});
    const auto* c = find_effect<FileComplaint>(spoken.last);
    ASSERT_NE(c, nullptr) << spoken.reply();
    EXPECT_EQ(c->text, recorded);
}

}  // namespace
}  // namespace repairbot::dialog
