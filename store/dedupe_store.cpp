#include "store/dedupe_store.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "store/redis_value.h"

namespace repairbot::store {
namespace {

// Stored values: "P" while in progress, "D" + reply bytes once done.
const LuaScript& claim_script() {
    static const LuaScript script(R"lua(
if redis.call('SET', KEYS[1], 'P', 'NX', 'PX', ARGV[1]) then return {1} end
local v = redis.call('GET', KEYS[1])
if not v then return {0} end
if v == 'P' then return {2} end
return {3, string.sub(v, 2)}
)lua");
    return script;
}

const LuaScript& release_script() {
    static const LuaScript script(R"lua(
if redis.call('GET', KEYS[1]) == 'P' then return redis.call('DEL', KEYS[1]) end
return 0
)lua");
    return script;
}

}  // namespace

DedupeStore::DedupeStore(Redis& redis) : redis_(redis) {}

std::string DedupeStore::key_of(const std::string& key) const {
    return redis_.key("dedupe:" + key);
}

boost::asio::awaitable<DedupeState> DedupeStore::claim(std::string key,
                                                       std::chrono::milliseconds ttl) {
    for (int i = 0; i < 3; ++i) {
        auto r = reply_or_throw(
            co_await redis_.eval(claim_script(), redis_args(key_of(key)),
                                 redis_args(std::to_string(ttl.count()))),
            "dedupe claim");
        if (!r.is_array() || r.elements.empty())
            throw std::runtime_error("dedupe claim: unexpected reply");
        switch (r.elements[0].integer) {
            case 1:
                co_return DedupeClaimed{};
            case 2:
                co_return DedupeInProgress{};
            case 3:
                co_return DedupeDone{r.elements.size() > 1 ? std::move(r.elements[1].str)
                                                           : std::string()};
            default:
                break;  // expired between SET and GET: try again
        }
    }
    co_return DedupeInProgress{};
}

boost::asio::awaitable<DedupeState> DedupeStore::claim_or_wait(std::string key,
                                                               std::chrono::milliseconds ttl,
                                                               std::chrono::milliseconds max_wait,
                                                               std::chrono::milliseconds poll) {
    const auto end = std::chrono::steady_clock::now() + max_wait;
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    for (;;) {
        auto state = co_await claim(key, ttl);
        if (!std::holds_alternative<DedupeInProgress>(state) ||
            std::chrono::steady_clock::now() + poll > end) {
            co_return state;
        }
        timer.expires_after(poll);
        co_await timer.async_wait(boost::asio::use_awaitable);
    }
}

boost::asio::awaitable<void> DedupeStore::complete(std::string key, std::string reply,
                                                   std::chrono::milliseconds ttl) {
    (void)reply_or_throw(
        co_await redis_.command(redis_args("SET", key_of(key), "D" + reply, "PX",
                                           std::to_string(ttl.count()))),
        "dedupe complete");
}

boost::asio::awaitable<void> DedupeStore::release(std::string key) {
    (void)reply_or_throw(
        co_await redis_.eval(release_script(), redis_args(key_of(key)), {}),
        "dedupe release");
}

}  // namespace repairbot::store
