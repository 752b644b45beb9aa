// An owner's photos reach the desk: the real binary records the two MediaIds of a report on the
// webhook path, its photo worker downloads them from the simulated WeChat API afterwards, stores
// them content-addressed under REPAIRBOT_MEDIA_DIR, and the admin API lists both as stored.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "adapters/wechat/sim/api_server.h"
#include "bot/photo_worker.h"
#include "tests/e2e/wechat_channel.h"

namespace repairbot::testing {
namespace {

namespace fs = std::filesystem;
using wechat::Mode;

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string jpeg_bytes(unsigned seed) {
    std::string bytes("\xff\xd8\xff\xe0", 4);
    std::mt19937 random(seed);
    while (bytes.size() < 20000) bytes.push_back(static_cast<char>(random() & 0xff));
    return bytes;
}

class Photos : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto [code, out] = run_bot_command({"migrate"}, bot_environment(free_port()), "photos-migrate");
        ASSERT_EQ(code, 0) << out;
    }
    void SetUp() override {
        auto env = bot_environment(0);
        api_ = std::make_unique<wechat::sim::ApiServer>(
            wechat::sim::ApiServerOptions{env["REPAIRBOT_WECHAT_APPID"], env["REPAIRBOT_WECHAT_SECRET"]});
        ASSERT_TRUE(api_->start().ok());
        media_dir_ = fs::temp_directory_path() /
                     ("repairbot-e2e-media-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}()));
    }
    void TearDown() override { fs::remove_all(media_dir_); }

    nlohmann::json ticket_json(int port, const std::string& number) {
        auto env = bot_environment(0);
        auto reply = http_request(port, "GET", "/api/tickets/" + number, "",
                                  {{"Authorization", "Bearer " + env["REPAIRBOT_ADMIN_TOKEN"]}});
        if (reply.status != 200) return nullptr;
        return nlohmann::json::parse(reply.body, nullptr, false);
    }

    std::unique_ptr<wechat::sim::ApiServer> api_;
    fs::path media_dir_;
};

TEST_F(Photos, AReportsTwoPhotosAreStoredAndListedByTheAdminApi) {
    const std::string tag = fresh_openid("m");
    const std::vector<std::pair<std::string, std::string>> photos{
        {"MEDIA_E2E_A_" + tag, jpeg_bytes(1)},
        {"MEDIA_E2E_B_" + tag, jpeg_bytes(2)},
    };
    for (const auto& [media_id, bytes] : photos) api_->add_media(media_id, bytes, "image/jpeg");

    BotProcess bot("photos", {{"REPAIRBOT_WECHAT_API_BASE", api_->base_url()},
                              {"REPAIRBOT_MEDIA_DIR", media_dir_.string()}});
    ASSERT_TRUE(bot.started()) << bot.output();
    WechatChannel phone(bot.port(), Mode::safe);
    const auto owner = fresh_openid("photo_owner");

    auto reply = phone.say(owner, "3栋2单元502卫生间下水道堵了，电话13800138000");
    bool sent_photos = false;
    for (int turn = 0; turn < 10 && reply.find("工单号") == std::string::npos; ++turn) {
        if (!sent_photos && reply.find("拍照") != std::string::npos) {
            for (const auto& [media_id, bytes] : photos)
                phone.send(owner, wechat::ImageMessage{"http://mmbiz.qpic.cn/" + media_id, media_id});
            sent_photos = true;
            reply = phone.say(owner, "好了");
        } else if (reply.find("“确认”") != std::string::npos) {
            reply = phone.say(owner, "确认");
        } else if (reply.find("什么时候") != std::string::npos) {
            reply = phone.say(owner, "尽快");
        } else {
            break;
        }
    }
    ASSERT_TRUE(sent_photos) << "the bot never asked for photos; last reply: " << reply;
    auto at = reply.find("BX");
    ASSERT_NE(at, std::string::npos) << reply;
    const auto number = reply.substr(at, reply.find_first_not_of("BX0123456789-", at) - at);

    nlohmann::json ticket;
    auto all_stored = [&] {
        ticket = ticket_json(bot.port(), number);
        if (!ticket.is_object() || !ticket["photos"].is_array() || ticket["photos"].size() != photos.size())
            return false;
        for (const auto& p : ticket["photos"])
            if (p.value("status", "") != "stored") return false;
        return true;
    };
    ASSERT_TRUE(eventually(all_stored, std::chrono::seconds(20))) << ticket.dump() << "\n" << bot.output();

    for (const auto& [media_id, bytes] : photos) {
        const auto listed = std::find_if(ticket["photos"].begin(), ticket["photos"].end(),
                                         [&](const auto& p) { return p.value("media_id", "") == media_id; });
        ASSERT_NE(listed, ticket["photos"].end()) << media_id << " in " << ticket.dump();
        const auto sha = bot::sha256_hex(bytes);
        const fs::path expected = media_dir_ / sha.substr(0, 2) / (sha + ".jpg");
        EXPECT_EQ(fs::path((*listed).value("stored_path", "")), expected);
        ASSERT_TRUE(fs::exists(expected)) << expected;
        EXPECT_EQ(read_file(expected), bytes) << media_id;
        const auto calls = api_->calls("/cgi-bin/media/get");
        EXPECT_EQ(std::count_if(calls.begin(), calls.end(),
                                [&](const auto& c) {
                                    return c.errcode == 0 && c.query.find("media_id=" + media_id) != std::string::npos;
                                }),
                  1)
            << media_id << " downloaded once (a token refused first is retried, not counted)";
    }
}

}  // namespace
}  // namespace repairbot::testing
