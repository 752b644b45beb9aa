// One inbound message through the protocol layer, as the /wechat route runs it: verify the
// signatures and timestamp, decrypt (safe mode), parse, and encode (encrypt) the text reply.
// items_per_second is messages per second on one core. Targets: plain >= 100k/s, safe >= 40k/s.
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

#include "adapters/wechat/inbound_xml.h"
#include "adapters/wechat/message_cipher.h"
#include "adapters/wechat/signature.h"
#include "adapters/wechat/webhook.h"

namespace {

using namespace repairbot;
using namespace repairbot::wechat;

constexpr std::int64_t kNow = 1700000000;
const auto now = std::chrono::system_clock::time_point{std::chrono::seconds{kNow}};

const std::string kXml =
    "<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName>"
    "<FromUserName><![CDATA[oia2TjuEGTNoeX76QEjQNrcURxG8]]></FromUserName>"
    "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[3号楼2单元501 厨房水管漏水，很急，请尽快派师傅来看看]]></Content>"
    "<MsgId>24297587541393948</MsgId></xml>";
const std::string kReply = "已收到您的报修：厨房水管漏水。工单号 R20240501-0042，师傅将在30分钟内联系您。";

config::WechatSettings settings(bool safe) {
    config::WechatSettings s;
    s.token = "pamtest";
    s.appid = "wxb11529c136998cb6";
    if (safe) s.aes_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    return s;
}

struct Request {
    InboundQuery query;
    std::string body;
};

Request request(bool safe) {
    Request r;
    r.query.timestamp = std::to_string(kNow);
    r.query.nonce = "1320562132";
    r.query.openid = "oia2TjuEGTNoeX76QEjQNrcURxG8";
    r.query.signature = sign("pamtest", r.query.timestamp, r.query.nonce);
    if (!safe) {
        r.body = kXml;
        return r;
    }
    SystemRandom random;
    const std::string encrypt = MessageCipher::create("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
                                                      "wxb11529c136998cb6").value().encrypt(kXml, random);
    r.query.encrypt_type = "aes";
    r.query.msg_signature = sign("pamtest", r.query.timestamp, r.query.nonce, encrypt);
    r.body = "<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName><Encrypt><![CDATA[" + encrypt +
             "]]></Encrypt></xml>";
    return r;
}

void full_path(benchmark::State& state, bool safe) {
    const Webhook webhook = Webhook::create(settings(safe)).value();
    const Request r = request(safe);
    for (auto _ : state) {
        auto decoded = webhook.decode(r.query, r.body, now);
        if (!decoded) {
            state.SkipWithError("decode failed");
            break;
        }
        std::string reply = webhook.encode_reply(*decoded, TextReply{kReply}, now);
        benchmark::DoNotOptimize(reply);
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_WechatPlainMessage(benchmark::State& state) { full_path(state, false); }
void BM_WechatSafeMessage(benchmark::State& state) { full_path(state, true); }
BENCHMARK(BM_WechatPlainMessage);
BENCHMARK(BM_WechatSafeMessage);

void BM_WechatParseXml(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(parse_inbound_xml(kXml));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WechatParseXml);

void BM_WechatSignature(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(sign("pamtest", "1700000000", "1320562132"));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WechatSignature);

void BM_WechatDecrypt(benchmark::State& state) {
    const auto cipher = MessageCipher::create("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
                                              "wxb11529c136998cb6").value();
    SystemRandom random;
    const std::string encrypt = cipher.encrypt(kXml, random);
    for (auto _ : state) benchmark::DoNotOptimize(cipher.decrypt(encrypt));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WechatDecrypt);

}  // namespace
