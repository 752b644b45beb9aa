// The route table: exact and one-segment wildcard paths, 404 and 405, and exceptions from a
// handler answered once, generically.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "bot/router.h"
#include "config/errors.h"

namespace repairbot::bot {
namespace {

namespace asio = boost::asio;

Response run(const Router& router, http::verb verb, std::string target) {
    asio::io_context ioc;
    Request req{verb, target, 11};
    auto fut = asio::co_spawn(ioc, router.handle(std::move(req)), asio::use_future);
    ioc.run();
    return fut.get();
}

Handler answer(std::string body) {
    return [body](Request req) -> asio::awaitable<Response> {
        co_return make_response(req, http::status::ok, body);
    };
}

TEST(Router, ExactPathIgnoresQueryString) {
    Router r;
    r.add(http::verb::get, "/healthz", answer("ok"));
    auto res = run(r, http::verb::get, "/healthz?x=1");
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_EQ(res.body(), "ok");
}

TEST(Router, UnknownPathIs404) {
    Router r;
    r.add(http::verb::get, "/healthz", answer("ok"));
    EXPECT_EQ(run(r, http::verb::get, "/nope").result(), http::status::not_found);
}

TEST(Router, OtherMethodIs405WithAllow) {
    Router r;
    r.add(http::verb::get, "/wechat", answer("get"));
    r.add(http::verb::post, "/wechat", answer("post"));
    auto res = run(r, http::verb::delete_, "/wechat");
    EXPECT_EQ(res.result(), http::status::method_not_allowed);
    EXPECT_EQ(res[http::field::allow], "GET, POST");
    EXPECT_EQ(run(r, http::verb::post, "/wechat").body(), "post");
}

TEST(Router, WildcardMatchesExactlyOneSegment) {
    Router r;
    r.add(http::verb::get, "/api/tickets/*", answer("one"));
    EXPECT_EQ(run(r, http::verb::get, "/api/tickets/BX20261121-0007").body(), "one");
    EXPECT_EQ(run(r, http::verb::get, "/api/tickets/").result(), http::status::not_found);
    EXPECT_EQ(run(r, http::verb::get, "/api/tickets/a/b").result(), http::status::not_found);
    EXPECT_EQ(r.route_of("/api/tickets/BX1?x"), "/api/tickets/*");
    EXPECT_EQ(r.route_of("/other"), "unmatched");
}

TEST(Router, UnavailableDependencyIs503AndBugIs500WithoutDetails) {
    Router r;
    r.add(http::verb::get, "/down", [](Request) -> asio::awaitable<Response> {
        throw ServiceUnavailable("redis", "connection refused");
        co_return Response{};
    });
    r.add(http::verb::get, "/bug", [](Request) -> asio::awaitable<Response> {
        throw std::logic_error("secret internals");
        co_return Response{};
    });
    auto down = run(r, http::verb::get, "/down");
    EXPECT_EQ(down.result(), http::status::service_unavailable);
    auto bug = run(r, http::verb::get, "/bug");
    EXPECT_EQ(bug.result(), http::status::internal_server_error);
    EXPECT_EQ(bug.body().find("secret"), std::string::npos);
}

}  // namespace
}  // namespace repairbot::bot
