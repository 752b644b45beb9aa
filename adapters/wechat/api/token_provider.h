// The access token every WeChat call needs, shared by all repairbot processes through a
// TokenStore: refreshed early by exactly one process under the store's lock (the others keep
// using the current token, or wait briefly for the new one), and replaced when WeChat rejects it.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "adapters/wechat/api/api_json.h"
#include "adapters/wechat/api/http_client.h"
#include "adapters/wechat/api/token_store.h"

namespace repairbot::wechat::api {

struct TokenOptions {
    std::string appid;
    std::string secret;  // the AppSecret: never logged
    // A token is refreshed once this fraction of its lifetime has passed (80% of 7200 s: 24
    // minutes before it expires); never sooner than 30 s after it was fetched.
    double refresh_fraction = 0.8;
    // How long the refresh lock is held at most (a crashed holder frees it then); longer than a
    // token fetch can take (HttpClientOptions: connect steps + request).
    std::chrono::milliseconds lock_ttl{30000};
    // A process without a usable token that lost the lock waits this long for the winner's token.
    std::chrono::milliseconds wait_timeout{5000};
    std::chrono::milliseconds poll_interval{50};
    // The wall clock (default system_clock::now); tests move it to reach refresh times.
    std::function<std::chrono::system_clock::time_point()> clock;
};

class TokenProvider {
public:
    // Keeps references to `http` and `store`; both must outlive the provider.
    TokenProvider(HttpClient& http, TokenStore& store, TokenOptions options);

    // The token to call with: the stored one until its refresh time; then a new one, fetched
    // by whichever process takes the lock (POST /cgi-bin/stable_token, or GET /cgi-bin/token when
    // stable_token is not available to the account), while the others keep the current token
    // or, having none, wait up to wait_timeout for it. Runs on the caller's executor.
    // Fails with ApiErrc::token_unavailable when the store fails or the wait times out, or with
    // the fetch's error (WeChat's errcode such as 40013/40125 for bad credentials, or a
    // transport ApiErrc) when this process fetched and no usable token remains.
    boost::asio::awaitable<Result<AccessToken>> token();

    // WeChat refused `failed` (40001/40014/42001): drops it from the store unless another process
    // (or coroutine) already replaced it, and returns the token to retry with: a new one, or `failed` itself
    // when stable_token insists it is current — the second time that happens for the same
    // token, a forced refresh replaces it. Fails as token().
    boost::asio::awaitable<Result<AccessToken>> replace(AccessToken failed);

private:
    boost::asio::awaitable<Result<AccessToken>> acquire(AccessToken failed);
    boost::asio::awaitable<Result<AccessToken>> refresh_locked(AccessToken failed);
    boost::asio::awaitable<Result<TokenGrant>> fetch(bool force_refresh);
    boost::asio::awaitable<Result<TokenGrant>> fetch_plain();
    [[nodiscard]] std::chrono::system_clock::time_point now() const;
    [[nodiscard]] AccessToken stamp(const TokenGrant& grant) const;
    // True when `token` was handed back after a refusal before (then remembers it).
    bool refused_again(const std::string& token);

    HttpClient& http_;
    TokenStore& store_;
    TokenOptions options_;
    // Set once stable_token turned out unavailable (404, or an errcode saying so).
    std::atomic<bool> plain_token_only_{false};
    std::mutex refused_mutex_;  // never held across co_await
    std::string refused_;       // the last token WeChat refused that stable_token handed back
};

}  // namespace repairbot::wechat::api
