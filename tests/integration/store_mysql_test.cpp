// The MySQL side of the store against the real MariaDB: pool, ping, migrations.
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

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
        std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SELECT COUNT(*) FROM schema_migrations"));
        rs->next();
        return rs->getInt(1);
    });
    EXPECT_EQ(static_cast<std::size_t>(count), embedded_migrations().size());
}

TEST(StoreMysql, PingSucceedsOnTheRunningServer) {
    boost::asio::thread_pool blocking(2);
    MysqlPool pool(blocking, testing::mysql_settings());
    boost::asio::io_context io;
    auto status = testing::run(io, pool.ping());
    EXPECT_TRUE(status) << status.error().message();
    EXPECT_TRUE(pool.ping_sync());
}

TEST(StoreMysql, PingOnAClosedPortIsAnErrorValueNotAnException) {
    auto settings = testing::mysql_settings();
    settings.port = testing::free_port();
    boost::asio::thread_pool blocking(1);
    MysqlPool pool(blocking, settings);
    boost::asio::io_context io;
    const auto start = std::chrono::steady_clock::now();
    auto status = testing::run(io, pool.ping());
    ASSERT_FALSE(status);
    EXPECT_EQ(status.code(), StoreErrc::mysql_unavailable);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    EXPECT_THROW(pool.run_sync([](sql::Connection&) {}), ServiceUnavailable);
}

}  // namespace
}  // namespace repairbot::store
