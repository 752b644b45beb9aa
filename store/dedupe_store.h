// Webhook dedupe in Redis: the first delivery of a message claims its key, retries of it get the
// stored reply bytes (or wait briefly while the first is still being handled).
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "store/redis.h"

namespace repairbot::store {

struct DedupeClaimed {};     // you are first: handle it, then complete() (or release())
struct DedupeInProgress {};  // another delivery is being handled right now
struct DedupeDone {          // handled already: answer with this reply
    std::string reply;
};
using DedupeState = std::variant<DedupeClaimed, DedupeInProgress, DedupeDone>;

// For scripts that claim together with other work (store/webhook_gate.cpp): the Lua source of
// `dedupe_claim(key, ttl_ms)`, which answers {1} claimed, {2} in progress, {3, reply} done or
// {0} expired between its SET and GET — the claim DedupeStore::claim runs — and the state such
// an answer names, starting at elements[at] (nullopt for 0: claim again).
extern const char* const kDedupeClaimLua;
[[nodiscard]] std::optional<DedupeState> dedupe_state_of(std::vector<RedisReply>& elements,
                                                         std::size_t at);

class DedupeStore {
  public:
    // Keeps a reference to `redis` (must outlive the store). Keys: prefix + "dedupe:" + key.
    explicit DedupeStore(Redis& redis);

    // Atomically (Lua): claims `key` for `ttl` if nobody has, else reports InProgress or Done.
    // Runs on the caller's executor. Throws ServiceUnavailable("redis") when Redis is down.
    boost::asio::awaitable<DedupeState> claim(std::string key, std::chrono::milliseconds ttl);

    // claim(), and while InProgress polls every `poll` up to `max_wait` for the reply; a key
    // released meanwhile is claimed. Returns InProgress if still unfinished after max_wait.
    // Waits on a timer of the caller's executor (never blocks). Throws as claim().
    boost::asio::awaitable<DedupeState> claim_or_wait(
        std::string key, std::chrono::milliseconds ttl, std::chrono::milliseconds max_wait,
        std::chrono::milliseconds poll = std::chrono::milliseconds(50));

    // Stores the reply for later deliveries, for `ttl`. Throws as claim().
    boost::asio::awaitable<void> complete(std::string key, std::string reply,
                                          std::chrono::milliseconds ttl);

    // Gives up a claim (handling failed) so a retry can claim again; a completed key is kept.
    // Throws as claim().
    boost::asio::awaitable<void> release(std::string key);

    // The Redis key of `key` (prefix + "dedupe:" + key), for scripts that claim with others.
    [[nodiscard]] std::string key_of(const std::string& key) const;

  private:
    Redis& redis_;
};

}  // namespace repairbot::store
