#include "bot/http_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "config/log.h"

namespace repairbot::bot {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using boost::system::error_code;

struct HttpServer::Connection {
    explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    std::atomic<bool> busy{false};  // a request is being handled or answered
};

namespace {

bool is_normal_end(const error_code& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
           ec == asio::error::bad_descriptor || ec == beast::error::timeout ||
           ec == http::error::partial_message;
}

}  // namespace

HttpServer::HttpServer(asio::io_context& ioc, config::HttpSettings settings, const Router& router)
    : ioc_(ioc),
      settings_(std::move(settings)),
      router_(router),
      acceptor_(asio::make_strand(ioc)),
      slot_freed_(acceptor_.get_executor()),
      drained_(ioc) {}

void HttpServer::listen() {
    auto address = asio::ip::make_address(settings_.listen_host);
    tcp::endpoint ep{address, settings_.listen_port};
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    error_code ec;
    acceptor_.bind(ep, ec);
    if (ec)
        throw boost::system::system_error(
            ec, "cannot listen on " + settings_.listen_host + ":" +
                    std::to_string(settings_.listen_port) + " (REPAIRBOT_LISTEN)");
    acceptor_.listen(asio::socket_base::max_listen_connections);
}

tcp::endpoint HttpServer::local_endpoint() const { return acceptor_.local_endpoint(); }

void HttpServer::start() {
    asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
}

asio::awaitable<void> HttpServer::accept_loop() {
    while (!stopping_) {
        if (open_.load() >= settings_.max_connections) {
            // At the cap: leave new clients in the kernel backlog until a connection ends.
            slot_freed_.expires_after(std::chrono::seconds(1));
            error_code ignored;
            co_await slot_freed_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
            continue;
        }
        error_code ec;
        tcp::socket socket = co_await acceptor_.async_accept(
            asio::make_strand(ioc_), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            if (ec == asio::error::operation_aborted || stopping_) break;
            log::warn("http", "accept_failed", {{"error", ec.message()}});
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        auto conn = std::make_shared<Connection>(std::move(socket));
        {
            std::lock_guard lock(mutex_);
            connections_.emplace(conn.get(), conn);
        }
        ++open_;
        auto ex = conn->stream.get_executor();
        asio::co_spawn(ex, serve(std::move(conn)), asio::detached);
    }
}

void HttpServer::forget(Connection* conn) {
    {
        std::lock_guard lock(mutex_);
        connections_.erase(conn);
    }
    if (--open_ == 0 && stopping_) asio::post(drained_.get_executor(), [this] { drained_.cancel(); });
    asio::post(slot_freed_.get_executor(), [this] { slot_freed_.cancel(); });
}

asio::awaitable<void> HttpServer::serve(std::shared_ptr<Connection> conn) {
    beast::flat_buffer buffer;
    bool first = true;
    try {
        for (;;) {
            if (stopping_) break;
            // The first request must arrive within the request deadline; later ones within the
            // keep-alive idle time.
            conn->stream.expires_after(first ? settings_.request_timeout : settings_.idle_timeout);
            http::request_parser<http::string_body> parser;
            parser.body_limit(settings_.body_limit);
            parser.header_limit(16 * 1024);
            error_code ec;
            co_await http::async_read_header(conn->stream, buffer, parser,
                                             asio::redirect_error(asio::use_awaitable, ec));
            if (!ec) {
                conn->busy = true;
                conn->stream.expires_after(settings_.request_timeout);
                co_await http::async_read(conn->stream, buffer, parser,
                                          asio::redirect_error(asio::use_awaitable, ec));
            }
            if (ec == http::error::body_limit) {
                Request head;
                head.version(parser.get().version());
                head.keep_alive(false);
                auto res = make_response(head, http::status::payload_too_large,
                                         "request body too large\n");
                log::warn("http", "refused", {{"status", 413}, {"reason", "body_limit"},
                                              {"limit", settings_.body_limit}});
                co_await http::async_write(conn->stream, res,
                                           asio::redirect_error(asio::use_awaitable, ec));
                break;
            }
            if (ec == beast::error::timeout && (parser.got_some() || buffer.size() > 0)) {
                // Part of a request came and the rest did not in time: a slow or stalled client
                // (slow-loris). An idle keep-alive connection timing out is a normal end instead.
                log::warn("http", "refused",
                          {{"reason", "request_timeout"},
                           {"stage", parser.is_header_done() ? "body" : "header"},
                           {"timeout_ms", (first || parser.is_header_done() ? settings_.request_timeout
                                                                           : settings_.idle_timeout)
                                              .count()}});
                break;
            }
            if (ec) {
                if (!is_normal_end(ec) && ec != http::error::header_limit)
                    log::info("http", "read_failed", {{"error", ec.message()}});
                else if (ec == http::error::header_limit)
                    log::warn("http", "refused", {{"status", 431}, {"reason", "header_limit"}});
                break;
            }
            first = false;
            conn->busy = true;
            auto started = std::chrono::steady_clock::now();
            Request req = parser.release();
            std::string target(req.target());
            auto method = req.method();
            Response res = co_await router_.handle(std::move(req));
            if (stopping_) res.keep_alive(false);
            auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now() - started);
            auto status = res.result_int();
            if (metrics_)
                metrics_->observe_request(std::string(router_.route_of(target)),
                                          std::string(http::to_string(method)), static_cast<int>(status),
                                          std::chrono::duration<double>(elapsed).count());
            if (status >= 500)
                log::warn("http", "request", {{"method", std::string(http::to_string(method))},
                                              {"path", std::string(target_path(target))},
                                              {"status", status}, {"us", elapsed.count()}});
            else
                log::debug("http", "request", {{"method", std::string(http::to_string(method))},
                                               {"path", std::string(target_path(target))},
                                               {"status", status}, {"us", elapsed.count()}});
            conn->stream.expires_after(settings_.request_timeout);
            bool keep = res.keep_alive();
            co_await http::async_write(conn->stream, res, asio::redirect_error(asio::use_awaitable, ec));
            conn->busy = false;
            if (ec || !keep) break;
        }
    } catch (const std::exception& e) {
        log::error("http", "connection_failed", {{"error", e.what()}});
    }
    error_code ignored;
    conn->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    conn->stream.socket().close(ignored);
    forget(conn.get());
}

asio::awaitable<void> HttpServer::shutdown() {
    stopping_ = true;
    co_await asio::dispatch(acceptor_.get_executor(), asio::use_awaitable);
    error_code ignored;
    acceptor_.close(ignored);
    slot_freed_.cancel();

    std::vector<std::shared_ptr<Connection>> live;
    {
        std::lock_guard lock(mutex_);
        for (auto& [raw, weak] : connections_)
            if (auto c = weak.lock()) live.push_back(std::move(c));
    }
    // Idle keep-alive connections close now; busy ones finish their request first.
    for (auto& c : live) {
        if (c->busy) continue;
        asio::post(c->stream.get_executor(), [c] {
            if (!c->busy) c->stream.cancel();
        });
    }
    live.clear();
    auto deadline = std::chrono::steady_clock::now() + settings_.shutdown_grace;
    while (open_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
        drained_.expires_after(std::chrono::milliseconds(50));
        co_await drained_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    if (open_.load() > 0) {
        log::warn("http", "shutdown_forced", {{"connections", open_.load()}});
        std::lock_guard lock(mutex_);
        for (auto& [raw, weak] : connections_)
            if (auto c = weak.lock()) asio::post(c->stream.get_executor(), [c] { c->stream.cancel(); });
    }
    while (open_.load() > 0) {
        drained_.expires_after(std::chrono::milliseconds(20));
        co_await drained_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
}

}  // namespace repairbot::bot
