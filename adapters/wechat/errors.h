// Every way the WeChat adapter refuses a request or a message, as error codes of one category,
// and the HTTP status each refusal is answered with (STYLE.md §5: domain outcomes are values).
#pragma once

#include <system_error>

namespace repairbot::wechat {

enum class Errc {
    // 413: the body is larger than the webhook accepts (64 KiB).
    body_too_large = 1,
    // 400: signature, timestamp or nonce is missing from the query, or a query is malformed.
    missing_parameter,
    // 400: the timestamp is not a decimal number of seconds.
    bad_timestamp,
    // 403: the timestamp is further than the window (±300 s) from now.
    stale_timestamp,
    // 403: `signature` does not match sha1(sort(token, timestamp, nonce)).
    bad_signature,
    // 403: `msg_signature` does not match sha1(sort(token, timestamp, nonce, Encrypt)).
    bad_msg_signature,
    // 403: this (timestamp, nonce) pair was seen before with a different body (the caller's
    // replay guard reports it; the adapter only supplies the key material).
    replayed,
    // 403: the `openid` query parameter names another user than FromUserName.
    openid_mismatch,
    // 400: `encrypt_type` is neither absent, "raw" nor "aes".
    unsupported_encrypt_type,
    // 400: an encrypted request arrived but no EncodingAESKey is configured.
    encryption_not_configured,
    // 403: a plain request arrived although the webhook requires safe mode.
    encryption_required,
    // 400: a DOCTYPE, ENTITY or other markup declaration; never parsed, never expanded.
    dtd_refused,
    // 400: the body is not well-formed XML, or its root is not <xml>.
    malformed_xml,
    // 400: well-formed XML that is not a valid message (a required field missing or
    // duplicated, a number that does not parse, markup inside a text field).
    invalid_message,
    // 400: Encrypt is not canonical base64, or its length is not a positive multiple of 32.
    bad_ciphertext,
    // 400: the PKCS#7 padding (1..32 bytes, all equal) is wrong.
    bad_padding,
    // 400: the 4-byte message length does not fit in the plaintext.
    bad_length_field,
    // 403: the AppID after the message is not ours.
    appid_mismatch,
    // 500 (configuration): the EncodingAESKey is not 43 base64 characters.
    bad_aes_key,
};

[[nodiscard]] const std::error_category& wechat_category() noexcept;
[[nodiscard]] std::error_code make_error_code(Errc e) noexcept;

// The HTTP status a webhook answers an error with: 400, 403, 413 for codes of this category,
// 500 for anything else (including a default-constructed code, which is not an error: 200).
[[nodiscard]] int http_status(std::error_code code) noexcept;

}  // namespace repairbot::wechat

template <>
struct std::is_error_code_enum<repairbot::wechat::Errc> : std::true_type {};
