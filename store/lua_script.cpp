#include "store/lua_script.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace repairbot::store {
namespace {

std::string digest_hex(const EVP_MD* md, const std::string& bytes) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), out, &len, md, nullptr) != 1) {
        throw std::runtime_error("EVP_Digest failed");
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string s;
    s.reserve(len * 2);
    for (unsigned i = 0; i < len; ++i) {
        s += hex[out[i] >> 4];
        s += hex[out[i] & 0xf];
    }
    return s;
}

}  // namespace

std::string sha1_hex(const std::string& bytes) {
    return digest_hex(EVP_sha1(), bytes);
}
std::string sha256_hex(const std::string& bytes) {
    return digest_hex(EVP_sha256(), bytes);
}

LuaScript::LuaScript(std::string source) : source_(std::move(source)), sha1_(sha1_hex(source_)) {}

}  // namespace repairbot::store
