#include "bot/wechat_token_store.h"

#include <charconv>

#include "store/errors.h"

namespace repairbot::bot {
namespace asio = boost::asio;
using wechat::api::AccessToken;
using std::chrono::milliseconds;
using std::chrono::system_clock;

namespace {

// The value is "<expires_at ms> <refresh_at ms> <token>" (epoch milliseconds); compare-and-delete
// compares the whole value, so a re-stored entry with the same token string is not dropped.
std::string encode(const AccessToken& t) {
    const auto ms = [](system_clock::time_point p) {
        return std::to_string(std::chrono::duration_cast<milliseconds>(p.time_since_epoch()).count());
    };
    return ms(t.expires_at) + " " + ms(t.refresh_at) + " " + t.token;
}

std::optional<AccessToken> decode(std::string_view v) {
    const auto number = [](std::string_view s) -> std::optional<std::int64_t> {
        std::int64_t n = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
        return n;
    };
    const std::size_t a = v.find(' ');
    if (a == std::string_view::npos) return std::nullopt;
    const std::size_t b = v.find(' ', a + 1);
    if (b == std::string_view::npos || b + 1 >= v.size()) return std::nullopt;
    const auto expires = number(v.substr(0, a));
    const auto refresh = number(v.substr(a + 1, b - a - 1));
    if (!expires || !refresh) return std::nullopt;
    return AccessToken{std::string(v.substr(b + 1)), system_clock::time_point{milliseconds{*expires}},
                       system_clock::time_point{milliseconds{*refresh}}};
}

const store::LuaScript& compare_and_delete_script() {
    static const store::LuaScript script(R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua");
    return script;
}

const store::LuaScript& unlock_script() {
    static const store::LuaScript script(R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua");
    return script;
}

Error reply_error(const store::RedisReply& r, std::string_view what) {
    return Error{store::StoreErrc::redis_error, std::string(what) + ": " + r.str};
}

std::string ttl_ms(milliseconds ttl) { return std::to_string(std::max<std::int64_t>(ttl.count(), 1)); }

}  // namespace

RedisTokenStore::RedisTokenStore(store::Redis& redis, std::string appid)
    : redis_(redis),
      token_key_(redis.key("wechat:token:" + appid)),
      lock_key_(redis.key("wechat:token-lock:" + appid)) {}

asio::awaitable<Result<std::optional<AccessToken>>> RedisTokenStore::get() {
    auto r = co_await redis_.command(store::redis_args("GET", token_key_));
    if (!r) co_return r.error();
    if (r->is_nil()) co_return std::optional<AccessToken>{};
    if (!r->is_string()) co_return reply_error(*r, "wechat token get");
    auto token = decode(r->str);
    // Never echo the value: it holds the token.
    if (!token) co_return Error{store::StoreErrc::redis_error, "wechat token get: stored value does not parse"};
    co_return token;
}

asio::awaitable<Status> RedisTokenStore::set(AccessToken token, milliseconds ttl) {
    auto r = co_await redis_.command(store::redis_args("SET", token_key_, encode(token), "PX", ttl_ms(ttl)));
    if (!r) co_return r.error();
    if (!r->is_status("OK")) co_return reply_error(*r, "wechat token set");
    co_return Ok{};
}

asio::awaitable<Result<bool>> RedisTokenStore::compare_and_delete(AccessToken token) {
    auto r = co_await redis_.eval(compare_and_delete_script(), store::redis_args(token_key_),
                                  store::redis_args(encode(token)));
    if (!r) co_return r.error();
    if (!r->is_integer()) co_return reply_error(*r, "wechat token compare-and-delete");
    co_return r->integer == 1;
}

asio::awaitable<Result<bool>> RedisTokenStore::try_lock(std::string owner, milliseconds ttl) {
    auto r = co_await redis_.command(store::redis_args("SET", lock_key_, std::move(owner), "NX", "PX", ttl_ms(ttl)));
    if (!r) co_return r.error();
    if (r->is_error()) co_return reply_error(*r, "wechat token lock");
    co_return r->is_status("OK");
}

asio::awaitable<Status> RedisTokenStore::unlock(std::string owner) {
    auto r = co_await redis_.eval(unlock_script(), store::redis_args(lock_key_), store::redis_args(std::move(owner)));
    if (!r) co_return r.error();
    if (r->is_error()) co_return reply_error(*r, "wechat token unlock");
    co_return Ok{};
}

}  // namespace repairbot::bot
