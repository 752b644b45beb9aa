#include "adapters/wechat/message_cipher.h"

#include <openssl/evp.h>

#include <cstring>
#include <stdexcept>

#include "adapters/wechat/base64.h"
#include "adapters/wechat/errors.h"

namespace repairbot::wechat {
namespace {

constexpr std::size_t block = 32;        // WeChat pads to 32, not to the AES block of 16
constexpr std::size_t prefix_size = 16;  // random bytes
constexpr std::size_t header_size = prefix_size + 4;

struct CtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

// One context per thread, re-initialised per message: saves an allocation per call.
EVP_CIPHER_CTX* thread_ctx() {
    thread_local const std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx{EVP_CIPHER_CTX_new()};
    return ctx.get();
}

// Runs AES-256-CBC without OpenSSL's padding over `data` in place (its size a multiple of 16).
bool run_cbc(const EVP_CIPHER* cipher, const std::uint8_t* key, bool encrypt, std::string& data) {
    EVP_CIPHER_CTX* ctx = thread_ctx();
    if (ctx == nullptr) return false;
    const unsigned char* iv = key;  // WeChat: IV = the first 16 bytes of the key
    if (EVP_CipherInit_ex2(ctx, cipher, key, iv, encrypt ? 1 : 0, nullptr) != 1) return false;
    if (EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) return false;
    auto* bytes = reinterpret_cast<unsigned char*>(data.data());
    int out = 0, tail = 0;
    if (EVP_CipherUpdate(ctx, bytes, &out, bytes, static_cast<int>(data.size())) != 1) return false;
    if (EVP_CipherFinal_ex(ctx, bytes + out, &tail) != 1) return false;
    return static_cast<std::size_t>(out + tail) == data.size();
}

}  // namespace

MessageCipher::MessageCipher(std::array<std::uint8_t, 32> key, std::string appid)
    : key_(key),
      appid_(std::move(appid)),
      cipher_(EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr), &EVP_CIPHER_free) {
    if (!cipher_) throw std::runtime_error("OpenSSL has no AES-256-CBC");
}

Result<MessageCipher> MessageCipher::create(std::string_view encoding_aes_key, std::string appid) {
    const auto key = decode_encoding_aes_key(encoding_aes_key);
    if (!key || key->size() != 32) return Error{Errc::bad_aes_key, "EncodingAESKey"};
    std::array<std::uint8_t, 32> k{};
    std::memcpy(k.data(), key->data(), k.size());
    return MessageCipher(k, std::move(appid));
}

Result<std::string> MessageCipher::decrypt(std::string_view encrypt_base64) const {
    auto data = base64_decode(encrypt_base64);
    if (!data) return Error{Errc::bad_ciphertext, "Encrypt is not canonical base64"};
    if (data->empty() || data->size() % block != 0) {
        return Error{Errc::bad_ciphertext, "ciphertext length " + std::to_string(data->size())};
    }
    if (!run_cbc(cipher_.get(), key_.data(), false, *data)) {
        return Error{Errc::bad_ciphertext, "AES decryption failed"};
    }
    std::string& plain = *data;
    const std::size_t pad = static_cast<unsigned char>(plain.back());
    if (pad < 1 || pad > block) return Error{Errc::bad_padding, "pad " + std::to_string(pad)};
    for (std::size_t i = plain.size() - pad; i < plain.size(); ++i) {
        if (static_cast<unsigned char>(plain[i]) != pad) return Error{Errc::bad_padding, "pad byte"};
    }
    const std::size_t content = plain.size() - pad;
    if (content < header_size) return Error{Errc::bad_length_field, "plaintext too short"};
    const auto b = [&](std::size_t i) { return std::uint32_t{static_cast<unsigned char>(plain[i])}; };
    const std::size_t len = (b(16) << 24) | (b(17) << 16) | (b(18) << 8) | b(19);
    if (len > content - header_size) {
        return Error{Errc::bad_length_field, "length " + std::to_string(len)};
    }
    const std::string_view appid(plain.data() + header_size + len, content - header_size - len);
    if (appid != appid_) return Error{Errc::appid_mismatch, "AppID of " + std::to_string(appid.size()) + " bytes"};
    plain.resize(header_size + len);
    plain.erase(0, header_size);
    return std::move(plain);
}

std::string MessageCipher::encrypt(std::string_view message,
                                   std::span<const std::uint8_t, 16> random_prefix) const {
    if (message.size() > 0xffffffffu - header_size - appid_.size() - block) {
        throw std::length_error("WeChat message too long to encrypt");
    }
    const std::size_t content = header_size + message.size() + appid_.size();
    const std::size_t pad = block - content % block;  // 1..32: a full block when aligned
    std::string plain(content + pad, static_cast<char>(pad));
    std::memcpy(plain.data(), random_prefix.data(), prefix_size);
    const auto len = static_cast<std::uint32_t>(message.size());
    plain[16] = static_cast<char>(len >> 24);
    plain[17] = static_cast<char>(len >> 16);
    plain[18] = static_cast<char>(len >> 8);
    plain[19] = static_cast<char>(len);
    if (!message.empty()) std::memcpy(plain.data() + header_size, message.data(), message.size());
    if (!appid_.empty()) {
        std::memcpy(plain.data() + header_size + message.size(), appid_.data(), appid_.size());
    }
    if (!run_cbc(cipher_.get(), key_.data(), true, plain)) {
        throw std::runtime_error("OpenSSL AES encryption failed");
    }
    return base64_encode(plain);
}

std::string MessageCipher::encrypt(std::string_view message, RandomSource& random) const {
    std::array<std::uint8_t, prefix_size> prefix{};
    random.fill(prefix);
    return encrypt(message, prefix);
}

}  // namespace repairbot::wechat
