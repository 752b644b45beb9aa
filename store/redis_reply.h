// A Redis reply as a plain value (copied out of hiredis before its reply object is freed).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace repairbot::store {

struct RedisReply {
    enum class Type { nil, integer, string, status, error, array };

    Type type = Type::nil;
    long long integer = 0;             // Type::integer
    std::string str;                   // Type::string (binary-safe), status, error
    std::vector<RedisReply> elements;  // Type::array

    [[nodiscard]] bool is_nil() const { return type == Type::nil; }
    [[nodiscard]] bool is_error() const { return type == Type::error; }
    [[nodiscard]] bool is_string() const { return type == Type::string; }
    [[nodiscard]] bool is_integer() const { return type == Type::integer; }
    [[nodiscard]] bool is_array() const { return type == Type::array; }
    // A status reply equal to `s`, e.g. is_status("OK").
    [[nodiscard]] bool is_status(const std::string& s) const {
        return type == Type::status && str == s;
    }

    static RedisReply nil() { return {}; }
    static RedisReply of_integer(long long v) {
        RedisReply r;
        r.type = Type::integer;
        r.integer = v;
        return r;
    }
    static RedisReply of_string(std::string s) {
        RedisReply r;
        r.type = Type::string;
        r.str = std::move(s);
        return r;
    }
    static RedisReply of_status(std::string s) {
        RedisReply r;
        r.type = Type::status;
        r.str = std::move(s);
        return r;
    }
    static RedisReply of_error(std::string s) {
        RedisReply r;
        r.type = Type::error;
        r.str = std::move(s);
        return r;
    }
    static RedisReply of_array(std::vector<RedisReply> e) {
        RedisReply r;
        r.type = Type::array;
        r.elements = std::move(e);
        return r;
    }

    friend bool operator==(const RedisReply&, const RedisReply&) = default;
};

}  // namespace repairbot::store
