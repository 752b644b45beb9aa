// The webhook's verify + decode of whole requests (every refusal, every mode), the URL check,
// reply encoding, and query parsing.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "adapters/wechat/errors.h"
#include "adapters/wechat/inbound_xml.h"
#include "adapters/wechat/message_cipher.h"
#include "adapters/wechat/signature.h"
#include "adapters/wechat/webhook.h"
#include "tests/unit/wechat_fixtures.h"

namespace repairbot::wechat {
namespace {

using namespace testing;

constexpr std::int64_t kNow = 1700000000;
const std::string kOpenid = "oia2TjuEGTNoeX76QEjQNrcURxG8";

std::string text_xml(std::string_view content = "漏水了") {
    return "<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName><FromUserName><![CDATA[" +
           kOpenid + "]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]>"
           "</MsgType><Content><![CDATA[" + std::string(content) + "]]></Content><MsgId>42</MsgId></xml>";
}

Webhook webhook(bool safe, WebhookPolicy policy = {}) {
    auto w = Webhook::create(settings(safe), policy, std::make_shared<FixedRandom>());
    EXPECT_TRUE(w.ok());
    return std::move(w).value();
}

InboundQuery plain_query(std::int64_t ts = kNow, std::string nonce = "1234567") {
    InboundQuery q;
    q.timestamp = std::to_string(ts);
    q.nonce = std::move(nonce);
    q.signature = sign(kToken, q.timestamp, q.nonce);
    q.openid = kOpenid;
    return q;
}

struct SafeRequest {
    InboundQuery query;
    std::string body;
};

// What WeChat posts in safe mode (or compatible mode, with the plain fields alongside).
SafeRequest safe_request(std::string_view inner, bool compatible = false,
                         std::string_view appid = kAppId) {
    FixedRandom random;
    const std::string encrypt =
        MessageCipher::create(kAesKey, std::string(appid)).value().encrypt(inner, random);
    SafeRequest r{plain_query(), {}};
    r.query.encrypt_type = "aes";
    r.query.msg_signature = sign(kToken, r.query.timestamp, r.query.nonce, encrypt);
    r.body = "<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName>";
    if (compatible) r.body += "<MsgType>text</MsgType><Content>x</Content>";
    r.body += "<Encrypt><![CDATA[" + encrypt + "]]></Encrypt></xml>";
    return r;
}

TEST(WechatWebhook, DecodesAPlainRequest) {
    auto r = webhook(false).decode(plain_query(), text_xml(), at(kNow));
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->mode, Mode::plain);
    EXPECT_EQ(std::get<TextMessage>(r->message.body).content, "漏水了");
    EXPECT_EQ(r->replay_key, "1700000000:1234567");
    EXPECT_EQ(r->body_fingerprint, sha1_hex(text_xml()));
}

TEST(WechatWebhook, DecodesSafeAndCompatibleRequests) {
    const Webhook w = webhook(true);
    auto safe = safe_request(text_xml());
    auto r = w.decode(safe.query, safe.body, at(kNow));
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->mode, Mode::safe);
    EXPECT_EQ(std::get<TextMessage>(r->message.body).content, "漏水了");
    auto compatible = safe_request(text_xml("真的"), true);
    auto c = w.decode(compatible.query, compatible.body, at(kNow));
    ASSERT_TRUE(c.ok()) << c.error().message();
    EXPECT_EQ(c->mode, Mode::compatible);
    EXPECT_EQ(std::get<TextMessage>(c->message.body).content, "真的");  // the authenticated one
    // A safe-mode account still takes plain requests unless told otherwise.
    EXPECT_TRUE(w.decode(plain_query(), text_xml(), at(kNow)).ok());
}

TEST(WechatWebhook, AcceptsTimestampsAtTheEdgeOfTheWindow) {
    const Webhook w = webhook(false);
    EXPECT_TRUE(w.decode(plain_query(kNow - 300), text_xml(), at(kNow)).ok());
    EXPECT_TRUE(w.decode(plain_query(kNow + 300), text_xml(), at(kNow)).ok());
}

struct RefusalCase {
    std::string name;
    bool safe;
    WebhookPolicy policy;
    std::function<void(InboundQuery&, std::string&)> tamper;
    Errc code;
    int status;
};

std::vector<RefusalCase> refusal_cases() {
    return {
        {"body_over_64k", false, {}, [](auto&, auto& body) { body = text_xml(std::string(65 * 1024, 'x')); }, Errc::body_too_large, 413},
        {"body_over_custom_limit", false, {100, false}, [](auto&, auto&) {}, Errc::body_too_large, 413},
        {"no_signature", false, {}, [](auto& q, auto&) { q.signature.clear(); }, Errc::missing_parameter, 400},
        {"no_timestamp", false, {}, [](auto& q, auto&) { q.timestamp.clear(); }, Errc::missing_parameter, 400},
        {"no_nonce", false, {}, [](auto& q, auto&) { q.nonce.clear(); }, Errc::missing_parameter, 400},
        {"bad_signature", false, {}, [](auto& q, auto&) { q.signature[0] = q.signature[0] == 'a' ? 'b' : 'a'; }, Errc::bad_signature, 403},
        {"uppercase_signature", false, {}, [](auto& q, auto&) { for (auto& c : q.signature) c = static_cast<char>(std::toupper(c)); }, Errc::bad_signature, 403},
        {"signature_for_other_nonce", false, {}, [](auto& q, auto&) { q.nonce = "7654321"; }, Errc::bad_signature, 403},
        {"timestamp_not_a_number", false, {}, [](auto& q, auto&) { q.timestamp = "17e8"; q.signature = sign(kToken, q.timestamp, q.nonce); }, Errc::bad_timestamp, 400},
        {"negative_timestamp", false, {}, [](auto& q, auto&) { q.timestamp = "-1"; q.signature = sign(kToken, q.timestamp, q.nonce); }, Errc::bad_timestamp, 400},
        {"timestamp_301s_old", false, {}, [](auto& q, auto&) { q = plain_query(kNow - 301); }, Errc::stale_timestamp, 403},
        {"timestamp_301s_ahead", false, {}, [](auto& q, auto&) { q = plain_query(kNow + 301); }, Errc::stale_timestamp, 403},
        {"timestamp_huge", false, {}, [](auto& q, auto&) { q.timestamp = "99999999999999999999"; q.signature = sign(kToken, q.timestamp, q.nonce); }, Errc::bad_timestamp, 400},
        {"unknown_encrypt_type", false, {}, [](auto& q, auto&) { q.encrypt_type = "des"; }, Errc::unsupported_encrypt_type, 400},
        {"aes_without_key", false, {}, [](auto& q, auto&) { q.encrypt_type = "aes"; }, Errc::encryption_not_configured, 400},
        {"plain_when_required", true, {64 * 1024, true}, [](auto&, auto&) {}, Errc::encryption_required, 403},
        {"doctype", false, {}, [](auto&, auto& body) { body = "<!DOCTYPE xml [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" + body; }, Errc::dtd_refused, 400},
        {"malformed", false, {}, [](auto&, auto& body) { body.resize(body.size() - 3); }, Errc::malformed_xml, 400},
        {"invalid_message", false, {}, [](auto&, auto& body) { body = "<xml><MsgType>text</MsgType></xml>"; }, Errc::invalid_message, 400},
        {"openid_of_someone_else", false, {}, [](auto& q, auto&) { q.openid = "oOther"; }, Errc::openid_mismatch, 403},
    };
}

class WechatWebhookRefusal : public ::testing::TestWithParam<RefusalCase> {};

TEST_P(WechatWebhookRefusal, RefusesWithTheRightCodeAndStatus) {
    const RefusalCase& c = GetParam();
    InboundQuery q = plain_query();
    std::string body = text_xml();
    c.tamper(q, body);
    auto r = webhook(c.safe, c.policy).decode(q, body, at(kNow));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), c.code) << r.error().message();
    EXPECT_EQ(http_status(r.code()), c.status);
    EXPECT_FALSE(r.error().detail.empty());
}

INSTANTIATE_TEST_SUITE_P(Plain, WechatWebhookRefusal, ::testing::ValuesIn(refusal_cases()),
                         [](const auto& info) { return info.param.name; });

struct SafeRefusalCase {
    std::string name;
    std::function<void(SafeRequest&)> tamper;
    Errc code;
    int status;
};

std::vector<SafeRefusalCase> safe_refusal_cases() {
    const auto resign = [](SafeRequest& r, const std::string& encrypt) {
        r.body = "<xml><Encrypt><![CDATA[" + encrypt + "]]></Encrypt></xml>";
        r.query.msg_signature = sign(kToken, r.query.timestamp, r.query.nonce, encrypt);
    };
    return {
        {"no_msg_signature", [](auto& r) { r.query.msg_signature.clear(); }, Errc::missing_parameter, 400},
        {"bad_msg_signature", [](auto& r) { r.query.msg_signature = sign(kToken, "1", "2", "3"); }, Errc::bad_msg_signature, 403},
        {"bad_outer_signature", [](auto& r) { r.query.signature = sign(kToken, "1", "2"); }, Errc::bad_signature, 403},
        {"no_encrypt", [](auto& r) { r.body = "<xml><ToUserName>gh</ToUserName></xml>"; }, Errc::invalid_message, 400},
        {"doctype_outside", [](auto& r) { r.body = "<!DOCTYPE x>" + r.body; }, Errc::dtd_refused, 400},
        {"ciphertext_not_base64", [resign](auto& r) { resign(r, "not base64!"); }, Errc::bad_ciphertext, 400},
        {"ciphertext_16_bytes", [resign](auto& r) { resign(r, "AAAAAAAAAAAAAAAAAAAAAA=="); }, Errc::bad_ciphertext, 400},
        {"ciphertext_garbage_block", [resign](auto& r) { resign(r, std::string(43, 'A') + "="); }, Errc::bad_padding, 400},
        {"appid_of_another_account", [](auto& r) { r = safe_request(text_xml(), false, "wx0123456789abcdef"); }, Errc::appid_mismatch, 403},
        {"doctype_inside", [](auto& r) { r = safe_request("<!DOCTYPE x [<!ENTITY a 'b'>]>" + text_xml()); }, Errc::dtd_refused, 400},
        {"malformed_inside", [](auto& r) { r = safe_request("<xml>"); }, Errc::malformed_xml, 400},
        {"openid_mismatch_inside", [](auto& r) { r.query.openid = "oSomeoneElse"; }, Errc::openid_mismatch, 403},
    };
}

class WechatWebhookSafeRefusal : public ::testing::TestWithParam<SafeRefusalCase> {};

TEST_P(WechatWebhookSafeRefusal, RefusesWithTheRightCodeAndStatus) {
    SafeRequest r = safe_request(text_xml());
    GetParam().tamper(r);
    auto d = webhook(true).decode(r.query, r.body, at(kNow));
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.code(), GetParam().code) << d.error().message();
    EXPECT_EQ(http_status(d.code()), GetParam().status);
}

INSTANTIATE_TEST_SUITE_P(Safe, WechatWebhookSafeRefusal, ::testing::ValuesIn(safe_refusal_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(WechatWebhook, RefusesABadAesKeyAtCreation) {
    config::WechatSettings s = settings(true);
    s.aes_key = "short";
    auto w = Webhook::create(s);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.code(), Errc::bad_aes_key);
}

TEST(WechatWebhook, VerifiesTheUrlCheck) {
    const Webhook w = webhook(false);
    InboundQuery q = plain_query();
    q.echostr = "5837397520665436492";
    auto echo = w.verify_url(q, at(kNow));
    ASSERT_TRUE(echo.ok());
    EXPECT_EQ(*echo, "5837397520665436492");
    q.signature = sign("other-token", q.timestamp, q.nonce);
    EXPECT_EQ(w.verify_url(q, at(kNow)).code(), Errc::bad_signature);
    InboundQuery stale = plain_query(kNow - 1000);
    stale.echostr = "1";
    EXPECT_EQ(w.verify_url(stale, at(kNow)).code(), Errc::stale_timestamp);
    EXPECT_EQ(w.verify_url(plain_query(), at(kNow)).code(), Errc::missing_parameter);
}

TEST(WechatWebhook, EncodesPlainRepliesFromTheAccountToTheSender) {
    const Webhook w = webhook(false);
    auto r = w.decode(plain_query(), text_xml(), at(kNow));
    ASSERT_TRUE(r.ok());
    const std::string body = w.encode_reply(*r, TextReply{"收到"}, at(kNow + 1));
    EXPECT_EQ(body, "<xml><ToUserName><![CDATA[" + kOpenid + "]]></ToUserName><FromUserName>"
                    "<![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1700000001</CreateTime>"
                    "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[收到]]></Content></xml>");
    EXPECT_EQ(w.encode_reply(*r, NoReply{}, at(kNow)), "success");
}

TEST(WechatWebhook, EncryptsRepliesToEncryptedRequestsVerifiably) {
    const Webhook w = webhook(true);
    auto req = safe_request(text_xml());
    auto r = w.decode(req.query, req.body, at(kNow));
    ASSERT_TRUE(r.ok());
    const std::string body = w.encode_reply(*r, TextReply{"a]]>b"}, at(kNow + 2));
    EXPECT_EQ(w.encode_reply(*r, NoReply{}, at(kNow)), "success");
    // Read it as WeChat would: the envelope's signature over its own TimeStamp and Nonce.
    auto envelope = parse_encrypted_envelope(body);
    ASSERT_TRUE(envelope.ok());
    const auto field = [&](std::string_view name) {
        const std::string open = "<" + std::string(name) + ">", close = "</" + std::string(name) + ">";
        const auto b = body.find(open) + open.size();
        std::string v = body.substr(b, body.find(close) - b);
        if (v.starts_with("<![CDATA[")) v = v.substr(9, v.size() - 12);
        return v;
    };
    EXPECT_EQ(field("TimeStamp"), "1700000002");
    EXPECT_EQ(field("Nonce").size(), 10u);
    EXPECT_EQ(field("MsgSignature"), sign(kToken, field("TimeStamp"), field("Nonce"), envelope->encrypt));
    auto inner = MessageCipher::create(kAesKey, std::string(kAppId)).value().decrypt(envelope->encrypt);
    ASSERT_TRUE(inner.ok());
    EXPECT_NE(inner->find("<Content><![CDATA[a]]]]><![CDATA[>b]]></Content>"), std::string::npos);
    EXPECT_NE(inner->find("<ToUserName><![CDATA[" + kOpenid + "]]>"), std::string::npos);
}

TEST(WechatQuery, ParsesAndPercentDecodesTheKnownParameters) {
    auto q = parse_inbound_query("/wechat?signature=abc&timestamp=1410685589&nonce=a%2Bb+c&openid=o_1&encrypt_type=aes&msg_signature=def&echostr=5&other=x");
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->signature, "abc");
    EXPECT_EQ(q->timestamp, "1410685589");
    EXPECT_EQ(q->nonce, "a+b c");
    EXPECT_EQ(q->openid, "o_1");
    EXPECT_EQ(q->encrypt_type, "aes");
    EXPECT_EQ(q->msg_signature, "def");
    EXPECT_EQ(q->echostr, "5");
    EXPECT_TRUE(parse_inbound_query("/wechat").ok());
    EXPECT_EQ(parse_inbound_query("nonce=%zz").code(), Errc::missing_parameter);
    EXPECT_EQ(parse_inbound_query("nonce=%2").code(), Errc::missing_parameter);
    EXPECT_EQ(parse_inbound_query("nonce=1&nonce=2").code(), Errc::missing_parameter);
}

}  // namespace
}  // namespace repairbot::wechat
