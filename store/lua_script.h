// A Lua script for Redis with its SHA-1, so Redis::eval can call EVALSHA without a round trip
// to load it first.
#pragma once

#include <string>

namespace repairbot::store {

class LuaScript {
  public:
    // Computes the SHA-1 of `source` (hex, as SCRIPT LOAD returns it). Never fails.
    explicit LuaScript(std::string source);

    [[nodiscard]] const std::string& source() const { return source_; }
    [[nodiscard]] const std::string& sha1() const { return sha1_; }

  private:
    std::string source_;
    std::string sha1_;
};

// Lower-case hex SHA-1 / SHA-256 of `bytes`. Pure.
[[nodiscard]] std::string sha1_hex(const std::string& bytes);
[[nodiscard]] std::string sha256_hex(const std::string& bytes);

}  // namespace repairbot::store
