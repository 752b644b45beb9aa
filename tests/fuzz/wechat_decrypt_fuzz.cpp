// libFuzzer target: safe-mode decryption must refuse any Encrypt text cleanly (no crash, no
// throw, no over-read), and encrypt -> decrypt must round-trip any message.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "adapters/wechat/base64.h"
#include "adapters/wechat/message_cipher.h"

using namespace repairbot::wechat;

namespace {

const MessageCipher& cipher() {
    static const MessageCipher c =
        MessageCipher::create("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxb11529c136998cb6")
            .value();
    return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    // As text: the Encrypt field of a request.
    (void)cipher().decrypt(input);
    // As raw ciphertext bytes: reaches the AES, padding, length and AppID checks.
    (void)cipher().decrypt(base64_encode(input));
    (void)decode_encoding_aes_key(input);
    (void)base64_decode(input);

    std::array<std::uint8_t, 16> prefix{};
    for (std::size_t i = 0; i < prefix.size() && i < size; ++i) prefix[i] = data[i];
    auto back = cipher().decrypt(cipher().encrypt(input, prefix));
    if (!back.ok() || *back != input) std::abort();
    return 0;
}
