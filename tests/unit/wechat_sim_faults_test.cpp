// The simulator's faults, what tests of the bot's retries stand on: queued per path and met in
// order, an HTTP 5xx from the gateway (no JSON), errcodes -1 and 45009, an answer held longer
// than a caller waits (without holding up other calls), all controllable over /sim/fail, and
// every call recorded with its status, delay and arrival time.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <nlohmann/json.hpp>

#include "adapters/wechat/sim/api_server.h"

namespace repairbot::wechat::sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using namespace std::chrono_literals;

constexpr const char* kSend = "/cgi-bin/message/template/send";
const std::string kTemplate = R"({"touser":"oUser","template_id":"TPL","data":{}})";

std::string token_of(ApiServer& s) {
    auto r = s.handle("GET", "/cgi-bin/token?grant_type=client_credential&appid=wxappid&secret=s3cret", "");
    return nlohmann::json::parse(r.body)["access_token"];
}

struct Answer {
    int status = 0;
    std::string body;
    std::chrono::steady_clock::duration took{};
};

Answer call(std::uint16_t port, http::verb verb, const std::string& target, const std::string& body = {}) {
    const auto start = std::chrono::steady_clock::now();
    asio::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.body() = body;
    req.prepare_payload();
    http::write(socket, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    return {static_cast<int>(res.result_int()), res.body(), std::chrono::steady_clock::now() - start};
}

TEST(WechatSimFaults, FaultsOfAPathAreMetInTheOrderQueuedThenTheEndpointAnswers) {
    ApiServer s(ApiServerOptions{"wxappid", "s3cret"});
    const std::string q = "?access_token=" + token_of(s);
    s.fail_next(kSend, Fault{Fault::Kind::http_status, 503, {}});
    s.fail_next(kSend, -1);
    s.fail_next(kSend, 45009);
    s.fail_next(kSend, Fault{Fault::Kind::slow, -1, 250ms});

    const ApiResponse gateway = s.handle("POST", kSend + q, kTemplate);
    EXPECT_EQ(gateway.status, 503);
    EXPECT_EQ(gateway.content_type, "text/html");
    EXPECT_NE(gateway.body.find("503 Service Unavailable"), std::string::npos);
    EXPECT_TRUE(nlohmann::json::parse(gateway.body, nullptr, false).is_discarded()) << "a gateway page is not JSON";

    const ApiResponse busy = s.handle("POST", kSend + q, kTemplate);
    EXPECT_EQ(busy.status, 200);
    EXPECT_EQ(nlohmann::json::parse(busy.body)["errcode"], -1);
    EXPECT_EQ(nlohmann::json::parse(busy.body)["errmsg"], "system error");
    EXPECT_EQ(nlohmann::json::parse(s.handle("POST", kSend + q, kTemplate).body)["errcode"], 45009);

    const ApiResponse slow = s.handle("POST", kSend + q, kTemplate);
    EXPECT_EQ(slow.delay, 250ms);
    EXPECT_EQ(nlohmann::json::parse(slow.body)["errcode"], -1) << "a slow answer does not deliver";

    const ApiResponse ok = s.handle("POST", kSend + q, kTemplate);
    EXPECT_EQ(ok.delay, 0ms);
    EXPECT_EQ(nlohmann::json::parse(ok.body)["errcode"], 0);

    const auto calls = s.calls(kSend);
    ASSERT_EQ(calls.size(), 5u);
    EXPECT_EQ(calls[0].http_status, 503);
    EXPECT_EQ(calls[0].errcode, -1);
    EXPECT_EQ(calls[1].http_status, 200);
    EXPECT_EQ(calls[1].errcode, -1);
    EXPECT_EQ(calls[2].errcode, 45009);
    EXPECT_EQ(calls[3].delay, 250ms);
    EXPECT_EQ(calls[4].errcode, 0);
    EXPECT_EQ(calls[4].http_status, 200);
    for (std::size_t i = 1; i < calls.size(); ++i) EXPECT_LE(calls[i - 1].received_at, calls[i].received_at);
}

TEST(WechatSimFaults, SimFailQueuesEachKindOverHttpAndASlowAnswerHoldsOnlyItsOwnCall) {
    ApiServer s(ApiServerOptions{"wxappid", "s3cret"});
    auto port = s.start();
    ASSERT_TRUE(port.ok()) << port.error().message();
    const std::string q = "?access_token=" + token_of(s);
    const std::string path = std::string("/sim/fail?path=") + kSend;
    EXPECT_EQ(call(*port, http::verb::post, path + "&http_status=502").status, 200);
    EXPECT_EQ(call(*port, http::verb::post, path + "&errcode=45009&times=2").status, 200);
    EXPECT_EQ(call(*port, http::verb::post, path + "&delay_ms=1000").status, 200);
    EXPECT_EQ(call(*port, http::verb::post, path + "&http_status=200").status, 400);
    EXPECT_EQ(call(*port, http::verb::post, path + "&delay_ms=0").status, 400);
    EXPECT_EQ(call(*port, http::verb::post, path).status, 400);

    EXPECT_EQ(call(*port, http::verb::post, kSend + q, kTemplate).status, 502);
    EXPECT_EQ(nlohmann::json::parse(call(*port, http::verb::post, kSend + q, kTemplate).body)["errcode"], 45009);
    EXPECT_EQ(nlohmann::json::parse(call(*port, http::verb::post, kSend + q, kTemplate).body)["errcode"], 45009);

    // The slow one is held 1 s; a token call made meanwhile is answered at once.
    Answer slow;
    std::thread held([&] { slow = call(*port, http::verb::post, kSend + q, kTemplate); });
    std::this_thread::sleep_for(100ms);
    const Answer quick = call(*port, http::verb::get, "/cgi-bin/token?grant_type=client_credential&appid=wxappid&secret=s3cret");
    held.join();
    EXPECT_EQ(quick.status, 200);
    EXPECT_LT(quick.took, 500ms);
    EXPECT_GE(slow.took, 1000ms);
    EXPECT_EQ(nlohmann::json::parse(slow.body)["errcode"], -1);
    EXPECT_EQ(nlohmann::json::parse(call(*port, http::verb::post, kSend + q, kTemplate).body)["errcode"], 0);

    const auto listed = nlohmann::json::parse(call(*port, http::verb::get, "/sim/calls").body);
    std::vector<nlohmann::json> sends;
    for (const auto& c : listed)
        if (c["path"] == kSend) sends.push_back(c);
    ASSERT_EQ(sends.size(), 5u);
    EXPECT_EQ(sends[0]["http_status"], 502);
    EXPECT_EQ(sends[1]["errcode"], 45009);
    EXPECT_EQ(sends[3]["delay_ms"], 1000);
    EXPECT_EQ(sends[4]["errcode"], 0);
    EXPECT_EQ(sends[4]["delay_ms"], 0);
    EXPECT_GT(sends[0]["at_ms"].get<long long>(), 1'600'000'000'000LL);
    EXPECT_LE(sends[0]["at_ms"].get<long long>(), sends[4]["at_ms"].get<long long>());
    s.stop();
}

TEST(WechatSimFaults, ALateAnswerIsHeldThenDeliversAsUsualWithItsMsgid) {
    ApiServer s(ApiServerOptions{"wxappid", "s3cret"});
    const std::string q = "?access_token=" + token_of(s);
    s.fail_next(kSend, Fault{Fault::Kind::late, 0, 300ms});

    const ApiResponse late = s.handle("POST", kSend + q, kTemplate);
    EXPECT_EQ(late.delay, 300ms);
    const auto body = nlohmann::json::parse(late.body);
    EXPECT_EQ(body["errcode"], 0) << "a late answer still delivers";
    EXPECT_TRUE(body["msgid"].is_number_integer());
    const ApiResponse next = s.handle("POST", kSend + q, kTemplate);
    EXPECT_EQ(next.delay, 0ms) << "a late fault holds one call";

    const auto calls = s.calls(kSend);
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].errcode, 0);
    EXPECT_EQ(calls[0].delay, 300ms);
    EXPECT_NE(nlohmann::json::parse(next.body)["msgid"], body["msgid"]);

    // Over HTTP: late_ms queues it; late_ms=0 is refused.
    auto port = s.start();
    ASSERT_TRUE(port.ok()) << port.error().message();
    const std::string path = std::string("/sim/fail?path=") + kSend;
    EXPECT_EQ(call(*port, http::verb::post, path + "&late_ms=0").status, 400);
    EXPECT_EQ(call(*port, http::verb::post, path + "&late_ms=400").status, 200);
    const Answer held = call(*port, http::verb::post, kSend + q, kTemplate);
    EXPECT_GE(held.took, 400ms);
    EXPECT_EQ(nlohmann::json::parse(held.body)["errcode"], 0);
    s.stop();
}

}  // namespace
}  // namespace repairbot::wechat::sim
