#include "adapters/wechat/api/errors.h"

#include <string>

namespace repairbot::wechat::api {
namespace {

class WechatErrcodeCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "wechat.errcode"; }

    std::string message(int ev) const override {
        switch (static_cast<WechatErrc>(ev)) {
            case WechatErrc::system_busy: return "WeChat system busy (-1)";
            case WechatErrc::invalid_credential: return "invalid credential (40001)";
            case WechatErrc::invalid_media_id: return "invalid media_id (40007)";
            case WechatErrc::invalid_access_token: return "invalid access_token (40014)";
            case WechatErrc::access_token_expired: return "access_token expired (42001)";
            case WechatErrc::user_unsubscribed: return "user not subscribed (43004)";
            case WechatErrc::api_quota_exceeded: return "API quota exceeded (45009)";
            case WechatErrc::outside_response_window: return "outside the 48-hour response window (45015)";
            case WechatErrc::response_count_limit: return "customer-service message count limit (45047)";
            case WechatErrc::api_unauthorized: return "API unauthorized (48001)";
        }
        return "WeChat errcode " + std::to_string(ev);
    }
};

class ApiCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "wechat.api"; }

    std::string message(int ev) const override {
        switch (static_cast<ApiErrc>(ev)) {
            case ApiErrc::timeout: return "WeChat API call timed out";
            case ApiErrc::connect_failed: return "could not connect to the WeChat API";
            case ApiErrc::tls_failed: return "TLS handshake with the WeChat API failed";
            case ApiErrc::transport: return "connection to the WeChat API broke";
            case ApiErrc::server_error: return "WeChat API answered a server error";
            case ApiErrc::unexpected_status: return "WeChat API answered an unexpected HTTP status";
            case ApiErrc::bad_response: return "WeChat API answered an unexpected body";
            case ApiErrc::body_too_large: return "WeChat API response too large";
            case ApiErrc::token_unavailable: return "no WeChat access token available";
        }
        return "unknown WeChat API error";
    }
};

class ApiFailureCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "wechat.api.failure"; }

    std::string message(int ev) const override {
        switch (static_cast<ApiFailure>(ev)) {
            case ApiFailure::token_invalid: return "access token rejected";
            case ApiFailure::retryable: return "temporary failure, retry later";
            case ApiFailure::outside_window: return "outside the customer-service window";
            case ApiFailure::unsubscribed: return "user unsubscribed";
            case ApiFailure::permanent: return "permanent failure";
        }
        return "unknown failure class";
    }

    bool equivalent(const std::error_code& code, int condition) const noexcept override {
        const ApiFailure f = classify(code);
        if (static_cast<int>(f) == condition) return true;
        return f == ApiFailure::token_invalid && condition == static_cast<int>(ApiFailure::retryable);
    }
};

}  // namespace

const std::error_category& wechat_errcode_category() noexcept {
    static const WechatErrcodeCategory category;
    return category;
}

const std::error_category& api_category() noexcept {
    static const ApiCategory category;
    return category;
}

const std::error_category& api_failure_category() noexcept {
    static const ApiFailureCategory category;
    return category;
}

std::error_code make_error_code(WechatErrc e) noexcept {
    return {static_cast<int>(e), wechat_errcode_category()};
}

std::error_code make_error_code(ApiErrc e) noexcept { return {static_cast<int>(e), api_category()}; }

std::error_condition make_error_condition(ApiFailure f) noexcept {
    return {static_cast<int>(f), api_failure_category()};
}

std::error_code errcode_error(int errcode) noexcept {
    if (errcode == 0) return {};
    return {errcode, wechat_errcode_category()};
}

bool is_token_error(std::error_code code) noexcept {
    return code.category() == wechat_errcode_category() &&
           (code.value() == 40001 || code.value() == 40014 || code.value() == 42001);
}

int wechat_errcode(std::error_code code) noexcept {
    return code.category() == wechat_errcode_category() ? code.value() : 0;
}

ApiFailure classify(std::error_code code) noexcept {
    if (!code) return ApiFailure::permanent;
    if (code.category() == wechat_errcode_category()) {
        if (is_token_error(code)) return ApiFailure::token_invalid;
        switch (code.value()) {
            case -1:      // system busy
            case 45009:   // API quota
            case 45011:   // API minute-frequency limit
            case 45033:   // API frequency limit for this user
                return ApiFailure::retryable;
            case 45015:
            case 45047:
                return ApiFailure::outside_window;
            case 43004:
                return ApiFailure::unsubscribed;
            default:
                return ApiFailure::permanent;
        }
    }
    if (code.category() == api_category()) {
        switch (static_cast<ApiErrc>(code.value())) {
            case ApiErrc::timeout:
            case ApiErrc::connect_failed:
            case ApiErrc::transport:
            case ApiErrc::server_error:
            case ApiErrc::token_unavailable:
                return ApiFailure::retryable;
            // A certificate that does not verify will not verify on the next try either, but a
            // handshake can also fail on a reset; an operator must see it, the outbox keeps it.
            case ApiErrc::tls_failed:
                return ApiFailure::retryable;
            case ApiErrc::unexpected_status:
            case ApiErrc::bad_response:
            case ApiErrc::body_too_large:
                return ApiFailure::permanent;
        }
        return ApiFailure::permanent;
    }
    return ApiFailure::retryable;
}

}  // namespace repairbot::wechat::api
