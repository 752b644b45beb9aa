// Turns a Redis call's outcome into a value for the Redis-backed stores: a transport failure
// (down, timed out) becomes ServiceUnavailable("redis"), an error reply a std::runtime_error
// (a bug: a wrong command or script). Pure.
#pragma once

#include <stdexcept>
#include <string>

#include "config/errors.h"
#include "store/redis_reply.h"

namespace repairbot::store {

[[nodiscard]] inline RedisReply reply_or_throw(Result<RedisReply> r, const char* what) {
    if (!r) throw ServiceUnavailable("redis", std::string(what) + ": " + r.error().message());
    if (r->is_error()) throw std::runtime_error(std::string("redis ") + what + ": " + r->str);
    return std::move(r).value();
}

}  // namespace repairbot::store
