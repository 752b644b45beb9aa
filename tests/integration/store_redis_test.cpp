// The async Redis connection against the real Redis: commands, binary safety, Lua, errors.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "store/errors.h"
#include "store/redis.h"
#include "tests/integration/store_env.h"

namespace repairbot::store {
namespace {

boost::asio::awaitable<std::vector<Result<RedisReply>>> set_get_del(Redis& redis, std::string key,
                                                                    std::string value) {
    std::vector<Result<RedisReply>> out;
    out.push_back(co_await redis.command(redis_args("SET", key, value)));
    out.push_back(co_await redis.command(redis_args("GET", key)));
    out.push_back(co_await redis.command(redis_args("DEL", key)));
    out.push_back(co_await redis.command(redis_args("GET", key)));
    out.push_back(co_await redis.command(redis_args("NOSUCHCOMMAND")));
    redis.close();
    co_return out;
}

TEST(StoreRedis, PingAndBinarySafeRoundTrip) {
    boost::asio::io_context io;
    Redis redis(io.get_executor(), testing::redis_settings());
    auto status = testing::run(io, redis.ping());
    ASSERT_TRUE(status) << status.error().message();
    std::string value("a\0b\r\n\xff 报修 🔧", 17);
    auto out = testing::run(io, set_get_del(redis, redis.key("binary"), value));
    ASSERT_TRUE(out[0]);
    EXPECT_TRUE(out[0]->is_status("OK"));
    ASSERT_TRUE(out[1]);
    EXPECT_EQ(out[1]->str, value);
    EXPECT_EQ(out[2]->integer, 1);
    EXPECT_TRUE(out[3]->is_nil());
    ASSERT_TRUE(out[4]);
    EXPECT_TRUE(out[4]->is_error());
    testing::drain(io);
}

boost::asio::awaitable<Result<RedisReply>> eval_after_flush(Redis& redis, LuaScript script) {
    (void)co_await redis.command(redis_args("SCRIPT", "FLUSH"));
    auto r = co_await redis.eval(script, redis_args(redis.key("k")), redis_args("x"));
    redis.close();
    co_return r;
}

TEST(StoreRedis, EvalLoadsTheScriptOnNoscript) {
    boost::asio::io_context io;
    Redis redis(io.get_executor(), testing::redis_settings());
    auto r = testing::run(io, eval_after_flush(redis, LuaScript("return {KEYS[1], ARGV[1]}")));
    ASSERT_TRUE(r) << r.error().message();
    ASSERT_TRUE(r->is_array());
    ASSERT_EQ(r->elements.size(), 2u);
    EXPECT_EQ(r->elements[1].str, "x");
    testing::drain(io);
}

boost::asio::awaitable<Status> ping_and_close(Redis& redis) {
    auto s = co_await redis.ping();
    redis.close();
    co_return s;
}

TEST(StoreRedis, UnreachableServerFailsFastWithATypedError) {
    auto settings = testing::redis_settings();
    settings.port = testing::free_port();
    boost::asio::io_context io;
    Redis redis(io.get_executor(), settings);
    const auto start = std::chrono::steady_clock::now();
    auto status = testing::run(io, ping_and_close(redis));
    ASSERT_FALSE(status);
    EXPECT_EQ(status.code(), StoreErrc::redis_unavailable);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
    testing::drain(io);
}

}  // namespace
}  // namespace repairbot::store
