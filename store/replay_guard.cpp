#include "store/replay_guard.h"

#include "store/lua_script.h"
#include "store/redis_value.h"

namespace repairbot::store {
namespace {

const LuaScript& check_script() {
    static const LuaScript script(R"lua(
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 2
)lua");
    return script;
}

}  // namespace

ReplayGuard::ReplayGuard(Redis& redis) : redis_(redis) {}

boost::asio::awaitable<NonceCheck> ReplayGuard::check(std::string timestamp, std::string nonce,
                                                      std::string body, std::chrono::seconds ttl) {
    auto r = reply_or_throw(
        co_await redis_.eval(
            check_script(), redis_args(redis_.key("nonce:" + timestamp + ":" + nonce)),
            redis_args(sha256_hex(body), std::to_string(std::chrono::milliseconds(ttl).count()))),
        "nonce check");
    switch (r.integer) {
        case 0:
            co_return NonceCheck::fresh;
        case 1:
            co_return NonceCheck::repeat;
        default:
            co_return NonceCheck::conflict;
    }
}

}  // namespace repairbot::store
