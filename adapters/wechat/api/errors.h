// How a call to the WeChat API can fail, as error codes, and what the caller should do about each
// (refresh the token, back off and retry, switch message kind, give up) as error conditions.
#pragma once

#include <system_error>

namespace repairbot::wechat::api {

// WeChat's own errcodes. Every errcode WeChat answers becomes an error_code of
// wechat_errcode_category() whose value IS the errcode (so 40037 is representable though not
// named here); these are the ones repairbot acts on. The Error's detail holds WeChat's errmsg.
enum class WechatErrc {
    system_busy = -1,               // "system error": retry later
    invalid_credential = 40001,     // access token invalid or not the latest (or bad AppSecret)
    invalid_media_id = 40007,
    invalid_access_token = 40014,
    access_token_expired = 42001,
    user_unsubscribed = 43004,      // "require subscribe": the user no longer follows us
    api_quota_exceeded = 45009,     // daily / minute quota reached
    outside_response_window = 45015,  // customer-service message outside the 48-hour window
    response_count_limit = 45047,   // too many customer-service messages in the window
    api_unauthorized = 48001,       // this account may not call this API
};

// Failures of the call itself, before (or instead of) an errcode from WeChat.
enum class ApiErrc {
    timeout = 1,          // resolve, connect, TLS handshake, write or read past its deadline
    connect_failed,       // name not resolved, connection refused or reset
    tls_failed,           // handshake failed, certificate not trusted or not for this host
    transport,            // the connection broke while writing or reading
    server_error,         // HTTP 5xx, 408 or 429: the server side, worth a retry (detail: status)
    unexpected_status,    // any other non-2xx HTTP status
    bad_response,         // a 2xx body that is not the JSON WeChat documents
    body_too_large,       // the response body exceeded the limit of the call
    token_unavailable,    // no access token: the token store failed or the refresh timed out
};

// What to do about an error (compare: `if (r.code() == ApiFailure::retryable)`).
enum class ApiFailure {
    // 40001/40014/42001: the token failed. The client already refreshed and retried once, so
    // seeing it means the fresh token failed too; retry later.
    token_invalid = 1,
    // Rate limited (45009), system busy (-1), 5xx, timeouts, broken connections, token store
    // down: back off and retry. Includes token_invalid.
    retryable,
    // 45015/45047: no customer-service message now; send a template message instead.
    outside_window,
    // 43004: the user unsubscribed; nothing will reach them.
    unsubscribed,
    // Anything else: a bug or a configuration error (bad template id, bad media id, 4xx); retrying
    // the same request cannot succeed.
    permanent,
};

[[nodiscard]] const std::error_category& wechat_errcode_category() noexcept;
[[nodiscard]] const std::error_category& api_category() noexcept;
[[nodiscard]] const std::error_category& api_failure_category() noexcept;

[[nodiscard]] std::error_code make_error_code(WechatErrc e) noexcept;
[[nodiscard]] std::error_code make_error_code(ApiErrc e) noexcept;
[[nodiscard]] std::error_condition make_error_condition(ApiFailure f) noexcept;

// The error_code for an errcode WeChat answered (0 is not an error: a default code).
[[nodiscard]] std::error_code errcode_error(int errcode) noexcept;

// The single class an error falls in; token_invalid wins over retryable. Codes of other
// categories (Redis, Asio) are retryable: the infrastructure was down. A default code (no error)
// is permanent. Pure.
[[nodiscard]] ApiFailure classify(std::error_code code) noexcept;

// WeChat's errcode carried by `code`, or 0 when it is not a WeChat errcode (a transport failure).
[[nodiscard]] int wechat_errcode(std::error_code code) noexcept;

// True for 40001, 40014 and 42001: the access token used must be dropped and a new one fetched.
[[nodiscard]] bool is_token_error(std::error_code code) noexcept;

}  // namespace repairbot::wechat::api

template <>
struct std::is_error_code_enum<repairbot::wechat::api::WechatErrc> : std::true_type {};
template <>
struct std::is_error_code_enum<repairbot::wechat::api::ApiErrc> : std::true_type {};
template <>
struct std::is_error_condition_enum<repairbot::wechat::api::ApiFailure> : std::true_type {};
