#include "store/lock_store.h"

#include <random>

#include "store/redis_value.h"

namespace repairbot::store {
namespace {

const LuaScript& release_script() {
    static const LuaScript script(R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua");
    return script;
}

const LuaScript& extend_script() {
    static const LuaScript script(R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
)lua");
    return script;
}

}  // namespace

std::string random_token() {
    thread_local std::mt19937_64 gen{[] {
        std::random_device rd;
        std::seed_seq seq{rd(), rd(), rd(), rd()};
        return std::mt19937_64(seq);
    }()};
    static constexpr char hex[] = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < 2; ++i) {
        auto v = gen();
        for (int j = 0; j < 16; ++j, v >>= 4) s += hex[v & 0xf];
    }
    return s;
}

LockStore::LockStore(Redis& redis) : redis_(redis) {}

boost::asio::awaitable<std::optional<std::string>> LockStore::try_acquire(
    std::string name, std::chrono::milliseconds ttl) {
    auto token = random_token();
    auto r =
        reply_or_throw(co_await redis_.command(redis_args("SET", redis_.key("lock:" + name), token,
                                                          "NX", "PX", std::to_string(ttl.count()))),
                       "lock acquire");
    if (r.is_status("OK")) co_return token;
    co_return std::nullopt;
}

boost::asio::awaitable<bool> LockStore::release(std::string name, std::string token) {
    auto r = reply_or_throw(
        co_await redis_.eval(release_script(), redis_args(redis_.key("lock:" + name)),
                             redis_args(std::move(token))),
        "lock release");
    co_return r.integer == 1;
}

boost::asio::awaitable<bool> LockStore::extend(std::string name, std::string token,
                                               std::chrono::milliseconds ttl) {
    auto r = reply_or_throw(
        co_await redis_.eval(extend_script(), redis_args(redis_.key("lock:" + name)),
                             redis_args(std::move(token), std::to_string(ttl.count()))),
        "lock extend");
    co_return r.integer == 1;
}

}  // namespace repairbot::store
