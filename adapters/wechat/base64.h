// Base64 (RFC 4648, standard alphabet, with padding) as WeChat uses it for Encrypt and for the
// EncodingAESKey. Pure functions; none throws, none blocks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace repairbot::wechat {

// Standard base64 with '=' padding.
[[nodiscard]] std::string base64_encode(std::string_view bytes);

// Canonical base64 only: length a multiple of 4, padding exactly where it belongs, no
// whitespace, and the unused low bits of the last character zero. nullopt otherwise.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

// The 32-byte AES key of an EncodingAESKey: decodes `key43` + "=" leniently, as WeChat does —
// the last character may carry non-zero unused bits, which are dropped. nullopt unless `key43`
// is exactly 43 characters of the standard alphabet.
[[nodiscard]] std::optional<std::string> decode_encoding_aes_key(std::string_view key43);

}  // namespace repairbot::wechat
