// Test support: start a child process (the real repairbot binary, a private redis-server) with
// an environment of our choosing, capture its output to a file, signal it, wait for it; find a
// free loopback port; wait for a TCP port or an HTTP status. Blocking; for tests only.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace repairbot::testing {

// A free TCP port on 127.0.0.1 (bound then released; good enough for tests).
inline int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    int port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

// A connected blocking socket to 127.0.0.1:port, or -1.
inline int connect_loopback(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

inline bool send_all(int fd, const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        auto n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

// Reads until the peer closes or the receive timeout passes.
inline std::string read_all(int fd) {
    std::string out;
    char buf[4096];
    for (;;) {
        auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

struct HttpReply {
    int status = 0;  // 0: no answer
    std::string head;
    std::string body;
};

// One HTTP/1.1 request with Connection: close.
inline HttpReply http_request(int port, const std::string& method, const std::string& target,
                              const std::string& body = {},
                              const std::map<std::string, std::string>& headers = {}) {
    HttpReply r;
    int fd = connect_loopback(port);
    if (fd < 0) return r;
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
    if (!body.empty() || method == "POST")
        req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    send_all(fd, req);
    std::string raw = read_all(fd);
    ::close(fd);
    auto split = raw.find("\r\n\r\n");
    if (raw.rfind("HTTP/1.1 ", 0) != 0 || split == std::string::npos) return r;
    r.status = std::atoi(raw.c_str() + 9);
    r.head = raw.substr(0, split);
    r.body = raw.substr(split + 4);
    return r;
}

// A child process with its stdout+stderr in a log file. Killed (SIGKILL) on destruction if
// still running.
class Process {
public:
    Process(std::vector<std::string> argv, std::map<std::string, std::string> env_overrides,
            std::string log_path)
        : log_path_(std::move(log_path)) {
        std::map<std::string, std::string> env;
        for (char** e = environ; e && *e; ++e) {
            std::string kv(*e);
            auto eq = kv.find('=');
            if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
        }
        for (auto& [k, v] : env_overrides) {
            if (v == "<unset>") env.erase(k);
            else env[k] = v;
        }
        std::vector<std::string> env_strings;
        for (auto& [k, v] : env) env_strings.push_back(k + "=" + v);
        std::vector<char*> envp, args;
        for (auto& s : env_strings) envp.push_back(s.data());
        envp.push_back(nullptr);
        for (auto& s : argv) args.push_back(s.data());
        args.push_back(nullptr);

        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        int rc = posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), envp.data());
        posix_spawn_file_actions_destroy(&fa);
        if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
    }
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;
    ~Process() {
        if (running()) {
            ::kill(pid_, SIGKILL);
            wait();
        }
    }

    [[nodiscard]] pid_t pid() const { return pid_; }
    void signal(int sig) const { ::kill(pid_, sig); }

    [[nodiscard]] bool running() {
        if (exited_) return false;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            exited_ = true;
            status_ = status;
            return false;
        }
        return true;
    }

    // Waits up to `timeout` for the exit; returns the exit code, 128+signal, or -1 on timeout.
    int wait(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
        auto until = std::chrono::steady_clock::now() + timeout;
        while (running()) {
            if (std::chrono::steady_clock::now() > until) return -1;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (WIFEXITED(status_)) return WEXITSTATUS(status_);
        if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
        return -1;
    }

    [[nodiscard]] std::string output() const {
        std::ifstream in(log_path_);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

private:
    std::string log_path_;
    pid_t pid_ = -1;
    bool exited_ = false;
    int status_ = 0;
};

// Polls until `ready()` is true or the timeout passes.
template <class F>
bool eventually(F ready, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
        if (ready()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return ready();
}

inline std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

// The MySQL and Redis the tests use: what scripts/test exported, else the local defaults.
inline std::string test_mysql_url() {
    return env_or("REPAIRBOT_MYSQL_URL", "mysql://repairbot:repairbot@127.0.0.1:13306/repairbot_test");
}
inline std::string test_redis_url() {
    return env_or("REPAIRBOT_REDIS_URL", "redis://127.0.0.1:16379/15");
}

// A private redis-server on a free port, for tests that stop and start Redis without touching
// the shared one.
class PrivateRedis {
public:
    explicit PrivateRedis(const std::string& tag) : port_(free_port()), tag_(tag) { start(); }
    void start() {
        process_ = std::make_unique<Process>(
            std::vector<std::string>{"redis-server", "--port", std::to_string(port_), "--bind",
                                     "127.0.0.1", "--save", "", "--appendonly", "no"},
            std::map<std::string, std::string>{}, "/tmp/repairbot-test-redis-" + tag_ + ".log");
        eventually([&] {
            int fd = connect_loopback(port_);
            if (fd < 0) return false;
            ::close(fd);
            return true;
        });
    }
    void stop() {
        if (process_) {
            process_->signal(SIGKILL);
            process_->wait();
            process_.reset();
        }
    }
    [[nodiscard]] int port() const { return port_; }
    [[nodiscard]] std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

private:
    int port_;
    std::string tag_;
    std::unique_ptr<Process> process_;
};

}  // namespace repairbot::testing
