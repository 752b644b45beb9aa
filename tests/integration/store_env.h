// Test-only connection settings for the store's integration tests: REPAIRBOT_MYSQL_URL and
// REPAIRBOT_REDIS_URL when set, else the servers scripts/services starts; plus helpers to run
// a coroutine to completion and to start private servers on free ports.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "config/settings.h"

namespace repairbot::store::testing {

// mysql://user:pass@host:port/db
inline config::MysqlSettings parse_mysql_url(const std::string& url) {
    config::MysqlSettings s;
    const std::string scheme = "mysql://";
    if (url.rfind(scheme, 0) != 0) throw std::invalid_argument("not a mysql:// URL");
    std::string rest = url.substr(scheme.size());
    if (auto at = rest.rfind('@'); at != std::string::npos) {
        auto cred = rest.substr(0, at);
        rest = rest.substr(at + 1);
        auto colon = cred.find(':');
        s.user = cred.substr(0, colon);
        if (colon != std::string::npos) s.password = cred.substr(colon + 1);
    }
    auto slash = rest.find('/');
    auto hostport = rest.substr(0, slash);
    if (slash != std::string::npos) s.database = rest.substr(slash + 1);
    auto colon = hostport.rfind(':');
    s.host = hostport.substr(0, colon);
    if (colon != std::string::npos)
        s.port = static_cast<std::uint16_t>(std::stoi(hostport.substr(colon + 1)));
    return s;
}

// redis://[:password@]host:port/db
inline config::RedisSettings parse_redis_url(const std::string& url) {
    config::RedisSettings s;
    const std::string scheme = "redis://";
    if (url.rfind(scheme, 0) != 0) throw std::invalid_argument("not a redis:// URL");
    std::string rest = url.substr(scheme.size());
    if (auto at = rest.rfind('@'); at != std::string::npos) {
        auto cred = rest.substr(0, at);
        rest = rest.substr(at + 1);
        auto colon = cred.find(':');
        s.password = colon == std::string::npos ? cred : cred.substr(colon + 1);
    }
    auto slash = rest.find('/');
    auto hostport = rest.substr(0, slash);
    if (slash != std::string::npos && slash + 1 < rest.size())
        s.db = std::stoi(rest.substr(slash + 1));
    auto colon = hostport.rfind(':');
    s.host = hostport.substr(0, colon);
    if (colon != std::string::npos)
        s.port = static_cast<std::uint16_t>(std::stoi(hostport.substr(colon + 1)));
    return s;
}

inline config::MysqlSettings mysql_settings() {
    const char* env = std::getenv("REPAIRBOT_MYSQL_URL");
    return parse_mysql_url(
        env && *env ? env : "mysql://repairbot:repairbot@127.0.0.1:13306/repairbot_test");
}

// A key prefix of its own per test run, so runs never see each other's keys.
inline config::RedisSettings redis_settings() {
    const char* env = std::getenv("REPAIRBOT_REDIS_URL");
    auto s = parse_redis_url(env && *env ? env : "redis://127.0.0.1:16379/0");
    static const std::string run = [] {
        std::random_device rd;
        return "rbtest:" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 100000) + ":";
    }();
    s.key_prefix = run;
    return s;
}

// co_spawn of awaitable<T> needs a default-constructible T in Boost 1.74; Result<T> is not.
template <class T>
boost::asio::awaitable<void> store_into(boost::asio::awaitable<T> task, std::optional<T>& out) {
    out.emplace(co_await std::move(task));
}

// Runs `task` on `io` until it finishes (a live Redis connection keeps the context busy, so
// the context is stopped then); rethrows the task's exception.
template <class T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
    std::optional<T> out;
    std::exception_ptr error;
    boost::asio::co_spawn(io, store_into(std::move(task), out), [&](std::exception_ptr e) {
        error = e;
        io.stop();
    });
    io.restart();
    io.run();
    if (error) std::rethrow_exception(error);
    return std::move(*out);
}

inline void run(boost::asio::io_context& io, boost::asio::awaitable<void> task) {
    std::exception_ptr error;
    boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e) {
        error = e;
        io.stop();
    });
    io.restart();
    io.run();
    if (error) std::rethrow_exception(error);
}

// Lets closed connections finish tearing down (close() is asynchronous).
inline void drain(boost::asio::io_context& io) {
    io.restart();
    io.run_for(std::chrono::milliseconds(200));
}

inline std::uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

inline bool port_open(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

// A child process started with execvp; killed (SIGTERM, then SIGKILL) by stop() or the destructor.
class Child {
  public:
    explicit Child(std::vector<std::string> argv, const std::string& log_path = "/dev/null") {
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            ::setpgid(0, 0);
            if (FILE* f = std::freopen(log_path.c_str(), "a", stdout)) (void)f;
            if (FILE* f = std::freopen(log_path.c_str(), "a", stderr)) (void)f;
            std::vector<char*> args;
            for (auto& a : argv) args.push_back(a.data());
            args.push_back(nullptr);
            ::execvp(args[0], args.data());
            std::_Exit(127);
        }
    }
    ~Child() { stop(); }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    void stop(int sig = SIGTERM) {
        if (pid_ <= 0) return;
        ::kill(pid_, sig);
        for (int i = 0; i < 200; ++i) {
            if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
                pid_ = -1;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

  private:
    pid_t pid_ = -1;
};

inline bool wait_for_port(std::uint16_t port, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (port_open(port)) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

}  // namespace repairbot::store::testing
