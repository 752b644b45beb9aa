#include "adapters/wechat/sim/webhook_client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "adapters/wechat/errors.h"
#include "adapters/wechat/sim/platform_xml.h"

namespace repairbot::wechat::sim {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

std::int64_t system_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

asio::awaitable<void> run_into(WebhookClient* client, SignedWebhook request,
                               std::optional<Result<Delivery>>* out) {
    out->emplace(co_await client->post(std::move(request)));
}

}  // namespace

WebhookClient::WebhookClient(ClientOptions options, WebhookSigner signer, std::string host,
                             std::string port, std::string path)
    : options_(std::move(options)),
      signer_(std::move(signer)),
      host_(std::move(host)),
      port_(std::move(port)),
      path_(std::move(path)) {}

WebhookClient::WebhookClient(WebhookClient&& other) noexcept
    : options_(std::move(other.options_)),
      signer_(std::move(other.signer_)),
      host_(std::move(other.host_)),
      port_(std::move(other.port_)),
      path_(std::move(other.path_)),
      next_msg_id_(other.next_msg_id_.load()) {}

Result<WebhookClient> WebhookClient::create(ClientOptions options, WebhookSigner signer) {
    std::string_view url = options.url;
    constexpr std::string_view scheme = "http://";
    if (!url.starts_with(scheme)) return Error{Errc::missing_parameter, "url must be http://"};
    url.remove_prefix(scheme.size());
    const std::size_t slash = url.find('/');
    const std::string_view authority = url.substr(0, slash);
    std::string path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
    const std::size_t colon = authority.rfind(':');
    std::string host(authority.substr(0, colon));
    std::string port = colon == std::string_view::npos ? "80" : std::string(authority.substr(colon + 1));
    if (host.empty() || port.empty()) return Error{Errc::missing_parameter, "url host or port"};
    return WebhookClient(std::move(options), std::move(signer), std::move(host), std::move(port),
                         std::move(path));
}

std::int64_t WebhookClient::now() const { return options_.fixed_timestamp.value_or(system_now()); }

InboundMessage WebhookClient::stamp(InboundMessage message) {
    if (message.create_time == 0) message.create_time = now();
    if (message.msg_id == 0 && !is_event(message)) {
        // WeChat's MsgIds are 64-bit and grow with time; unique per simulator instance.
        message.msg_id = (static_cast<std::uint64_t>(message.create_time) << 20) +
                         (++next_msg_id_ & 0xfffff);
    }
    return message;
}

asio::awaitable<Result<Delivery>> WebhookClient::deliver(InboundMessage message) {
    message = stamp(std::move(message));
    co_return co_await post(signer_.sign_message(path_, message, options_.mode, now()));
}

asio::awaitable<Attempt> WebhookClient::attempt(SignedWebhook request) {
    const auto started = std::chrono::steady_clock::now();
    Attempt result;
    const auto finish = [&](beast::error_code ec) {
        result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        if (ec == beast::error::timeout) result.error = "timeout";
        else if (ec) result.error = ec.message();
        return result;
    };
    const auto executor = co_await asio::this_coro::executor;
    beast::error_code ec;
    tcp::resolver resolver(executor);
    const auto endpoints =
        co_await resolver.async_resolve(host_, port_, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return finish(ec);
    beast::tcp_stream stream(executor);
    stream.expires_after(options_.answer_timeout);  // one deadline for connect, write and read
    co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return finish(ec);
    http::request<http::string_body> req{
        request.method == "GET" ? http::verb::get : http::verb::post, request.target, 11};
    req.set(http::field::host, host_ + ":" + port_);
    req.set(http::field::user_agent, "Mozilla/4.0");  // what WeChat's servers send
    req.set(http::field::accept, "*/*");
    if (req.method() == http::verb::post) req.set(http::field::content_type, "text/xml");
    req.body() = request.body;
    req.prepare_payload();
    co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return finish(ec);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1024 * 1024);
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return finish(ec);
    result.status = static_cast<int>(parser.get().result_int());
    result.body = std::move(parser.get().body());
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return finish({});
}

asio::awaitable<Result<Delivery>> WebhookClient::post(SignedWebhook request) {
    Delivery delivery;
    delivery.request = request;
    for (int i = 0; i <= options_.resends; ++i) {
        delivery.attempts.push_back(co_await attempt(request));
        if (delivery.attempts.back().status != 0) break;
    }
    const Attempt& last = delivery.attempts.back();
    if (last.status == 0) {
        co_return Error{std::make_error_code(std::errc::timed_out),
                        std::to_string(delivery.attempts.size()) + " attempts, last: " + last.error};
    }
    delivery.status = last.status;
    delivery.body = last.body;
    if (delivery.status != 200) co_return delivery;
    const Mode mode = request.target.find("encrypt_type=aes") != std::string::npos
                          ? options_.mode == Mode::compatible ? Mode::compatible : Mode::safe
                          : Mode::plain;
    auto xml = signer_.reply_xml(mode, delivery.body);
    if (!xml) co_return xml.error();
    delivery.reply_xml = std::move(xml).value();
    auto reply = parse_reply_xml(delivery.reply_xml);
    if (!reply) co_return reply.error();
    delivery.reply = std::move(reply).value();
    co_return delivery;
}

Result<Delivery> WebhookClient::post_blocking(SignedWebhook request) {
    asio::io_context ioc;
    std::optional<Result<Delivery>> out;
    asio::co_spawn(ioc, run_into(this, std::move(request), &out), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    ioc.run();
    return std::move(*out);
}

Result<Delivery> WebhookClient::deliver_blocking(InboundMessage message) {
    message = stamp(std::move(message));
    return post_blocking(signer_.sign_message(path_, message, options_.mode, now()));
}

}  // namespace repairbot::wechat::sim
