// Test support: a MariaDB and a Redis of the test's own, on free loopback ports under a temp
// dir, that a test may stop and start under a running bot (the shared servers on 13306/16379
// are never touched). The MariaDB data dir is made once per test binary (mariadb-install-db)
// and shared by every PrivateMariaDb of the process, each with its own database, so stop()
// and start() only stop and start mariadbd. Blocking; for tests only; not thread-safe (gtest
// runs the tests of one binary one after the other).
#pragma once

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

#include "config/loader.h"
#include "store/mysql_pool.h"
#include "tests/e2e/bot_process.h"

#include <boost/asio/thread_pool.hpp>

namespace repairbot::testing::services {

namespace fs = std::filesystem;

// This process's scratch dir, /tmp/repairbot-e2e-services-PID, removed at exit.
inline const fs::path& scratch_dir() {
    struct Dir {
        fs::path path = fs::temp_directory_path() / ("repairbot-e2e-services-" + std::to_string(::getpid()));
        Dir() {
            fs::remove_all(path);
            fs::create_directories(path);
        }
        ~Dir() {
            std::error_code ignored;
            fs::remove_all(path, ignored);
        }
    };
    static Dir dir;
    return dir.path;
}

inline bool port_answers(int port) {
    int fd = connect_loopback(port);
    if (fd < 0) return false;
    ::close(fd);
    return true;
}

// A redis-server of the test's own. Without persistence (the default) a stop() loses every key,
// like a restart of a cache-only Redis; with it (appendonly, fsync always) a stop() and start()
// keep them, like a production Redis with AOF.
class PrivateRedis {
public:
    enum class Persistence { none, append_only };

    explicit PrivateRedis(const std::string& tag, Persistence persistence = Persistence::none)
        : port_(free_port()), persistence_(persistence), dir_(scratch_dir() / ("redis-" + tag)) {
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        start();
    }
    ~PrivateRedis() { stop(); }
    PrivateRedis(const PrivateRedis&) = delete;
    PrivateRedis& operator=(const PrivateRedis&) = delete;

    // Starts the server (same port, same dir); returns when it accepts connections.
    void start() {
        if (process_) return;
        std::vector<std::string> argv{"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                      "--dir", dir_.string(), "--daemonize", "no", "--save", ""};
        if (persistence_ == Persistence::append_only) {
            argv.insert(argv.end(), {"--appendonly", "yes", "--appendfsync", "always"});
        } else {
            argv.insert(argv.end(), {"--appendonly", "no"});
        }
        process_ = std::make_unique<Process>(argv, std::map<std::string, std::string>{},
                                             (dir_ / "redis.log").string());
        EXPECT_TRUE(eventually([&] { return port_answers(port_); }, std::chrono::seconds(10)))
            << "private redis-server did not start; see " << (dir_ / "redis.log");
    }
    // Stops the server (SIGTERM: it writes what it persists and exits) and waits for the exit.
    void stop() {
        if (!process_) return;
        process_->signal(SIGTERM);
        if (process_->wait(std::chrono::seconds(10)) == -1) process_->signal(SIGKILL);
        process_->wait();
        process_.reset();
    }
    [[nodiscard]] bool running() const { return process_ != nullptr; }
    [[nodiscard]] int port() const { return port_; }
    [[nodiscard]] std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

    // Runs redis-cli with `args` against this server; its output, trimmed.
    [[nodiscard]] std::string cli(std::vector<std::string> args) const {
        args.insert(args.begin(), {"redis-cli", "-h", "127.0.0.1", "-p", std::to_string(port_)});
        Process p(args, {}, (dir_ / "cli.out").string());
        p.wait(std::chrono::seconds(10));
        auto out = p.output();
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
        return out;
    }

private:
    int port_;
    Persistence persistence_;
    fs::path dir_;
    std::unique_ptr<Process> process_;
};

// The process's one private mariadbd: installed on first use, then stopped and started by the
// PrivateMariaDb handles. Its grant tables are skipped, so any user and password connect.
class MariaDbServer {
public:
    static MariaDbServer& instance() {
        static MariaDbServer server;
        return server;
    }
    ~MariaDbServer() { stop(); }

    [[nodiscard]] int port() const { return port_; }
    [[nodiscard]] bool running() const { return process_ != nullptr; }
    [[nodiscard]] const fs::path& dir() const { return dir_; }

    // Installs the data dir the first time; starts mariadbd; returns when it takes connections.
    void start() {
        if (process_) return;
        if (!installed_) {
            const std::string cmd = "mariadb-install-db --no-defaults --user=$(id -un) --datadir=" +
                                    (dir_ / "data").string() +
                                    " --auth-root-authentication-method=socket --skip-test-db > " +
                                    (dir_ / "install.log").string() + " 2>&1";
            ASSERT_EQ(std::system(cmd.c_str()), 0) << "mariadb-install-db failed; see " << (dir_ / "install.log");
            installed_ = true;
        }
        const char* user = std::getenv("USER");
        process_ = std::make_unique<Process>(
            std::vector<std::string>{
                "mariadbd", "--no-defaults", std::string("--user=") + (user && *user ? user : "root"),
                "--datadir=" + (dir_ / "data").string(), "--bind-address=127.0.0.1",
                "--port=" + std::to_string(port_), "--socket=" + (dir_ / "mysqld.sock").string(),
                "--pid-file=" + (dir_ / "mysqld.pid").string(), "--log-error=" + (dir_ / "error.log").string(),
                "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
                "--skip-name-resolve", "--skip-grant-tables", "--innodb-buffer-pool-size=32M",
                "--innodb-log-file-size=16M", "--innodb-flush-log-at-trx-commit=2"},
            std::map<std::string, std::string>{}, (dir_ / "stdout.log").string());
        ASSERT_TRUE(eventually([&] { return port_answers(port_); }, std::chrono::seconds(60)))
            << "private mariadbd did not start; see " << (dir_ / "error.log");
    }
    // Stops mariadbd (SIGTERM: a clean shutdown, about 2 s) and waits for the exit.
    void stop() {
        if (!process_) return;
        process_->signal(SIGTERM);
        if (process_->wait(std::chrono::seconds(30)) == -1) process_->signal(SIGKILL);
        process_->wait();
        process_.reset();
    }

    // Runs one SQL statement with the mariadb client; true on success.
    bool execute(const std::string& sql) {
        Process p({"mariadb", "--no-defaults", "--protocol=tcp", "-h127.0.0.1", "-P" + std::to_string(port_),
                   "-urepairbot", "-e", sql},
                  {}, (dir_ / "client.log").string());
        return p.wait(std::chrono::seconds(30)) == 0;
    }

private:
    MariaDbServer() : port_(free_port()), dir_(scratch_dir() / "mariadb") {
        fs::create_directories(dir_);
    }

    int port_;
    fs::path dir_;
    bool installed_ = false;
    std::unique_ptr<Process> process_;
};

// One database of its own on the process's private mariadbd, migrated by the real binary
// (`repairbot migrate`). stop() and start() stop and start the whole server.
class PrivateMariaDb {
public:
    explicit PrivateMariaDb(const std::string& tag)
        : database_("rb_" + tag + "_" + std::to_string(::getpid())) {
        start();
        EXPECT_TRUE(server().execute("DROP DATABASE IF EXISTS " + database_ + "; CREATE DATABASE " + database_ +
                                     " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
            << "see " << (server().dir() / "client.log");
        auto env = bot_environment(free_port());
        env["REPAIRBOT_MYSQL_URL"] = url();
        auto [code, out] = run_bot_command({"migrate"}, env, "migrate-" + tag);
        EXPECT_EQ(code, 0) << out;
        migrated_ = code == 0;
    }
    // Leaves the server running for the next test, and drops this test's database.
    ~PrivateMariaDb() {
        start();
        server().execute("DROP DATABASE IF EXISTS " + database_);
    }
    PrivateMariaDb(const PrivateMariaDb&) = delete;
    PrivateMariaDb& operator=(const PrivateMariaDb&) = delete;

    void start() { server().start(); }
    void stop() { server().stop(); }
    [[nodiscard]] bool migrated() const { return migrated_; }
    [[nodiscard]] std::string url() const {
        return "mysql://repairbot:repairbot@127.0.0.1:" + std::to_string(server().port()) + "/" + database_;
    }

    // Runs `work(sql::Connection&)` against this database and returns its result. Blocking.
    template <class F>
    auto run(F work) const {
        auto env = bot_environment(0);
        env["REPAIRBOT_MYSQL_URL"] = url();
        auto settings = config::load("", env).settings;
        boost::asio::thread_pool pool(1);
        store::MysqlPool mysql(pool, settings.mysql);
        auto result = mysql.run_sync(std::move(work));
        pool.join();
        return result;
    }

private:
    static MariaDbServer& server() { return MariaDbServer::instance(); }

    std::string database_;
    bool migrated_ = false;
};

// The environment that points a bot (serve or a CLI command) at private servers.
inline std::map<std::string, std::string> private_env(const PrivateMariaDb& db, const PrivateRedis& redis) {
    return {{"REPAIRBOT_MYSQL_URL", db.url()}, {"REPAIRBOT_REDIS_URL", redis.url()}};
}

}  // namespace repairbot::testing::services
