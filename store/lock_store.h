// Expiring locks in Redis with owner tokens: only the holder of the token can release or extend
// (compare in Lua), and a crashed holder's lock frees itself after its TTL.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "store/redis.h"

namespace repairbot::store {

class LockStore {
  public:
    // Keeps a reference to `redis` (must outlive the store). Keys: prefix + "lock:" + name.
    explicit LockStore(Redis& redis);

    // Takes the lock for `ttl` if free (SET NX PX) and returns its owner token (128 random bits,
    // hex); nullopt when someone else holds it. Never waits for it. Runs on the caller's
    // executor. Throws ServiceUnavailable("redis") when Redis is down.
    boost::asio::awaitable<std::optional<std::string>> try_acquire(std::string name,
                                                                   std::chrono::milliseconds ttl);

    // Releases the lock if `token` still holds it; false when it had expired or was taken over.
    // Throws as try_acquire().
    boost::asio::awaitable<bool> release(std::string name, std::string token);

    // Pushes the expiry to now + ttl if `token` still holds it; false otherwise. Throws as
    // try_acquire().
    boost::asio::awaitable<bool> extend(std::string name, std::string token,
                                        std::chrono::milliseconds ttl);

  private:
    Redis& redis_;
};

// 128 random bits as 32 hex characters (lock tokens, worker ids). Thread-safe.
[[nodiscard]] std::string random_token();

}  // namespace repairbot::store
