// Redis stopped in the middle of a conversation and started again, under the real binary with a
// MariaDB and a Redis of the test's own: the server does not crash, an owner who writes while
// Redis is down gets the polite "busy" notice of config/notices.toml (no HTTP error, no
// silence), /healthz stays 200 while /readyz names Redis as down, and afterwards:
//  - a Redis with persistence (AOF, the realistic production set-up) comes back with the
//    sessions: the owner resends the message and the report goes on where it was; the address
//    given before the outage is on the ticket;
//  - a Redis without persistence comes back empty: the owner's draft is gone (sessions live only
//    in Redis, DESIGN.md), so the next message is handled as a new conversation (a normal
//    question, not an error) and the owner can file the report in full; the deadlines of
//    tickets filed before are rebuilt from MariaDB into the new Redis.
#include <gtest/gtest.h>

#include <sstream>

#include "adapters/wechat/sim/api_server.h"
#include "config/notices.h"
#include "store/ticket_repository.h"
#include "tests/e2e/private_services.h"
#include "tests/e2e/wechat_channel.h"

namespace repairbot::testing {
namespace {

using services::PrivateMariaDb;
using wechat::Mode;
using namespace std::chrono_literals;

std::string notice(const std::string& key) {
    auto notices = config::load_notices(std::string(REPAIRBOT_SOURCE_DIR) + "/config");
    EXPECT_TRUE(notices.ok());
    return notices.ok() ? notices->render(key) : std::string("<no notices>");
}

std::string ticket_number_in(const std::string& text) {
    auto at = text.find("BX");
    if (at == std::string::npos) return {};
    auto end = text.find_first_not_of("BX0123456789-", at);
    return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// Answers the report's questions (phone, photos, time, confirmation) until a ticket number
// comes, or 10 turns; returns the last reply.
std::string answer_until_filed(WechatChannel& phone, const std::string& openid, std::string reply) {
    for (int turn = 0; turn < 10 && reply.find("工单号") == std::string::npos; ++turn) {
        if (reply.find("手机号") != std::string::npos) reply = phone.say(openid, "13800138000");
        else if (reply.find("照片") != std::string::npos) reply = phone.say(openid, "没有");
        else if (reply.find("什么时候") != std::string::npos) reply = phone.say(openid, "尽快");
        else if (reply.find("“确认”") != std::string::npos) reply = phone.say(openid, "确认");
        else break;
    }
    return reply;
}

class RedisOutage : public ::testing::Test {
protected:
    void SetUp() override {
        auto env = bot_environment(0);
        api_ = std::make_unique<wechat::sim::ApiServer>(
            wechat::sim::ApiServerOptions{env["REPAIRBOT_WECHAT_APPID"], env["REPAIRBOT_WECHAT_SECRET"]});
        ASSERT_TRUE(api_->start().ok());
    }

    std::map<std::string, std::string> bot_env(const PrivateMariaDb& db, const services::PrivateRedis& redis) const {
        auto env = services::private_env(db, redis);
        env["REPAIRBOT_WECHAT_API_BASE"] = api_->base_url();
        return env;
    }

    static store::Ticket ticket(const PrivateMariaDb& db, const std::string& number) {
        auto t = db.run([&](sql::Connection& c) { return store::TicketRepository::find_by_number(c, number); });
        EXPECT_TRUE(t.ok()) << number;
        return t.ok() ? *t : store::Ticket{};
    }
    static std::size_t tickets_of(const PrivateMariaDb& db, const std::string& openid) {
        return db.run([&](sql::Connection& c) {
            store::TicketFilter f;
            f.owner_openid = openid;
            return store::TicketRepository::list(c, f).size();
        });
    }

    // The SLA timers of ticket `id` in the index (waiting or in flight).
    static std::size_t timers_of(const services::PrivateRedis& redis, std::uint64_t id) {
        std::size_t n = 0;
        for (const char* set : {"rb:{timers}:due", "rb:{timers}:inflight"}) {
            std::istringstream lines(redis.cli({"ZRANGE", set, "0", "-1"}));
            for (std::string line; std::getline(lines, line);)
                n += line.rfind("sla:" + std::to_string(id) + ":", 0) == 0;
        }
        return n;
    }

    // While Redis is down: the owner's message gets the busy notice, the process lives, /healthz
    // answers 200 and /readyz 503 naming Redis.
    void expect_degraded_while_down(BotProcess& bot, WechatChannel& phone, const std::string& owner,
                                    const std::string& message) {
        HttpReply ready;
        ASSERT_TRUE(eventually([&] {
            ready = http_request(bot.port(), "GET", "/readyz");
            return ready.status == 503;
        })) << ready.status << " " << ready.body;
        EXPECT_NE(ready.body.find("\"redis\":\"down"), std::string::npos) << ready.body;
        EXPECT_NE(ready.body.find("\"mysql\":\"ok\""), std::string::npos) << ready.body;

        auto d = phone.send(owner, wechat::TextMessage{message});
        EXPECT_EQ(d.status, 200);
        auto* text = std::get_if<wechat::TextReply>(&d.reply);
        ASSERT_NE(text, nullptr) << "no text reply while Redis is down, status " << d.status;
        EXPECT_EQ(text->content, notice("busy"));
        EXPECT_EQ(text->content, "系统正忙，请稍等片刻再发一次。您已填写的内容不会丢失。")
            << "the busy notice changed in config/notices.toml: update this test";

        EXPECT_TRUE(bot.process().running()) << bot.output();
        EXPECT_EQ(http_request(bot.port(), "GET", "/healthz").status, 200);
    }

    static void wait_ready(BotProcess& bot) {
        ASSERT_TRUE(eventually([&] { return http_request(bot.port(), "GET", "/readyz").status == 200; }, 20s))
            << bot.output();
    }

    std::unique_ptr<wechat::sim::ApiServer> api_;
};

TEST_F(RedisOutage, APersistentRedisBackAfterAStopResumesTheReportWhereItWas) {
    PrivateMariaDb db("redis_aof");
    ASSERT_TRUE(db.migrated());
    services::PrivateRedis redis("aof", services::PrivateRedis::Persistence::append_only);
    BotProcess bot("outage-redis-aof", bot_env(db, redis));
    ASSERT_TRUE(bot.started()) << bot.output();
    WechatChannel phone(bot.port(), Mode::safe);
    const auto owner = fresh_openid("aof_owner");

    // Address, fault and description in one message; the bot goes on to the next question.
    auto first = phone.say(owner, "3栋2单元502厨房水管漏水了");
    ASSERT_EQ(first.find("地址"), std::string::npos) << "the address was not taken: " << first;
    ASSERT_NE(first.find("照片"), std::string::npos) << first;

    redis.stop();
    ASSERT_NO_FATAL_FAILURE(expect_degraded_while_down(bot, phone, owner, "没有"));
    EXPECT_EQ(tickets_of(db, owner), 0u);

    redis.start();
    ASSERT_NO_FATAL_FAILURE(wait_ready(bot));
    // The owner sends the same answer again, as the notice asked: the report goes on.
    auto resumed = phone.say(owner, "没有");
    EXPECT_NE(resumed, notice("busy"));
    EXPECT_EQ(resumed.find("照片"), std::string::npos) << "asked for photos again: " << resumed;
    auto filed = answer_until_filed(phone, owner, resumed);
    auto number = ticket_number_in(filed);
    ASSERT_FALSE(number.empty()) << filed << "\n" << bot.output();

    auto t = ticket(db, number);
    EXPECT_EQ(t.owner_openid, owner);
    EXPECT_EQ(t.building, "3");
    EXPECT_EQ(t.room, "502");
    EXPECT_NE(t.address.find("502"), std::string::npos) << t.address;
    EXPECT_EQ(t.fault_type, "水");
    EXPECT_EQ(t.phone, "13800138000");
    EXPECT_EQ(tickets_of(db, owner), 1u);
    EXPECT_TRUE(bot.process().running());
}

TEST_F(RedisOutage, AnEmptyRedisAfterARestartLetsTheOwnerFileAfreshAndTheDeadlinesAreRebuilt) {
    PrivateMariaDb db("redis_wipe");
    ASSERT_TRUE(db.migrated());
    services::PrivateRedis redis("wipe");
    std::uint64_t before_id = 0;
    {
        BotProcess bot("outage-redis-wipe", bot_env(db, redis));
        ASSERT_TRUE(bot.started()) << bot.output();
        WechatChannel phone(bot.port(), Mode::safe);

        // A ticket filed before the outage: its deadlines are in the index.
        const auto earlier = fresh_openid("wipe_earlier");
        auto number = ticket_number_in(
            answer_until_filed(phone, earlier, phone.say(earlier, "5栋1单元301卫生间水管接头漏水，电话13900139000")));
        ASSERT_FALSE(number.empty()) << bot.output();
        before_id = ticket(db, number).id;
        ASSERT_TRUE(eventually([&] { return timers_of(redis, before_id) > 0; })) << bot.output();

        const auto owner = fresh_openid("wipe_owner");
        auto first = phone.say(owner, "3栋2单元502厨房水管漏水了");
        ASSERT_NE(first.find("照片"), std::string::npos) << first;

        redis.stop();
        ASSERT_NO_FATAL_FAILURE(expect_degraded_while_down(bot, phone, owner, "没有"));

        redis.start();  // empty: no persistence
        ASSERT_NO_FATAL_FAILURE(wait_ready(bot));
        EXPECT_EQ(timers_of(redis, before_id), 0u) << "the new Redis is empty";

        // The draft went with Redis: the same answer now opens a new conversation, answered
        // normally (a question, not the busy notice and not an error)...
        auto after = phone.say(owner, "没有");
        EXPECT_NE(after, notice("busy"));
        EXPECT_EQ(after.find("<no text reply"), std::string::npos) << after;
        EXPECT_FALSE(after.empty());
        // ...and the owner files the report in full.
        auto filed = answer_until_filed(phone, owner, phone.say(owner, "3栋2单元502厨房水管漏水了"));
        auto fresh = ticket_number_in(filed);
        ASSERT_FALSE(fresh.empty()) << filed << "\n" << bot.output();
        auto t = ticket(db, fresh);
        EXPECT_EQ(t.room, "502");
        EXPECT_EQ(t.phone, "13800138000");
        EXPECT_EQ(tickets_of(db, owner), 1u);
        EXPECT_TRUE(bot.process().running()) << bot.output();
    }
    // The bot rebuilds the index from MariaDB when it starts: the earlier ticket's deadlines are
    // back without anyone touching the ticket.
    BotProcess bot("outage-redis-wipe-2", bot_env(db, redis));
    ASSERT_TRUE(bot.started()) << bot.output();
    EXPECT_TRUE(eventually([&] { return timers_of(redis, before_id) > 0; }, 20s)) << bot.output();
}

// Disabled until the running bot rebuilds its timer index when Redis comes back empty (today
// only at start and every 10 minutes, bot/app.cpp refresh_timers): enable with that fix.
TEST_F(RedisOutage, AnEmptyRedisGetsTheDeadlinesBackFromTheRunningBotWithinSeconds) {
    PrivateMariaDb db("redis_rebuild");
    ASSERT_TRUE(db.migrated());
    services::PrivateRedis redis("rebuild");
    BotProcess bot("outage-redis-rebuild", bot_env(db, redis));
    ASSERT_TRUE(bot.started()) << bot.output();
    WechatChannel phone(bot.port(), Mode::safe);
    const auto owner = fresh_openid("rebuild_owner");
    auto number = ticket_number_in(
        answer_until_filed(phone, owner, phone.say(owner, "5栋1单元301卫生间水管接头漏水，电话13900139000")));
    ASSERT_FALSE(number.empty()) << bot.output();
    const auto id = ticket(db, number).id;
    ASSERT_TRUE(eventually([&] { return timers_of(redis, id) > 0; })) << bot.output();
    const auto before = timers_of(redis, id);

    redis.stop();
    redis.start();
    ASSERT_NO_FATAL_FAILURE(wait_ready(bot));
    EXPECT_TRUE(eventually([&] { return timers_of(redis, id) == before; }, 30s))
        << timers_of(redis, id) << " of " << before << " timers back\n"
        << bot.output();
}

}  // namespace
}  // namespace repairbot::testing
