// The WeChat API misbehaving under the real binary: the simulator runs as its own process
// (`wechat-sim serve`) and is told over its /sim/fail control endpoint to answer a job push with
// an HTTP 503 from the gateway, errcode -1 (system busy), errcode 45009 (rate limit), or to hold
// the answer longer than the bot's API timeout. The push is still delivered, exactly once; its
// outbox row ends 'sent'; the tries are spaced by the outbox's growing back-off; and GET /metrics
// on the bot counts the failures by errcode. MariaDB and Redis are the test's own, so no other
// bot's outbox worker can take the row.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sstream>

#include "store/outbox_repository.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"
#include "tests/e2e/private_services.h"
#include "tests/e2e/wechat_channel.h"

namespace repairbot::testing {
namespace {

using services::PrivateMariaDb;
using wechat::Mode;
using namespace std::chrono_literals;

constexpr const char* kTemplateSend = "/cgi-bin/message/template/send";

store::Timestamp now_ms() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// `wechat-sim serve` as a child process, driven over HTTP like any out-of-process test would.
class SimProcess {
public:
    SimProcess() : port_(free_port()) {
        auto env = bot_environment(0);
        process_ = std::make_unique<Process>(
            std::vector<std::string>{REPAIRBOT_SIM_BINARY, "serve", "--listen", "127.0.0.1:" + std::to_string(port_),
                                     "--appid", env["REPAIRBOT_WECHAT_APPID"], "--secret",
                                     env["REPAIRBOT_WECHAT_SECRET"]},
            std::map<std::string, std::string>{}, "/tmp/repairbot-e2e-outage-sim.log");
        started_ = eventually([&] { return http_request(port_, "GET", "/sim/calls").status == 200; });
    }
    [[nodiscard]] bool started() const { return started_; }
    [[nodiscard]] std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    // Queues a fault for the next call to `path`: "errcode=45009", "http_status=503", "delay_ms=12000".
    bool fail_next(const std::string& path, const std::string& fault) {
        return http_request(port_, "POST", "/sim/fail?path=" + path + "&" + fault).status == 200;
    }
    [[nodiscard]] nlohmann::json calls() const {
        auto r = http_request(port_, "GET", "/sim/calls");
        auto j = nlohmann::json::parse(r.body, nullptr, false);
        return j.is_array() ? j : nlohmann::json::array();
    }

private:
    int port_;
    bool started_ = false;
    std::unique_ptr<Process> process_;
};

// The sum of the samples of `name` whose labels contain `label` (e.g. errcode="45009"); -1 when
// the series is absent.
double metric(const std::string& exposition, const std::string& name, const std::string& label = {}) {
    std::istringstream lines(exposition);
    double sum = -1;
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind(name, 0) != 0) continue;
        const char next = line.size() > name.size() ? line[name.size()] : '\0';
        if (next != '{' && next != ' ') continue;
        const auto close = line.find('}');
        const std::string labels = next == '{' && close != std::string::npos ? line.substr(name.size(), close - name.size() + 1) : "";
        if (!label.empty() && labels.find(label) == std::string::npos) continue;
        const auto space = line.rfind(' ');
        sum = (sum < 0 ? 0 : sum) + std::atof(line.c_str() + space + 1);
    }
    return sum;
}

class ApiOutage : public ::testing::Test {
protected:
    void SetUp() override {
        db_ = std::make_unique<PrivateMariaDb>("api_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()).substr(0, 20));
        ASSERT_TRUE(db_->migrated());
        redis_ = std::make_unique<services::PrivateRedis>("api");
        ASSERT_TRUE(sim_.started());
        technician_ = fresh_openid("api_plumber");
        auto added = db_->run([&](sql::Connection& c) {
            store::Technician t;
            t.openid = technician_;
            t.name = "钱师傅";
            t.phone = "13933334444";
            t.trades = {"水", "电"};
            t.capacity = 5;
            auto r = store::TechnicianRepository::add(c, t, now_ms());
            return r ? r->id : 0;
        });
        ASSERT_NE(added, 0u);
    }
    void TearDown() override {
        redis_.reset();
        db_.reset();
    }

    std::map<std::string, std::string> bot_env() const {
        auto env = services::private_env(*db_, *redis_);
        env["REPAIRBOT_WECHAT_API_BASE"] = sim_.base_url();
        return env;
    }

    // Files a report from a new owner (water: it goes to our plumber); the ticket number.
    std::string file_report(BotProcess& bot) {
        WechatChannel phone(bot.port(), Mode::safe);
        const auto owner = fresh_openid("api_owner");
        auto reply = phone.finish_report(owner, phone.say(owner, "3栋2单元502厨房水管漏水了，电话13800138000"));
        auto at = reply.find("BX");
        if (at == std::string::npos) return {};
        return reply.substr(at, reply.find_first_not_of("BX0123456789-", at) - at);
    }

    // The simulator's calls of the job push of `number` to our plumber, oldest first.
    std::vector<nlohmann::json> job_push_calls(const std::string& number) const {
        std::vector<nlohmann::json> out;
        for (auto& call : sim_.calls())
            if (call.value("path", "") == kTemplateSend && call["json"].is_object() &&
                call["json"].value("touser", "") == technician_ && call.value("body", "").find(number) != std::string::npos)
                out.push_back(call);
        return out;
    }
    static std::size_t delivered(const std::vector<nlohmann::json>& calls) {
        std::size_t n = 0;
        for (auto& c : calls) n += c.value("errcode", -99) == 0 && c.value("http_status", 0) == 200;
        return n;
    }

    store::OutboxMessage job_push_row(const std::string& number) const {
        auto rows = db_->run([&](sql::Connection& c) {
            auto t = store::TicketRepository::find_by_number(c, number);
            return t ? store::OutboxRepository::for_ticket(c, t->id) : std::vector<store::OutboxMessage>{};
        });
        for (auto& r : rows)
            if (r.recipient == technician_) return r;
        return {};
    }

    SimProcess sim_;
    std::unique_ptr<PrivateMariaDb> db_;
    std::unique_ptr<services::PrivateRedis> redis_;
    std::string technician_;
};

TEST_F(ApiOutage, A5xxASystemErrorAndARateLimitAreRetriedWithGrowingWaitsAndThePushGoesOutOnce) {
    ASSERT_TRUE(sim_.fail_next(kTemplateSend, "http_status=503"));
    ASSERT_TRUE(sim_.fail_next(kTemplateSend, "errcode=-1"));
    ASSERT_TRUE(sim_.fail_next(kTemplateSend, "errcode=45009"));
    BotProcess bot("outage-api-codes", bot_env());
    ASSERT_TRUE(bot.started()) << bot.output();

    const auto number = file_report(bot);
    ASSERT_FALSE(number.empty()) << bot.output();
    // Back-off after tries 1, 2, 3: 2 s, 4 s, 8 s, each jittered by [0.5, 1.5).
    ASSERT_TRUE(eventually([&] { return delivered(job_push_calls(number)) > 0; }, 40s)) << bot.output();
    std::this_thread::sleep_for(1500ms);  // room for a duplicate to show up

    auto calls = job_push_calls(number);
    ASSERT_EQ(calls.size(), 4u) << nlohmann::json(calls).dump(1);
    EXPECT_EQ(calls[0]["http_status"], 503);
    EXPECT_EQ(calls[1]["errcode"], -1);
    EXPECT_EQ(calls[2]["errcode"], 45009);
    EXPECT_EQ(calls[3]["errcode"], 0);
    EXPECT_EQ(delivered(calls), 1u) << "delivered exactly once";

    std::vector<long long> gaps;
    for (std::size_t i = 1; i < calls.size(); ++i)
        gaps.push_back(calls[i]["at_ms"].get<long long>() - calls[i - 1]["at_ms"].get<long long>());
    for (std::size_t i = 0; i < gaps.size(); ++i)
        EXPECT_GE(gaps[i], (1000LL << i) - 50) << "wait before try " << i + 2 << " shorter than half of 2^" << i + 1 << " s";
    EXPECT_GT(gaps.back(), gaps.front()) << "the waits grow";

    auto row = job_push_row(number);
    EXPECT_EQ(row.status, "sent");
    EXPECT_EQ(row.attempts, 4u);
    EXPECT_TRUE(row.sent_at.has_value());

    auto scrape = http_request(bot.port(), "GET", "/metrics");
    ASSERT_EQ(scrape.status, 200);
    EXPECT_EQ(metric(scrape.body, "repairbot_outbox_send_failures_total", "errcode=\"http_5xx\""), 1) << scrape.body;
    EXPECT_EQ(metric(scrape.body, "repairbot_outbox_send_failures_total", "errcode=\"-1\""), 1) << scrape.body;
    EXPECT_EQ(metric(scrape.body, "repairbot_outbox_send_failures_total", "errcode=\"45009\""), 1) << scrape.body;
    EXPECT_EQ(metric(scrape.body, "repairbot_outbox_send_failures_total"), 3) << scrape.body;
    EXPECT_GE(metric(scrape.body, "repairbot_outbox_sent_total"), 1) << scrape.body;
}

TEST_F(ApiOutage, AnAnswerSlowerThanTheApiTimeoutIsGivenUpAndRetriedAndThePushGoesOutOnce) {
    // The bot's API client gives a request 10 s (HttpClientOptions::request_timeout).
    ASSERT_TRUE(sim_.fail_next(kTemplateSend, "delay_ms=12000"));
    BotProcess bot("outage-api-slow", bot_env());
    ASSERT_TRUE(bot.started()) << bot.output();

    const auto number = file_report(bot);
    ASSERT_FALSE(number.empty()) << bot.output();
    ASSERT_TRUE(eventually([&] { return delivered(job_push_calls(number)) > 0; }, 30s)) << bot.output();
    std::this_thread::sleep_for(1500ms);

    auto calls = job_push_calls(number);
    ASSERT_EQ(calls.size(), 2u) << nlohmann::json(calls).dump(1);
    EXPECT_EQ(calls[0]["delay_ms"], 12000);
    EXPECT_EQ(calls[1]["errcode"], 0);
    EXPECT_EQ(delivered(calls), 1u);
    // Given up at the timeout (not waited out to 12 s), then a back-off of 2 s ± 50 %.
    const auto gap = calls[1]["at_ms"].get<long long>() - calls[0]["at_ms"].get<long long>();
    EXPECT_GE(gap, 10000 + 1000 - 50);
    EXPECT_LT(gap, 12000 + 3000 + 1000);

    auto row = job_push_row(number);
    EXPECT_EQ(row.status, "sent");
    EXPECT_EQ(row.attempts, 2u);

    auto scrape = http_request(bot.port(), "GET", "/metrics");
    ASSERT_EQ(scrape.status, 200);
    EXPECT_EQ(metric(scrape.body, "repairbot_outbox_send_failures_total", "errcode=\"timeout\""), 1) << scrape.body;
    EXPECT_GE(metric(scrape.body, "repairbot_outbox_sent_total"), 1) << scrape.body;
}

}  // namespace
}  // namespace repairbot::testing
