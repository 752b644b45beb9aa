// WeChat's request signatures: hex sha1 of the lexicographically sorted concatenation of the
// token, timestamp, nonce (and, in safe mode, the Encrypt text). Pure; never throws, never blocks.
#pragma once

#include <string>
#include <string_view>

namespace repairbot::wechat {

// 40 lowercase hex digits: sha1(sort(token, timestamp, nonce)). The `signature` query parameter.
[[nodiscard]] std::string sign(std::string_view token, std::string_view timestamp,
                               std::string_view nonce);

// 40 lowercase hex digits: sha1(sort(token, timestamp, nonce, encrypt)). `msg_signature`.
[[nodiscard]] std::string sign(std::string_view token, std::string_view timestamp,
                               std::string_view nonce, std::string_view encrypt);

// True when `given` equals `expected` byte for byte; the comparison of equal-length strings takes
// the same time wherever they differ (CRYPTO_memcmp). Different lengths are simply unequal.
[[nodiscard]] bool signature_matches(std::string_view expected, std::string_view given) noexcept;

// 40 lowercase hex digits of sha1(bytes): a fingerprint of a body for the replay guard.
[[nodiscard]] std::string sha1_hex(std::string_view bytes);

}  // namespace repairbot::wechat
