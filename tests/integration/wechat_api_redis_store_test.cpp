// The Redis TokenStore: the token round-trips with its times and expires with its TTL,
// compare-and-delete drops only the exact entry, and the refresh lock is released only by its owner.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <thread>

#include "bot/wechat_token_store.h"
#include "tests/integration/wechat_api_env.h"

namespace repairbot::bot {
namespace {

namespace asio = boost::asio;
using wechat::api::AccessToken;
using namespace std::chrono_literals;

struct Outcome {
    bool missing_at_start = false;
    std::optional<AccessToken> read_back;
    bool dropped_stale = true;
    bool dropped_exact = false;
    bool gone_after_drop = false;
    bool expired = false;
};

asio::awaitable<Outcome> token_round_trip(store::Redis& redis, RedisTokenStore& store) {
    Outcome o;
    const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    o.missing_at_start = !(co_await store.get()).value().has_value();
    const AccessToken stored{"TOKEN with spaces", now + 2h, now + 1h};
    (void)(co_await store.set(stored, 60s)).value();
    o.read_back = (co_await store.get()).value();
    // The same string stored again later (stable_token's normal mode) is another entry.
    // A named value: g++ 12 destroys a braced temporary in a co_await argument twice.
    const AccessToken restored{stored.token, now + 1h, now + 30min};
    o.dropped_stale = (co_await store.compare_and_delete(restored)).value();
    o.dropped_exact = (co_await store.compare_and_delete(stored)).value();
    o.gone_after_drop = !(co_await store.get()).value().has_value();
    (void)(co_await store.set(stored, 50ms)).value();
    asio::steady_timer timer(co_await asio::this_coro::executor, 150ms);
    co_await timer.async_wait(asio::use_awaitable);
    o.expired = !(co_await store.get()).value().has_value();
    redis.close();
    co_return o;
}

TEST(WechatApiRedisStore, TokenRoundTripsAndIsDroppedOnlyWhenExact) {
    asio::io_context io;
    store::Redis redis(io.get_executor(), wechat::api::testing::redis_settings());
    RedisTokenStore store(redis, "wxAPP");
    const Outcome o = store::testing::run(io, token_round_trip(redis, store));
    EXPECT_TRUE(o.missing_at_start);
    ASSERT_TRUE(o.read_back.has_value());
    EXPECT_EQ(o.read_back->token, "TOKEN with spaces");
    EXPECT_FALSE(o.dropped_stale);
    EXPECT_TRUE(o.dropped_exact);
    EXPECT_TRUE(o.gone_after_drop);
    EXPECT_TRUE(o.expired);
    store::testing::drain(io);
}

struct LockOutcome {
    bool a_took = false;
    bool b_took_while_held = true;
    bool b_took_after_b_unlock = true;
    bool b_took_after_a_unlock = false;
    bool c_took_after_expiry = false;
};

asio::awaitable<LockOutcome> lock_rounds(store::Redis& redis, RedisTokenStore& store) {
    LockOutcome o;
    o.a_took = (co_await store.try_lock("owner-a", 5s)).value();
    o.b_took_while_held = (co_await store.try_lock("owner-b", 5s)).value();
    (void)(co_await store.unlock("owner-b")).value();  // not b's: stays
    o.b_took_after_b_unlock = (co_await store.try_lock("owner-b", 5s)).value();
    (void)(co_await store.unlock("owner-a")).value();
    o.b_took_after_a_unlock = (co_await store.try_lock("owner-b", 50ms)).value();
    asio::steady_timer timer(co_await asio::this_coro::executor, 150ms);
    co_await timer.async_wait(asio::use_awaitable);
    o.c_took_after_expiry = (co_await store.try_lock("owner-c", 5s)).value();
    redis.close();
    co_return o;
}

TEST(WechatApiRedisStore, LockIsExclusiveAndReleasedOnlyByItsOwner) {
    asio::io_context io;
    store::Redis redis(io.get_executor(), wechat::api::testing::redis_settings());
    RedisTokenStore store(redis, "wxAPP");
    const LockOutcome o = store::testing::run(io, lock_rounds(redis, store));
    EXPECT_TRUE(o.a_took);
    EXPECT_FALSE(o.b_took_while_held);
    EXPECT_FALSE(o.b_took_after_b_unlock);
    EXPECT_TRUE(o.b_took_after_a_unlock);
    EXPECT_TRUE(o.c_took_after_expiry);
    store::testing::drain(io);
}

asio::awaitable<Result<std::optional<AccessToken>>> get_and_close(store::Redis& redis, RedisTokenStore& store) {
    auto r = co_await store.get();
    redis.close();
    co_return r;
}

TEST(WechatApiRedisStore, RedisDownIsAnErrorNotAThrow) {
    asio::io_context io;
    auto settings = wechat::api::testing::redis_settings();
    settings.port = store::testing::free_port();
    store::Redis redis(io.get_executor(), settings);
    RedisTokenStore store(redis, "wxAPP");
    auto r = store::testing::run(io, get_and_close(redis, store));
    EXPECT_FALSE(r);
    EXPECT_EQ(wechat::api::classify(r.code()), wechat::api::ApiFailure::retryable);
    store::testing::drain(io);
}

}  // namespace
}  // namespace repairbot::bot
