// The store's expected outcomes as error codes (category "repairbot.store"): misses, duplicates,
// lost compare-and-set races, and Redis being down. ServiceUnavailable (config/errors.h) is thrown
// instead where a caller cannot reasonably go on (MySQL unreachable).
#pragma once

#include <system_error>

namespace repairbot::store {

enum class StoreErrc {
    not_found = 1,      // no row / key
    duplicate,          // a unique key already holds this value
    version_conflict,   // compare-and-set lost: someone saved first; reload and retry
    invalid_state,      // the row is not in a state that allows this change
    redis_unavailable,  // not connected (down, restarting, reconnecting): failed fast
    redis_timeout,      // no reply within RedisSettings::command_timeout
    redis_error,        // the server answered with an error reply
    mysql_unavailable,  // ping only: the server could not be reached
    migration_failed,   // a migration statement was refused (detail: name and message)
};

[[nodiscard]] const std::error_category& store_category() noexcept;

[[nodiscard]] inline std::error_code make_error_code(StoreErrc e) noexcept {
    return {static_cast<int>(e), store_category()};
}

}  // namespace repairbot::store

template <>
struct std::is_error_code_enum<repairbot::store::StoreErrc> : std::true_type {};
