// A TokenStore in this process's memory: for unit tests and single-process tools. Shares nothing
// between processes; TTLs follow the clock it is given.
#pragma once

#include <functional>
#include <mutex>

#include "adapters/wechat/api/token_store.h"

namespace repairbot::wechat::api {

class MemoryTokenStore final : public TokenStore {
public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    // `clock` decides when entries expire (default: the steady clock).
    explicit MemoryTokenStore(Clock clock = {});

    // As TokenStore; never fails, completes without suspending. Thread-safe.
    boost::asio::awaitable<Result<std::optional<AccessToken>>> get() override;
    boost::asio::awaitable<Status> set(AccessToken token, std::chrono::milliseconds ttl) override;
    boost::asio::awaitable<Result<bool>> compare_and_delete(AccessToken token) override;
    boost::asio::awaitable<Result<bool>> try_lock(std::string owner, std::chrono::milliseconds ttl) override;
    boost::asio::awaitable<Status> unlock(std::string owner) override;

private:
    std::chrono::steady_clock::time_point now() const;
    void expire_locked(std::chrono::steady_clock::time_point now);  // under mutex_

    Clock clock_;
    std::mutex mutex_;  // never held across co_await (nothing here awaits)
    std::optional<AccessToken> token_;
    std::chrono::steady_clock::time_point token_until_{};
    std::string lock_owner_;
    std::chrono::steady_clock::time_point lock_until_{};
};

}  // namespace repairbot::wechat::api
