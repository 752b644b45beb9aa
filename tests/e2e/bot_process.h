// Test support: the real repairbot binary as a child process, configured through the environment
// the way an operator would, listening on a free loopback port.
#pragma once

#include "tests/support/process.h"

namespace repairbot::testing {

inline std::map<std::string, std::string> bot_environment(int port) {
    return {
        {"REPAIRBOT_LISTEN", "127.0.0.1:" + std::to_string(port)},
        {"REPAIRBOT_WECHAT_TOKEN", "e2etoken"},
        {"REPAIRBOT_WECHAT_APPID", "wxb11529c136998cb6"},
        {"REPAIRBOT_WECHAT_SECRET", "e2e-app-secret-DO-NOT-LOG"},
        {"REPAIRBOT_WECHAT_AES_KEY", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"},
        {"REPAIRBOT_ADMIN_TOKEN", "e2e-admin-token-DO-NOT-LOG"},
        {"REPAIRBOT_MYSQL_URL", test_mysql_url()},
        {"REPAIRBOT_REDIS_URL", test_redis_url()},
        {"REPAIRBOT_DATA_DIR", std::string(REPAIRBOT_SOURCE_DIR) + "/config"},
        {"REPAIRBOT_HTTP_SHUTDOWN_GRACE_MS", "3000"},
        // The e2e tests share one database whose earlier tests leave tickets nobody took: a bot
        // giving those to this test's technicians would fill their room. The waiting pass is
        // tested on its own (tests/integration/dispatch_by_hand_test.cpp).
        {"REPAIRBOT_DISPATCH_RETRY_SECONDS", "0"},
    };
}

// Runs `repairbot ARGS` to completion; returns {exit code, output}.
inline std::pair<int, std::string> run_bot_command(std::vector<std::string> args,
                                                   std::map<std::string, std::string> env,
                                                   const std::string& tag) {
    args.insert(args.begin(), REPAIRBOT_BINARY);
    Process p(std::move(args), std::move(env), "/tmp/repairbot-e2e-" + tag + ".log");
    int code = p.wait(std::chrono::seconds(60));
    return {code, p.output()};
}

class BotProcess {
public:
    explicit BotProcess(const std::string& tag, std::map<std::string, std::string> extra_env = {})
        : port_(free_port()) {
        auto env = bot_environment(port_);
        for (auto& [k, v] : extra_env) env[k] = v;
        process_ = std::make_unique<Process>(std::vector<std::string>{REPAIRBOT_BINARY, "serve"},
                                             env, "/tmp/repairbot-e2e-" + tag + ".log");
        started_ = eventually([&] { return http_request(port_, "GET", "/healthz").status == 200; },
                              std::chrono::seconds(30));
    }
    [[nodiscard]] bool started() const { return started_; }
    [[nodiscard]] int port() const { return port_; }
    Process& process() { return *process_; }
    [[nodiscard]] std::string output() const { return process_->output(); }

private:
    int port_;
    bool started_ = false;
    std::unique_ptr<Process> process_;
};

}  // namespace repairbot::testing
