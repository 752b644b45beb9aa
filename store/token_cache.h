// The WeChat access-token cache in Redis, shared by every instance: one token per appid with its
// expiry; expire_if() drops only the token that failed (40001/40014/42001), never a fresher one.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>

#include "store/redis.h"
#include "store/sql_values.h"

namespace repairbot::store {

struct CachedToken {
    std::string token;
    Timestamp expires_at{};
};

class TokenCache {
  public:
    // Keeps a reference to `redis` (must outlive the cache). Keys: prefix + "token:" + appid.
    explicit TokenCache(Redis& redis);

    // The cached token, or nullopt. Runs on the caller's executor. Throws
    // ServiceUnavailable("redis") when Redis is down.
    boost::asio::awaitable<std::optional<CachedToken>> get(std::string appid);

    // Caches `token` until `expires_at` (Redis expires the key then; nothing is stored when
    // expires_at <= now). Throws as get().
    boost::asio::awaitable<void> put(std::string appid, CachedToken token, Timestamp now);

    // Deletes the cached token only if it is still `token`; true when deleted. Throws as get().
    boost::asio::awaitable<bool> expire_if(std::string appid, std::string token);

  private:
    Redis& redis_;
};

}  // namespace repairbot::store
