// Nothing pending is lost or doubled by a kill -9: three emergencies are filed while WeChat's send
// API answers -1 (system busy), so their job pushes wait in the outbox after failed tries; the
// server is killed (SIGKILL) before their accept warnings are due (warning_percent cut to 1 and
// the emergency accept limit set to 10 min: 6 s after dispatch) and stays down past that time.
// Started again against a working API, it delivers every push once and fires every warning
// once, late. (outbox_restart_test.cpp covers pushes alone on the shared servers.)
#include <gtest/gtest.h>

#include <csignal>
#include <mutex>
#include <thread>

#include "tests/e2e/fault_world.h"

namespace repairbot::testing {
namespace {

using wechat::Mode;

constexpr int kOwners = 3;

TEST(CrashRestart, PushesAndTimersPendingAtAKillAreDeliveredAndFiredOnceAfterRestart) {
    FaultDesk desk("crash");
    ASSERT_TRUE(desk.ready()) << desk.migrate_output();
    const auto tech = fresh_openid("crash_tech");
    ASSERT_NE(desk.add_technician("蒋师傅", tech, 10), 0u);
    const auto data_dir = desk.data_dir_with_sla({{"warning_percent = 80", "warning_percent = 1"},
                                                  {"accept = \"5 min\"", "accept = \"10 min\""},
                                                  {"arrive = \"30 min\"", "arrive = \"120 min\""}});
    auto bot_env = [&](const wechat::sim::ApiServer& api) {
        auto e = desk.env(api);
        e["REPAIRBOT_DATA_DIR"] = data_dir;
        return e;
    };
    auto env = bot_environment(0);
    const wechat::sim::ApiServerOptions account{env["REPAIRBOT_WECHAT_APPID"], env["REPAIRBOT_WECHAT_SECRET"]};

    std::vector<std::string> numbers;
    std::chrono::steady_clock::time_point last_filed;
    {
        wechat::sim::ApiServer busy(account);
        ASSERT_TRUE(busy.start().ok());
        busy.fail_next("/cgi-bin/message/template/send", -1, 10000);
        busy.fail_next("/cgi-bin/message/custom/send", -1, 10000);
        BotProcess bot("fault-crash-1", bot_env(busy));
        ASSERT_TRUE(bot.started()) << bot.output();

        std::mutex mutex;
        std::vector<std::thread> owners;
        const auto run = fresh_openid("crash");
        for (int k = 0; k < kOwners; ++k)
            owners.emplace_back([&, k] {
                WechatChannel phone(bot.port(), Mode::safe);
                const auto owner = run + "_owner" + std::to_string(k);
                auto reply = phone.say(owner, std::to_string(k + 1) + "栋2单元30" + std::to_string(k + 1) +
                                                  "卫生间水管爆了，电话1380013800" + std::to_string(k));
                for (int turn = 0; turn < 6 && reply.find("工单号") == std::string::npos; ++turn) {
                    if (reply.find("“确认”") != std::string::npos) reply = phone.say(owner, "确认");
                    else if (reply.find("什么时候") != std::string::npos) reply = phone.say(owner, "尽快");
                    else if (reply.find("照片") != std::string::npos) reply = phone.say(owner, "没有");
                    else break;
                }
                std::lock_guard lock(mutex);
                numbers.push_back(ticket_number_of(reply));
            });
        for (auto& o : owners) o.join();
        last_filed = std::chrono::steady_clock::now();
        ASSERT_EQ(numbers.size(), static_cast<std::size_t>(kOwners));
        for (const auto& n : numbers) ASSERT_FALSE(n.empty()) << bot.output();

        // Every job push tried and refused by the busy API, waiting for its retry.
        auto tried = [&] {
            for (const auto& n : numbers) {
                bool job_tried = false;
                for (const auto& row : desk.outbox(desk.ticket(n).id))
                    job_tried |= row.recipient == tech && row.attempts >= 1 && row.last_errcode == -1;
                if (!job_tried) return false;
            }
            return true;
        };
        ASSERT_TRUE(eventually(tried, std::chrono::seconds(4))) << bot.output();
        bot.process().signal(SIGKILL);
        ASSERT_EQ(bot.process().wait(), 128 + SIGKILL);
        for (const char* path : {"/cgi-bin/message/template/send", "/cgi-bin/message/custom/send"})
            for (const auto& call : busy.calls(path)) EXPECT_EQ(call.errcode, -1) << "nothing went out before the kill";
    }
    for (const auto& n : numbers) {
        const auto t = desk.ticket(n);
        EXPECT_EQ(t.technician_id.has_value(), true) << n;
        EXPECT_EQ(warnings_of(desk.events(t.id), "accept"), 0u) << n << ": killed before the warning was due";
        for (const auto& row : desk.outbox(t.id)) EXPECT_NE(row.status, "sent") << n;
    }

    // Down until the warnings are past due (6 s after dispatch; whole seconds).
    std::this_thread::sleep_until(last_filed + std::chrono::milliseconds(7500));
    for (const auto& n : numbers) EXPECT_EQ(warnings_of(desk.events(desk.ticket(n).id), "accept"), 0u) << n;

    wechat::sim::ApiServer api(account);
    ASSERT_TRUE(api.start().ok());
    BotProcess bot("fault-crash-2", bot_env(api));
    ASSERT_TRUE(bot.started()) << bot.output();

    // Rows leased by the killed process at the kill come back when their lease ends (60 s).
    auto done = [&] {
        for (const auto& n : numbers) {
            const auto t = desk.ticket(n);
            if (warnings_of(desk.events(t.id), "accept") == 0) return false;
            for (const auto& row : desk.outbox(t.id))
                if (row.status != "sent") return false;
        }
        return true;
    };
    ASSERT_TRUE(eventually(done, std::chrono::seconds(90))) << bot.output();
    std::this_thread::sleep_for(std::chrono::seconds(2));  // room for a double to show up

    const auto sent = delivered_to(api, tech);
    for (const auto& n : numbers) {
        const auto t = desk.ticket(n);
        EXPECT_EQ(job_pushes(sent, n), 1u) << n << ": the pending job push delivered once";
        EXPECT_EQ(sla_warnings(sent, n), 1u) << n << ": the warning due while down pushed once";
        EXPECT_EQ(warnings_of(desk.events(t.id), "accept"), 1u) << n << ": the accept warning fired once";
        std::map<std::string, std::size_t> rows_per_recipient;
        for (const auto& row : desk.outbox(t.id)) ++rows_per_recipient[row.recipient];
        for (const auto& [recipient, rows] : rows_per_recipient) {
            std::size_t mentioning = 0;
            for (const auto& s : delivered_to(api, recipient)) mentioning += s.find(n) != std::string::npos;
            EXPECT_EQ(mentioning, rows) << n << ": each push to " << recipient << " exactly once";
        }
    }
}

}  // namespace
}  // namespace repairbot::testing
