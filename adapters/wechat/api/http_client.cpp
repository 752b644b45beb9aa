#include "adapters/wechat/api/http_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <optional>
#include <stdexcept>

#include "config/log.h"

namespace repairbot::wechat::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct HttpClient::Connection {
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
    beast::flat_buffer buffer;
    Clock::time_point idle_since{};
    bool reused = false;

    beast::tcp_stream& tcp() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
};

namespace {

Error failure(ApiErrc code, std::string_view step, const beast::error_code& ec) {
    return Error{code, std::string(step) + ": " + ec.message()};
}

bool is_timeout(const beast::error_code& ec) {
    return ec == beast::error::timeout || ec == asio::error::timed_out;
}

// A connection the server closed while it sat idle fails like this on first use.
bool is_stale(const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::ssl::error::stream_truncated;
}

template <class Stream>
asio::awaitable<beast::error_code> write_request(Stream& stream, http::request<http::string_body>& req) {
    beast::error_code ec;
    co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    co_return ec;
}

// Reads the header, refuses a declared length over the limit before reading any body (the
// parser's own limit did not stop a Content-Length body here in tests), then reads the body.
template <class Stream>
asio::awaitable<beast::error_code> read_response(Stream& stream, beast::flat_buffer& buffer,
                                                 http::response_parser<http::string_body>& parser,
                                                 std::size_t limit) {
    beast::error_code ec;
    co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec;
    if (const auto length = parser.content_length(); length && *length > limit) co_return http::error::body_limit;
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec && parser.get().body().size() > limit) ec = http::error::body_limit;
    co_return ec;
}

}  // namespace

HttpClient::HttpClient(Endpoint endpoint, HttpClientOptions options)
    : endpoint_(std::move(endpoint)), options_(options), ssl_(asio::ssl::context::tls_client) {
    const bool default_port = endpoint_.port == (endpoint_.tls ? 443 : 80);
    const std::string host = endpoint_.host.find(':') != std::string::npos ? "[" + endpoint_.host + "]" : endpoint_.host;
    host_header_ = default_port ? host : host + ":" + std::to_string(endpoint_.port);
    if (SSL_CTX_set_min_proto_version(ssl_.native_handle(), TLS1_2_VERSION) != 1) {
        throw std::runtime_error("TLS: cannot require TLS 1.2");
    }
    beast::error_code ec;
    ssl_.set_default_verify_paths(ec);
    if (ec) throw std::runtime_error("TLS: cannot load the system trust store: " + ec.message());
    ssl_.set_verify_mode(asio::ssl::verify_peer);
}

HttpClient::~HttpClient() = default;

std::unique_ptr<HttpClient::Connection> HttpClient::take_idle() {
    std::lock_guard lock(idle_mutex_);
    const auto now = Clock::now();
    while (!idle_.empty()) {
        std::unique_ptr<Connection> conn = std::move(idle_.back());
        idle_.pop_back();
        if (now - conn->idle_since < options_.idle_timeout) {
            conn->reused = true;
            return conn;
        }
    }
    return nullptr;
}

void HttpClient::give_back(std::unique_ptr<Connection> conn) {
    conn->idle_since = Clock::now();
    std::lock_guard lock(idle_mutex_);
    if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(conn));
}

asio::awaitable<Result<std::unique_ptr<HttpClient::Connection>>> HttpClient::connect() {
    const auto ex = co_await asio::this_coro::executor;
    beast::error_code ec;

    // The resolver has no deadline of its own: a timer cancels it. Both live in shared state the
    // timer's handler keeps alive, so a late expiry never touches a destroyed resolver.
    struct Resolve {
        explicit Resolve(const asio::any_io_executor& e) : resolver(e), timer(e) {}
        tcp::resolver resolver;
        asio::steady_timer timer;
        std::atomic<bool> expired{false};
    };
    auto resolve = std::make_shared<Resolve>(ex);
    resolve->timer.expires_after(options_.connect_timeout);
    resolve->timer.async_wait([resolve](const beast::error_code& e) {
        if (e) return;
        resolve->expired = true;
        resolve->resolver.cancel();
    });
    const auto results = co_await resolve->resolver.async_resolve(
        endpoint_.host, std::to_string(endpoint_.port), asio::redirect_error(asio::use_awaitable, ec));
    resolve->timer.cancel();
    if (resolve->expired) co_return Error{ApiErrc::timeout, "resolve " + endpoint_.host};
    if (ec) co_return failure(ApiErrc::connect_failed, "resolve " + endpoint_.host, ec);

    auto conn = std::make_unique<Connection>();
    if (endpoint_.tls) {
        conn->secure.emplace(ex, ssl_);
    } else {
        conn->plain.emplace(ex);
    }
    beast::tcp_stream& tcp = conn->tcp();
    tcp.expires_after(options_.connect_timeout);
    co_await tcp.async_connect(results, asio::redirect_error(asio::use_awaitable, ec));
    if (is_timeout(ec)) co_return Error{ApiErrc::timeout, "connect " + endpoint_.host};
    if (ec) co_return failure(ApiErrc::connect_failed, "connect " + endpoint_.host, ec);

    if (conn->secure) {
        SSL* ssl = conn->secure->native_handle();
        // SNI, and the name the certificate must carry (checked by OpenSSL during verification).
        if (SSL_set_tlsext_host_name(ssl, endpoint_.host.c_str()) != 1 || SSL_set1_host(ssl, endpoint_.host.c_str()) != 1) {
            co_return Error{ApiErrc::tls_failed, "cannot set the TLS host name"};
        }
        tcp.expires_after(options_.connect_timeout);
        co_await conn->secure->async_handshake(asio::ssl::stream_base::client,
                                               asio::redirect_error(asio::use_awaitable, ec));
        if (is_timeout(ec)) co_return Error{ApiErrc::timeout, "TLS handshake " + endpoint_.host};
        if (ec) {
            std::string detail = "TLS handshake " + endpoint_.host + ": " + ec.message();
            if (const long verify = SSL_get_verify_result(ssl); verify != X509_V_OK) {
                detail += " (certificate: " + std::string(X509_verify_cert_error_string(verify)) + ")";
            }
            co_return Error{ApiErrc::tls_failed, std::move(detail)};
        }
    }
    co_return conn;
}

asio::awaitable<Result<HttpResponse>> HttpClient::send(HttpRequest request) {
    http::request<http::string_body> req{request.method, endpoint_.path_prefix + request.target, 11};
    req.set(http::field::host, host_header_);
    req.set(http::field::user_agent, "repairbot/" REPAIRBOT_VERSION);
    req.set(http::field::accept, "*/*");
    req.keep_alive(true);
    if (request.method != http::verb::get) {
        req.set(http::field::content_type, request.content_type);
        req.body() = std::move(request.body);
    }
    req.prepare_payload();
    const auto started = Clock::now();

    // A reused connection may have been closed by the server meanwhile: then one fresh try.
    for (int attempt = 0;; ++attempt) {
        std::unique_ptr<Connection> conn = attempt == 0 ? take_idle() : nullptr;
        if (!conn) {
            auto fresh = co_await connect();
            if (!fresh) {
                log::warn("wechat.api", "http_connect_failed",
                          {{"target", redact_target(request.target)}, {"error", fresh.error().message()}});
                co_return fresh.error();
            }
            conn = std::move(fresh).value();
        }
        http::response_parser<http::string_body> parser;
        parser.body_limit(request.body_limit);
        parser.header_limit(16 * 1024);
        conn->tcp().expires_after(options_.request_timeout);
        beast::error_code ec;
        if (conn->secure) {
            ec = co_await write_request(*conn->secure, req);
        } else {
            ec = co_await write_request(*conn->plain, req);
        }
        const bool write_failed = static_cast<bool>(ec);
        if (!ec && conn->secure) {
            ec = co_await read_response(*conn->secure, conn->buffer, parser, request.body_limit);
        } else if (!ec) {
            ec = co_await read_response(*conn->plain, conn->buffer, parser, request.body_limit);
        }
        if (ec && conn->reused && !parser.got_some() && is_stale(ec) && attempt == 0) continue;
        if (ec) {
            const ApiErrc code = is_timeout(ec) ? ApiErrc::timeout
                               : ec == http::error::body_limit ? ApiErrc::body_too_large
                                                               : ApiErrc::transport;
            log::warn("wechat.api", "http_failed",
                      {{"target", redact_target(request.target)}, {"error", ec.message()},
                       {"ms", std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()}});
            co_return failure(code, write_failed ? "write" : "read", ec);
        }
        auto& res = parser.get();
        HttpResponse out;
        out.status = res.result_int();
        out.content_type = std::string(res[http::field::content_type]);
        out.content_disposition = std::string(res[http::field::content_disposition]);
        const bool keep = res.keep_alive();
        out.body = std::move(res.body());
        if (keep) {
            conn->tcp().expires_never();
            give_back(std::move(conn));
        }
        log::debug("wechat.api", "http_done",
                   {{"target", redact_target(request.target)}, {"status", out.status},
                    {"bytes", out.body.size()},
                    {"ms", std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()}});
        co_return out;
    }
}

}  // namespace repairbot::wechat::api
