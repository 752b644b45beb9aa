// A bounded pool of MySQL Connector/C++ connections whose blocking work runs only on a
// dedicated boost::asio::thread_pool, exposed to coroutines as awaitables.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <variant>
#include <vector>

#include "config/errors.h"
#include "config/settings.h"

namespace sql {
class Connection;
class SQLException;
}  // namespace sql

namespace repairbot::store {

// The sql_mode of every pooled connection, whatever the server's default: MariaDB's own default
// (strict), so an overlong or ill-typed value fails its statement instead of being stored cut.
inline constexpr std::string_view kSqlMode =
    "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION";

// True for the MySQL/MariaDB error numbers worth retrying the whole unit of work for:
// deadlock (1213), lock wait timeout (1205), lost connection (2006, 2013, 2055, 1927).
[[nodiscard]] bool is_transient_mysql_error(int error_number) noexcept;
// True for errors that mean the server cannot be reached (2002, 2003, 2005, 2006, 2013, ...).
[[nodiscard]] bool is_unreachable_mysql_error(int error_number) noexcept;

class MysqlPool {
  public:
    // Keeps a reference to `blocking` (owned by the composition root; must outlive the pool).
    // Opens no connection yet: the first call connects. Never blocks.
    MysqlPool(boost::asio::thread_pool& blocking, config::MysqlSettings settings);
    ~MysqlPool();
    MysqlPool(const MysqlPool&) = delete;
    MysqlPool& operator=(const MysqlPool&) = delete;

    // Runs fn(sql::Connection&) on the blocking pool with a pooled connection and resumes on the
    // caller's executor with fn's result. fn is one unit of work (usually one transaction): on a
    // deadlock, lock wait timeout or lost connection it is rolled back and run again, with
    // back-off, up to MysqlSettings::max_attempts times, so it must be safe to repeat.
    // Throws ServiceUnavailable("mysql") when the server cannot be reached (for 250 ms after a
    // failed connect, at once without trying again) or no connection is free within
    // acquire_timeout; rethrows anything else fn throws (sql::SQLException for a
    // non-transient SQL error). A connection is returned to the pool in autocommit mode.
    template <class F>
    boost::asio::awaitable<std::invoke_result_t<F, sql::Connection&>> run(F fn) {
        using R = std::invoke_result_t<F, sql::Connection&>;
        using Box = std::conditional_t<std::is_void_v<R>, std::monostate, std::optional<R>>;
        Box box = co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                                       void(std::exception_ptr, Box)>(
            [this](auto handler, F f) { start<Box>(std::move(handler), std::move(f)); },
            boost::asio::use_awaitable, std::move(fn));
        if constexpr (!std::is_void_v<R>) co_return std::move(*box);
    }

    // The same unit of work, run on the calling thread (CLI commands, tests, the blocking pool
    // itself). Blocks. Same retries and errors as run().
    template <class F>
    std::invoke_result_t<F, sql::Connection&> run_sync(F fn) {
        using R = std::invoke_result_t<F, sql::Connection&>;
        if constexpr (std::is_void_v<R>) {
            with_connection([&fn](sql::Connection& c) { fn(c); });
        } else {
            std::optional<R> out;
            with_connection([&fn, &out](sql::Connection& c) { out.emplace(fn(c)); });
            return std::move(*out);
        }
    }

    // SELECT 1 on the blocking pool; resumes on the caller's executor. Never throws: returns
    // StoreErrc::mysql_unavailable (with the reason as detail) when the server can't be reached.
    boost::asio::awaitable<Status> ping();
    // SELECT 1 on the calling thread. Blocks. Never throws; errors as ping().
    Status ping_sync();

    // Closes idle connections (e.g. after the server restarted). Blocks briefly on the pool lock.
    void drop_idle();

    [[nodiscard]] const config::MysqlSettings& settings() const { return settings_; }

    // How the pool is used right now (a snapshot, for /metrics). Takes the pool lock briefly.
    struct Usage {
        unsigned size = 0;     // MysqlSettings::pool_size
        unsigned open = 0;     // connections open (idle + in use)
        unsigned in_use = 0;   // checked out by a unit of work
        unsigned waiting = 0;  // callers waiting for a free connection
    };
    [[nodiscard]] Usage usage();

  private:
    template <class Box, class Handler, class F>
    void start(Handler handler, F f) {
        // `work` keeps the caller's context running while fn blocks on our pool. It travels
        // into the completion and is released there, on the caller's context. post() itself
        // still wakes the context after queueing the completion, so the completion first waits
        // (a few instructions at most) until this thread's post() has returned: once the
        // completion has run, nothing of ours touches the caller's context, and a caller that
        // stops and destroys its context right then (tests do) is safe.
        auto work = boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                        boost::asio::execution::outstanding_work.tracked);
        boost::asio::post(blocking_, [this, work = std::move(work), handler = std::move(handler),
                                      f = std::move(f)]() mutable {
            std::exception_ptr error;
            Box box{};
            try {
                if constexpr (std::is_same_v<Box, std::monostate>) {
                    run_sync(std::move(f));
                } else {
                    box.emplace(run_sync(std::move(f)));
                }
            } catch (...) {
                error = std::current_exception();
            }
            auto target =
                boost::asio::prefer(work, boost::asio::execution::outstanding_work.untracked);
            // `error` moves into the completion too, so this thread does not release it while
            // the caller rethrows it.
            auto posted = std::make_shared<std::atomic<bool>>(false);
            boost::asio::post(target, [work = std::move(work), handler = std::move(handler),
                                       error = std::move(error), box = std::move(box),
                                       posted]() mutable {
                while (!posted->load(std::memory_order_acquire)) std::this_thread::yield();
                handler(error, std::move(box));
            });
            posted->store(true, std::memory_order_release);
        });
    }

    // Acquires a connection, runs work, retries transient failures; see run().
    void with_connection(const std::function<void(sql::Connection&)>& work);
    std::unique_ptr<sql::Connection> acquire();
    void release(std::unique_ptr<sql::Connection> conn);
    void forget();  // one checked-out connection was discarded
    std::unique_ptr<sql::Connection> connect();

    boost::asio::thread_pool& blocking_;
    const config::MysqlSettings settings_;
    std::mutex mu_;
    std::condition_variable freed_;
    std::vector<std::unique_ptr<sql::Connection>> idle_;
    unsigned open_ = 0;  // idle + checked out
    unsigned waiting_ = 0;  // callers in acquire() waiting for a connection
    std::chrono::steady_clock::time_point unreachable_until_{};  // after a failed connect
    std::string last_connect_error_;
};

}  // namespace repairbot::store
