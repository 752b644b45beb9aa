// The WeChat access token shared by every repairbot process, in Redis: the token under one key
// (expiring with it), the refresh lock under another, both changed only by their owner (Lua).
#pragma once

#include <string>

#include "adapters/wechat/api/token_store.h"
#include "store/redis.h"

namespace repairbot::bot {

class RedisTokenStore final : public wechat::api::TokenStore {
public:
    // Keeps a reference to `redis` (must outlive the store). Keys: redis.key("wechat:token:" +
    // appid) and redis.key("wechat:token-lock:" + appid).
    RedisTokenStore(store::Redis& redis, std::string appid);

    // As wechat::api::TokenStore. Run on the caller's executor; fail (never throw) with
    // StoreErrc::redis_unavailable / redis_timeout from Redis, StoreErrc::redis_error for an
    // error reply or a stored value that does not parse.
    boost::asio::awaitable<Result<std::optional<wechat::api::AccessToken>>> get() override;
    boost::asio::awaitable<Status> set(wechat::api::AccessToken token, std::chrono::milliseconds ttl) override;
    boost::asio::awaitable<Result<bool>> compare_and_delete(wechat::api::AccessToken token) override;
    boost::asio::awaitable<Result<bool>> try_lock(std::string owner, std::chrono::milliseconds ttl) override;
    boost::asio::awaitable<Status> unlock(std::string owner) override;

private:
    store::Redis& redis_;
    std::string token_key_;
    std::string lock_key_;
};

}  // namespace repairbot::bot
