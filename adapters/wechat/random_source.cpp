#include "adapters/wechat/random_source.h"

#include <openssl/rand.h>

#include <climits>
#include <stdexcept>

namespace repairbot::wechat {

void SystemRandom::fill(std::span<std::uint8_t> out) {
    while (!out.empty()) {
        const std::size_t n = out.size() > INT_MAX ? INT_MAX : out.size();
        if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
            throw std::runtime_error("RAND_bytes failed");
        }
        out = out.subspan(n);
    }
}

}  // namespace repairbot::wechat
