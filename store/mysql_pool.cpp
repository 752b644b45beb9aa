#include "store/mysql_pool.h"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <chrono>
#include <random>
#include <thread>

#include "config/log.h"
#include "store/errors.h"
#include "store/statement_cache.h"

namespace repairbot::store {
namespace {

// How long a failed connect answers for the next callers (the circuit-breaker window).
constexpr std::chrono::milliseconds kUnreachableHold{250};

sql::mysql::MySQL_Driver& driver() {
    // The driver's first use is not thread-safe; a function-local static serialises it.
    static sql::mysql::MySQL_Driver* instance = sql::mysql::get_mysql_driver_instance();
    return *instance;
}

int whole_seconds(std::chrono::milliseconds ms) {
    return static_cast<int>(std::max<std::chrono::milliseconds::rep>(1, (ms.count() + 999) / 1000));
}

// Every connection dies here, so its cached statements go first.
void destroy(std::unique_ptr<sql::Connection>& c) noexcept {
    if (!c) return;
    StatementCache::forget(*c);
    try {
        c.reset();
    } catch (...) {
        (void)c.release();  // closing a dead link failed; nothing better to do
    }
}

void reset_session(sql::Connection& c) {
    // A unit of work that threw may have left a transaction open.
    if (!c.getAutoCommit()) {
        c.rollback();
        c.setAutoCommit(true);
    }
}

}  // namespace

bool is_unreachable_mysql_error(int e) noexcept {
    switch (e) {
        case 2002:  // can't connect through socket
        case 2003:  // can't connect to server
        case 2005:  // unknown host
        case 2006:  // server has gone away
        case 2013:  // lost connection during query
        case 2055:  // lost connection at reading initial packet
        case 1927:  // connection was killed
        case 1053:  // server shutdown in progress
            return true;
        default:
            return false;
    }
}

bool is_transient_mysql_error(int e) noexcept {
    return e == 1213 || e == 1205 || e == 2006 || e == 2013 || e == 2055 || e == 1927 || e == 1053;
}

MysqlPool::MysqlPool(boost::asio::thread_pool& blocking, config::MysqlSettings settings)
    : blocking_(blocking), settings_(std::move(settings)) {
    if (settings_.pool_size == 0)
        throw std::invalid_argument("MysqlSettings::pool_size must be > 0");
}

MysqlPool::~MysqlPool() {
    for (auto& c : idle_) destroy(c);
}

std::unique_ptr<sql::Connection> MysqlPool::connect() {
    sql::ConnectOptionsMap opts;
    opts["hostName"] = sql::SQLString(settings_.host);
    opts["port"] = static_cast<int>(settings_.port);
    opts["userName"] = sql::SQLString(settings_.user);
    opts["password"] = sql::SQLString(settings_.password);
    opts["schema"] = sql::SQLString(settings_.database);
    opts["OPT_CONNECT_TIMEOUT"] = whole_seconds(settings_.connect_timeout);
    opts["OPT_READ_TIMEOUT"] = whole_seconds(settings_.read_timeout);
    opts["OPT_WRITE_TIMEOUT"] = whole_seconds(settings_.read_timeout);
    opts["OPT_RECONNECT"] = false;  // a silent reconnect would lose session state mid-transaction
    opts["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
    // SqlBatch sends a unit of work's statements in one round trip. Every value the store sends
    // is a bound parameter or a SqlBatch hex literal, never spliced text, so allowing several
    // statements per query opens no injection path — and SQL text must never be built from
    // input anywhere in the store, or it would (stacked statements).
    opts["CLIENT_MULTI_STATEMENTS"] = true;
    std::unique_ptr<sql::Connection> c(driver().connect(opts));
    std::unique_ptr<sql::Statement> st(c->createStatement());
    // Times are stored in UTC; names and descriptions carry Chinese and emoji. Strict mode
    // whatever the server's default (MariaDB's own default, pinned): a value too long or of the
    // wrong type is an error, never silently cut or zeroed — a multi-row INSERT would otherwise
    // turn a bad row into a warning and store it mangled.
    st->execute(
        "SET time_zone = '+00:00', NAMES utf8mb4 COLLATE utf8mb4_unicode_ci, "
        "SESSION sql_mode = '" + std::string(kSqlMode) + "', "
        "SESSION innodb_lock_wait_timeout = " +
        std::to_string(std::max<long long>(1, settings_.lock_wait_timeout.count())));
    return c;
}

std::unique_ptr<sql::Connection> MysqlPool::acquire() {
    const auto deadline = std::chrono::steady_clock::now() + settings_.acquire_timeout;
    std::unique_lock lock(mu_);
    for (;;) {
        if (!idle_.empty()) {
            auto c = std::move(idle_.back());
            idle_.pop_back();
            return c;
        }
        if (open_ < settings_.pool_size) {
            // Right after a failed connect, fail at once instead of making every caller wait
            // out connect_timeout against a server that is not there.
            if (std::chrono::steady_clock::now() < unreachable_until_) {
                throw ServiceUnavailable("mysql", "unreachable a moment ago: " + last_connect_error_);
            }
            ++open_;
            lock.unlock();
            try {
                return connect();
            } catch (const sql::SQLException& e) {
                const std::string why = "connect to " + settings_.host + ":" +
                                        std::to_string(settings_.port) + " failed (" +
                                        std::to_string(e.getErrorCode()) + "): " + e.what();
                {
                    std::lock_guard again(mu_);
                    unreachable_until_ = std::chrono::steady_clock::now() + kUnreachableHold;
                    last_connect_error_ = why;
                }
                forget();
                throw ServiceUnavailable("mysql", why);
            } catch (...) {
                forget();
                throw;
            }
        }
        ++waiting_;
        const auto waited = freed_.wait_until(lock, deadline);
        --waiting_;
        if (waited == std::cv_status::timeout && idle_.empty() && open_ >= settings_.pool_size) {
            throw ServiceUnavailable("mysql", "no free connection within acquire_timeout");
        }
    }
}

void MysqlPool::release(std::unique_ptr<sql::Connection> conn) {
    {
        std::lock_guard lock(mu_);
        idle_.push_back(std::move(conn));
    }
    freed_.notify_one();
}

void MysqlPool::forget() {
    {
        std::lock_guard lock(mu_);
        --open_;
    }
    freed_.notify_one();
}

MysqlPool::Usage MysqlPool::usage() {
    std::lock_guard lock(mu_);
    return {settings_.pool_size, open_, open_ - static_cast<unsigned>(idle_.size()), waiting_};
}

void MysqlPool::drop_idle() {
    std::vector<std::unique_ptr<sql::Connection>> dead;
    {
        std::lock_guard lock(mu_);
        dead.swap(idle_);
        open_ -= static_cast<unsigned>(dead.size());
    }
    freed_.notify_all();
    for (auto& c : dead) destroy(c);
}

void MysqlPool::with_connection(const std::function<void(sql::Connection&)>& work) {
    thread_local std::minstd_rand jitter{std::random_device{}()};
    auto backoff = settings_.retry_backoff;
    for (unsigned attempt = 1;; ++attempt) {
        auto conn = acquire();
        int code = 0;
        std::string what;
        try {
            work(*conn);
            reset_session(*conn);
            release(std::move(conn));
            return;
        } catch (const sql::SQLException& e) {
            code = e.getErrorCode();
            what = e.what();
            bool reusable = !is_unreachable_mysql_error(code);
            if (reusable) {
                try {
                    reset_session(*conn);
                } catch (...) {
                    reusable = false;
                }
            }
            if (reusable) {
                release(std::move(conn));
            } else {
                destroy(conn);
                forget();
                // The server probably restarted: every idle connection is dead too.
                drop_idle();
            }
            if (!is_transient_mysql_error(code)) throw;
        } catch (...) {
            try {
                reset_session(*conn);
                release(std::move(conn));
            } catch (...) {
                destroy(conn);
                forget();
            }
            throw;
        }
        if (attempt >= settings_.max_attempts) {
            if (is_unreachable_mysql_error(code)) {
                throw ServiceUnavailable("mysql",
                                         "lost connection (" + std::to_string(code) + "): " + what);
            }
            log::warn("store.mysql", "retries_exhausted", {{"errno", code}, {"attempts", attempt}});
            throw sql::SQLException(what, "40001", code);
        }
        log::debug("store.mysql", "retry", {{"errno", code}, {"attempt", attempt}});
        std::uniform_int_distribution<long long> spread(0, backoff.count());
        std::this_thread::sleep_for(backoff + std::chrono::milliseconds(spread(jitter)));
        backoff *= 2;
    }
}

Status MysqlPool::ping_sync() {
    try {
        run_sync([](sql::Connection& c) {
            std::unique_ptr<sql::Statement> st(c.createStatement());
            std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SELECT 1"));
            rs->next();
        });
        return Ok{};
    } catch (const ServiceUnavailable& e) {
        return Error{StoreErrc::mysql_unavailable, e.what()};
    } catch (const std::exception& e) {
        return Error{StoreErrc::mysql_unavailable, e.what()};
    }
}

boost::asio::awaitable<Status> MysqlPool::ping() {
    try {
        co_await run([](sql::Connection& c) {
            std::unique_ptr<sql::Statement> st(c.createStatement());
            std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SELECT 1"));
            rs->next();
        });
        co_return Ok{};
    } catch (const std::exception& e) {
        co_return Error{StoreErrc::mysql_unavailable, e.what()};
    }
}

}  // namespace repairbot::store
