// The MySQL side of the store against the real MariaDB: pool, ping, migrations.
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <cppconn/exception.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <thread>

#include "store/errors.h"
#include "store/migrations.h"
#include "store/mysql_pool.h"
#include "tests/integration/store_env.h"

namespace repairbot::store {
namespace {

TEST(StoreMysql, MigrationsAppliedTwiceAreIdempotent) {
    const auto settings = testing::mysql_settings();
    auto first = migrate(settings);
    ASSERT_TRUE(first) << first.error().message();
    auto second = migrate(settings);
    ASSERT_TRUE(second) << second.error().message();
    EXPECT_TRUE(second->empty());

    boost::asio::thread_pool blocking(1);
    MysqlPool pool(blocking, settings);
    const auto count = pool.run_sync([](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet> rs(
            st->executeQuery("SELECT COUNT(*) FROM schema_migrations"));
        rs->next();
        return rs->getInt(1);
    });
    EXPECT_EQ(static_cast<std::size_t>(count), embedded_migrations().size());
}

TEST(StoreMysql, PingSucceedsOnTheRunningServer) {
    // Declared first, destroyed last: the pool's threads are joined before it goes.
    boost::asio::io_context io;
    boost::asio::thread_pool blocking(2);
    MysqlPool pool(blocking, testing::mysql_settings());
    auto status = testing::run(io, pool.ping());
    EXPECT_TRUE(status) << status.error().message();
    EXPECT_TRUE(pool.ping_sync());
}

TEST(StoreMysql, PingOnAClosedPortIsAnErrorValueNotAnException) {
    auto settings = testing::mysql_settings();
    settings.port = testing::free_port();
    // Declared first, destroyed last: the pool's threads are joined before it goes.
    boost::asio::io_context io;
    boost::asio::thread_pool blocking(1);
    MysqlPool pool(blocking, settings);
    const auto start = std::chrono::steady_clock::now();
    auto status = testing::run(io, pool.ping());
    ASSERT_FALSE(status);
    EXPECT_EQ(status.code(), StoreErrc::mysql_unavailable);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    EXPECT_THROW(pool.run_sync([](sql::Connection&) {}), ServiceUnavailable);
}

void exec(sql::Connection& c, const std::string& q) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    st->execute(q);
}

// Locks row `first`, waits until the other worker holds its first row too (first try only),
// then row `second`, in one transaction: a guaranteed deadlock.
boost::asio::awaitable<void> lock_both(MysqlPool& pool, int first, int second,
                                       std::atomic<int>& attempts, std::atomic<int>& holding,
                                       std::atomic<int>& done) {
    auto work = [first, second, &attempts, &holding, tries = 0](sql::Connection& c) mutable {
        ++attempts;
        c.setAutoCommit(false);
        exec(c, "UPDATE store_test_deadlock SET n = n + 1 WHERE id = " + std::to_string(first));
        if (tries++ == 0) {
            ++holding;
            const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            while (holding.load() < 2 && std::chrono::steady_clock::now() < end) {
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        }
        exec(c, "UPDATE store_test_deadlock SET n = n + 1 WHERE id = " + std::to_string(second));
        c.commit();
    };
    co_await pool.run(std::move(work));
    ++done;
}

TEST(StoreMysql, ADeadlockedUnitOfWorkIsRolledBackAndRunAgain) {
    // Declared first, destroyed last: the pool's threads are joined before it goes.
    boost::asio::io_context io;
    boost::asio::thread_pool blocking(2);
    MysqlPool pool(blocking, testing::mysql_settings());
    pool.run_sync([](sql::Connection& c) {
        exec(c,
             "CREATE TABLE IF NOT EXISTS store_test_deadlock (id INT PRIMARY KEY, n INT NOT NULL) "
             "ENGINE=InnoDB");
        exec(c, "REPLACE INTO store_test_deadlock VALUES (1, 0), (2, 0)");
    });
    std::atomic<int> attempts{0}, holding{0}, done{0};
    boost::asio::co_spawn(io, lock_both(pool, 1, 2, attempts, holding, done),
                          boost::asio::detached);
    boost::asio::co_spawn(io, lock_both(pool, 2, 1, attempts, holding, done),
                          boost::asio::detached);
    io.run();
    EXPECT_EQ(done.load(), 2);
    EXPECT_EQ(attempts.load(), 3);  // the deadlock victim ran twice
    const auto total = pool.run_sync([](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet> rs(
            st->executeQuery("SELECT SUM(n) FROM store_test_deadlock"));
        rs->next();
        return rs->getInt(1);
    });
    EXPECT_EQ(total, 4);  // both transactions, each once
    pool.run_sync([](sql::Connection& c) { exec(c, "DROP TABLE store_test_deadlock"); });
    blocking.join();
}

TEST(StoreMysql, ANonTransientErrorSurfacesAndTheConnectionIsReusable) {
    boost::asio::thread_pool blocking(1);
    auto settings = testing::mysql_settings();
    settings.pool_size = 1;
    MysqlPool pool(blocking, settings);
    EXPECT_THROW(pool.run_sync([](sql::Connection& c) {
        c.setAutoCommit(false);
        exec(c, "SELECT * FROM no_such_table_here");
    }),
                 sql::SQLException);
    const bool autocommit = pool.run_sync([](sql::Connection& c) { return c.getAutoCommit(); });
    EXPECT_TRUE(autocommit);
    blocking.join();
}

// The pool pins strict mode on its connections (kSqlMode), whatever the server's default: a value
// too long for its column fails the statement instead of being stored cut. The dialog bounds
// what it accepts to fit; this is what makes a mistake there loud instead of silent.
TEST(StoreMysql, PooledConnectionsAreStrictWhateverTheServerDefault) {
    boost::asio::thread_pool blocking(1);
    auto settings = testing::mysql_settings();
    settings.pool_size = 1;
    MysqlPool pool(blocking, settings);
    const std::string mode = pool.run_sync([](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SELECT @@SESSION.sql_mode"));
        return rs->next() ? std::string(rs->getString(1)) : std::string();
    });
    EXPECT_EQ(mode, kSqlMode);
    int error = 0;
    try {
        pool.run_sync([](sql::Connection& c) {
            exec(c, "CREATE TEMPORARY TABLE strict_probe (v VARCHAR(4) NOT NULL)");
            exec(c, "INSERT INTO strict_probe (v) VALUES ('12345'), ('1')");
        });
    } catch (const sql::SQLException& e) {
        error = e.getErrorCode();
    }
    EXPECT_EQ(error, 1406) << "Data too long, not a warning and a cut value";
    blocking.join();
}

}  // namespace
}  // namespace repairbot::store
