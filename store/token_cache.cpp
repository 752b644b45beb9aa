#include "store/token_cache.h"

#include "store/redis_value.h"

namespace repairbot::store {
namespace {

// Stored as "<expires_at ms since epoch> <token>".
const LuaScript& expire_script() {
    static const LuaScript script(R"lua(
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local sp = string.find(v, ' ', 1, true)
if sp and string.sub(v, sp + 1) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua");
    return script;
}

}  // namespace

TokenCache::TokenCache(Redis& redis) : redis_(redis) {}

boost::asio::awaitable<std::optional<CachedToken>> TokenCache::get(std::string appid) {
    auto r = reply_or_throw(
        co_await redis_.command(redis_args("GET", redis_.key("token:" + appid))), "token get");
    if (!r.is_string()) co_return std::nullopt;
    const auto sp = r.str.find(' ');
    if (sp == std::string::npos) co_return std::nullopt;
    CachedToken t;
    t.expires_at = Timestamp{std::chrono::milliseconds{std::stoll(r.str.substr(0, sp))}};
    t.token = r.str.substr(sp + 1);
    co_return t;
}

boost::asio::awaitable<void> TokenCache::put(std::string appid, CachedToken token, Timestamp now) {
    const auto ttl = (token.expires_at - now).count();
    if (ttl <= 0) co_return;
    (void)reply_or_throw(
        co_await redis_.command(redis_args(
            "SET", redis_.key("token:" + appid),
            std::to_string(token.expires_at.time_since_epoch().count()) + " " + token.token, "PX",
            std::to_string(ttl))),
        "token put");
}

boost::asio::awaitable<bool> TokenCache::expire_if(std::string appid, std::string token) {
    auto r = reply_or_throw(
        co_await redis_.eval(expire_script(), redis_args(redis_.key("token:" + appid)),
                             redis_args(std::move(token))),
        "token expire");
    co_return r.integer == 1;
}

}  // namespace repairbot::store
