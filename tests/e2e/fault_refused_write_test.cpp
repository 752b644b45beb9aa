// A write MariaDB refuses for good (not an outage: here a trigger that SIGNALs, as a constraint,
// a full disk's "table is full" or a bug's bad value would) while an owner confirms: the owner
// gets the polite "try again" reply at once, and the message's claim is released, so WeChat's
// resend of the same MsgId is handled afresh and files the report once the write goes through.
// Before, the handler's exception became an HTTP 500 that left the claim held for 30 s: WeChat's
// resends were answered "success" (nothing) and the 确认 was lost without a word.
// And the other side: when the ticket did commit and the session's save then fails (Redis refuses
// the write), the "try again" reply is kept as the message's answer, so WeChat's resend of it
// files nothing twice; the owner's next 确认 finds the ticket filed.
#include <gtest/gtest.h>

#include <cstdlib>

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

// `command` sent to the desk's private Redis with redis-cli; true when it answered OK.
bool redis_says_ok(FaultDesk& desk, const std::string& command) {
    const std::string url = desk.env().at("REPAIRBOT_REDIS_URL");  // redis://127.0.0.1:PORT/0
    const auto port = url.substr(url.rfind(':') + 1, url.rfind('/') - url.rfind(':') - 1);
    const std::string line = "redis-cli -p " + port + " " + command + " | grep -qx OK";
    return std::system(line.c_str()) == 0;
}

TEST_P(RefusedWrite, ASaveRefusedAfterTheTicketCommittedIsAnsweredOnceAndFilesNothingTwice) {
    FaultDesk desk("refused-save");
    ASSERT_TRUE(desk.ready()) << desk.migrate_output();
    BotProcess bot("refused-save", desk.env());
    ASSERT_TRUE(bot.started()) << bot.output();
    WechatChannel phone(bot.port(), GetParam());
    const auto owner = fresh_openid("refsave");

    auto reply = phone.say(owner, "3栋2单元502厨房水管漏水了，电话13800138000");
    reply = phone.say(owner, "没有");
    reply = phone.say(owner, "尽快");
    ASSERT_NE(reply.find("“确认”"), std::string::npos) << reply;

    // The session's save writes with HSET; the gate's claim and the kept reply do not.
    ASSERT_TRUE(redis_says_ok(desk, "ACL SETUSER default -hset"));
    auto& client = phone.client();
    const auto confirm = stamped_message(client, owner, wechat::TextMessage{"确认"});
    auto first = client.deliver_blocking(confirm);
    ASSERT_TRUE(redis_says_ok(desk, "ACL SETUSER default +hset"));
    ASSERT_TRUE(first.ok()) << first.error().message();
    EXPECT_EQ(first->status, 200);
    EXPECT_NE(reply_text(*first).find("系统正忙"), std::string::npos) << first->reply_xml;
    EXPECT_TRUE(eventually([&] { return bot.output().find("failed_after_effects") != std::string::npos; },
                           std::chrono::seconds(3)))
        << bot.output();
    ASSERT_EQ(desk.tickets_of(owner).size(), 1u) << "the ticket committed before the save failed";

    // WeChat's resend of the same message gets the same answer and does nothing again.
    auto resent = client.post_blocking(signed_now(client, confirm));
    ASSERT_TRUE(resent.ok()) << resent.error().message();
    EXPECT_EQ(resent->body, first->body);
    // The owner does as told: the draft is still there, and its ticket is found, not doubled.
    reply = phone.say(owner, "确认");
    EXPECT_NE(reply.find("工单号"), std::string::npos) << reply;
    EXPECT_EQ(desk.tickets_of(owner).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Modes, RefusedWrite, ::testing::Values(Mode::plain, Mode::safe),
                         [](const auto& info) { return info.param == Mode::plain ? "plain" : "safe"; });

}  // namespace
}  // namespace repairbot::testing
