// One multiplexed Redis connection over hiredis's async API, driven by Asio on a strand of the
// given executor (no blocking call on the event loop). Reconnects by itself with back-off; while
// it is down, calls fail at once with StoreErrc::redis_unavailable.
//
// Why hiredis async on Asio and not blocking hiredis on the thread pool — measured with
// tests/bench/store_bench on this 2-core machine (Release, shared and loaded, so rough):
//   async, 64 coroutines in flight on one connection   330k-490k PING/s (pipelined)
//   async, 1 in flight                                   8k-38k PING/s (scheduler hops)
//   blocking, 1 thread in a tight loop                  58k-100k PING/s
//   blocking, 4-thread pool, a connection per thread     19k-32k PING/s
// A single blocking caller has the lowest latency, but the webhook path has many users in
// flight at once: the async connection pipelines all of them without parking a thread per
// command, and leaves the blocking pool to MySQL. Sessions reach ~40k-50k load+save/s.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/errors.h"
#include "config/settings.h"
#include "store/lua_script.h"
#include "store/redis_reply.h"

namespace repairbot::store {

// Builds a command's argument list: redis_args("SET", key, value). Use it inside coroutines,
// where g++ 12 miscompiles a braced std::string list that spans a co_await ("array used as
// initializer").
template <class... A>
[[nodiscard]] std::vector<std::string> redis_args(A&&... a) {
    std::vector<std::string> v;
    v.reserve(sizeof...(A));
    (v.emplace_back(std::forward<A>(a)), ...);
    return v;
}

class Redis {
  public:
    // Starts connecting at once (in the background, on a strand of `ex`). Never blocks, never
    // throws for an unreachable server: the first calls fail fast until it is reachable.
    Redis(boost::asio::any_io_executor ex, config::RedisSettings settings);
    // close()s.
    ~Redis();
    Redis(const Redis&) = delete;
    Redis& operator=(const Redis&) = delete;

    // Sends one command (binary-safe arguments) and resumes on the caller's executor with the
    // reply; an error reply from the server is a RedisReply of Type::error, not an Error.
    // Errors: StoreErrc::redis_unavailable when not connected or the connection dropped before
    // the reply (the command may or may not have run), StoreErrc::redis_timeout when no reply
    // came within RedisSettings::command_timeout (the connection is then reset). Never throws.
    boost::asio::awaitable<Result<RedisReply>> command(std::vector<std::string> args);

    // Runs `script` with EVALSHA, loading it (SCRIPT LOAD) on NOSCRIPT and trying once more.
    // Same errors as command().
    boost::asio::awaitable<Result<RedisReply>> eval(const LuaScript& script,
                                                    std::vector<std::string> keys,
                                                    std::vector<std::string> args);

    // PING. Ok on PONG; otherwise the error of command() (or redis_error). Never throws.
    boost::asio::awaitable<Status> ping();

    // Disconnects for good; later calls fail with redis_unavailable. Never blocks; idempotent.
    void close();

    // True while a connection is established (a snapshot, for health and logs). Thread-safe.
    [[nodiscard]] bool connected() const;
    // Commands sent and not yet answered (a snapshot, for /metrics). Thread-safe.
    [[nodiscard]] std::size_t in_flight() const;

    // settings.key_prefix + suffix: every key of repairbot goes through here.
    [[nodiscard]] std::string key(std::string_view suffix) const;
    [[nodiscard]] const config::RedisSettings& settings() const;

    class Connection;  // the hiredis context and its Asio watcher (redis.cpp)

  private:
    std::shared_ptr<Connection> conn_;
};

}  // namespace repairbot::store
