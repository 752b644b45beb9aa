// A write MariaDB refuses for good (not an outage: here a trigger that SIGNALs, as a constraint,
// a full disk's "table is full" or a bug's bad value would) while an owner confirms: the owner
// gets the polite "try again" reply at once, and the message's claim is released, so WeChat's
// resend of the same MsgId is handled afresh and files the report once the write goes through.
// Before, the handler's exception became an HTTP 500 that left the claim held for 30 s: WeChat's
// resends were answered "success" (nothing) and the 确认 was lost without a word.
#include <gtest/gtest.h>

#include "tests/e2e/fault_world.h"

namespace repairbot::testing {
namespace {

using wechat::Mode;

void refuse_tickets_of(FaultDesk& desk, const std::string& owner) {
    desk.sql([&](sql::Connection& c) {
        std::unique_ptr<sql::Statement> s(c.createStatement());
        s->execute("DROP TRIGGER IF EXISTS refuse_test_owner");
        s->execute("CREATE TRIGGER refuse_test_owner BEFORE INSERT ON tickets FOR EACH ROW "
                   "IF NEW.owner_openid = '" + owner + "' THEN "
                   "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'; END IF");
        return 0;
    });
}

void accept_tickets(FaultDesk& desk) {
    desk.sql([](sql::Connection& c) {
        std::unique_ptr<sql::Statement> s(c.createStatement());
        s->execute("DROP TRIGGER IF EXISTS refuse_test_owner");
        return 0;
    });
}

class RefusedWrite : public ::testing::TestWithParam<Mode> {};

TEST_P(RefusedWrite, TheOwnerIsAnsweredPolitelyAndTheResendFilesTheReport) {
    FaultDesk desk("refused");
    ASSERT_TRUE(desk.ready()) << desk.migrate_output();
    BotProcess bot("refused-write", desk.env());
    ASSERT_TRUE(bot.started()) << bot.output();
    WechatChannel phone(bot.port(), GetParam());
    const auto owner = fresh_openid("refused");

    auto reply = phone.say(owner, "3栋2单元502厨房水管漏水了，电话13800138000");
    reply = phone.say(owner, "没有");
    reply = phone.say(owner, "尽快");
    ASSERT_NE(reply.find("“确认”"), std::string::npos) << reply;

    refuse_tickets_of(desk, owner);
    auto& client = phone.client();
    const auto confirm = stamped_message(client, owner, wechat::TextMessage{"确认"});
    auto first = client.deliver_blocking(confirm);
    ASSERT_TRUE(first.ok()) << first.error().message();
    EXPECT_EQ(first->status, 200);
    EXPECT_EQ(first->attempts.size(), 1u) << "answered at once, not left to WeChat's resends";
    EXPECT_NE(reply_text(*first).find("系统正忙"), std::string::npos) << first->reply_xml;
    EXPECT_TRUE(desk.tickets_of(owner).empty());
    EXPECT_TRUE(eventually([&] { return bot.output().find("handling_failed") != std::string::npos; },
                           std::chrono::seconds(3)))
        << bot.output();

    accept_tickets(desk);
    // WeChat's resend: the same MsgId, signed afresh.
    auto resent = client.post_blocking(signed_now(client, confirm));
    ASSERT_TRUE(resent.ok()) << resent.error().message();
    EXPECT_EQ(resent->status, 200);
    EXPECT_NE(reply_text(*resent).find("工单号"), std::string::npos) << resent->reply_xml;
    EXPECT_EQ(desk.tickets_of(owner).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Modes, RefusedWrite, ::testing::Values(Mode::plain, Mode::safe),
                         [](const auto& info) { return info.param == Mode::plain ? "plain" : "safe"; });

}  // namespace
}  // namespace repairbot::testing
