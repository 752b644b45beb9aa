#include "adapters/wechat/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>

namespace repairbot::wechat {
namespace {

// Fetched once: an implicit fetch on every EVP_DigestInit_ex costs more than the hash itself.
const EVP_MD* sha1_md() {
    static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> md{
        EVP_MD_fetch(nullptr, "SHA1", nullptr), &EVP_MD_free};
    return md.get();
}

struct CtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

std::string sha1_hex_of(std::string_view* parts, std::size_t count) {
    thread_local const std::unique_ptr<EVP_MD_CTX, CtxFree> ctx{EVP_MD_CTX_new()};
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int len = 0;
    bool ok = ctx && EVP_DigestInit_ex(ctx.get(), sha1_md(), nullptr) == 1;
    for (std::size_t i = 0; ok && i < count; ++i) {
        ok = EVP_DigestUpdate(ctx.get(), parts[i].data(), parts[i].size()) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(ctx.get(), digest.data(), &len) == 1;
    // Only an out-of-memory or a broken OpenSSL installation gets here: a bug, not input.
    if (!ok) throw std::runtime_error("OpenSSL SHA1 failed");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out(2 * len, '\0');
    for (unsigned int i = 0; i < len; ++i) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    return out;
}

}  // namespace

std::string sign(std::string_view token, std::string_view timestamp, std::string_view nonce) {
    std::array<std::string_view, 3> parts{token, timestamp, nonce};
    std::sort(parts.begin(), parts.end());
    return sha1_hex_of(parts.data(), parts.size());
}

std::string sign(std::string_view token, std::string_view timestamp, std::string_view nonce,
                 std::string_view encrypt) {
    std::array<std::string_view, 4> parts{token, timestamp, nonce, encrypt};
    std::sort(parts.begin(), parts.end());
    return sha1_hex_of(parts.data(), parts.size());
}

bool signature_matches(std::string_view expected, std::string_view given) noexcept {
    return expected.size() == given.size() &&
           CRYPTO_memcmp(expected.data(), given.data(), expected.size()) == 0;
}

std::string sha1_hex(std::string_view bytes) { return sha1_hex_of(&bytes, 1); }

}  // namespace repairbot::wechat
