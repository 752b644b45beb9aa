#include "adapters/wechat/base64.h"

#include <array>

namespace repairbot::wechat {
namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::uint8_t invalid = 0xff;

constexpr std::array<std::uint8_t, 256> make_reverse() {
    std::array<std::uint8_t, 256> r{};
    for (auto& v : r) v = invalid;
    for (std::size_t i = 0; i < alphabet.size(); ++i) {
        r[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
    }
    return r;
}

constexpr auto reverse = make_reverse();

std::uint8_t value_of(char c) { return reverse[static_cast<unsigned char>(c)]; }

// Decodes `text` (length a multiple of 4); `strict_tail` refuses non-zero unused bits.
std::optional<std::string> decode(std::string_view text, bool strict_tail) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::size_t pad = 0;
    if (!text.empty() && text.back() == '=') pad = text[text.size() - 2] == '=' ? 2 : 1;
    std::string out;
    out.resize(text.size() / 4 * 3 - pad);
    std::size_t o = 0;
    const std::size_t full = text.empty() ? 0 : text.size() - 4;
    for (std::size_t i = 0; i < full; i += 4) {
        const std::uint8_t a = value_of(text[i]), b = value_of(text[i + 1]),
                           c = value_of(text[i + 2]), d = value_of(text[i + 3]);
        if ((a | b | c | d) == invalid) return std::nullopt;  // any invalid has all bits set
        const std::uint32_t n = (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) |
                                (std::uint32_t{c} << 6) | d;
        out[o++] = static_cast<char>(n >> 16);
        out[o++] = static_cast<char>(n >> 8);
        out[o++] = static_cast<char>(n);
    }
    if (text.empty()) return out;
    const std::string_view last = text.substr(full);
    const std::uint8_t a = value_of(last[0]), b = value_of(last[1]);
    const std::uint8_t c = pad >= 2 ? 0 : value_of(last[2]);
    const std::uint8_t d = pad >= 1 ? 0 : value_of(last[3]);
    if ((a | b | c | d) == invalid) return std::nullopt;
    const std::uint32_t n =
        (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) | (std::uint32_t{c} << 6) | d;
    if (strict_tail && (pad == 2 ? (n & 0xffff) : pad == 1 ? (n & 0xff) : 0) != 0) {
        return std::nullopt;
    }
    out[o++] = static_cast<char>(n >> 16);
    if (pad < 2) out[o++] = static_cast<char>(n >> 8);
    if (pad < 1) out[o++] = static_cast<char>(n);
    return out;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.resize((bytes.size() + 2) / 3 * 4);
    std::size_t o = 0, i = 0;
    const auto byte = [&](std::size_t k) { return std::uint32_t{static_cast<unsigned char>(bytes[k])}; };
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
        out[o++] = alphabet[(n >> 18) & 63];
        out[o++] = alphabet[(n >> 12) & 63];
        out[o++] = alphabet[(n >> 6) & 63];
        out[o++] = alphabet[n & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        std::uint32_t n = byte(i) << 16;
        if (rest == 2) n |= byte(i + 1) << 8;
        out[o++] = alphabet[(n >> 18) & 63];
        out[o++] = alphabet[(n >> 12) & 63];
        out[o++] = rest == 2 ? alphabet[(n >> 6) & 63] : '=';
        out[o++] = '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) { return decode(text, true); }

std::optional<std::string> decode_encoding_aes_key(std::string_view key43) {
    if (key43.size() != 43) return std::nullopt;
    std::string padded(key43);
    padded.push_back('=');
    return decode(padded, false);
}

}  // namespace repairbot::wechat
