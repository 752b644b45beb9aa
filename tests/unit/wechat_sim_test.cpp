// The simulator against the adapter: what it builds the webhook verifies in every mode, what
// the webhook answers it verifies, WeChat's resends over real HTTP, and the API endpoints.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <thread>

#include "adapters/wechat/errors.h"
#include "adapters/wechat/sim/api_server.h"
#include "adapters/wechat/sim/platform_xml.h"
#include "adapters/wechat/sim/webhook_client.h"
#include "adapters/wechat/sim/webhook_signer.h"
#include "adapters/wechat/webhook.h"
#include "tests/unit/wechat_fixtures.h"

namespace repairbot::wechat::sim {
namespace {

using namespace repairbot::wechat::testing;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

constexpr std::int64_t kNow = 1700000000;

std::vector<std::pair<std::string, InboundBody>> every_body() {
    return {
        {"text", TextMessage{"厨房漏水 ]]> <b>&amp;"}},
        {"image", ImageMessage{"http://mmbiz.qpic.cn/x", "media_1"}},
        {"voice", VoiceMessage{"media_2", "amr", "我家水管坏了"}},
        {"video", VideoMessage{"media_3", "thumb_3", false}},
        {"shortvideo", VideoMessage{"media_4", "thumb_4", true}},
        {"location", LocationMessage{23.134521, 113.358803, 20, "幸福小区3号楼"}},
        {"link", LinkMessage{"title", "desc", "https://example.com/?a=1&b=2"}},
        {"subscribe", SubscribeEvent{}},
        {"subscribe_qr", SubscribeEvent{"building7", "ticket7"}},
        {"unsubscribe", UnsubscribeEvent{}},
        {"scan", ScanEvent{"building8", "ticket8"}},
        {"location_event", LocationEvent{23.137466, 113.352425, 119.38504}},
        {"click", ClickEvent{"REPORT_REPAIR"}},
        {"view", ViewEvent{"https://example.com/menu", "100"}},
        {"template_finished", TemplateSendJobFinishEvent{200163836, TemplateSendStatus::user_block, "failed:user block"}},
        {"unknown", UnknownMessage{"miniprogrampage", ""}},
    };
}

InboundMessage message_with(InboundBody body) {
    InboundMessage m;
    m.to_user = "gh_7f083739789a";
    m.from_user = "oia2TjuEGTNoeX76QEjQNrcURxG8";
    m.create_time = kNow;
    m.body = std::move(body);
    const bool event = is_event(m);
    m.msg_id = event ? 0 : 6200000000000000001u;
    if (auto* done = std::get_if<TemplateSendJobFinishEvent>(&m.body)) m.msg_id = done->msg_id;
    return m;
}

WebhookSigner signer(bool safe) {
    auto s = WebhookSigner::create(Account{std::string(kToken), std::string(kAppId),
                                           safe ? std::string(kAesKey) : std::string()},
                                   std::make_shared<FixedRandom>("0123456789abcdef"));
    EXPECT_TRUE(s.ok());
    return std::move(s).value();
}

Webhook bot_webhook(bool safe) { return Webhook::create(settings(safe)).value(); }

void expect_same(const InboundMessage& a, const InboundMessage& b) {
    EXPECT_EQ(a.to_user, b.to_user);
    EXPECT_EQ(a.from_user, b.from_user);
    EXPECT_EQ(a.create_time, b.create_time);
    EXPECT_EQ(a.msg_id, b.msg_id);
    EXPECT_EQ(kind_name(a), kind_name(b));
    EXPECT_EQ(inbound_message_xml(a), inbound_message_xml(b));  // every field, via the writer
}

class WechatSimRoundTrip : public ::testing::TestWithParam<Mode> {};

TEST_P(WechatSimRoundTrip, EveryMessageTheSimulatorSignsTheWebhookVerifiesAndParses) {
    const Mode mode = GetParam();
    const bool safe = mode != Mode::plain;
    const WebhookSigner platform = signer(safe);
    const Webhook bot = bot_webhook(safe);
    for (const auto& [name, body] : every_body()) {
        const InboundMessage sent = message_with(body);
        const SignedWebhook request = platform.sign_message("/wechat", sent, mode, kNow);
        auto query = parse_inbound_query(request.target);
        ASSERT_TRUE(query.ok()) << name;
        EXPECT_EQ(query->openid, sent.from_user);
        auto decoded = bot.decode(*query, request.body, at(kNow + 5));
        ASSERT_TRUE(decoded.ok()) << name << ": " << decoded.error().message();
        EXPECT_EQ(decoded->mode, mode) << name;
        expect_same(decoded->message, sent);
    }
}

TEST_P(WechatSimRoundTrip, EveryReplyTheWebhookEncodesTheSimulatorVerifies) {
    const Mode mode = GetParam();
    const bool safe = mode != Mode::plain;
    const WebhookSigner platform = signer(safe);
    const Webhook bot = bot_webhook(safe);
    const InboundMessage sent = message_with(TextMessage{"hi"});
    const SignedWebhook request = platform.sign_message("/wechat", sent, mode, kNow);
    auto decoded = bot.decode(*parse_inbound_query(request.target), request.body, at(kNow));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message();
    NewsReply news{{{"报修已受理", "工单 #42", "http://x/p.jpg", "http://x/t/42"}}};
    for (const Reply& reply : std::vector<Reply>{TextReply{"收到 ]]> 谢谢"}, ImageReply{"mid"}, news, NoReply{}}) {
        const std::string body = bot.encode_reply(*decoded, reply, at(kNow));
        EXPECT_EQ(body.find("<Encrypt>") != std::string::npos, safe && !std::holds_alternative<NoReply>(reply));
        auto opened = platform.open_reply(mode, body);
        ASSERT_TRUE(opened.ok()) << opened.error().message();
        EXPECT_EQ(opened->index(), reply.index());
        if (auto* text = std::get_if<TextReply>(&*opened)) {
            EXPECT_EQ(text->content, "收到 ]]> 谢谢");
        }
        if (auto* n = std::get_if<NewsReply>(&*opened)) {
            EXPECT_EQ(n->articles.at(0).url, "http://x/t/42");
        }
    }
}

INSTANTIATE_TEST_SUITE_P(AllModes, WechatSimRoundTrip,
                         ::testing::Values(Mode::plain, Mode::compatible, Mode::safe),
                         [](const auto& info) {
                             return info.param == Mode::plain ? "plain" : info.param == Mode::safe ? "safe" : "compatible";
                         });

TEST(WechatSimSigner, RefusesTamperedOrPlainRepliesInSafeMode) {
    const WebhookSigner platform = signer(true);
    const Webhook bot = bot_webhook(true);
    const SignedWebhook request = platform.sign_message("/wechat", message_with(TextMessage{"x"}), Mode::safe, kNow);
    auto decoded = bot.decode(*parse_inbound_query(request.target), request.body, at(kNow));
    ASSERT_TRUE(decoded.ok());
    std::string body = bot.encode_reply(*decoded, TextReply{"ok"}, at(kNow));
    const std::size_t sig = body.find("<MsgSignature><![CDATA[") + 23;
    body[sig] = body[sig] == 'a' ? 'b' : 'a';
    EXPECT_EQ(platform.open_reply(Mode::safe, body).code(), Errc::bad_msg_signature);
    const std::string plain = bot_webhook(false).encode_reply(*decoded, TextReply{"ok"}, at(kNow));
    EXPECT_EQ(platform.open_reply(Mode::safe, plain).code(), Errc::encryption_required);
    EXPECT_TRUE(platform.open_reply(Mode::compatible, plain).ok());
}

TEST(WechatSimSigner, SignsTheUrlCheckTheWebhookAccepts) {
    const SignedWebhook check = signer(false).sign_url_check("/wechat", "5837397520665436492", kNow);
    EXPECT_EQ(check.method, "GET");
    auto echo = bot_webhook(false).verify_url(*parse_inbound_query(check.target), at(kNow));
    ASSERT_TRUE(echo.ok());
    EXPECT_EQ(*echo, "5837397520665436492");
}

// A bot over real HTTP: decodes with Webhook and answers a text reply; the first `slow` requests
// are answered only after `delay` (too late for the client).
class BotStub {
public:
    BotStub(bool safe, int slow, std::chrono::milliseconds delay)
        : webhook_(bot_webhook(safe)), slow_(slow), delay_(delay) {
        acceptor_.open(tcp::v4());
        acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
        acceptor_.listen();
        asio::co_spawn(ioc_, accept(this), asio::detached);
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~BotStub() {
        asio::post(ioc_, [this] { ioc_.stop(); });
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/wechat"; }
    int requests() const { return requests_; }
    std::vector<std::string> bodies() const {
        std::lock_guard lock(mutex_);
        return bodies_;
    }

private:
    static asio::awaitable<void> accept(BotStub* self) {
        for (;;) {
            tcp::socket s = co_await self->acceptor_.async_accept(asio::use_awaitable);
            asio::co_spawn(self->ioc_, session(self, std::move(s)), asio::detached);
        }
    }
    static asio::awaitable<void> session(BotStub* self, tcp::socket socket) {
        beast::tcp_stream stream(std::move(socket));
        beast::flat_buffer buffer;
        http::request<http::string_body> req;
        beast::error_code ec;
        co_await http::async_read(stream, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        if (++self->requests_ <= self->slow_) {
            asio::steady_timer timer(stream.get_executor(), self->delay_);
            co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        http::response<http::string_body> res{http::status::ok, 11};
        auto query = parse_inbound_query(std::string_view(req.target()));
        auto decoded = self->webhook_.decode(*query, req.body(), std::chrono::system_clock::now());
        if (!decoded) {
            res.result(static_cast<unsigned>(http_status(decoded.code())));
        } else {
            res.body() = self->webhook_.encode_reply(*decoded, TextReply{"收到"}, std::chrono::system_clock::now());
        }
        {
            std::lock_guard lock(self->mutex_);
            self->bodies_.push_back(req.body());
        }
        res.prepare_payload();
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    }

    Webhook webhook_;
    int slow_;
    std::chrono::milliseconds delay_;
    asio::io_context ioc_;
    tcp::acceptor acceptor_{ioc_};
    std::thread thread_;
    std::atomic<int> requests_{0};
    mutable std::mutex mutex_;
    std::vector<std::string> bodies_;
};

WebhookClient client(const std::string& url, bool safe, std::chrono::milliseconds timeout) {
    ClientOptions options;
    options.url = url;
    options.answer_timeout = timeout;
    options.mode = safe ? Mode::safe : Mode::plain;
    return WebhookClient::create(options, signer(safe)).value();
}

TEST(WechatSimClient, DeliversOverHttpAndReadsTheReplyInBothModes) {
    for (const bool safe : {false, true}) {
        BotStub bot(safe, 0, {});
        WebhookClient c = client(bot.url(), safe, std::chrono::milliseconds(2000));
        InboundMessage m;
        m.from_user = "oUser1";
        m.to_user = "gh_1";
        m.body = TextMessage{"你好"};
        auto d = c.deliver_blocking(m);
        ASSERT_TRUE(d.ok()) << d.error().message();
        EXPECT_EQ(d->status, 200);
        EXPECT_EQ(d->attempts.size(), 1u);
        ASSERT_TRUE(std::holds_alternative<TextReply>(d->reply));
        EXPECT_EQ(std::get<TextReply>(d->reply).content, "收到");
        EXPECT_EQ(d->body.find("<Encrypt>") != std::string::npos, safe);
    }
}

TEST(WechatSimClient, ResendsTheIdenticalRequestWhenNoAnswerComesInTime) {
    BotStub bot(true, 2, std::chrono::milliseconds(600));
    WebhookClient c = client(bot.url(), true, std::chrono::milliseconds(200));
    InboundMessage m;
    m.from_user = "oUser2";
    m.to_user = "gh_1";
    m.body = TextMessage{"重试"};
    auto d = c.deliver_blocking(m);
    ASSERT_TRUE(d.ok()) << d.error().message();
    ASSERT_EQ(d->attempts.size(), 3u);
    EXPECT_EQ(d->attempts[0].error, "timeout");
    EXPECT_EQ(d->attempts[1].error, "timeout");
    EXPECT_EQ(d->attempts[2].status, 200);
    EXPECT_GE(d->attempts[0].elapsed.count(), 190);
    // Give the stub time to log the late ones, then compare what it received.
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    const auto bodies = bot.bodies();
    ASSERT_EQ(bodies.size(), 3u);
    EXPECT_EQ(bodies[0], bodies[1]);
    EXPECT_EQ(bodies[1], bodies[2]);
}

TEST(WechatSimClient, GivesUpAfterThreeResends) {
    BotStub bot(false, 10, std::chrono::milliseconds(400));
    WebhookClient c = client(bot.url(), false, std::chrono::milliseconds(100));
    InboundMessage m;
    m.from_user = "oUser3";
    m.to_user = "gh_1";
    m.body = ClickEvent{"K"};
    auto d = c.deliver_blocking(m);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.code(), std::errc::timed_out);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(bot.requests(), 4);
}

TEST(WechatSimClient, ReportsARefusalAsAStatus) {
    BotStub bot(false, 0, {});
    WebhookClient c = client(bot.url(), false, std::chrono::milliseconds(2000));
    SignedWebhook bad = c.signer().sign_xml(c.path(), "<!DOCTYPE x><xml/>", "oUser4", Mode::plain, c.now());
    auto d = c.post_blocking(bad);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->status, 400);
    bad = c.signer().sign_xml(c.path(), "<xml/>", "oUser4", Mode::plain, c.now() - 1000);
    EXPECT_EQ(c.post_blocking(bad)->status, 403);
}

TEST(WechatSimClient, RefusesNonHttpUrls) {
    ClientOptions options;
    options.url = "https://x/wechat";
    EXPECT_FALSE(WebhookClient::create(options, signer(false)).ok());
    options.url = "http:///wechat";
    EXPECT_FALSE(WebhookClient::create(options, signer(false)).ok());
}

nlohmann::json body_of(const ApiResponse& r) { return nlohmann::json::parse(r.body); }

TEST(WechatSimApi, IssuesTokensAndRefusesBadCredentials) {
    ApiServer s(ApiServerOptions{"wxappid", "s3cret"});
    auto ok = body_of(s.handle("GET", "/cgi-bin/token?grant_type=client_credential&appid=wxappid&secret=s3cret", ""));
    EXPECT_TRUE(ok["access_token"].is_string());
    EXPECT_EQ(ok["expires_in"], 7200);
    EXPECT_EQ(body_of(s.handle("GET", "/cgi-bin/token?grant_type=client_credential&appid=wrong&secret=s3cret", ""))["errcode"], 40013);
    EXPECT_EQ(body_of(s.handle("GET", "/cgi-bin/token?grant_type=client_credential&appid=wxappid&secret=no", ""))["errcode"], 40125);
    EXPECT_EQ(body_of(s.handle("GET", "/cgi-bin/token?appid=wxappid&secret=s3cret", ""))["errcode"], 40002);
    const std::string stable_req = R"({"grant_type":"client_credential","appid":"wxappid","secret":"s3cret"})";
    auto a = body_of(s.handle("POST", "/cgi-bin/stable_token", stable_req));
    auto b = body_of(s.handle("POST", "/cgi-bin/stable_token", stable_req));
    EXPECT_EQ(a["access_token"], b["access_token"]);
    auto forced = body_of(s.handle("POST", "/cgi-bin/stable_token",
                                   R"({"grant_type":"client_credential","appid":"wxappid","secret":"s3cret","force_refresh":true})"));
    EXPECT_NE(forced["access_token"], a["access_token"]);
    EXPECT_EQ(body_of(s.handle("POST", "/cgi-bin/stable_token", R"({"grant_type":"client_credential","appid":"wxappid","secret":"x"})"))["errcode"], 40125);
    EXPECT_EQ(s.calls("/cgi-bin/token").size(), 4u);
    EXPECT_EQ(s.calls("/cgi-bin/token")[1].errcode, 40013);
}

TEST(WechatSimApi, SendsRecordAndAnswerLikeWechat) {
    ApiServer s(ApiServerOptions{"wxappid", "s3cret"});
    const std::string token =
        body_of(s.handle("GET", "/cgi-bin/token?grant_type=client_credential&appid=wxappid&secret=s3cret", ""))["access_token"];
    const std::string q = "?access_token=" + token;
    auto sent = body_of(s.handle("POST", "/cgi-bin/message/template/send" + q,
                                 R"({"touser":"oUser","template_id":"TPL","data":{"first":{"value":"x"}}})"));
    EXPECT_EQ(sent["errcode"], 0);
    EXPECT_EQ(sent["errmsg"], "ok");
    EXPECT_TRUE(sent["msgid"].is_number());
    EXPECT_EQ(body_of(s.handle("POST", "/cgi-bin/message/template/send" + q, R"({"touser":"oUser"})"))["errcode"], 40037);
    EXPECT_EQ(body_of(s.handle("POST", "/cgi-bin/message/custom/send" + q,
                               R"({"touser":"oUser","msgtype":"text","text":{"content":"师傅已出发"}})"))["errcode"], 0);
    EXPECT_EQ(body_of(s.handle("POST", "/cgi-bin/message/custom/send" + q, R"({"touser":"oUser","msgtype":"bogus"})"))["errcode"], 40008);
    EXPECT_EQ(body_of(s.handle("POST", "/cgi-bin/message/custom/send" + q, "not json"))["errcode"], 47001);
    EXPECT_EQ(body_of(s.handle("POST", "/cgi-bin/message/custom/send?access_token=nope", "{}"))["errcode"], 40001);
    EXPECT_EQ(body_of(s.handle("POST", "/cgi-bin/message/custom/send", "{}"))["errcode"], 41001);
    const auto custom = s.calls("/cgi-bin/message/custom/send");
    ASSERT_EQ(custom.size(), 5u);
    EXPECT_EQ(custom[0].json["text"]["content"], "师傅已出发");

    s.fail_next("/cgi-bin/message/custom/send", 45015);
    EXPECT_EQ(body_of(s.handle("POST", "/cgi-bin/message/custom/send" + q, "{}"))["errcode"], 45015);
    s.expire_tokens();
    EXPECT_EQ(body_of(s.handle("POST", "/cgi-bin/message/template/send" + q, "{}"))["errcode"], 42001);
    s.invalidate_tokens();
    EXPECT_EQ(body_of(s.handle("POST", "/cgi-bin/message/template/send" + q, "{}"))["errcode"], 40001);
}

TEST(WechatSimApi, ServesMediaItWasGiven) {
    ApiServer s(ApiServerOptions{"wxappid", "s3cret"});
    s.add_media("MEDIA1", std::string("\xff\xd8\xff\xe0jpeg", 8));
    const std::string token =
        body_of(s.handle("GET", "/cgi-bin/token?grant_type=client_credential&appid=wxappid&secret=s3cret", ""))["access_token"];
    const ApiResponse r = s.handle("GET", "/cgi-bin/media/get?access_token=" + token + "&media_id=MEDIA1", "");
    EXPECT_EQ(r.content_type, "image/jpeg");
    EXPECT_EQ(r.body, std::string("\xff\xd8\xff\xe0jpeg", 8));
    EXPECT_NE(r.content_disposition.find("MEDIA1.jpg"), std::string::npos);
    EXPECT_EQ(body_of(s.handle("GET", "/cgi-bin/media/get?access_token=" + token + "&media_id=NOPE", ""))["errcode"], 40007);
}

TEST(WechatSimApi, MediaGivenForAPrefixServesEveryIdUnderItAsItsOwnFile) {
    // A load test's photos each carry their own MediaId, as WeChat's do: one upload serves them
    // all, and each id's bytes differ (the id follows the image), so each is a file of its own.
    ApiServer s(ApiServerOptions{"wxappid", "s3cret"});
    const std::string jpeg("\xff\xd8\xff\xe0jpeg\xff\xd9", 10);
    EXPECT_EQ(body_of(s.handle("POST", "/sim/media?media_id_prefix=bench-&content_type=image/jpeg", jpeg))["ok"], true);
    const std::string token =
        body_of(s.handle("GET", "/cgi-bin/token?grant_type=client_credential&appid=wxappid&secret=s3cret", ""))["access_token"];
    const ApiResponse a = s.handle("GET", "/cgi-bin/media/get?access_token=" + token + "&media_id=bench-7-1", "");
    const ApiResponse b = s.handle("GET", "/cgi-bin/media/get?access_token=" + token + "&media_id=bench-8-2", "");
    EXPECT_EQ(a.content_type, "image/jpeg");
    EXPECT_EQ(a.body, jpeg + "bench-7-1");
    EXPECT_EQ(b.body, jpeg + "bench-8-2");
    EXPECT_NE(a.content_disposition.find("bench-7-1.jpg"), std::string::npos);
    // Outside the prefix, an id not given is still WeChat's 40007; an exact id wins over a prefix.
    EXPECT_EQ(body_of(s.handle("GET", "/cgi-bin/media/get?access_token=" + token + "&media_id=other-1", ""))["errcode"], 40007);
    s.add_media("bench-exact", "exact bytes");
    EXPECT_EQ(s.handle("GET", "/cgi-bin/media/get?access_token=" + token + "&media_id=bench-exact", "").body, "exact bytes");
    // Neither an id nor a prefix: refused, nothing stored.
    EXPECT_EQ(s.handle("POST", "/sim/media", jpeg).status, 400);
}

std::pair<int, std::string> http_call(std::uint16_t port, http::verb verb, const std::string& target) {
    asio::io_context ioc;
    tcp::socket socket(ioc);
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.prepare_payload();
    http::write(socket, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    return {static_cast<int>(res.result_int()), res.body()};
}

TEST(WechatSimApi, ServesOverHttpAndListsCallsAtSimCalls) {
    ApiServer s(ApiServerOptions{"wxappid", "s3cret"});
    auto port = s.start();
    ASSERT_TRUE(port.ok()) << port.error().message();
    auto [status, body] = http_call(*port, http::verb::get, "/cgi-bin/token?grant_type=client_credential&appid=wxappid&secret=s3cret");
    EXPECT_EQ(status, 200);
    EXPECT_TRUE(nlohmann::json::parse(body).contains("access_token"));
    http_call(*port, http::verb::post, "/sim/fail?path=/cgi-bin/token&errcode=45009");
    EXPECT_EQ(nlohmann::json::parse(http_call(*port, http::verb::get, "/cgi-bin/token?grant_type=client_credential&appid=wxappid&secret=s3cret").second)["errcode"], 45009);
    const auto calls = nlohmann::json::parse(http_call(*port, http::verb::get, "/sim/calls").second);
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0]["path"], "/cgi-bin/token");
    EXPECT_EQ(calls[1]["errcode"], 45009);
    http_call(*port, http::verb::delete_, "/sim/calls");
    EXPECT_TRUE(s.calls().empty());
    s.stop();
}

}  // namespace
}  // namespace repairbot::wechat::sim
