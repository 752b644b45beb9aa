// A confirmed report reaches the right technician: the real binary dispatches it and its outbox
// worker pushes the job as a template message to the simulated WeChat API — also when the API
// first refuses the access token.
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/statement.h>

#include "adapters/wechat/sim/api_server.h"
#include "config/loader.h"
#include "store/feedback_repository.h"
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

// A report nobody on duty can take (no one serves 门窗 here) is queued, and the dispatchers hear
// of it from the queue note within seconds — one note naming it, not one per ticket per person.
TEST_F(JobPush, AReportNobodyCanTakeReachesTheDispatcherInTheQueueNote) {
    const auto dispatcher_openid = fresh_openid("dispatcher");
    const auto dispatcher_id = with_mysql([&](sql::Connection& c) {
        store::Technician t;
        t.openid = dispatcher_openid;
        t.name = "陈客服";
        t.phone = "13911113333";
        t.is_dispatcher = true;
        t.on_duty = false;
        auto added = store::TechnicianRepository::add(
            c, t, std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
        return added ? added->id : 0;
    });
    ASSERT_NE(dispatcher_id, 0u);
    auto env = bot_env();
    env["REPAIRBOT_QUEUE_NOTE_SECONDS"] = "2";  // other tests' bots share the database and its note
    BotProcess bot("queue-note", env);
    ASSERT_TRUE(bot.started()) << bot.output();
    WechatChannel phone(bot.port(), Mode::safe);
    auto owner = fresh_openid("owner");
    auto reply = phone.finish_report(owner, phone.say(owner, "3栋2单元502卧室窗户关不上了，电话13800138000"));
    auto at = reply.find("BX");
    ASSERT_NE(at, std::string::npos) << reply;
    const auto number = reply.substr(at, reply.find_first_not_of("BX0123456789-", at) - at);

    auto notes = [&] {
        std::vector<wechat::sim::RecordedCall> out;
        for (auto& call : api_->calls("/cgi-bin/message/template/send"))
            if (call.errcode == 0 && call.json.is_object() && call.json.value("touser", "") == dispatcher_openid &&
                call.body.find(number) != std::string::npos)
                out.push_back(call);
        return out;
    };
    ASSERT_TRUE(eventually([&] { return !notes().empty(); }, std::chrono::seconds(20))) << bot.output();
    EXPECT_NE(notes().front().body.find("待派单"), std::string::npos) << notes().front().body;
    auto ticket = with_mysql([&](sql::Connection& c) { return store::TicketRepository::find_by_number(c, number); });
    ASSERT_TRUE(ticket.ok());
    EXPECT_EQ(ticket->status, "new");
    std::this_thread::sleep_for(std::chrono::seconds(3));  // past the next note's interval
    EXPECT_EQ(notes().size(), 1u) << "named in one note only";
    with_mysql([&](sql::Connection& c) {
        auto t = store::TechnicianRepository::find_by_id(c, dispatcher_id);
        if (t) {
            t->active = false;
            (void)store::TechnicianRepository::update(
                c, *t, std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
        }
        return 0;
    });
}

// Issue 9's operator promise: after real traffic, /metrics shows every series of the path with
// a non-zero value — requests and latency of the webhook, a resend answered from the dedupe
// store, the dialogue's outcomes, tickets, a push failure by errcode and the send after it,
// a timer fired with its lag, and the pools.
TEST_F(JobPush, MetricsAfterTrafficShowEverySeriesOfThePathWithNonZeroValues) {
    // An overdue sample callback: the bot's start-up rebuild fires its timer at once.
    const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    auto callback_id = with_mysql([&](sql::Connection& c) {
        store::Callback cb;
        cb.kind = "sample";
        cb.due_at = now - std::chrono::hours(1);
        auto id = store::FeedbackRepository::add_callback(c, cb, "metrics-e2e:" + fresh_openid("cb"));
        return id ? *id : 0;
    });
    ASSERT_NE(callback_id, 0u);
    // The job push first meets WeChat's rate limit, then goes out on the retry.
    api_->fail_next("/cgi-bin/message/template/send", 45009, 1);

    BotProcess bot("metrics-path", bot_env());
    ASSERT_TRUE(bot.started()) << bot.output();
    WechatChannel phone(bot.port(), Mode::plain);
    auto owner = fresh_openid("owner");
    auto first = phone.send(owner, wechat::TextMessage{"你好"});
    auto resend = phone.client().post_blocking(first.request);  // WeChat resending the same message
    ASSERT_TRUE(resend.ok());
    EXPECT_EQ(resend->attempts.back().body, first.attempts.back().body) << "a resend gets the first reply";
    auto number = file_report(bot);
    ASSERT_FALSE(number.empty());
    ASSERT_TRUE(eventually([&] { return !pushes_for(number).empty(); }, std::chrono::seconds(20))) << bot.output();

    // A series "name{labels...}" (or "name " when unlabelled) whose value is above zero.
    auto positive = [](const std::string& text, const std::string& series) {
        for (auto at = text.find(series); at != std::string::npos; at = text.find(series, at + 1)) {
            if (at != 0 && text[at - 1] != '\n') continue;
            auto eol = text.find('\n', at);
            auto line = text.substr(at, eol - at);
            auto value = std::strtod(line.substr(line.rfind(' ') + 1).c_str(), nullptr);
            if (value > 0) return true;
        }
        return false;
    };
    const std::vector<std::string> wanted{
        R"(repairbot_http_requests_total{route="/wechat",method="POST",status="200"})",
        R"(repairbot_http_request_seconds_count{route="/wechat"})",
        R"(repairbot_webhook_dedupe_hits_total{state="answered"})",
        R"(repairbot_dialogue_outcomes_total{outcome="reply"})",
        R"(repairbot_dialogue_outcomes_total{outcome="create_ticket"})",
        R"(repairbot_tickets{status="dispatched"})",
        R"(repairbot_outbox_send_failures_total{errcode="45009"})",
        R"(repairbot_outbox_sent_total{channel="template"})",
        R"(repairbot_sla_timers_fired_total{result=)",
        "repairbot_sla_timer_lag_seconds_count ",
        "repairbot_sla_timer_lag_seconds_sum ",
        R"(repairbot_mysql_pool_connections{state="open"})",
        R"(repairbot_mysql_pool_connections{state="size"})",
        "repairbot_redis_connected ",
        "repairbot_sla_timers ",
    };
    std::string text;
    std::vector<std::string> missing;
    eventually([&] {
        text = http_request(bot.port(), "GET", "/metrics").body;
        missing.clear();
        for (const auto& w : wanted)
            if (!positive(text, w)) missing.push_back(w);
        return missing.empty();
    }, std::chrono::seconds(20));
    for (const auto& m : missing) ADD_FAILURE() << "no positive series " << m;
    EXPECT_NE(text.find("repairbot_redis_commands_in_flight "), std::string::npos) << text;
    EXPECT_NE(text.find(R"(repairbot_mysql_pool_connections{state="in_use"})"), std::string::npos);
    EXPECT_TRUE(missing.empty()) << text;
    with_mysql([&](sql::Connection& c) {  // leave no overdue callback for other tests
        std::unique_ptr<sql::Statement> st(c.createStatement());
        st->execute("UPDATE callbacks SET done_at = UTC_TIMESTAMP(3), done_by = 'e2e' WHERE id = " +
                    std::to_string(callback_id));
        return 0;
    });
}

}  // namespace
}  // namespace repairbot::testing
