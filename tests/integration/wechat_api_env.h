// Test-only helpers for the WeChat API client's integration tests: the simulator's API server
// on a free loopback port, Redis settings with a key prefix of each test's own, ApiClient
// options pointing at a base URL, and a scripted HTTP server for answers the simulator never
// gives (500s, silence, slow bodies).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "adapters/wechat/api/api_client.h"
#include "adapters/wechat/sim/api_server.h"
#include "tests/integration/store_env.h"

namespace repairbot::wechat::api::testing {

inline constexpr const char* kAppid = "wx_api_test_appid";
inline constexpr const char* kSecret = "api-test-secret-0123456789";

// REPAIRBOT_REDIS_URL (default redis://127.0.0.1:16379/15), prefixed by pid and test name.
inline config::RedisSettings redis_settings() {
    const char* env = std::getenv("REPAIRBOT_REDIS_URL");
    auto s = store::testing::parse_redis_url(env && *env ? env : "redis://127.0.0.1:16379/15");
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    static std::atomic<int> counter{0};
    s.key_prefix = "rbtest:wechat-api:" + std::to_string(::getpid()) + ":" +
                   (info ? std::string(info->name()) : std::string("none")) + ":" + std::to_string(++counter) + ":";
    return s;
}

inline std::unique_ptr<sim::ApiServer> start_simulator() {
    auto server = std::make_unique<sim::ApiServer>(sim::ApiServerOptions{kAppid, kSecret});
    auto port = server->start();
    if (!port) throw std::runtime_error("simulator: " + port.error().message());
    return server;
}

inline ApiClientOptions client_options(const std::string& base_url) {
    auto endpoint = parse_endpoint(base_url);
    if (!endpoint) throw std::runtime_error(endpoint.error().message());
    ApiClientOptions o;
    o.endpoint = *endpoint;
    o.http.connect_timeout = std::chrono::milliseconds(1000);
    o.http.request_timeout = std::chrono::milliseconds(2000);
    o.token.appid = kAppid;
    o.token.secret = kSecret;
    return o;
}

// Answers every request with `status` and `body` after `delay` (or never, when `silent`),
// counting requests. Runs on its own thread.
class ScriptedServer {
public:
    struct Script {
        unsigned status = 200;
        std::string body = R"({"errcode":0,"errmsg":"ok"})";
        bool silent = false;  // accept and read, never answer
    };

    explicit ScriptedServer(Script script) : script_(std::move(script)) {
        namespace asio = boost::asio;
        acceptor_.open(asio::ip::tcp::v4());
        acceptor_.set_option(asio::socket_base::reuse_address(true));
        acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        accept();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~ScriptedServer() {
        io_.stop();
        thread_.join();
    }
    ScriptedServer(const ScriptedServer&) = delete;
    ScriptedServer& operator=(const ScriptedServer&) = delete;

    [[nodiscard]] std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    [[nodiscard]] int requests() const { return requests_.load(); }

private:
    struct Session {
        explicit Session(boost::asio::ip::tcp::socket s) : socket(std::move(s)) {}
        boost::asio::ip::tcp::socket socket;
        boost::beast::flat_buffer buffer;
        boost::beast::http::request<boost::beast::http::string_body> req;
        boost::beast::http::response<boost::beast::http::string_body> res;
    };

    void accept() {
        acceptor_.async_accept([this](boost::beast::error_code ec, boost::asio::ip::tcp::socket socket) {
            if (ec) return;
            read(std::make_shared<Session>(std::move(socket)));
            accept();
        });
    }

    void read(std::shared_ptr<Session> s) {
        boost::beast::http::async_read(s->socket, s->buffer, s->req, [this, s](boost::beast::error_code ec, std::size_t) {
            if (ec) return;
            ++requests_;
            if (script_.silent) {
                sessions_.push_back(s);  // keep the connection open, say nothing
                return;
            }
            s->res = {static_cast<boost::beast::http::status>(script_.status), 11};
            s->res.set(boost::beast::http::field::content_type, "application/json");
            s->res.body() = script_.body;
            s->res.keep_alive(false);
            s->res.prepare_payload();
            boost::beast::http::async_write(s->socket, s->res, [s](boost::beast::error_code, std::size_t) {
                boost::beast::error_code ignored;
                s->socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
            });
        });
    }

    Script script_;
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_{io_};
    std::uint16_t port_ = 0;
    std::atomic<int> requests_{0};
    std::vector<std::shared_ptr<Session>> sessions_;  // only touched on io_'s thread
    std::thread thread_;
};

}  // namespace repairbot::wechat::api::testing
