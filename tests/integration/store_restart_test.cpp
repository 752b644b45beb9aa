// Redis and MariaDB restarted under a running client: calls fail fast while the server is
// down and succeed after it is back, with no restart of this process. The servers here are
// private instances on free ports under a temp dir, never the shared ones.
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/statement.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <filesystem>
#include <fstream>

#include "store/errors.h"
#include "store/migrations.h"
#include "store/mysql_pool.h"
#include "store/redis.h"
#include "store/session_store.h"
#include "store/ticket_repository.h"
#include "tests/integration/store_env.h"

namespace repairbot::store {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::filesystem::path temp_dir(const std::string& what) {
    auto dir = std::filesystem::temp_directory_path() /
               ("repairbot-" + what + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

std::unique_ptr<testing::Child> start_redis(std::uint16_t port, const std::filesystem::path& dir) {
    auto child = std::make_unique<testing::Child>(
        std::vector<std::string>{"redis-server", "--port", std::to_string(port), "--bind",
                                 "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize",
                                 "no", "--dir", dir.string()},
        (dir / "redis.log").string());
    EXPECT_TRUE(testing::wait_for_port(port, 10s)) << "private redis did not start";
    return child;
}

// Polls `op` (a ping) until it succeeds or `limit` passes; returns how long it took.
template <class Op>
Clock::duration until_ok(Op op, Clock::duration limit) {
    const auto start = Clock::now();
    while (Clock::now() - start < limit) {
        if (op()) break;
        std::this_thread::sleep_for(50ms);
    }
    return Clock::now() - start;
}

TEST(StoreRestart, RedisDownFailsFastThenRecoversWithoutRestartingTheClient) {
    const auto dir = temp_dir("redis");
    const auto port = testing::free_port();
    auto server = start_redis(port, dir);

    auto settings = testing::redis_settings();
    settings.port = port;
    settings.db = 0;
    boost::asio::io_context io;
    Redis redis(io.get_executor(), settings);
    SessionStore sessions(redis, 60s);
    ASSERT_TRUE(testing::run(io, redis.ping()));
    ASSERT_TRUE(testing::run(io, sessions.save("o-restart", 0, "before")));

    server->stop(SIGKILL);
    for (int i = 0; i < 5; ++i) {
        const auto start = Clock::now();
        auto status = testing::run(io, redis.ping());
        EXPECT_FALSE(status);
        EXPECT_EQ(status.code(), StoreErrc::redis_unavailable);
        EXPECT_LT(Clock::now() - start, 300ms) << "call " << i << " did not fail fast";
        EXPECT_THROW(testing::run(io, sessions.load("o-restart")), ServiceUnavailable);
    }
    EXPECT_FALSE(redis.connected());

    server = start_redis(port, dir);
    const auto took = until_ok([&] { return bool(testing::run(io, redis.ping())); }, 10s);
    EXPECT_LT(took, 5s);
    EXPECT_TRUE(redis.connected());
    // A fresh server (no persistence): the session is gone, and saving works again.
    auto s = testing::run(io, sessions.load("o-restart"));
    EXPECT_EQ(s.version, 0u);
    EXPECT_TRUE(testing::run(io, sessions.save("o-restart", 0, "after")));

    redis.close();
    testing::drain(io);
    server.reset();
    std::filesystem::remove_all(dir);
}

struct PrivateMariadb {
    std::filesystem::path dir;
    std::uint16_t port = 0;
    std::unique_ptr<testing::Child> server;

    void install() {
        dir = temp_dir("mariadb");
        port = testing::free_port();
        const std::string cmd = "mariadb-install-db --no-defaults --user=$(id -un) --datadir=" +
                                (dir / "data").string() +
                                " --auth-root-authentication-method=socket --skip-test-db > " +
                                (dir / "install.log").string() + " 2>&1";
        ASSERT_EQ(std::system(cmd.c_str()), 0) << "see " << (dir / "install.log");
    }

    void start() {
        const char* user = std::getenv("USER");
        server = std::make_unique<testing::Child>(
            std::vector<std::string>{
                "mariadbd", "--no-defaults", std::string("--user=") + (user ? user : "root"),
                "--datadir=" + (dir / "data").string(), "--bind-address=127.0.0.1",
                "--port=" + std::to_string(port), "--socket=" + (dir / "mysqld.sock").string(),
                "--pid-file=" + (dir / "mysqld.pid").string(),
                "--log-error=" + (dir / "error.log").string(), "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_unicode_ci", "--skip-name-resolve",
                "--skip-grant-tables", "--innodb-buffer-pool-size=32M",
                "--innodb-log-file-size=16M", "--innodb-flush-log-at-trx-commit=2"},
            (dir / "stdout.log").string());
        ASSERT_TRUE(testing::wait_for_port(port, 60s))
            << "private mariadbd did not start; see " << (dir / "error.log");
    }

    ~PrivateMariadb() {
        server.reset();
        if (!dir.empty()) std::filesystem::remove_all(dir);
    }
};

NewTicket restart_ticket(const std::string& key) {
    NewTicket n;
    n.ticket.idempotency_key = key;
    n.ticket.owner_openid = "o-restart";
    n.ticket.fault_type = "电";
    n.ticket.urgency = "emergency";
    n.ticket.description = "停电";
    n.ticket.created_at =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    n.first_event = NewEvent{"o-restart", "owner", "created", "{}"};
    return n;
}

TEST(StoreRestart, MariadbDownFailsFastThenRecoversWithoutRestartingTheClient) {
    PrivateMariadb db;
    ASSERT_NO_FATAL_FAILURE(db.install());
    ASSERT_NO_FATAL_FAILURE(db.start());

    auto settings = testing::mysql_settings();
    settings.port = db.port;
    settings.user = "repairbot";
    settings.password = "";
    settings.database = "";
    settings.pool_size = 4;
    boost::asio::io_context io;  // destroyed after blocking's threads are joined
    boost::asio::thread_pool blocking(4);
    {
        MysqlPool admin(blocking, settings);
        admin.run_sync([](sql::Connection& c) {
            std::unique_ptr<sql::Statement> st(c.createStatement());
            st->execute(
                "CREATE DATABASE IF NOT EXISTS rbrestart CHARACTER SET utf8mb4 COLLATE "
                "utf8mb4_unicode_ci");
        });
    }
    settings.database = "rbrestart";
    auto applied = migrate(settings);
    ASSERT_TRUE(applied) << applied.error().message();

    MysqlPool pool(blocking, settings);
    ASSERT_TRUE(testing::run(io, pool.ping()));
    auto first = pool.run_sync(
        [](sql::Connection& c) { return TicketRepository::create(c, restart_ticket("k1")); });
    ASSERT_TRUE(first);

    db.server->stop(SIGKILL);
    for (int i = 0; i < 5; ++i) {
        const auto start = Clock::now();
        auto status = testing::run(io, pool.ping());
        EXPECT_EQ(status.code(), StoreErrc::mysql_unavailable);
        EXPECT_THROW(pool.run_sync([](sql::Connection& c) {
            return TicketRepository::create(c, restart_ticket("k2"));
        }),
                     ServiceUnavailable);
        EXPECT_LT(Clock::now() - start, 1s) << "call " << i << " did not fail fast";
    }

    ASSERT_NO_FATAL_FAILURE(db.start());
    const auto took = until_ok([&] { return bool(testing::run(io, pool.ping())); }, 30s);
    EXPECT_LT(took, 20s);
    auto second = pool.run_sync(
        [](sql::Connection& c) { return TicketRepository::create(c, restart_ticket("k2")); });
    ASSERT_TRUE(second);
    EXPECT_TRUE(second->created);
    EXPECT_NE(second->ticket.number, first->ticket.number);
    auto again = pool.run_sync(
        [](sql::Connection& c) { return TicketRepository::find_by_number(c, "nope"); });
    EXPECT_EQ(again.code(), StoreErrc::not_found);
    blocking.join();
}

}  // namespace
}  // namespace repairbot::store
