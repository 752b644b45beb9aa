// A confirmed report reaches the right technician: the real binary dispatches it and its outbox
// worker pushes the job as a template message to the simulated WeChat API — also when the API
// first refuses the access token.
#include <gtest/gtest.h>

#include "adapters/wechat/sim/api_server.h"
#include "config/loader.h"
#include "store/mysql_pool.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"
#include "tests/e2e/test_mysql.h"
#include "tests/e2e/wechat_channel.h"

namespace repairbot::testing {
namespace {

using wechat::Mode;

class JobPush : public ::testing::Test {
protected:
    void SetUp() override {
        auto env = bot_environment(0);
        api_ = std::make_unique<wechat::sim::ApiServer>(
            wechat::sim::ApiServerOptions{env["REPAIRBOT_WECHAT_APPID"], env["REPAIRBOT_WECHAT_SECRET"]});
        ASSERT_TRUE(api_->start().ok());
        technician_openid_ = fresh_openid("plumber");
        // This test's plumber is the only one on duty, so the job can only go to them.
        technician_id_ = with_mysql([&](sql::Connection& c) {
            auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
            for (auto t : store::TechnicianRepository::list(c, true)) {
                t.on_duty = false;
                (void)store::TechnicianRepository::update(c, t, now);
            }
            store::Technician t;
            t.openid = technician_openid_;
            t.name = "王师傅";
            t.phone = "13911112222";
            t.trades = {"水", "电"};
            t.capacity = 5;
            auto added = store::TechnicianRepository::add(c, t, now);
            return added ? added->id : 0;
        });
        ASSERT_NE(technician_id_, 0u);
    }
    void TearDown() override {
        with_mysql([&](sql::Connection& c) {
            auto t = store::TechnicianRepository::find_by_id(c, technician_id_);
            if (t) {
                t->active = false;
                t->on_duty = false;
                (void)store::TechnicianRepository::update(c, *t, std::chrono::time_point_cast<std::chrono::milliseconds>(
                                                                     std::chrono::system_clock::now()));
            }
            return 0;
        });
    }

    std::map<std::string, std::string> bot_env() const {
        return {{"REPAIRBOT_WECHAT_API_BASE", api_->base_url()}};
    }

    // Files a report from a new owner and returns the ticket number.
    std::string file_report(BotProcess& bot) {
        WechatChannel phone(bot.port(), Mode::safe);
        auto owner = fresh_openid("owner");
        auto reply = phone.finish_report(owner, phone.say(owner, "3栋2单元502厨房水管漏水了，电话13800138000"));
        auto at = reply.find("BX");
        if (at == std::string::npos) return {};
        auto end = reply.find_first_not_of("BX0123456789-", at);
        return reply.substr(at, end == std::string::npos ? std::string::npos : end - at);
    }

    // The template pushes to our technician that mention `number`.
    std::vector<wechat::sim::RecordedCall> pushes_for(const std::string& number) const {
        std::vector<wechat::sim::RecordedCall> out;
        for (auto& call : api_->calls("/cgi-bin/message/template/send"))
            if (call.errcode == 0 && call.json.is_object() && call.json.value("touser", "") == technician_openid_ &&
                call.body.find(number) != std::string::npos)
                out.push_back(call);
        return out;
    }

    std::unique_ptr<wechat::sim::ApiServer> api_;
    std::string technician_openid_;
    std::uint64_t technician_id_ = 0;
};

TEST_F(JobPush, AConfirmedReportIsDispatchedAndPushedToTheTechnician) {
    BotProcess bot("jobpush", bot_env());
    ASSERT_TRUE(bot.started()) << bot.output();
    auto number = file_report(bot);
    ASSERT_FALSE(number.empty());
    ASSERT_TRUE(eventually([&] { return !pushes_for(number).empty(); }, std::chrono::seconds(15))) << bot.output();
    auto push = pushes_for(number).front();
    EXPECT_EQ(push.json["template_id"], "REPLACE_WITH_JOB_TEMPLATE_ID");
    EXPECT_NE(push.body.find("3栋2单元502"), std::string::npos) << push.body;
    auto ticket = with_mysql([&](sql::Connection& c) { return store::TicketRepository::find_by_number(c, number); });
    ASSERT_TRUE(ticket.ok());
    EXPECT_EQ(ticket->status, "dispatched");
    EXPECT_EQ(ticket->technician_id, technician_id_);
    EXPECT_TRUE(ticket->due.accept.has_value());
    auto events = with_mysql([&](sql::Connection& c) { return store::TicketRepository::events(c, ticket->id); });
    ASSERT_GE(events.size(), 2u);
    EXPECT_EQ(events[0].type, "created");
    EXPECT_EQ(events[1].type, "dispatched");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_EQ(pushes_for(number).size(), 1u) << "pushed exactly once";
}

TEST_F(JobPush, AnInvalidTokenIsRefreshedOnceAndThePushStillGoesOut) {
    BotProcess bot("jobpush-40001", bot_env());
    ASSERT_TRUE(bot.started()) << bot.output();
    auto token_calls = [&] {
        return api_->calls("/cgi-bin/stable_token").size() + api_->calls("/cgi-bin/token").size();
    };
    // A first push leaves a valid token in the shared cache.
    auto first = file_report(bot);
    ASSERT_TRUE(eventually([&] { return !pushes_for(first).empty(); }, std::chrono::seconds(15))) << bot.output();
    auto before = token_calls();

    // Someone else refreshed the token: the cached one is now refused with 40001.
    api_->invalidate_tokens();
    auto number = file_report(bot);
    ASSERT_FALSE(number.empty());
    ASSERT_TRUE(eventually([&] { return !pushes_for(number).empty(); }, std::chrono::seconds(15))) << bot.output();
    EXPECT_EQ(token_calls() - before, 1u) << "the refused token is replaced exactly once";
    EXPECT_EQ(pushes_for(number).size(), 1u);
}

}  // namespace
}  // namespace repairbot::testing
