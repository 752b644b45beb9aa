// Safe-mode message encryption exactly as WeChat specifies it: AES-256-CBC with the
// EncodingAESKey, IV = the key's first 16 bytes, plaintext = 16 random bytes + 4-byte big-endian
// length + message + AppID, PKCS#7-padded to a multiple of 32, carried as base64.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "adapters/wechat/random_source.h"
#include "config/errors.h"

struct evp_cipher_st;

namespace repairbot::wechat {

class MessageCipher {
public:
    // Prepares a cipher for one account. Fails with Errc::bad_aes_key unless `encoding_aes_key`
    // is 43 base64 characters. Never blocks.
    [[nodiscard]] static Result<MessageCipher> create(std::string_view encoding_aes_key,
                                                      std::string appid);

    // The message inside an Encrypt value. Checks, in order: canonical base64 and a length that
    // is a positive multiple of 32 (Errc::bad_ciphertext), every PKCS#7 padding byte
    // (Errc::bad_padding), the length field against the plaintext (Errc::bad_length_field), and
    // that the AppID after the message is ours (Errc::appid_mismatch). Never throws on any input;
    // thread-safe; never blocks.
    [[nodiscard]] Result<std::string> decrypt(std::string_view encrypt_base64) const;

    // The Encrypt value (base64) for `message`, with the given 16 random prefix bytes — tests
    // pass fixed bytes to compare with published vectors. Thread-safe; never blocks.
    [[nodiscard]] std::string encrypt(std::string_view message,
                                      std::span<const std::uint8_t, 16> random_prefix) const;

    // As above with 16 fresh bytes from `random`.
    [[nodiscard]] std::string encrypt(std::string_view message, RandomSource& random) const;

    [[nodiscard]] const std::string& appid() const { return appid_; }

private:
    MessageCipher(std::array<std::uint8_t, 32> key, std::string appid);

    std::array<std::uint8_t, 32> key_;
    std::string appid_;
    std::shared_ptr<evp_cipher_st> cipher_;  // AES-256-CBC, fetched once per account
};

}  // namespace repairbot::wechat
