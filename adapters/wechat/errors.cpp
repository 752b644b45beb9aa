#include "adapters/wechat/errors.h"

#include <string>

namespace repairbot::wechat {
namespace {

class Category final : public std::error_category {
public:
    const char* name() const noexcept override { return "wechat"; }

    std::string message(int ev) const override {
        switch (static_cast<Errc>(ev)) {
            case Errc::body_too_large: return "request body too large";
            case Errc::missing_parameter: return "missing or malformed query parameter";
            case Errc::bad_timestamp: return "timestamp is not a number";
            case Errc::stale_timestamp: return "timestamp outside the accepted window";
            case Errc::bad_signature: return "signature mismatch";
            case Errc::bad_msg_signature: return "msg_signature mismatch";
            case Errc::replayed: return "timestamp and nonce replayed with another body";
            case Errc::openid_mismatch: return "openid does not match FromUserName";
            case Errc::unsupported_encrypt_type: return "unsupported encrypt_type";
            case Errc::encryption_not_configured: return "encrypted request but no AES key";
            case Errc::encryption_required: return "plain request but safe mode is required";
            case Errc::dtd_refused: return "DOCTYPE or entity declaration refused";
            case Errc::malformed_xml: return "malformed XML";
            case Errc::invalid_message: return "invalid message";
            case Errc::bad_ciphertext: return "bad ciphertext";
            case Errc::bad_padding: return "bad padding";
            case Errc::bad_length_field: return "bad message length field";
            case Errc::appid_mismatch: return "AppID mismatch";
            case Errc::bad_aes_key: return "EncodingAESKey is not 43 base64 characters";
        }
        return "unknown wechat error";
    }
};

}  // namespace

const std::error_category& wechat_category() noexcept {
    static const Category category;
    return category;
}

std::error_code make_error_code(Errc e) noexcept { return {static_cast<int>(e), wechat_category()}; }

int http_status(std::error_code code) noexcept {
    if (!code) return 200;
    if (code.category() != wechat_category()) return 500;
    switch (static_cast<Errc>(code.value())) {
        case Errc::body_too_large: return 413;
        case Errc::stale_timestamp:
        case Errc::bad_signature:
        case Errc::bad_msg_signature:
        case Errc::replayed:
        case Errc::openid_mismatch:
        case Errc::encryption_required:
        case Errc::appid_mismatch: return 403;
        case Errc::bad_aes_key: return 500;
        case Errc::missing_parameter:
        case Errc::bad_timestamp:
        case Errc::unsupported_encrypt_type:
        case Errc::encryption_not_configured:
        case Errc::dtd_refused:
        case Errc::malformed_xml:
        case Errc::invalid_message:
        case Errc::bad_ciphertext:
        case Errc::bad_padding:
        case Errc::bad_length_field: return 400;
    }
    return 500;
}

}  // namespace repairbot::wechat
