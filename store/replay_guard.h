// The (timestamp, nonce) replay guard of signed webhooks: each pair is remembered with a hash
// of its body for the signature window; the same pair with another body is refused.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>

#include "store/redis.h"

namespace repairbot::store {

enum class NonceCheck {
    fresh,     // first time this (timestamp, nonce) was seen
    repeat,    // seen before with the same body: a platform retry, let dedupe answer it
    conflict,  // seen before with a different body: a replay attempt, refuse
};

class ReplayGuard {
  public:
    // Keeps a reference to `redis` (must outlive the guard). Keys: prefix + "nonce:" + ts + ":" +
    // nonce.
    explicit ReplayGuard(Redis& redis);

    // Records (timestamp, nonce) with SHA-256(body) for `ttl` (SET NX) and classifies it.
    // Runs on the caller's executor. Throws ServiceUnavailable("redis") when Redis is down.
    boost::asio::awaitable<NonceCheck> check(std::string timestamp, std::string nonce,
                                             std::string body, std::chrono::seconds ttl);

  private:
    Redis& redis_;
};

}  // namespace repairbot::store
