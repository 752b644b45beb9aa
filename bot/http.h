// The HTTP vocabulary of bot/: request and response types, handlers, and small builders for
// the answers every route gives (text, JSON, errors). Handlers are coroutines taking the request
// by value (STYLE.md: parameters by value, never references across co_await).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <string>
#include <string_view>

namespace repairbot::bot {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using Handler = std::function<boost::asio::awaitable<Response>(Request)>;

// A response with the request's version and keep-alive, the given status, body and type.
[[nodiscard]] Response make_response(const Request& req, http::status status, std::string body,
                                     std::string_view content_type = "text/plain; charset=utf-8");
[[nodiscard]] Response json_response(const Request& req, http::status status, std::string json);

// The path of a request target without its query string: "/wechat?x=1" -> "/wechat".
[[nodiscard]] std::string_view target_path(std::string_view target);

// A query-string component decoded: "%E4%BD%A0" -> "你", '+' -> ' '. A malformed escape is kept
// as written. Pure.
[[nodiscard]] std::string percent_decode(std::string_view s);

}  // namespace repairbot::bot
