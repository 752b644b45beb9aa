// The WeChat API client against the simulator's API server and the real Redis: the token is
// fetched once for every client, refreshed early, replaced once after a refusal; WeChat's
// errcodes come back typed and classified; media downloads are checked and capped; silent and
// failing servers give retryable errors within the deadline.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <vector>

#include "adapters/wechat/api/api_client.h"
#include "adapters/wechat/api/memory_token_store.h"
#include "bot/wechat_token_store.h"
#include "tests/integration/wechat_api_env.h"

namespace repairbot::wechat::api {
namespace {

namespace asio = boost::asio;
using nlohmann::json;
using namespace std::chrono_literals;

const json kJobData{{"number", {{"value", "R2025-0001"}}}, {"address", {{"value", "3栋2单元501"}}}};

asio::awaitable<Result<std::int64_t>> push(ApiClient& client, std::string openid) {
    co_return co_await client.send_template(std::move(openid), "TPL_NEW_JOB", "", kJobData);
}

// One "process": its own Redis connection, token store and client.
struct Instance {
    Instance(asio::io_context& io, const config::RedisSettings& redis_settings, ApiClientOptions options)
        : redis(io.get_executor(), redis_settings), store(redis, testing::kAppid), client(std::move(options), store) {}
    store::Redis redis;
    bot::RedisTokenStore store;
    ApiClient client;
};

class WechatApiClient : public ::testing::Test {
protected:
    void SetUp() override {
        sim_ = testing::start_simulator();
        redis_settings_ = testing::redis_settings();
    }
    void TearDown() override {
        for (auto& i : instances_) i->redis.close();
        store::testing::drain(io_);
        instances_.clear();
    }

    ApiClientOptions options() const { return testing::client_options(sim_->base_url()); }

    ApiClient& add_instance(ApiClientOptions o) {
        instances_.push_back(std::make_unique<Instance>(io_, redis_settings_, std::move(o)));
        return instances_.back()->client;
    }
    ApiClient& client() {
        if (instances_.empty()) add_instance(options());
        return instances_.front()->client;
    }

    template <class T>
    T run(asio::awaitable<T> task) {
        return store::testing::run(io_, std::move(task));
    }

    std::size_t token_calls() const {
        return sim_->calls("/cgi-bin/stable_token").size() + sim_->calls("/cgi-bin/token").size();
    }

    asio::io_context io_;
    std::unique_ptr<sim::ApiServer> sim_;
    config::RedisSettings redis_settings_;
    std::vector<std::unique_ptr<Instance>> instances_;
};

TEST_F(WechatApiClient, TokenIsFetchedOnceAndSharedThroughRedis) {
    auto first = run(push(client(), "oOWNER1"));
    ASSERT_TRUE(first) << first.error().message();
    EXPECT_GT(*first, 0);
    ASSERT_TRUE(run(push(client(), "oOWNER2")));
    EXPECT_EQ(token_calls(), 1u);

    // Another process with the same Redis reads the stored token instead of fetching.
    ApiClient& other = add_instance(options());
    ASSERT_TRUE(run(push(other, "oOWNER3")));
    EXPECT_EQ(token_calls(), 1u);

    const auto token_call = sim_->calls("/cgi-bin/stable_token").at(0);
    EXPECT_EQ(token_call.json["appid"], testing::kAppid);
    EXPECT_EQ(token_call.json["force_refresh"], false);
    const auto sends = sim_->calls("/cgi-bin/message/template/send");
    ASSERT_EQ(sends.size(), 3u);
    EXPECT_EQ(sends[0].json["touser"], "oOWNER1");
    EXPECT_EQ(sends[0].json["template_id"], "TPL_NEW_JOB");
    EXPECT_EQ(sends[0].json["data"], kJobData);
    EXPECT_EQ(sends[0].query, sends[2].query);  // the same access_token
}

// co_spawn of awaitable<Result<T>> needs a default-constructible T in Boost 1.74: collect here.
asio::awaitable<void> push_and_collect(ApiClient& client, std::string openid,
                                       std::vector<Result<std::int64_t>>& results, std::atomic<int>& pending,
                                       asio::io_context& io) {
    results.push_back(co_await push(client, std::move(openid)));
    if (--pending == 0) io.stop();
}

void spawn_pushes(asio::io_context& io, ApiClient& client, int n, std::vector<Result<std::int64_t>>& results,
                  std::atomic<int>& pending) {
    for (int i = 0; i < n; ++i) {
        asio::co_spawn(io, push_and_collect(client, "oCONCURRENT" + std::to_string(i), results, pending, io),
                       [](std::exception_ptr e) {
                           if (e) std::rethrow_exception(e);
                       });
    }
}

TEST_F(WechatApiClient, TwoProcessesFetchTheTokenOnceUnderConcurrency) {
    ApiClient& a = client();
    ApiClient& b = add_instance(options());
    std::vector<Result<std::int64_t>> results;
    std::atomic<int> pending{20};
    spawn_pushes(io_, a, 10, results, pending);
    spawn_pushes(io_, b, 10, results, pending);
    io_.restart();
    io_.run_for(10s);
    ASSERT_EQ(results.size(), 20u);
    for (const auto& r : results) EXPECT_TRUE(r) << r.error().message();
    EXPECT_EQ(token_calls(), 1u);
    EXPECT_EQ(sim_->calls("/cgi-bin/message/template/send").size(), 20u);
}

TEST_F(WechatApiClient, RefreshesEarlyOnceMostOfTheLifetimeHasPassed) {
    auto now = std::make_shared<std::chrono::system_clock::time_point>(std::chrono::system_clock::now());
    ApiClientOptions o = options();
    o.token.clock = [now] { return *now; };
    ApiClient& c = add_instance(o);
    ASSERT_TRUE(run(push(c, "oA")));
    *now += 5000s;  // 69% of 7200 s: not yet
    ASSERT_TRUE(run(push(c, "oA")));
    EXPECT_EQ(token_calls(), 1u);
    *now += 1000s;  // 83%: refresh while the token still works
    ASSERT_TRUE(run(push(c, "oA")));
    EXPECT_EQ(token_calls(), 2u);
    ASSERT_TRUE(run(push(c, "oA")));
    EXPECT_EQ(token_calls(), 2u);  // the refreshed entry is good for another 80%
}

TEST_F(WechatApiClient, InvalidTokenIsReplacedOnceAndThePushGoesOut) {
    ASSERT_TRUE(run(push(client(), "oA")));
    sim_->invalidate_tokens();  // e.g. another system forced a refresh: 40001
    auto r = run(push(client(), "oB"));
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(token_calls(), 2u);
    const auto sends = sim_->calls("/cgi-bin/message/template/send");
    ASSERT_EQ(sends.size(), 3u);
    EXPECT_EQ(sends[1].errcode, 40001);
    EXPECT_EQ(sends[2].errcode, 0);
    EXPECT_NE(sends[1].query, sends[2].query);
    ASSERT_TRUE(run(push(client(), "oC")));
    EXPECT_EQ(token_calls(), 2u);
}

TEST_F(WechatApiClient, ExpiredTokenIsReplacedOnceAndThePushGoesOut) {
    ASSERT_TRUE(run(push(client(), "oA")));
    sim_->expire_tokens();  // 42001
    auto r = run(push(client(), "oB"));
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(token_calls(), 2u);
    const auto sends = sim_->calls("/cgi-bin/message/template/send");
    ASSERT_EQ(sends.size(), 3u);
    EXPECT_EQ(sends[1].errcode, 42001);
}

TEST_F(WechatApiClient, OneInjected40001CostsExactlyOneExtraTokenCall) {
    ASSERT_TRUE(run(push(client(), "oA")));
    sim_->fail_next("/cgi-bin/message/template/send", 40001);
    auto r = run(push(client(), "oB"));
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(token_calls(), 2u);
    EXPECT_EQ(sim_->calls("/cgi-bin/message/template/send").size(), 3u);
}

TEST_F(WechatApiClient, ATokenRefusedAgainAndAgainIsForceRefreshed) {
    ASSERT_TRUE(run(push(client(), "oA")));
    sim_->fail_next("/cgi-bin/message/template/send", 40001, 3);
    auto first = run(push(client(), "oB"));  // refused, same token handed back, refused again
    ASSERT_FALSE(first);
    EXPECT_EQ(first.code(), ApiFailure::token_invalid);
    EXPECT_EQ(first.code(), ApiFailure::retryable);
    auto second = run(push(client(), "oB"));  // refused a third time: forced refresh, then ok
    ASSERT_TRUE(second) << second.error().message();
    const auto tokens = sim_->calls("/cgi-bin/stable_token");
    ASSERT_EQ(tokens.size(), 4u);
    EXPECT_EQ(tokens[2].json["force_refresh"], false);
    EXPECT_EQ(tokens[3].json["force_refresh"], true);
}

TEST_F(WechatApiClient, QuotaExceededIsRetryableAndNotRetriedHere) {
    sim_->fail_next("/cgi-bin/message/template/send", 45009);
    auto r = run(push(client(), "oA"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.code(), WechatErrc::api_quota_exceeded);
    EXPECT_EQ(r.code(), ApiFailure::retryable);
    EXPECT_EQ(wechat_errcode(r.code()), 45009);
    EXPECT_EQ(r.error().detail, sim::errmsg_for(45009));
    EXPECT_EQ(sim_->calls("/cgi-bin/message/template/send").size(), 1u);
    EXPECT_EQ(token_calls(), 1u);
}

TEST_F(WechatApiClient, SystemBusyIsRetryable) {
    sim_->fail_next("/cgi-bin/message/custom/send", -1);
    auto r = run(client().send_custom_text("oA", "hi"));
    EXPECT_EQ(r.code(), WechatErrc::system_busy);
    EXPECT_EQ(r.code(), ApiFailure::retryable);
}

TEST_F(WechatApiClient, CustomTextIsSentAsTextMessage) {
    auto r = run(client().send_custom_text("oOWNER", "师傅已接单:王师傅 138****8000"));
    ASSERT_TRUE(r) << r.error().message();
    const auto sends = sim_->calls("/cgi-bin/message/custom/send");
    ASSERT_EQ(sends.size(), 1u);
    EXPECT_EQ(sends[0].json["msgtype"], "text");
    EXPECT_EQ(sends[0].json["text"]["content"], "师傅已接单:王师傅 138****8000");
}

TEST_F(WechatApiClient, OutsideTheWindowAndUnsubscribedArePermanentAndDistinct) {
    sim_->fail_next("/cgi-bin/message/custom/send", 45015);
    auto outside = run(client().send_custom_text("oA", "hi"));
    EXPECT_EQ(outside.code(), WechatErrc::outside_response_window);
    EXPECT_EQ(outside.code(), ApiFailure::outside_window);
    EXPECT_FALSE(outside.code() == ApiFailure::retryable);

    sim_->fail_next("/cgi-bin/message/custom/send", 43004);
    auto gone = run(client().send_custom_text("oA", "hi"));
    EXPECT_EQ(gone.code(), WechatErrc::user_unsubscribed);
    EXPECT_EQ(gone.code(), ApiFailure::unsubscribed);
    EXPECT_EQ(sim_->calls("/cgi-bin/message/custom/send").size(), 2u);
}

TEST_F(WechatApiClient, StableTokenUnavailableFallsBackToTheClassicEndpoint) {
    sim_->fail_next("/cgi-bin/stable_token", 48001);
    ASSERT_TRUE(run(push(client(), "oA")));
    EXPECT_EQ(sim_->calls("/cgi-bin/token").size(), 1u);
    sim_->invalidate_tokens();
    ASSERT_TRUE(run(push(client(), "oB")));
    EXPECT_EQ(sim_->calls("/cgi-bin/token").size(), 2u);
    EXPECT_EQ(sim_->calls("/cgi-bin/stable_token").size(), 1u);  // not asked again
}

TEST_F(WechatApiClient, WrongSecretIsAPermanentError) {
    ApiClientOptions o = options();
    o.token.secret = "wrong";
    auto r = run(push(add_instance(o), "oA"));
    ASSERT_FALSE(r);
    EXPECT_EQ(wechat_errcode(r.code()), 40125);
    EXPECT_EQ(r.code(), ApiFailure::permanent);
    EXPECT_EQ(sim_->calls("/cgi-bin/message/template/send").size(), 0u);
}

TEST_F(WechatApiClient, MediaDownloadReturnsTheBytes) {
    std::string bytes("\xff\xd8\xff\xe0\0\x10JFIF\0photo", 16);
    bytes += std::string(300 * 1024, '\x7f');
    sim_->add_media("MEDIA_1", bytes, "image/jpeg");
    auto m = run(client().get_media("MEDIA_1"));
    ASSERT_TRUE(m) << m.error().message();
    EXPECT_EQ(m->bytes, bytes);
    EXPECT_EQ(m->content_type, "image/jpeg");
    EXPECT_EQ(m->filename, "MEDIA_1.jpg");
    EXPECT_NE(sim_->calls("/cgi-bin/media/get").at(0).query.find("media_id=MEDIA_1"), std::string::npos);
}

TEST_F(WechatApiClient, MediaJsonErrorBodyIsAnError) {
    auto m = run(client().get_media("NO_SUCH_MEDIA"));
    ASSERT_FALSE(m);
    EXPECT_EQ(m.code(), WechatErrc::invalid_media_id);
    EXPECT_EQ(m.code(), ApiFailure::permanent);
}

TEST_F(WechatApiClient, MediaOverTheCapIsRefused) {
    ApiClientOptions o = options();
    o.media_body_limit = 64 * 1024;
    ApiClient& c = add_instance(o);
    sim_->add_media("BIG", std::string(65 * 1024, 'x'), "image/png");
    auto m = run(c.get_media("BIG"));
    ASSERT_FALSE(m);
    EXPECT_EQ(m.code(), ApiErrc::body_too_large);
    EXPECT_EQ(m.code(), ApiFailure::permanent);
    sim_->add_media("SMALL", std::string(1024, 'x'), "image/png");
    EXPECT_TRUE(run(c.get_media("SMALL")));  // the client is still usable
}

// Against a scripted server, with the token already in an in-memory store (no token fetch).
class WechatApiScripted : public ::testing::Test {
protected:
    Result<std::int64_t> push_to(const testing::ScriptedServer& server, std::chrono::milliseconds request_timeout) {
        ApiClientOptions o = testing::client_options(server.base_url());
        o.http.request_timeout = request_timeout;
        MemoryTokenStore store;
        const auto now = std::chrono::system_clock::now();
        (void)store_testing_seed(store, AccessToken{"SEEDED", now + 1h, now + 50min});
        ApiClient client(o, store);
        return store::testing::run(io_, push(client, "oA"));
    }
    Status store_testing_seed(MemoryTokenStore& store, AccessToken token) {
        return store::testing::run(io_, store.set(std::move(token), 1h));
    }
    asio::io_context io_;
};

TEST_F(WechatApiScripted, ServerThatNeverAnswersTimesOutWithinTheDeadline) {
    testing::ScriptedServer server({.status = 200, .body = "", .silent = true});
    const auto started = std::chrono::steady_clock::now();
    auto r = push_to(server, 300ms);
    const auto took = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(r);
    EXPECT_EQ(r.code(), ApiErrc::timeout);
    EXPECT_EQ(r.code(), ApiFailure::retryable);
    EXPECT_GE(took, 250ms);
    EXPECT_LT(took, 1500ms);
    EXPECT_EQ(server.requests(), 1);
}

TEST_F(WechatApiScripted, ServerErrorIsRetryable) {
    testing::ScriptedServer server({.status = 500, .body = "<html>oops</html>"});
    auto r = push_to(server, 2000ms);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.code(), ApiErrc::server_error);
    EXPECT_EQ(r.code(), ApiFailure::retryable);
    EXPECT_EQ(r.error().detail, "HTTP 500");
    EXPECT_EQ(server.requests(), 1);
}

TEST_F(WechatApiScripted, NothingListeningIsAConnectFailure) {
    const auto port = store::testing::free_port();
    ApiClientOptions o = testing::client_options("http://127.0.0.1:" + std::to_string(port));
    MemoryTokenStore store;
    ApiClient client(o, store);
    auto r = store::testing::run(io_, push(client, "oA"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.code(), ApiErrc::connect_failed);
    EXPECT_EQ(r.code(), ApiFailure::retryable);
}

}  // namespace
}  // namespace repairbot::wechat::api
