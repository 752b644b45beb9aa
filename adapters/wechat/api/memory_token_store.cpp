#include "adapters/wechat/api/memory_token_store.h"

namespace repairbot::wechat::api {

MemoryTokenStore::MemoryTokenStore(Clock clock) : clock_(std::move(clock)) {}

std::chrono::steady_clock::time_point MemoryTokenStore::now() const {
    return clock_ ? clock_() : std::chrono::steady_clock::now();
}

void MemoryTokenStore::expire_locked(std::chrono::steady_clock::time_point now) {
    if (token_ && now >= token_until_) token_.reset();
    if (!lock_owner_.empty() && now >= lock_until_) lock_owner_.clear();
}

boost::asio::awaitable<Result<std::optional<AccessToken>>> MemoryTokenStore::get() {
    std::optional<AccessToken> out;
    {
        std::lock_guard lock(mutex_);
        expire_locked(now());
        out = token_;
    }
    co_return out;
}

boost::asio::awaitable<Status> MemoryTokenStore::set(AccessToken token, std::chrono::milliseconds ttl) {
    {
        std::lock_guard lock(mutex_);
        token_ = std::move(token);
        token_until_ = now() + ttl;
    }
    co_return Ok{};
}

boost::asio::awaitable<Result<bool>> MemoryTokenStore::compare_and_delete(AccessToken token) {
    bool dropped = false;
    {
        std::lock_guard lock(mutex_);
        expire_locked(now());
        if (token_ && *token_ == token) {
            token_.reset();
            dropped = true;
        }
    }
    co_return dropped;
}

boost::asio::awaitable<Result<bool>> MemoryTokenStore::try_lock(std::string owner, std::chrono::milliseconds ttl) {
    bool taken = false;
    {
        std::lock_guard lock(mutex_);
        const auto t = now();
        expire_locked(t);
        if (lock_owner_.empty()) {
            lock_owner_ = std::move(owner);
            lock_until_ = t + ttl;
            taken = true;
        }
    }
    co_return taken;
}

boost::asio::awaitable<Status> MemoryTokenStore::unlock(std::string owner) {
    {
        std::lock_guard lock(mutex_);
        if (lock_owner_ == owner) lock_owner_.clear();
    }
    co_return Ok{};
}

}  // namespace repairbot::wechat::api
