// Shared by the wechat_*_test.cpp files: the published vectors and a deterministic random source.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "adapters/wechat/random_source.h"
#include "config/settings.h"

namespace repairbot::wechat::testing {

inline constexpr std::string_view kToken = "pamtest";
inline constexpr std::string_view kAesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
inline constexpr std::string_view kAppId = "wxb11529c136998cb6";

// Repeats `pattern` forever: "aaaabbbbccccdddd" gives the published 16-byte prefix.
class FixedRandom final : public RandomSource {
public:
    explicit FixedRandom(std::string pattern = "aaaabbbbccccdddd") : pattern_(std::move(pattern)) {}
    void fill(std::span<std::uint8_t> out) override {
        for (auto& b : out) b = static_cast<std::uint8_t>(pattern_[next_++ % pattern_.size()]);
    }

private:
    std::string pattern_;
    std::size_t next_ = 0;
};

inline std::chrono::system_clock::time_point at(std::int64_t unix_seconds) {
    return std::chrono::system_clock::time_point{std::chrono::seconds{unix_seconds}};
}

inline config::WechatSettings settings(bool safe) {
    config::WechatSettings s;
    s.token = std::string(kToken);
    s.appid = std::string(kAppId);
    s.aes_key = safe ? std::string(kAesKey) : std::string();
    return s;
}

}  // namespace repairbot::wechat::testing
