// A small HTTP/1.1 client for one API host: TLS with certificate and host-name verification
// against the system trust store (plain HTTP only to a loopback simulator), a deadline on every
// step, a body limit per call, and reuse of idle keep-alive connections.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/wechat/api/endpoint.h"
#include "adapters/wechat/api/errors.h"
#include "config/errors.h"

namespace repairbot::wechat::api {

struct HttpClientOptions {
    std::chrono::milliseconds connect_timeout{5000};   // each of resolve, connect, TLS handshake
    std::chrono::milliseconds request_timeout{10000};  // writing the request + reading the response
    std::size_t max_idle_connections = 4;              // kept open for reuse
    std::chrono::milliseconds idle_timeout{20000};     // an idle connection older than this is closed
};

struct HttpRequest {
    boost::beast::http::verb method = boost::beast::http::verb::get;
    std::string target;  // path and query ("/cgi-bin/token?..."); the endpoint's prefix goes first
    std::string body;    // sent with content_type when method is not GET
    std::string content_type = "application/json; charset=utf-8";
    std::size_t body_limit = 2 * 1024 * 1024;  // bytes of response body accepted
};

struct HttpResponse {
    unsigned status = 0;
    std::string content_type;
    std::string content_disposition;
    std::string body;
};

class HttpClient {
public:
    // Nothing connects yet. Throws std::runtime_error only if OpenSSL cannot create a TLS
    // context or load the system trust store (a broken installation, found at start).
    explicit HttpClient(Endpoint endpoint, HttpClientOptions options = {});
    // Closes idle connections. Must run before the execution context the calls ran on is destroyed.
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Sends `request` and reads the whole response, whatever its HTTP status (the caller judges
    // 4xx/5xx). Runs on the caller's executor (sockets are created on it); any number of calls may
    // run at once, each on its own connection. An idle connection that turns out closed by the
    // server is replaced once, transparently. Never throws for network trouble; fails with
    // ApiErrc::timeout, connect_failed, tls_failed, transport or body_too_large (detail: the
    // step and the system message, never the query).
    boost::asio::awaitable<Result<HttpResponse>> send(HttpRequest request);

    [[nodiscard]] const Endpoint& endpoint() const { return endpoint_; }

    struct Connection;  // a TCP or TLS stream with its read buffer (http_client.cpp)

private:
    boost::asio::awaitable<Result<std::unique_ptr<Connection>>> connect();
    std::unique_ptr<Connection> take_idle();
    void give_back(std::unique_ptr<Connection> conn);

    Endpoint endpoint_;
    HttpClientOptions options_;
    std::string host_header_;
    boost::asio::ssl::context ssl_;
    std::mutex idle_mutex_;  // guards idle_ only; never held across co_await
    std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace repairbot::wechat::api
