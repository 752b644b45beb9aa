// The real repairbot binary: command line, configuration errors, health and readiness against
// real MariaDB and Redis, limits, graceful shutdown, and no secrets in the logs.
#include <gtest/gtest.h>

#include "tests/e2e/bot_process.h"

namespace repairbot::testing {
namespace {

TEST(BotCommandLine, HelpListsCommandsAndEveryEnvironmentVariable) {
    auto [code, out] = run_bot_command({"--help"}, {}, "help");
    EXPECT_EQ(code, 0);
    for (const char* s : {"serve", "migrate", "check-config", "REPAIRBOT_LISTEN",
                          "REPAIRBOT_WECHAT_AES_KEY", "REPAIRBOT_MYSQL_URL", "REPAIRBOT_ADMIN_TOKEN"})
        EXPECT_NE(out.find(s), std::string::npos) << s;
}

TEST(BotCommandLine, VersionPrintsTheVersion) {
    auto [code, out] = run_bot_command({"--version"}, {}, "version");
    EXPECT_EQ(code, 0);
    EXPECT_EQ(out.rfind("repairbot ", 0), 0u) << out;
}

TEST(BotCommandLine, UnknownCommandExits2) {
    auto [code, out] = run_bot_command({"frobnicate"}, {}, "unknown");
    EXPECT_EQ(code, 2);
    EXPECT_NE(out.find("frobnicate"), std::string::npos);
}

TEST(BotConfiguration, BadListenAddressStopsStartWithExit2NamingTheKey) {
    auto env = bot_environment(free_port());
    env["REPAIRBOT_LISTEN"] = "localhost";
    auto [code, out] = run_bot_command({"serve"}, env, "badlisten");
    EXPECT_EQ(code, 2);
    EXPECT_NE(out.find("REPAIRBOT_LISTEN"), std::string::npos) << out;
    EXPECT_NE(out.find("127.0.0.1:8080"), std::string::npos) << out;
}

TEST(BotConfiguration, MissingTokenStopsStartWithExit2) {
    auto env = bot_environment(free_port());
    env["REPAIRBOT_WECHAT_TOKEN"] = "<unset>";
    auto [code, out] = run_bot_command({"serve"}, env, "notoken");
    EXPECT_EQ(code, 2);
    EXPECT_NE(out.find("REPAIRBOT_WECHAT_TOKEN is not set"), std::string::npos) << out;
}

TEST(BotConfiguration, CheckConfigValidatesWithoutStarting) {
    auto [code, out] = run_bot_command({"check-config"}, bot_environment(free_port()), "check");
    EXPECT_EQ(code, 0);
    EXPECT_NE(out.find("configuration ok"), std::string::npos) << out;
    EXPECT_EQ(out.find("e2e-app-secret"), std::string::npos) << out;
}

TEST(BotConfiguration, CheckConfigRefusesBadDataFilesNamingTheFolder) {
    auto env = bot_environment(free_port());
    env["REPAIRBOT_DATA_DIR"] = "/tmp/repairbot-no-such-data-dir";
    auto [code, out] = run_bot_command({"check-config"}, env, "check-data");
    EXPECT_EQ(code, 2) << out;
    EXPECT_NE(out.find("REPAIRBOT_DATA_DIR"), std::string::npos) << out;
    EXPECT_EQ(out.find("configuration ok"), std::string::npos) << out;
}

TEST(BotServer, MetricsCountRequestsAndReadTheStores) {
    BotProcess bot("metrics");
    ASSERT_TRUE(bot.started()) << bot.output();
    (void)http_request(bot.port(), "GET", "/healthz");
    (void)http_request(bot.port(), "GET", "/no-such-page");
    auto scrape = http_request(bot.port(), "GET", "/metrics");
    ASSERT_EQ(scrape.status, 200) << scrape.body;
    EXPECT_NE(scrape.body.find(R"(repairbot_http_requests_total{route="/healthz",method="GET",status="200"})"),
              std::string::npos) << scrape.body;
    EXPECT_NE(scrape.body.find(R"(route="unmatched",method="GET",status="404")"), std::string::npos)
        << "unknown paths share one series: " << scrape.body;
    EXPECT_NE(scrape.body.find(R"(repairbot_up{dependency="mysql"} 1)"), std::string::npos) << scrape.body;
    EXPECT_NE(scrape.body.find(R"(repairbot_up{dependency="redis"} 1)"), std::string::npos) << scrape.body;
    EXPECT_NE(scrape.body.find("repairbot_sla_timers "), std::string::npos) << scrape.body;
    EXPECT_NE(scrape.body.find("repairbot_tickets{status="), std::string::npos) << scrape.body;
}

TEST(BotMigrate, AppliedTwiceIsIdempotent) {
    auto env = bot_environment(free_port());
    auto [first, out1] = run_bot_command({"migrate"}, env, "migrate1");
    ASSERT_EQ(first, 0) << out1;
    auto [second, out2] = run_bot_command({"migrate"}, env, "migrate2");
    ASSERT_EQ(second, 0) << out2;
    EXPECT_NE(out2.find("up to date"), std::string::npos) << out2;
}

TEST(BotMigrate, UnreachableDatabaseFailsWithAHint) {
    auto env = bot_environment(free_port());
    env["REPAIRBOT_MYSQL_URL"] =
        "mysql://repairbot:repairbot@127.0.0.1:" + std::to_string(free_port()) + "/repairbot_test";
    auto [code, out] = run_bot_command({"migrate"}, env, "migrate-down");
    EXPECT_EQ(code, 1) << out;
    EXPECT_NE(out.find("REPAIRBOT_MYSQL_URL"), std::string::npos) << out;
}

TEST(BotServer, HealthzAndReadyzAnswerWhenDependenciesAreUp) {
    BotProcess bot("ready");
    ASSERT_TRUE(bot.started()) << bot.output();
    auto health = http_request(bot.port(), "GET", "/healthz");
    EXPECT_EQ(health.status, 200);
    auto ready = http_request(bot.port(), "GET", "/readyz");
    EXPECT_EQ(ready.status, 200) << ready.body;
    EXPECT_NE(ready.body.find("\"mysql\":\"ok\""), std::string::npos) << ready.body;
    EXPECT_NE(ready.body.find("\"redis\":\"ok\""), std::string::npos) << ready.body;
}

TEST(BotServer, ReadyzTurns503WhenRedisStopsAndBackTo200WhenItReturns) {
    PrivateRedis redis("readyz");
    BotProcess bot("readyz", {{"REPAIRBOT_REDIS_URL", redis.url()}});
    ASSERT_TRUE(bot.started()) << bot.output();
    ASSERT_TRUE(eventually([&] { return http_request(bot.port(), "GET", "/readyz").status == 200; }))
        << bot.output();

    redis.stop();
    HttpReply down;
    ASSERT_TRUE(eventually([&] {
        down = http_request(bot.port(), "GET", "/readyz");
        return down.status == 503;
    })) << down.status << " " << down.body;
    EXPECT_NE(down.body.find("\"redis\":\"down"), std::string::npos) << down.body;
    EXPECT_NE(down.body.find("\"mysql\":\"ok\""), std::string::npos) << down.body;
    EXPECT_EQ(http_request(bot.port(), "GET", "/healthz").status, 200);

    redis.start();
    EXPECT_TRUE(eventually([&] { return http_request(bot.port(), "GET", "/readyz").status == 200; },
                           std::chrono::seconds(20)))
        << bot.output();
}

TEST(BotServer, BodyOverTheLimitIs413) {
    BotProcess bot("limit");
    ASSERT_TRUE(bot.started()) << bot.output();
    auto r = http_request(bot.port(), "POST", "/wechat", std::string(100 * 1024, 'x'));
    EXPECT_EQ(r.status, 413) << r.head;
}

TEST(BotServer, UnknownPathIs404) {
    BotProcess bot("404");
    ASSERT_TRUE(bot.started()) << bot.output();
    EXPECT_EQ(http_request(bot.port(), "GET", "/nope").status, 404);
}

TEST(BotServer, SigtermFinishesTheRequestInFlightThenExitsZero) {
    BotProcess bot("sigterm");
    ASSERT_TRUE(bot.started()) << bot.output();
    int fd = connect_loopback(bot.port());
    ASSERT_GE(fd, 0);
    // Half a request: headers and part of the body are in, the rest is still on its way.
    ASSERT_TRUE(send_all(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345"));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    bot.process().signal(SIGTERM);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    // New connections are no longer accepted...
    EXPECT_TRUE(eventually([&] { return http_request(bot.port(), "GET", "/healthz").status == 0; }));
    // ...but the request in flight completes and is answered, with Connection: close.
    ASSERT_TRUE(send_all(fd, "67890"));
    std::string raw = read_all(fd);
    ::close(fd);
    EXPECT_EQ(raw.rfind("HTTP/1.1 200", 0), 0u) << raw;
    EXPECT_NE(raw.find("Connection: close"), std::string::npos) << raw;
    EXPECT_EQ(bot.process().wait(std::chrono::seconds(10)), 0) << bot.output();
    EXPECT_NE(bot.output().find("stopped"), std::string::npos);
}

TEST(BotServer, SigtermClosesIdleKeepAliveConnectionsPromptly) {
    BotProcess bot("sigterm-idle");
    ASSERT_TRUE(bot.started()) << bot.output();
    int fd = connect_loopback(bot.port());
    ASSERT_GE(fd, 0);
    bot.process().signal(SIGTERM);
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(bot.process().wait(std::chrono::seconds(10)), 0) << bot.output();
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
    ::close(fd);
}

TEST(BotServer, LogsNeverContainSecrets) {
    BotProcess bot("secrets");
    ASSERT_TRUE(bot.started()) << bot.output();
    http_request(bot.port(), "GET", "/readyz");
    bot.process().signal(SIGTERM);
    bot.process().wait();
    auto out = bot.output();
    ASSERT_NE(out.find("listening"), std::string::npos) << out;
    for (const char* secret : {"e2e-app-secret-DO-NOT-LOG", "e2e-admin-token-DO-NOT-LOG",
                               "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "e2etoken"})
        EXPECT_EQ(out.find(secret), std::string::npos) << secret;
    // The MySQL password in the URL never shows either.
    EXPECT_EQ(out.find(":repairbot@"), std::string::npos) << out;
}

}  // namespace
}  // namespace repairbot::testing
