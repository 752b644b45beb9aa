// Hostile requests against the real binary (MariaDB, Redis, the simulated WeChat platform): bad
// and missing signatures, stale and future timestamps, a replayed nonce, DOCTYPE and entity
// bombs, a 4 MiB body, a slow-loris client, invalid UTF-8, a 10,000-character message, emoji,
// SQL metacharacters in every text field, a photo bigger than the bot downloads. Each is refused
// with its status and a log line naming the reason, or handled; the server stays alive.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <thread>

#include "adapters/wechat/sim/api_server.h"
#include "store/feedback_repository.h"
#include "store/ticket_repository.h"
#include "tests/e2e/test_mysql.h"
#include "tests/e2e/wechat_channel.h"

namespace repairbot::testing {
namespace {

namespace fs = std::filesystem;
using wechat::Mode;
using namespace std::chrono_literals;

// The bot's request deadline in these tests: a slow-loris client is cut off after it.
constexpr auto kRequestTimeout = 2s;

std::string log_since(const BotProcess& bot, std::size_t offset) {
    auto out = bot.output();
    return offset < out.size() ? out.substr(offset) : std::string{};
}

bool alive(int port) { return http_request(port, "GET", "/healthz").status == 200; }

// Replaces the first `what` in `s` (which must be there).
std::string replaced(std::string s, const std::string& what, const std::string& with) {
    auto at = s.find(what);
    if (at != std::string::npos) s.replace(at, what.size(), with);
    return s;
}

// The query without its parameter `name` ("&name=value" or "?name=value&").
std::string without_param(const std::string& target, const std::string& name) {
    auto at = target.find(name + "=");
    if (at == std::string::npos) return target;
    auto end = target.find('&', at);
    if (end == std::string::npos) return target.substr(0, at - 1);
    return target.substr(0, at) + target.substr(end + 1);
}

std::vector<store::Ticket> tickets_of(const std::string& openid) {
    store::TicketFilter filter;
    filter.owner_openid = openid;
    return with_mysql([&](sql::Connection& c) { return store::TicketRepository::list(c, filter); });
}

std::string ticket_number_in(const std::string& text) {
    auto at = text.find("BX");
    if (at == std::string::npos) return {};
    auto end = text.find_first_not_of("BX0123456789-", at);
    return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// Well-formed UTF-8 (lead and continuation bytes; overlongs are not checked here).
bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        if (c >= 0x80) {
            if ((c & 0xE0) == 0xC0) n = 1;
            else if ((c & 0xF0) == 0xE0) n = 2;
            else if ((c & 0xF8) == 0xF0) n = 3;
            else return false;
        }
        if (i + n >= s.size() && n > 0) return false;
        for (std::size_t k = 1; k <= n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n + 1;
    }
    return true;
}

class HostileRequests : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        bot_ = std::make_unique<BotProcess>(
            "hostile", std::map<std::string, std::string>{
                           {"REPAIRBOT_HTTP_REQUEST_TIMEOUT_MS",
                            std::to_string(std::chrono::milliseconds(kRequestTimeout).count())}});
    }
    static void TearDownTestSuite() { bot_.reset(); }
    static inline std::unique_ptr<BotProcess> bot_;
};

// One hostile request: what is sent, what the bot answers, what it logs.
struct HostileCase {
    const char* name;
    // Builds the request from a signed one of a plain text message.
    std::function<wechat::sim::SignedWebhook(wechat::sim::WebhookClient&, const std::string& openid)> request;
    int status;
    std::vector<std::string> logged;  // all of them appear in the lines logged for the request
};

wechat::InboundMessage text_from(wechat::sim::WebhookClient& client, const std::string& openid,
                                 std::string text) {
    wechat::InboundMessage m;
    m.to_user = "gh_e2e_account";
    m.from_user = openid;
    m.body = wechat::TextMessage{std::move(text)};
    return client.stamp(std::move(m));
}

TEST_F(HostileRequests, EachIsRefusedWithItsStatusAndALoggedReasonAndTheServerLives) {
    ASSERT_TRUE(bot_->started()) << bot_->output();
    const std::string laughs =
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
        "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
        "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
        "<MsgType>text</MsgType><Content>&lol3;</Content><MsgId>1</MsgId></xml>";
    const std::string xxe =
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
        "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
        "<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>2</MsgId></xml>";
    using Client = wechat::sim::WebhookClient;
    const std::vector<HostileCase> cases{
        {"bad signature",
         [](Client& c, const std::string& o) {
             auto r = c.signer().sign_message(c.path(), text_from(c, o, "你好"), Mode::plain, c.now());
             r.target.replace(r.target.find("signature=") + 10, 6, "ffffff");
             return r;
         },
         403, {"wechat refused", "signature mismatch"}},
        {"bad msg_signature in safe mode",
         [](Client& c, const std::string& o) {
             auto r = c.signer().sign_message(c.path(), text_from(c, o, "你好"), Mode::safe, c.now());
             r.target.replace(r.target.find("msg_signature=") + 14, 6, "000000");
             return r;
         },
         403, {"wechat refused", "msg_signature mismatch"}},
        {"missing signature",
         [](Client& c, const std::string& o) {
             auto r = c.signer().sign_message(c.path(), text_from(c, o, "你好"), Mode::plain, c.now());
             r.target = without_param(r.target, "signature");
             return r;
         },
         400, {"wechat refused", "missing or malformed query parameter"}},
        {"missing timestamp",
         [](Client& c, const std::string& o) {
             auto r = c.signer().sign_message(c.path(), text_from(c, o, "你好"), Mode::plain, c.now());
             r.target = without_param(r.target, "timestamp");
             return r;
         },
         400, {"wechat refused"}},
        {"stale timestamp (an hour ago)",
         [](Client& c, const std::string& o) {
             return c.signer().sign_message(c.path(), text_from(c, o, "你好"), Mode::safe, c.now() - 3600);
         },
         403, {"wechat refused", "timestamp outside the accepted window"}},
        {"future timestamp (in an hour)",
         [](Client& c, const std::string& o) {
             return c.signer().sign_message(c.path(), text_from(c, o, "你好"), Mode::safe, c.now() + 3600);
         },
         403, {"wechat refused", "timestamp outside the accepted window"}},
        {"timestamp that is not a number",
         [](Client& c, const std::string& o) {
             auto r = c.signer().sign_message(c.path(), text_from(c, o, "你好"), Mode::plain, c.now());
             auto at = r.target.find("timestamp=") + 10;
             r.target.replace(at, r.target.find('&', at) - at, "1e9x");
             return r;
         },
         // The signature covers the timestamp as sent, so the altered one fails it first.
         403, {"wechat refused", "signature mismatch"}},
        {"DOCTYPE with an internal entity",
         [](Client& c, const std::string& o) {
             return c.signer().sign_xml(c.path(), "<!DOCTYPE x [<!ENTITY a \"b\">]><xml><ToUserName>&a;</ToUserName></xml>",
                                        o, Mode::plain, c.now());
         },
         400, {"wechat refused", "DOCTYPE or entity declaration refused"}},
        {"billion laughs entity bomb",
         [laughs](Client& c, const std::string& o) { return c.signer().sign_xml(c.path(), laughs, o, Mode::plain, c.now()); },
         400, {"wechat refused", "DOCTYPE or entity declaration refused"}},
        {"billion laughs inside the encrypted envelope",
         [laughs](Client& c, const std::string& o) { return c.signer().sign_xml(c.path(), laughs, o, Mode::safe, c.now()); },
         400, {"wechat refused", "DOCTYPE or entity declaration refused"}},
        {"external entity (XXE)",
         [xxe](Client& c, const std::string& o) { return c.signer().sign_xml(c.path(), xxe, o, Mode::plain, c.now()); },
         400, {"wechat refused", "DOCTYPE or entity declaration refused"}},
        {"malformed XML",
         [](Client& c, const std::string& o) {
             return c.signer().sign_xml(c.path(), "<xml><Content><![CDATA[x]]></xml", o, Mode::plain, c.now());
         },
         400, {"wechat refused", "malformed XML"}},
        // Every write keyed by the sender would fail (owners.openid is 64 characters).
        {"a FromUserName that is not an openid",
         [](Client& c, const std::string& o) {
             const std::string sender = o + std::string(65, 'x');
             return c.signer().sign_message(c.path(), text_from(c, sender, "你好"), Mode::safe, c.now());
         },
         400, {"wechat refused", "FromUserName is not an openid"}},
    };
    WechatChannel phone(bot_->port(), Mode::safe);
    auto& client = phone.client();
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto offset = bot_->output().size();
        const auto req = c.request(client, fresh_openid("hostile"));
        auto reply = http_request(bot_->port(), req.method, req.target, req.body);
        EXPECT_EQ(reply.status, c.status) << reply.head << "\n" << reply.body;
        EXPECT_TRUE(eventually([&] {
            auto logged = log_since(*bot_, offset);
            for (const auto& l : c.logged)
                if (logged.find(l) == std::string::npos) return false;
            return true;
        }, 3s)) << "log after the request:\n" << log_since(*bot_, offset);
        EXPECT_TRUE(alive(bot_->port()));
    }
}

TEST_F(HostileRequests, ANonceReplayedWithAnotherBodyIsRefusedAndLogged) {
    ASSERT_TRUE(bot_->started()) << bot_->output();
    WechatChannel phone(bot_->port(), Mode::plain);
    auto& client = phone.client();
    auto req = client.signer().sign_message(client.path(), text_from(client, fresh_openid("replay"), "你好"),
                                            Mode::plain, client.now());
    ASSERT_EQ(http_request(bot_->port(), "POST", req.target, req.body).status, 200);
    const auto offset = bot_->output().size();
    // Same timestamp, nonce and signature; another body.
    auto other = replaced(req.body, "你好", "取消");
    EXPECT_EQ(http_request(bot_->port(), "POST", req.target, other).status, 403);
    EXPECT_TRUE(eventually([&] { return log_since(*bot_, offset).find("replayed") != std::string::npos; }, 3s))
        << log_since(*bot_, offset);
    EXPECT_TRUE(alive(bot_->port()));
}

TEST_F(HostileRequests, AFourMebibyteBodyIsRefused413BeforeItIsRead) {
    ASSERT_TRUE(bot_->started()) << bot_->output();
    const auto offset = bot_->output().size();
    int fd = connect_loopback(bot_->port());
    ASSERT_GE(fd, 0);
    // The declared length alone is enough to refuse: the bot answers without reading 4 MiB.
    const std::size_t size = 4 * 1024 * 1024;
    ASSERT_TRUE(send_all(fd, "POST /wechat?signature=x&timestamp=1&nonce=1 HTTP/1.1\r\nHost: x\r\n"
                             "Content-Type: text/xml\r\nContent-Length: " + std::to_string(size) +
                             "\r\n\r\n" + std::string(64 * 1024, '<')));
    const std::string raw = read_all(fd);
    ::close(fd);
    EXPECT_EQ(raw.rfind("HTTP/1.1 413", 0), 0u) << raw.substr(0, 200);
    EXPECT_TRUE(eventually([&] { return log_since(*bot_, offset).find("body_limit") != std::string::npos; }, 3s))
        << log_since(*bot_, offset);
    // And a client that pushes all 4 MiB without waiting gets no 200 and no crash either.
    auto pushed = http_request(bot_->port(), "POST", "/wechat?signature=x&timestamp=1&nonce=1", std::string(size, 'x'));
    EXPECT_NE(pushed.status, 200);
    EXPECT_TRUE(alive(bot_->port()));
}

TEST_F(HostileRequests, ASlowLorisIsCutOffAtTheRequestDeadlineWhileOthersAreServed) {
    ASSERT_TRUE(bot_->started()) << bot_->output();
    const auto offset = bot_->output().size();
    int fd = connect_loopback(bot_->port());
    ASSERT_GE(fd, 0);
    const std::string head = "POST /wechat?signature=a&timestamp=1&nonce=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Content-Type: text/xml\r\nX-Padding: " + std::string(200, 'p') + "\r\n\r\n";
    std::atomic<bool> closed_by_server{false};
    std::atomic<int> bytes_sent{0};
    const auto started = std::chrono::steady_clock::now();
    std::chrono::steady_clock::duration cut_after{};
    std::thread loris([&] {
        // One byte a second (four a second here, to keep the test short), as the attack does.
        for (char ch : head) {
            if (::send(fd, &ch, 1, MSG_NOSIGNAL) != 1) {
                closed_by_server = true;
                break;
            }
            ++bytes_sent;
            char probe;
            // A closed connection shows as a readable EOF.
            if (::recv(fd, &probe, 1, MSG_DONTWAIT) == 0) {
                closed_by_server = true;
                break;
            }
            std::this_thread::sleep_for(250ms);
        }
        cut_after = std::chrono::steady_clock::now() - started;
    });
    // Meanwhile everyone else is served promptly.
    WechatChannel phone(bot_->port(), Mode::safe);
    const auto owner = fresh_openid("loris_neighbour");
    int served = 0;
    while (std::chrono::steady_clock::now() - started < kRequestTimeout + 1s) {
        auto t0 = std::chrono::steady_clock::now();
        EXPECT_TRUE(alive(bot_->port()));
        EXPECT_FALSE(phone.say(owner, "你好").empty());
        EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
        ++served;
        std::this_thread::sleep_for(200ms);
    }
    loris.join();
    ::close(fd);
    EXPECT_GE(served, 3);
    EXPECT_TRUE(closed_by_server) << "the slow client was never cut off";
    EXPECT_LT(bytes_sent.load(), static_cast<int>(head.size())) << "the whole head got through";
    EXPECT_LT(cut_after, kRequestTimeout + 2s);
    EXPECT_TRUE(eventually([&] { return log_since(*bot_, offset).find("request_timeout") != std::string::npos; }, 3s))
        << log_since(*bot_, offset);
    EXPECT_TRUE(alive(bot_->port()));
}

// Messages that are odd but legitimate: each gets a polite text reply in valid UTF-8.
TEST_F(HostileRequests, OddButLegitimateMessagesAreAnswered) {
    ASSERT_TRUE(bot_->started()) << bot_->output();
    std::string long_text;
    while (long_text.size() < 10000 * 3) long_text += "漏";  // 10,000 characters
    const std::vector<std::pair<const char*, std::string>> cases{
        {"invalid UTF-8", std::string("3栋2单元502\xff\xfe\xc3\x28 水管\xe6\xbc漏水")},
        {"lone continuation bytes", std::string("\x80\x80\x80\xbf")},
        {"a 10,000-character message", long_text},
        {"emoji", "😀🔧🚿 厨房水龙头坏了 👍🏽👨‍👩‍👧"},
        {"SQL metacharacters", "'; DROP TABLE tickets; -- \\ % _ \" `"},
        {"control characters", std::string("a\x01\x02\x1b[31mb\x7f")},
    };
    for (const auto mode : {Mode::plain, Mode::safe}) {
        WechatChannel phone(bot_->port(), mode);
        for (const auto& [name, text] : cases) {
            SCOPED_TRACE(name);
            const auto owner = fresh_openid("odd");
            auto d = phone.send(owner, wechat::TextMessage{text});
            EXPECT_EQ(d.status, 200);
            auto* reply = std::get_if<wechat::TextReply>(&d.reply);
            ASSERT_NE(reply, nullptr);
            EXPECT_FALSE(reply->content.empty());
            EXPECT_TRUE(valid_utf8(reply->content)) << reply->content;
            EXPECT_LT(reply->content.size(), 4096u) << "the reply does not echo 30 KB back";
            phone.say(owner, "取消");
            EXPECT_TRUE(alive(bot_->port()));
        }
    }
}

// An owner whose every answer carries SQL metacharacters: the ticket, the owner's complaint and
// the event log hold them byte for byte, and the tickets table is still there.
TEST_F(HostileRequests, SqlMetacharactersInEveryTextFieldAreStoredVerbatim) {
    ASSERT_TRUE(bot_->started()) << bot_->output();
    WechatChannel phone(bot_->port(), Mode::safe);
    const auto owner = fresh_openid("sql");
    const std::string nasty = "'; DROP TABLE tickets; -- \\ 100% _x_ \"q\" `b`";
    auto reply = phone.say(owner, "报修");
    reply = phone.say(owner, "3栋2单元502");
    if (reply.find("类型") != std::string::npos || reply.find("哪类") != std::string::npos) reply = phone.say(owner, "水");
    reply = phone.say(owner, "厨房水管漏水了 " + nasty);
    bool nasty_phone_sent = false;
    for (int turn = 0; turn < 8 && reply.find("“确认”") == std::string::npos; ++turn) {
        if (reply.find("照片") != std::string::npos) reply = phone.say(owner, "没有");
        else if (reply.find("手机号") != std::string::npos && !nasty_phone_sent) {
            nasty_phone_sent = true;
            reply = phone.say(owner, "13800138000 " + nasty);
        } else if (reply.find("手机号") != std::string::npos) reply = phone.say(owner, "13800138000");
        else if (reply.find("什么时候") != std::string::npos) reply = phone.say(owner, "尽快");
        else if (reply.find("描述") != std::string::npos) reply = phone.say(owner, "厨房水管漏水了 " + nasty);
        else break;
    }
    ASSERT_NE(reply.find("“确认”"), std::string::npos) << reply;
    reply = phone.say(owner, "确认");
    ASSERT_NE(reply.find("工单号"), std::string::npos) << reply;

    auto tickets = tickets_of(owner);
    ASSERT_EQ(tickets.size(), 1u);
    EXPECT_NE(tickets[0].description.find(nasty), std::string::npos) << tickets[0].description;
    EXPECT_EQ(tickets[0].address, "3栋2单元502");
    EXPECT_EQ(tickets[0].phone, "13800138000") << "the phone field keeps the number only";

    // A public area typed with the metacharacters around it, and a complaint made of them.
    const auto second = fresh_openid("sql_area");
    reply = phone.say(second, "5号楼电梯厅 " + nasty + " 电梯不动了，电话13900139000");
    reply = phone.finish_report(second, reply);
    ASSERT_NE(reply.find("工单号"), std::string::npos) << reply;
    auto area_tickets = tickets_of(second);
    ASSERT_EQ(area_tickets.size(), 1u);
    EXPECT_NE(area_tickets[0].address.find("电梯厅"), std::string::npos) << area_tickets[0].address;
    EXPECT_NE(area_tickets[0].description.find(nasty), std::string::npos) << area_tickets[0].description;

    phone.say(second, "投诉 " + nasty);
    auto complaints = with_mysql([&](sql::Connection& c) { return store::FeedbackRepository::complaints(c, "open", 1000); });
    const store::Complaint* mine = nullptr;
    for (const auto& c : complaints)
        if (c.owner_openid == second) mine = &c;
    ASSERT_NE(mine, nullptr);
    EXPECT_NE(mine->text.find(nasty), std::string::npos) << mine->text;

    // The table is still there, with everyone's tickets in it.
    auto all = with_mysql([&](sql::Connection& c) {
        store::TicketFilter filter;
        filter.limit = 5;
        return store::TicketRepository::list(c, filter);
    });
    EXPECT_FALSE(all.empty());
    EXPECT_TRUE(alive(bot_->port()));
}

// A ticket whose description holds bytes that are not UTF-8 is still filed (MariaDB's utf8mb4
// columns refuse such bytes, so they must not reach it as they are).
TEST_F(HostileRequests, AReportWithInvalidUtf8IsFiledWithValidText) {
    ASSERT_TRUE(bot_->started()) << bot_->output();
    WechatChannel phone(bot_->port(), Mode::plain);
    const auto owner = fresh_openid("badutf8");
    auto reply = phone.say(owner, std::string("3栋2单元502厨房水管\xff\xfe漏水了\xe6\xbc，电话13800138000"));
    reply = phone.finish_report(owner, reply);
    ASSERT_NE(reply.find("工单号"), std::string::npos) << reply << "\n" << bot_->output().substr(bot_->output().size() > 3000 ? bot_->output().size() - 3000 : 0);
    auto tickets = tickets_of(owner);
    ASSERT_EQ(tickets.size(), 1u);
    EXPECT_TRUE(valid_utf8(tickets[0].description)) << tickets[0].description;
    EXPECT_NE(tickets[0].description.find("漏水了"), std::string::npos) << tickets[0].description;
    EXPECT_TRUE(alive(bot_->port()));
}

// What the desk cannot keep is answered, never taken into the report: an image with a 200-byte
// MediaId used to stay in the draft and fail every 确认 (MariaDB: data too long), so the owner's
// report could never be filed; a message of more than 1,000 characters is asked to be shortened.
TEST_F(HostileRequests, WhatTheDeskCannotKeepIsAnsweredAndTheReportStillFiles) {
    ASSERT_TRUE(bot_->started()) << bot_->output();
    WechatChannel phone(bot_->port(), Mode::safe);
    const auto owner = fresh_openid("bounds");
    auto reply = phone.say(owner, "3栋2单元502厨房水管漏水了，电话13800138000");
    ASSERT_NE(reply.find("照片"), std::string::npos) << reply;

    auto d = phone.send(owner, wechat::ImageMessage{"http://mmbiz.example/x", std::string(200, 'M')});
    auto* photo_reply = std::get_if<wechat::TextReply>(&d.reply);
    ASSERT_NE(photo_reply, nullptr) << "status " << d.status;
    EXPECT_NE(photo_reply->content.find("这张照片没能收下"), std::string::npos) << photo_reply->content;

    std::string long_text;
    for (int i = 0; i < 1001; ++i) long_text += "漏";
    reply = phone.say(owner, long_text);
    EXPECT_NE(reply.find("太长"), std::string::npos) << reply;
    EXPECT_NE(reply.find("1000"), std::string::npos) << reply;

    reply = phone.finish_report(owner, phone.say(owner, "没有"));
    ASSERT_NE(reply.find("工单号"), std::string::npos) << reply;
    ASSERT_EQ(tickets_of(owner).size(), 1u);
    EXPECT_TRUE(alive(bot_->port()));
}

// Every admin route refuses a request without the admin token, or with a wrong one of any shape
// (the same length differing in the first or the last byte, a prefix, one byte more, another
// scheme), with 401; the right token passes.
TEST_F(HostileRequests, AdminRoutesRefuseMissingAndWrongTokensWith401) {
    ASSERT_TRUE(bot_->started()) << bot_->output();
    const std::string token = bot_environment(0)["REPAIRBOT_ADMIN_TOKEN"];
    std::string first = token, last = token;
    first.front() = first.front() == 'a' ? 'b' : 'a';
    last.back() = last.back() == 'a' ? 'b' : 'a';
    const std::vector<std::pair<const char*, std::optional<std::string>>> credentials{
        {"no header", std::nullopt},
        {"empty bearer", "Bearer "},
        {"first byte wrong", "Bearer " + first},
        {"last byte wrong", "Bearer " + last},
        {"a prefix", "Bearer " + token.substr(0, token.size() - 1)},
        {"one byte more", "Bearer " + token + "x"},
        {"another scheme", "Basic " + token},
        {"no scheme", token},
    };
    const std::vector<std::pair<const char*, const char*>> routes{
        {"GET", "/api/tickets"},           {"GET", "/api/tickets/BX20260101-0001"},
        {"GET", "/api/stats"},             {"GET", "/api/callbacks"},
        {"POST", "/api/callbacks/1/done"}, {"GET", "/api/complaints"},
        {"POST", "/api/complaints/1/handle"},
    };
    for (const auto& [method, path] : routes) {
        for (const auto& [name, header] : credentials) {
            SCOPED_TRACE(std::string(method) + " " + path + ": " + name);
            std::map<std::string, std::string> headers;
            if (header) headers["Authorization"] = *header;
            auto r = http_request(bot_->port(), method, path, method == std::string("POST") ? "{}" : "", headers);
            EXPECT_EQ(r.status, 401) << r.body;
            EXPECT_NE(r.head.find("WWW-Authenticate"), std::string::npos) << r.head;
            EXPECT_EQ(r.body.find(token), std::string::npos);
        }
        auto ok = http_request(bot_->port(), method, path, method == std::string("POST") ? "{}" : "",
                               {{"Authorization", "bearer " + token}});
        EXPECT_NE(ok.status, 401) << method << " " << path << ": the right token passes";
        EXPECT_LT(ok.status, 500) << method << " " << path << " " << ok.body;
    }
    EXPECT_TRUE(alive(bot_->port()));
}

// A photo bigger than the bot downloads (10 MiB): refused with a clear log line, marked failed
// without retries, and the ticket is untouched by it.
TEST(HostilePhotos, AHugePhotoIsRefusedWithALogLineAndTheTicketIsFine) {
    auto env = bot_environment(0);
    wechat::sim::ApiServer api(wechat::sim::ApiServerOptions{env["REPAIRBOT_WECHAT_APPID"], env["REPAIRBOT_WECHAT_SECRET"]});
    ASSERT_TRUE(api.start().ok());
    const auto tag = fresh_openid("huge");
    const std::string huge_id = "MEDIA_HUGE_" + tag, small_id = "MEDIA_SMALL_" + tag;
    std::string huge("\xff\xd8\xff\xe0", 4);
    huge.resize(11 * 1024 * 1024, 'j');
    api.add_media(huge_id, huge, "image/jpeg");
    api.add_media(small_id, std::string("\xff\xd8\xff\xe0", 4) + std::string(5000, 's'), "image/jpeg");
    const fs::path media_dir = fs::temp_directory_path() / ("repairbot-hostile-media-" + std::to_string(::getpid()));

    BotProcess bot("hostile-photo", {{"REPAIRBOT_WECHAT_API_BASE", api.base_url()},
                                     {"REPAIRBOT_MEDIA_DIR", media_dir.string()}});
    ASSERT_TRUE(bot.started()) << bot.output();
    WechatChannel phone(bot.port(), Mode::safe);
    const auto owner = fresh_openid("huge_owner");
    auto reply = phone.say(owner, "3栋2单元502卫生间下水道堵了，电话13800138000");
    bool sent = false;
    for (int turn = 0; turn < 10 && reply.find("工单号") == std::string::npos; ++turn) {
        if (!sent && reply.find("拍照") != std::string::npos) {
            for (const auto& id : {huge_id, small_id})
                phone.send(owner, wechat::ImageMessage{"http://mmbiz.qpic.cn/" + id, id});
            sent = true;
            reply = phone.say(owner, "好了");
        } else if (reply.find("“确认”") != std::string::npos) {
            reply = phone.say(owner, "确认");
        } else if (reply.find("什么时候") != std::string::npos) {
            reply = phone.say(owner, "尽快");
        } else {
            break;
        }
    }
    ASSERT_TRUE(sent) << reply;
    const auto number = ticket_number_in(reply);
    ASSERT_FALSE(number.empty()) << reply;

    nlohmann::json ticket;
    auto settled = [&] {
        auto r = http_request(bot.port(), "GET", "/api/tickets/" + number, "",
                              {{"Authorization", "Bearer " + env["REPAIRBOT_ADMIN_TOKEN"]}});
        if (r.status != 200) return false;
        ticket = nlohmann::json::parse(r.body, nullptr, false);
        if (!ticket.is_object() || !ticket["photos"].is_array() || ticket["photos"].size() != 2) return false;
        for (const auto& p : ticket["photos"])
            if (p.value("status", "") != "stored" && p.value("status", "") != "failed") return false;
        return true;
    };
    ASSERT_TRUE(eventually(settled, 30s)) << ticket.dump() << "\n" << bot.output();
    for (const auto& p : ticket["photos"]) {
        if (p.value("media_id", "") == huge_id) EXPECT_EQ(p.value("status", ""), "failed") << p.dump();
        else EXPECT_EQ(p.value("status", ""), "stored") << p.dump();
    }
    EXPECT_NE(ticket.value("status", ""), "") << ticket.dump();
    EXPECT_EQ(ticket.value("address", ""), "3栋2单元502");
    const auto out = bot.output();
    // The photo worker's line names the photo, the ticket and why.
    std::string line;
    for (std::size_t from = 0, nl; from < out.size(); from = nl + 1) {
        nl = out.find('\n', from);
        if (nl == std::string::npos) nl = out.size();
        auto l = out.substr(from, nl - from);
        if (l.find("photos failed") != std::string::npos && l.find(huge_id) != std::string::npos) line = l;
    }
    ASSERT_FALSE(line.empty()) << out;
    EXPECT_NE(line.find("too large"), std::string::npos) << line;
    EXPECT_NE(line.find("ticket="), std::string::npos) << line;
    // Refused for good: one download attempt, no retries of a file that will never fit.
    const auto calls = api.calls("/cgi-bin/media/get");
    EXPECT_EQ(std::count_if(calls.begin(), calls.end(),
                            [&](const auto& c) { return c.errcode == 0 && c.query.find(huge_id) != std::string::npos; }),
              1);
    EXPECT_TRUE(alive(bot.port()));
    fs::remove_all(media_dir);
}

}  // namespace
}  // namespace repairbot::testing
