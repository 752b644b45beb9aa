// webhook-pool: writes the request pool of scripts/bench's webhook load — N POST /wechat
// requests signed (and in safe mode encrypted) exactly as WeChat posts them, each with its own
// MsgId (events: their own CreateTime) and nonce, all at one timestamp (now, unless given), so
// the bot's signature, timestamp-window, replay and dedupe guards all do their full work.
//
//   webhook-pool --mode plain|safe --count N --out PREFIX [--shards 2] [--openids 5000]
//                [--first-id 1] [--host 127.0.0.1:8080] [--path /wechat] [--timestamp UNIX]
//                --token T [--appid A --aes-key K] [--account gh_bench]
//                [--seed 1] [--openid-base 0] [--mix report|chat]
//
// Output: PREFIX.0 .. PREFIX.<shards-1>, one per wrk thread (tests/bench/webhook.lua), each a
// sequence of records "<bytes>\n<a complete HTTP/1.1 request of that many bytes>". The openids
// are split between shards (openid i goes to shard i % shards), so one openid's messages come
// from one wrk thread in dialogue order.
//
// The mix: every openid runs repair dialogues one after another, as an owner would:
//   [1 in 4: "你好" | 1 in 4: menu CLICK REPORT_REPAIR]          (opening, half the dialogues)
//   "<building>栋<unit>单元<room><place><fault> 电话<phone>"       (the report: 1 in 10 urgent)
//   one photo (image message: PicUrl + a MediaId of its own, "bench-photo-<MsgId>", as every
//              WeChat upload has; the simulator serves the prefix: POST /sim/media?media_id_prefix=)
//   "好了" (photos done)  "尽快" (visit time)  "确认" (submit: a ticket is created)
//   [1 in 3: menu CLICK MY_REPAIRS]                               (progress query)
// --mix chat: the same dialogues, but none urgent (an emergency is filed at once, without 确认),
// and the owner cancels ("取消") instead of confirming and never asks for progress: every message is answered from the dialogue and its Redis session alone
// (no ticket, no MySQL), which measures the webhook path itself apart from ticket creation.
// A shard is written in rounds: round r holds the r-th message of every openid of the shard, so
// consecutive messages of one openid are (openids / shards) requests apart in the pool, far more
// than the requests in flight (<= connections): each message finds the previous one answered.
//
// Prints one summary line (counts by kind, bytes) to stdout. Exit 2 on bad options.
#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/wechat/inbound_message.h"
#include "adapters/wechat/random_source.h"
#include "adapters/wechat/sim/webhook_signer.h"
#include "adapters/wechat/webhook.h"

namespace {

using namespace repairbot;
using namespace repairbot::wechat;

// The signer draws 10 bytes for each nonce (digit = byte % 10) and 16 for each safe-mode
// prefix. Random 10-digit nonces collide: about 8 pairs in 400,000 requests signed in the same
// second, which the replay guard rightly refuses (403). This source spells a counter in the
// nonce draws so every nonce of a pool is distinct, and gives pseudo-random bytes otherwise.
class CountingNonceRandom final : public RandomSource {
  public:
    CountingNonceRandom(std::uint64_t first_nonce, std::uint64_t seed)
        : next_(first_nonce), bytes_(seed) {}

    void fill(std::span<std::uint8_t> out) override {
        std::lock_guard lock(mutex_);
        if (out.size() == 10) {
            std::uint64_t n = next_++;
            for (std::size_t i = out.size(); i-- > 0;) {
                out[i] = static_cast<std::uint8_t>(n % 10);
                n /= 10;
            }
            return;
        }
        for (auto& b : out) b = static_cast<std::uint8_t>(bytes_());
    }

  private:
    std::mutex mutex_;
    std::uint64_t next_;
    std::mt19937_64 bytes_;
};

struct Options {
    std::string mode = "plain";
    std::uint64_t count = 0;
    std::string out;
    unsigned shards = 2;
    unsigned openids = 5000;
    std::uint64_t first_id = 1;
    std::string host = "127.0.0.1:8080";
    std::string path = "/wechat";
    std::int64_t timestamp = 0;
    std::string token;
    std::string appid;
    std::string aes_key;
    std::string account = "gh_bench000000";
    std::uint64_t seed = 1;
    std::uint64_t openid_base = 0;  // openid numbers start here: a run of its own has new owners
    std::string mix = "report";     // report: dialogues end in 确认; chat: in 取消 (no ticket)
};

[[noreturn]] void usage(const std::string& problem) {
    std::cerr << "webhook-pool: " << problem
              << "\nusage: webhook-pool --mode plain|safe --count N --out PREFIX [--shards 2]"
                 " [--openids 5000] [--first-id 1] [--host H:P] [--path /wechat]"
                 " [--timestamp UNIX] --token T [--appid A --aes-key K] [--account gh_ID]"
                 " [--seed 1] [--openid-base 0] [--mix report|chat]\n";
    std::exit(2);
}

std::uint64_t number(std::string_view key, std::string_view value) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc{} || end != value.data() + value.size())
        usage("--" + std::string(key) + " wants a whole number, got '" + std::string(value) + "'");
    return n;
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (!arg.starts_with("--") || i + 1 >= argc)
            usage("unexpected argument '" + std::string(arg) + "'");
        const std::string_view key = arg.substr(2);
        const std::string value = argv[++i];
        if (key == "mode")
            o.mode = value;
        else if (key == "count")
            o.count = number(key, value);
        else if (key == "out")
            o.out = value;
        else if (key == "shards")
            o.shards = static_cast<unsigned>(number(key, value));
        else if (key == "openids")
            o.openids = static_cast<unsigned>(number(key, value));
        else if (key == "first-id")
            o.first_id = number(key, value);
        else if (key == "host")
            o.host = value;
        else if (key == "path")
            o.path = value;
        else if (key == "timestamp")
            o.timestamp = static_cast<std::int64_t>(number(key, value));
        else if (key == "token")
            o.token = value;
        else if (key == "appid")
            o.appid = value;
        else if (key == "aes-key")
            o.aes_key = value;
        else if (key == "account")
            o.account = value;
        else if (key == "seed")
            o.seed = number(key, value);
        else if (key == "openid-base")
            o.openid_base = number(key, value);
        else if (key == "mix")
            o.mix = value;
        else
            usage("unknown option '" + std::string(arg) + "'");
    }
    if (o.mode != "plain" && o.mode != "safe")
        usage("--mode is plain or safe, got '" + o.mode + "'");
    if (o.mix != "report" && o.mix != "chat") usage("--mix is report or chat, got '" + o.mix + "'");
    if (o.count == 0 || o.out.empty() || o.token.empty())
        usage("--count, --out and --token are required");
    if (o.shards == 0 || o.openids < o.shards) usage("--openids must be at least --shards (>= 1)");
    if (o.mode == "safe" && (o.aes_key.empty() || o.appid.empty()))
        usage("--mode safe needs --appid and --aes-key (the bot's REPAIRBOT_WECHAT_APPID/AES_KEY)");
    if (o.timestamp == 0) {
        o.timestamp = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
    }
    return o;
}

constexpr std::array<std::string_view, 12> kFaults = {
    "厨房水管漏水",       "卫生间马桶堵了",       "客厅灯不亮",     "卧室插座没电",
    "阳台水龙头一直滴水", "防盗门门锁坏了打不开", "卫生间花洒没水", "厨房燃气灶打不着火",
    "主卧窗户关不上",     "热水器不出热水",       "书房开关跳闸",   "洗手盆下水管渗水"};
// About one report in ten is an emergency (DOMAIN.md's fast path).
constexpr std::array<std::string_view, 2> kUrgentFaults = {"厨房水管爆了，水喷了一地",
                                                           "闻到很大的燃气味"};

// One step of an owner's dialogue.
enum class Kind { hello, click_report, report, photo, photos_done, time, confirm, click_progress, cancel };

constexpr std::string_view kind_name(Kind k) {
    switch (k) {
        case Kind::hello:
            return "hello";
        case Kind::click_report:
            return "click_report";
        case Kind::report:
            return "report";
        case Kind::photo:
            return "photo";
        case Kind::photos_done:
            return "photos_done";
        case Kind::time:
            return "time";
        case Kind::confirm:
            return "confirm";
        case Kind::cancel:
            return "cancel";
        case Kind::click_progress:
            return "click_progress";
    }
    return "?";
}

// The steps of dialogue number `d` of openid number `o`: the mix described at the top.
std::vector<Kind> dialogue(std::uint64_t o, std::uint64_t d, bool chat) {
    std::vector<Kind> steps;
    const std::uint64_t h = (o * 2654435761u + d * 40503u) % 12;
    if (h % 4 == 0) steps.push_back(Kind::hello);
    if (h % 4 == 1) steps.push_back(Kind::click_report);
    steps.insert(steps.end(), {Kind::report, Kind::photo, Kind::photos_done, Kind::time,
                               chat ? Kind::cancel : Kind::confirm});
    if (!chat && h % 3 == 0) steps.push_back(Kind::click_progress);
    return steps;
}

// Where one openid stands in its dialogues.
struct Owner {
    std::string openid;
    std::uint64_t number = 0;
    std::uint64_t dialogue_no = 0;
    std::vector<Kind> steps;
    std::size_t next = 0;
    unsigned events = 0;  // events sent so far: each gets its own CreateTime (the dedupe key)
};

InboundMessage message_for(const Options& o, Owner& owner, Kind kind, std::uint64_t msg_id) {
    InboundMessage m;
    m.to_user = o.account;
    m.from_user = owner.openid;
    m.create_time = o.timestamp;
    m.msg_id = msg_id;
    const std::uint64_t n = owner.number, d = owner.dialogue_no;
    switch (kind) {
        case Kind::hello:
            m.body = TextMessage{"你好"};
            break;
        case Kind::click_report:
        case Kind::click_progress:
            // Events are deduplicated by FromUserName+CreateTime: one second apart, backwards.
            m.msg_id = 0;
            m.create_time = o.timestamp - owner.events++;
            m.body = ClickEvent{kind == Kind::click_report ? "REPORT_REPAIR" : "MY_REPAIRS"};
            break;
        case Kind::report: {
            // The chat mix has no emergencies: one is filed at once, without 确认 to cancel.
            const bool urgent = o.mix != "chat" && (n + d) % 10 == 7;
            const std::string_view fault = urgent ? kUrgentFaults[(n + d) % kUrgentFaults.size()]
                                                  : kFaults[(n * 7 + d) % kFaults.size()];
            std::string text =
                std::to_string(1 + n % 30) + "栋" + std::to_string(1 + (n / 30) % 4) + "单元" +
                std::to_string(100 * (1 + (n / 120) % 28) + 1 + d % 4) + std::string(fault) +
                " 电话138" + std::to_string(10000000 + n % 90000000);
            m.body = TextMessage{std::move(text)};
            break;
        }
        case Kind::photo: {
            const std::string media = "bench-photo-" + std::to_string(msg_id);
            m.body = ImageMessage{"http://mmbiz.qpic.cn/mmbiz_jpg/" + media + "/0", media};
            break;
        }
        case Kind::photos_done:
            m.body = TextMessage{"好了"};
            break;
        case Kind::time:
            m.body = TextMessage{"尽快"};
            break;
        case Kind::confirm:
            m.body = TextMessage{"确认"};
            break;
        case Kind::cancel:
            m.body = TextMessage{"取消"};
            break;
    }
    return m;
}

void append_request(std::string& out, const Options& o, const sim::SignedWebhook& w) {
    std::string r;
    r.reserve(w.target.size() + w.body.size() + 160);
    r += "POST ";
    r += w.target;
    r += " HTTP/1.1\r\nHost: ";
    r += o.host;
    r += "\r\nContent-Type: text/xml\r\nContent-Length: ";
    r += std::to_string(w.body.size());
    r += "\r\n\r\n";
    r += w.body;
    out += std::to_string(r.size());
    out += '\n';
    out += r;
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    // Nonces: 10 digits from a counter that starts at 10^9 + first_id, so pools of one bench
    // run (which hands out disjoint id ranges) never share a nonce either.
    auto random =
        std::make_shared<CountingNonceRandom>(1000000000ULL + o.first_id % 8000000000ULL, o.seed);
    auto signer = sim::WebhookSigner::create({o.token, o.appid, o.aes_key}, random);
    if (!signer) usage("--aes-key: " + signer.error().message());
    const Mode mode = o.mode == "safe" ? Mode::safe : Mode::plain;

    std::vector<Owner> owners(o.openids);
    for (unsigned i = 0; i < o.openids; ++i) {
        char id[32];
        const auto owner_no = static_cast<unsigned long long>(o.openid_base + i);
        std::snprintf(id, sizeof id, "oBench%022llu", owner_no);  // 28 characters, like WeChat's
        owners[i].openid = id;
        owners[i].number = owner_no;
        owners[i].steps = dialogue(owner_no, 0, o.mix == "chat");
    }

    std::map<std::string_view, std::uint64_t> kinds;
    std::uint64_t bytes = 0;
    const std::uint64_t per_shard = (o.count + o.shards - 1) / o.shards;
    std::uint64_t msg_id = o.first_id;
    for (unsigned s = 0; s < o.shards; ++s) {
        const std::string file = o.out + "." + std::to_string(s);
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        if (!out) usage("cannot write " + file);
        std::string buffer;
        std::uint64_t written = 0;
        while (written < per_shard) {
            for (unsigned i = s; i < o.openids && written < per_shard; i += o.shards) {
                Owner& owner = owners[i];
                if (owner.next == owner.steps.size()) {
                    owner.steps = dialogue(owner.number, ++owner.dialogue_no, o.mix == "chat");
                    owner.next = 0;
                }
                const Kind kind = owner.steps[owner.next++];
                const InboundMessage m = message_for(o, owner, kind, msg_id++);
                append_request(buffer, o, signer->sign_message(o.path, m, mode, o.timestamp));
                ++kinds[kind_name(kind)];
                ++written;
                if (buffer.size() > (1u << 22)) {
                    out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
                    bytes += buffer.size();
                    buffer.clear();
                }
            }
        }
        out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        bytes += buffer.size();
        if (!out.flush()) usage("write failed: " + file);
    }

    std::cout << "pool mode=" << o.mode << " requests=" << per_shard * o.shards
              << " shards=" << o.shards << " openids=" << o.openids << " bytes=" << bytes
              << " timestamp=" << o.timestamp << " next_id=" << msg_id;
    for (const auto& [k, n] : kinds) std::cout << ' ' << k << '=' << n;
    std::cout << '\n';
    return 0;
}
