// Where the random bytes of safe mode (the 16-byte message prefix, reply nonces) come from:
// the operating system's CSPRNG in production, a fixed sequence in tests.
#pragma once

#include <cstdint>
#include <span>

namespace repairbot::wechat {

class RandomSource {
public:
    virtual ~RandomSource() = default;
    // Fills `out` completely. Thread-safe in every implementation of this project.
    virtual void fill(std::span<std::uint8_t> out) = 0;
};

// OpenSSL's RAND_bytes. Never blocks after OpenSSL has seeded at start; throws
// std::runtime_error if the CSPRNG fails (an infrastructure failure, not an input error).
class SystemRandom final : public RandomSource {
public:
    void fill(std::span<std::uint8_t> out) override;
};

}  // namespace repairbot::wechat
