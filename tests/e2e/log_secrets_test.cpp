// What the real binary logs, at debug level, over a whole working session (a report with a
// phone number and a photo in safe mode, the job push and the photo download through the
// simulated WeChat API, the admin API with the right and with wrong tokens, a shutdown) holds
// none of its secrets, no access token the platform issued and no full phone number.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "adapters/wechat/sim/api_server.h"
#include "tests/e2e/wechat_channel.h"

namespace repairbot::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The access_token=... values in the calls the bot made to the simulated platform.
std::set<std::string> issued_tokens(const wechat::sim::ApiServer& api) {
    std::set<std::string> tokens;
    for (const auto& call : api.calls()) {
        auto at = call.query.find("access_token=");
        if (at == std::string::npos) continue;
        at += 13;
        auto token = call.query.substr(at, call.query.find('&', at) - at);
        if (token.size() >= 8) tokens.insert(token);
    }
    return tokens;
}

TEST(LogSecrets, AWholeSessionLogsNoSecretNoAccessTokenAndNoFullPhoneNumber) {
    auto env = bot_environment(0);
    wechat::sim::ApiServer api(wechat::sim::ApiServerOptions{env["REPAIRBOT_WECHAT_APPID"], env["REPAIRBOT_WECHAT_SECRET"]});
    ASSERT_TRUE(api.start().ok());
    const auto media_id = "MEDIA_LOG_" + fresh_openid("m");
    api.add_media(media_id, std::string("\xff\xd8\xff\xe0", 4) + std::string(3000, 'p'), "image/jpeg");
    const fs::path media_dir = fs::temp_directory_path() / ("repairbot-log-media-" + std::to_string(::getpid()));

    BotProcess bot("log-secrets", {{"REPAIRBOT_WECHAT_API_BASE", api.base_url()},
                                   {"REPAIRBOT_MEDIA_DIR", media_dir.string()},
                                   {"REPAIRBOT_LOG_LEVEL", "debug"}});
    ASSERT_TRUE(bot.started()) << bot.output();

    // A report with the phone number, a photo, and the number said again later.
    WechatChannel phone(bot.port(), wechat::Mode::safe);
    const auto owner = fresh_openid("log_owner");
    auto reply = phone.say(owner, "3栋2单元502厨房水管漏水了，电话13800138000");
    bool sent_photo = false;
    for (int turn = 0; turn < 10 && reply.find("工单号") == std::string::npos; ++turn) {
        if (!sent_photo && reply.find("拍照") != std::string::npos) {
            phone.send(owner, wechat::ImageMessage{"http://mmbiz.qpic.cn/" + media_id, media_id});
            sent_photo = true;
            reply = phone.say(owner, "好了");
        } else if (reply.find("“确认”") != std::string::npos) {
            reply = phone.say(owner, "确认");
        } else if (reply.find("什么时候") != std::string::npos) {
            reply = phone.say(owner, "尽快");
        } else {
            break;
        }
    }
    ASSERT_NE(reply.find("工单号"), std::string::npos) << reply;
    auto at = reply.find("BX");
    const auto number = reply.substr(at, reply.find_first_not_of("BX0123456789-", at) - at);
    phone.say(owner, "修改电话 13800138000");
    phone.say(owner, "进度");
    // The staff notes carry the owner's phone (人工, 投诉): in their outbox rows, never in a log.
    phone.say(owner, "人工");
    phone.say(owner, "投诉 师傅一直没来，电话13800138000");

    // The admin API with the token (and with wrong ones, and with the token in the query).
    const std::string token = env["REPAIRBOT_ADMIN_TOKEN"];
    const std::map<std::string, std::string> auth{{"Authorization", "Bearer " + token}};
    EXPECT_EQ(http_request(bot.port(), "GET", "/api/tickets?openid=" + owner, "", auth).status, 200);
    EXPECT_TRUE(eventually([&] {
        auto r = http_request(bot.port(), "GET", "/api/tickets/" + number, "", auth);
        return r.status == 200 && r.body.find("\"stored\"") != std::string::npos;
    }, 20s)) << "the photo was downloaded through the API (with an access token)";
    EXPECT_EQ(http_request(bot.port(), "GET", "/api/stats?month=2026-11", "", auth).status, 200);
    EXPECT_EQ(http_request(bot.port(), "GET", "/api/callbacks", "", auth).status, 200);
    // The 人工 is a handover the dispatchers owe, listed with how to reach the owner; recording
    // the answer closes it (and leaves no timer for the next server on this database).
    auto owed =
        http_request(bot.port(), "GET", "/api/callbacks?kind=handover&open=1&limit=500", "", auth);
    ASSERT_EQ(owed.status, 200) << owed.body;
    std::optional<std::uint64_t> handover;
    for (const auto& cb : nlohmann::json::parse(owed.body))
        if (cb["owner"].is_object() && cb["owner"]["openid"] == owner) {
            handover = cb["id"].get<std::uint64_t>();
            EXPECT_EQ(cb["owner"]["phone"], "13800138000") << cb;
        }
    ASSERT_TRUE(handover) << owed.body;
    auto answered =
        http_request(bot.port(), "POST", "/api/callbacks/" + std::to_string(*handover) + "/done",
                     R"({"outcome":"satisfied","notes":"已回电"})", auth);
    EXPECT_EQ(answered.status, 200) << answered.body;
    EXPECT_EQ(http_request(bot.port(), "GET", "/api/tickets", "", {{"Authorization", "Bearer " + token + "x"}}).status, 401);
    (void)http_request(bot.port(), "GET", "/api/tickets?token=" + token);
    (void)http_request(bot.port(), "GET", "/wechat?signature=" + token + "&timestamp=1&nonce=2&echostr=e");

    bot.process().signal(SIGTERM);
    EXPECT_EQ(bot.process().wait(10s), 0);
    const auto out = bot.output();
    ASSERT_NE(out.find("listening"), std::string::npos) << out;
    ASSERT_NE(out.find("photos stored"), std::string::npos) << "debug logging reached the photo worker\n" << out;

    const auto tokens = issued_tokens(api);
    ASSERT_FALSE(tokens.empty()) << "the bot used the platform's API";
    std::vector<std::pair<std::string, std::string>> never{
        {"app secret", env["REPAIRBOT_WECHAT_SECRET"]},
        {"webhook token", "token=" + env["REPAIRBOT_WECHAT_TOKEN"]},
        {"AES key", env["REPAIRBOT_WECHAT_AES_KEY"]},
        {"admin token", token},
        {"full phone number", "13800138000"},
        {"MySQL password", ":repairbot@"},
    };
    for (const auto& t : tokens) never.emplace_back("access token", t);
    for (const auto& [what, secret] : never) {
        auto found = out.find(secret);
        if (found == std::string::npos) continue;
        auto line_start = out.rfind('\n', found);
        line_start = line_start == std::string::npos ? 0 : line_start + 1;
        ADD_FAILURE() << "the log holds the " << what << ":\n" << out.substr(line_start, out.find('\n', found) - line_start);
    }
    // The word "e2etoken" alone: the webhook token, anywhere (the check above looks for it as a value).
    EXPECT_EQ(out.find(env["REPAIRBOT_WECHAT_TOKEN"]), std::string::npos);
    fs::remove_all(media_dir);
}

}  // namespace
}  // namespace repairbot::testing
