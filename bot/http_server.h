// The HTTP/1.1 server: one acceptor, one coroutine per connection on its own strand (read with
// a deadline and a body limit, handle through the Router, write, loop on keep-alive), a cap on
// open connections, and a graceful shutdown. Runs on the io_context given to the constructor.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "bot/metrics.h"
#include "bot/router.h"
#include "config/settings.h"

namespace repairbot::bot {

class HttpServer {
public:
    HttpServer(boost::asio::io_context& ioc, config::HttpSettings settings, const Router& router);

    // Binds and listens. Throws boost::system::system_error when the address cannot be bound
    // (e.g. in use); the message names the address.
    void listen();
    [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const;

    // Starts accepting (after listen()). Returns at once.
    void start();
    // Counts every answered request in `metrics` (by route pattern, method, status, latency).
    // Call before start(); `metrics` must outlive the server.
    void set_metrics(Metrics* metrics) { metrics_ = metrics; }

    // Graceful stop: closes the acceptor, closes idle keep-alive connections, lets requests in
    // flight finish and answer (with Connection: close) for up to settings.shutdown_grace, then
    // closes whatever is left. Completes when no connection remains.
    boost::asio::awaitable<void> shutdown();

    [[nodiscard]] std::size_t open_connections() const { return open_.load(); }

private:
    struct Connection;
    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> serve(std::shared_ptr<Connection> conn);
    void forget(Connection* conn);

    boost::asio::io_context& ioc_;
    config::HttpSettings settings_;
    const Router& router_;
    Metrics* metrics_ = nullptr;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer slot_freed_;  // wakes the accept loop when under the cap again
    boost::asio::steady_timer drained_;     // wakes shutdown() when the last connection ends
    std::atomic<std::size_t> open_{0};
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;  // guards connections_; never held across co_await
    std::unordered_map<Connection*, std::weak_ptr<Connection>> connections_;
};

}  // namespace repairbot::bot
