#include "adapters/wechat/api/token_provider.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <cstdint>

#include "adapters/wechat/random_source.h"
#include "config/log.h"

namespace repairbot::wechat::api {
namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

Error store_failure(const Error& e) {
    return Error{ApiErrc::token_unavailable, "token store: " + e.message()};
}

std::string lock_owner() {
    std::array<std::uint8_t, 16> bytes{};
    SystemRandom().fill(bytes);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (const auto b : bytes) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

// stable_token is missing for this account or this (older) platform: use /cgi-bin/token.
bool stable_token_unsupported(const HttpResponse& res, const Status& st) {
    if (res.status == 404) return true;
    const int errcode = wechat_errcode(st.code());
    return errcode == 40066 /* invalid url */ || errcode == 48001 /* api unauthorized */;
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
    asio::steady_timer timer(co_await asio::this_coro::executor, d);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

}  // namespace

TokenProvider::TokenProvider(HttpClient& http, TokenStore& store, TokenOptions options)
    : http_(http), store_(store), options_(std::move(options)) {}

std::chrono::system_clock::time_point TokenProvider::now() const {
    return options_.clock ? options_.clock() : std::chrono::system_clock::now();
}

AccessToken TokenProvider::stamp(const TokenGrant& grant) const {
    using std::chrono::milliseconds;
    // Whole milliseconds: what a store keeps, so a token read back compares equal.
    const auto t = std::chrono::time_point_cast<milliseconds>(now());
    const milliseconds lifetime = grant.expires_in;
    auto refresh_in = milliseconds{static_cast<std::int64_t>(static_cast<double>(lifetime.count()) *
                                                             std::clamp(options_.refresh_fraction, 0.0, 1.0))};
    // A short-lived grant must not make every call fetch again.
    refresh_in = std::max(refresh_in, std::min(lifetime, milliseconds{30000}));
    return AccessToken{grant.access_token, t + lifetime, t + refresh_in};
}

asio::awaitable<Result<AccessToken>> TokenProvider::token() { return acquire({}); }

asio::awaitable<Result<AccessToken>> TokenProvider::replace(AccessToken failed) {
    auto dropped = co_await store_.compare_and_delete(failed);
    if (!dropped) co_return store_failure(dropped.error());
    log::info("wechat.api", "token_rejected", {{"dropped", *dropped}});
    co_return co_await acquire(std::move(failed));
}

asio::awaitable<Result<AccessToken>> TokenProvider::acquire(AccessToken failed) {
    const auto give_up_at = std::chrono::steady_clock::now() + options_.wait_timeout;
    for (;;) {
        auto current = co_await store_.get();
        if (!current) co_return store_failure(current.error());
        const std::optional<AccessToken>& cur = *current;
        const bool usable = cur && *cur != failed && now() < cur->expires_at;
        if (usable && now() < cur->refresh_at) co_return *cur;

        const std::string owner = lock_owner();
        auto locked = co_await store_.try_lock(owner, options_.lock_ttl);
        if (!locked) co_return store_failure(locked.error());
        if (*locked) {
            auto fresh = co_await refresh_locked(failed);
            if (auto unlocked = co_await store_.unlock(owner); !unlocked) {
                log::warn("wechat.api", "token_unlock_failed", {{"error", unlocked.error().message()}});
            }
            if (fresh) co_return fresh;
            // The refresh failed, but the current token still works until it expires.
            if (usable) {
                log::warn("wechat.api", "token_refresh_failed_using_current", {{"error", fresh.error().message()}});
                co_return *cur;
            }
            co_return fresh;
        }
        // Another process is refreshing: early, so the current token is fine meanwhile.
        if (usable) co_return *cur;
        if (std::chrono::steady_clock::now() >= give_up_at) {
            co_return Error{ApiErrc::token_unavailable, "timed out waiting for another process to refresh the token"};
        }
        co_await sleep_for(options_.poll_interval);
    }
}

asio::awaitable<Result<AccessToken>> TokenProvider::refresh_locked(AccessToken failed) {
    // Someone may have stored a new token between our read and our lock.
    auto current = co_await store_.get();
    if (!current) co_return store_failure(current.error());
    if (const auto& cur = *current; cur && *cur != failed && now() < cur->refresh_at) co_return *cur;

    auto grant = co_await fetch(false);
    if (grant && !failed.token.empty() && grant->access_token == failed.token && refused_again(failed.token)) {
        // stable_token's normal mode keeps handing back a token WeChat keeps refusing: force a
        // new one. Not on the first refusal, which is usually a replica that had not caught up
        // (and forced refreshes are limited to 20 a day, 30 s apart).
        log::warn("wechat.api", "token_force_refresh", {});
        grant = co_await fetch(true);
    }
    if (!grant) co_return grant.error();
    const AccessToken fresh = stamp(*grant);
    const auto ttl = std::chrono::duration_cast<std::chrono::milliseconds>(fresh.expires_at - now());
    if (auto stored = co_await store_.set(fresh, std::max(ttl, std::chrono::milliseconds{1})); !stored) {
        // The token is good for this call; the others will fetch their own.
        log::warn("wechat.api", "token_store_failed", {{"error", stored.error().message()}});
    }
    log::info("wechat.api", "token_refreshed",
              {{"expires_in_s", grant->expires_in.count()},
               {"via", plain_token_only_.load() ? "token" : "stable_token"}});
    co_return fresh;
}

bool TokenProvider::refused_again(const std::string& token) {
    std::lock_guard lock(refused_mutex_);
    const bool again = refused_ == token;
    refused_ = token;
    return again;
}

asio::awaitable<Result<TokenGrant>> TokenProvider::fetch(bool force_refresh) {
    if (plain_token_only_.load()) co_return co_await fetch_plain();
    HttpRequest req;
    req.method = http::verb::post;
    req.target = "/cgi-bin/stable_token";
    req.body = stable_token_request(options_.appid, options_.secret, force_refresh);
    auto res = co_await http_.send(std::move(req));
    if (!res) co_return res.error();
    if (const Status st = parse_errcode(res->body); stable_token_unsupported(*res, st)) {
        log::info("wechat.api", "stable_token_unavailable", {{"status", res->status}});
        plain_token_only_ = true;
        co_return co_await fetch_plain();
    }
    if (auto st = check_http_status(res->status); !st) co_return st.error();
    co_return parse_token_grant(res->body);
}

asio::awaitable<Result<TokenGrant>> TokenProvider::fetch_plain() {
    HttpRequest req;
    req.method = http::verb::get;
    req.target = "/cgi-bin/token?grant_type=client_credential&appid=" + url_encode(options_.appid) +
                 "&secret=" + url_encode(options_.secret);
    auto res = co_await http_.send(std::move(req));
    if (!res) co_return res.error();
    if (auto st = check_http_status(res->status); !st) co_return st.error();
    co_return parse_token_grant(res->body);
}

}  // namespace repairbot::wechat::api
