#include "store/dedupe_store.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "store/redis_value.h"

namespace repairbot::store {
namespace {

const LuaScript& claim_script() {
    static const LuaScript script(std::string(kDedupeClaimLua) +
                                  "return dedupe_claim(KEYS[1], ARGV[1])\n");
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

// Stored values: "P" while in progress, "D" + reply bytes once done.
const char* const kDedupeClaimLua = R"lua(
local function dedupe_claim(key, ttl)
  if redis.call('SET', key, 'P', 'NX', 'PX', ttl) then return {1} end
  local v = redis.call('GET', key)
  if not v then return {0} end
  if v == 'P' then return {2} end
  return {3, string.sub(v, 2)}
end
)lua";

std::optional<DedupeState> dedupe_state_of(std::vector<RedisReply>& elements, std::size_t at) {
    switch (elements.size() > at ? elements[at].integer : 0) {
        case 1:
            return DedupeClaimed{};
        case 2:
            return DedupeInProgress{};
        case 3:
            return DedupeDone{elements.size() > at + 1 ? std::move(elements[at + 1].str) : std::string()};
        default:
            return std::nullopt;  // expired between SET and GET
    }
}

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
        if (auto state = dedupe_state_of(r.elements, 0)) co_return std::move(*state);
        // expired between SET and GET: try again
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
