// Where the access token is shared between every repairbot process, and the lock that lets only
// one of them fetch a new one. An interface, so the adapter does not depend on store/: the Redis
// implementation is bot/wechat_token_store.h, the in-memory one (tests) memory_token_store.h.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "config/errors.h"

namespace repairbot::wechat::api {

// An access token, the wall-clock time WeChat stops accepting it, and the time from which the
// next caller should fetch its successor (early refresh, while this one still works).
struct AccessToken {
    std::string token;  // secret: never logged
    std::chrono::system_clock::time_point expires_at{};
    std::chrono::system_clock::time_point refresh_at{};

    friend bool operator==(const AccessToken&, const AccessToken&) = default;
};

class TokenStore {
public:
    virtual ~TokenStore() = default;

    // Every member runs on the caller's executor and never blocks the thread. A failure of the
    // store itself (Redis down, timed out) is an Error of the implementation's category; none
    // throws for that.

    // The shared token, or nullopt when none is stored (or it was dropped).
    virtual boost::asio::awaitable<Result<std::optional<AccessToken>>> get() = 0;

    // Stores `token` for everyone, replacing any other; the store forgets it after `ttl`.
    virtual boost::asio::awaitable<Status> set(AccessToken token, std::chrono::milliseconds ttl) = 0;

    // Drops the stored entry only if it is still exactly `token` (string and times): an entry
    // another process stored since stays, even when stable_token gave it the same string. True
    // when dropped.
    virtual boost::asio::awaitable<Result<bool>> compare_and_delete(AccessToken token) = 0;

    // Takes the refresh lock for `owner` if nobody holds it; it frees itself after `ttl`. True
    // when taken.
    virtual boost::asio::awaitable<Result<bool>> try_lock(std::string owner, std::chrono::milliseconds ttl) = 0;

    // Releases the refresh lock if `owner` still holds it (never another owner's lock).
    virtual boost::asio::awaitable<Status> unlock(std::string owner) = 0;
};

}  // namespace repairbot::wechat::api
