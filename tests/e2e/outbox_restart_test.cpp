// Pushes survive a crash: the real binary files a report while the WeChat API cannot be reached,
// so the job push stays in the outbox after a failed try; the process is then killed (SIGKILL,
// nothing shuts down cleanly) and started again against a working API, and every push of the
// ticket is delivered exactly once.
#include <gtest/gtest.h>

#include <csignal>

#include "adapters/wechat/sim/api_server.h"
#include "store/outbox_repository.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"
#include "tests/e2e/test_mysql.h"
#include "tests/e2e/wechat_channel.h"

namespace repairbot::testing {
namespace {

using wechat::Mode;

store::Timestamp now_ms() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

class OutboxRestart : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto [code, out] = run_bot_command({"migrate"}, bot_environment(free_port()), "outbox-restart-migrate");
        ASSERT_EQ(code, 0) << out;
    }
    void SetUp() override {
        technician_openid_ = fresh_openid("restart_plumber");
        // This test's plumber is the only one on duty, so the job can only go to them.
        technician_id_ = with_mysql([&](sql::Connection& c) {
            for (auto t : store::TechnicianRepository::list(c, true)) {
                t.on_duty = false;
                (void)store::TechnicianRepository::update(c, t, now_ms());
            }
            store::Technician t;
            t.openid = technician_openid_;
            t.name = "赵师傅";
            t.phone = "13922223333";
            t.trades = {"水", "电"};
            t.capacity = 5;
            auto added = store::TechnicianRepository::add(c, t, now_ms());
            return added ? added->id : 0;
        });
        ASSERT_NE(technician_id_, 0u);
    }
    void TearDown() override {
        with_mysql([&](sql::Connection& c) {
            if (auto t = store::TechnicianRepository::find_by_id(c, technician_id_)) {
                t->active = false;
                t->on_duty = false;
                (void)store::TechnicianRepository::update(c, *t, now_ms());
            }
            return 0;
        });
    }

    std::vector<store::OutboxMessage> outbox_of(std::uint64_t ticket_id) {
        return with_mysql([&](sql::Connection& c) { return store::OutboxRepository::for_ticket(c, ticket_id); });
    }

    // Successful sends (template or customer-service) to `openid` that mention `number`.
    static std::size_t delivered(const wechat::sim::ApiServer& api, const std::string& openid,
                                 const std::string& number) {
        std::size_t n = 0;
        for (const char* path : {"/cgi-bin/message/template/send", "/cgi-bin/message/custom/send"})
            for (const auto& call : api.calls(path))
                n += call.errcode == 0 && call.json.is_object() && call.json.value("touser", "") == openid &&
                     call.body.find(number) != std::string::npos;
        return n;
    }

    std::string technician_openid_;
    std::uint64_t technician_id_ = 0;
};

TEST_F(OutboxRestart, PushesPendingWhenTheServerIsKilledAreDeliveredOnceAfterRestart) {
    // Nothing listens on this port: every push fails with a retryable connection error.
    const std::string unreachable = "http://127.0.0.1:" + std::to_string(free_port());
    std::string number;
    std::uint64_t ticket_id = 0;
    {
        BotProcess bot("outbox-restart-1", {{"REPAIRBOT_WECHAT_API_BASE", unreachable}});
        ASSERT_TRUE(bot.started()) << bot.output();
        WechatChannel phone(bot.port(), Mode::safe);
        const auto owner = fresh_openid("restart_owner");
        auto reply = phone.finish_report(owner, phone.say(owner, "5栋1单元201厨房水管漏水了，电话13800138000"));
        auto at = reply.find("BX");
        ASSERT_NE(at, std::string::npos) << reply;
        number = reply.substr(at, reply.find_first_not_of("BX0123456789-", at) - at);
        auto ticket = with_mysql([&](sql::Connection& c) { return store::TicketRepository::find_by_number(c, number); });
        ASSERT_TRUE(ticket.ok());
        ASSERT_EQ(ticket->technician_id, technician_id_);
        ticket_id = ticket->id;

        // The job push was tried, failed, and waits for its retry.
        auto tried_and_waiting = [&] {
            auto rows = outbox_of(ticket_id);
            bool job_push_tried = false;
            for (const auto& r : rows) {
                if (r.status != "pending") return false;
                job_push_tried |= r.recipient == technician_openid_ && r.attempts >= 1 && !r.last_error.empty();
            }
            return job_push_tried;
        };
        ASSERT_TRUE(eventually(tried_and_waiting, std::chrono::seconds(15))) << bot.output();
        bot.process().signal(SIGKILL);
        ASSERT_EQ(bot.process().wait(), 128 + SIGKILL);
    }
    auto pending = outbox_of(ticket_id);
    ASSERT_FALSE(pending.empty());
    for (const auto& r : pending) EXPECT_NE(r.status, "sent") << "row " << r.id << " went out before the kill";

    auto env = bot_environment(0);
    wechat::sim::ApiServer api({env["REPAIRBOT_WECHAT_APPID"], env["REPAIRBOT_WECHAT_SECRET"]});
    ASSERT_TRUE(api.start().ok());
    BotProcess bot("outbox-restart-2", {{"REPAIRBOT_WECHAT_API_BASE", api.base_url()}});
    ASSERT_TRUE(bot.started()) << bot.output();

    // Rows leased by the killed process come back when their lease ends (60 s).
    auto all_sent = [&] {
        for (const auto& r : outbox_of(ticket_id))
            if (r.status != "sent") return false;
        return true;
    };
    ASSERT_TRUE(eventually(all_sent, std::chrono::seconds(90))) << bot.output();
    std::this_thread::sleep_for(std::chrono::seconds(2));  // room for a duplicate to show up

    std::map<std::string, std::size_t> rows_per_recipient;
    for (const auto& r : outbox_of(ticket_id)) {
        EXPECT_EQ(r.status, "sent");
        ++rows_per_recipient[r.recipient];
    }
    EXPECT_EQ(rows_per_recipient[technician_openid_], 1u) << "one job push for the technician";
    for (const auto& [recipient, rows] : rows_per_recipient)
        EXPECT_EQ(delivered(api, recipient, number), rows) << "each push to " << recipient << " exactly once";
}

}  // namespace
}  // namespace repairbot::testing
