// WeChat posts the images an owner sends at once as separate webhooks at the same moment: nine
// of them within 100 ms, while the report waits for photos, all reach the ticket (the session's
// compare-and-set makes the racing messages take turns), each gets its own "photo N received"
// answer, and the photo worker downloads all nine from the simulated WeChat API.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "bot/photo_worker.h"
#include "store/photo_repository.h"
#include "tests/e2e/fault_world.h"

namespace repairbot::testing {
namespace {

namespace fs = std::filesystem;
using wechat::Mode;

std::string jpeg_bytes(unsigned seed) {
    std::string bytes("\xff\xd8\xff\xe0", 4);
    std::mt19937 random(seed);
    while (bytes.size() < 8000) bytes.push_back(static_cast<char>(random() & 0xff));
    return bytes;
}

// The N of "已收到第N张照片" in a reply, or 0.
int photo_count_in(const std::string& reply) {
    const std::string mark = "已收到第";
    auto at = reply.find(mark);
    if (at == std::string::npos) return 0;
    return std::atoi(reply.c_str() + at + mark.size());
}

TEST(PhotoBurst, NineImagesWithin100msDuringThePhotoStepAreNinePhotosOnTheTicket) {
    FaultDesk desk("photo-burst");
    ASSERT_TRUE(desk.ready()) << desk.migrate_output();
    auto env = bot_environment(0);
    wechat::sim::ApiServer api({env["REPAIRBOT_WECHAT_APPID"], env["REPAIRBOT_WECHAT_SECRET"]});
    ASSERT_TRUE(api.start().ok());
    ASSERT_NE(desk.add_technician("郑师傅", fresh_openid("burst_tech"), 5), 0u);
    const fs::path media_dir = fs::temp_directory_path() / ("repairbot-e2e-burst-" + fresh_openid("m"));

    const auto owner = fresh_openid("burst_owner");
    std::vector<std::pair<std::string, std::string>> photos;
    for (unsigned i = 0; i < 9; ++i) {
        photos.emplace_back("MEDIA_BURST_" + std::to_string(i) + "_" + owner, jpeg_bytes(100 + i));
        api.add_media(photos.back().first, photos.back().second, "image/jpeg");
    }

    auto bot_env = desk.env(api);
    bot_env["REPAIRBOT_MEDIA_DIR"] = media_dir.string();
    BotProcess bot("fault-photo-burst", bot_env);
    ASSERT_TRUE(bot.started()) << bot.output();
    WechatChannel phone(bot.port(), Mode::safe);

    auto reply = phone.say(owner, "3栋2单元502卫生间下水道堵了，电话13800138000");
    for (int turn = 0; turn < 4 && reply.find("拍照") == std::string::npos; ++turn) {
        if (reply.find("什么时候") != std::string::npos) reply = phone.say(owner, "尽快");
        else break;
    }
    ASSERT_NE(reply.find("拍照"), std::string::npos) << "the report should be at its photo step: " << reply;

    // Nine images, MsgIds and MediaIds distinct, posted from nine threads within 3 ms.
    std::vector<wechat::sim::SignedWebhook> requests;
    for (const auto& [media_id, bytes] : photos)
        requests.push_back(signed_now(phone.client(), stamped_message(phone.client(), owner,
                                                                      wechat::ImageMessage{"http://mmbiz.qpic.cn/" + media_id, media_id})));
    std::vector<std::optional<Result<wechat::sim::Delivery>>> results(photos.size());
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> senders;
    for (std::size_t i = 0; i < requests.size(); ++i)
        senders.emplace_back([&, i] {
            std::this_thread::sleep_until(start + std::chrono::milliseconds(i % 3));
            results[i] = phone.client().post_blocking(requests[i]);
        });
    for (auto& s : senders) s.join();

    // Each got its own answer: the counts 1..9, each once; the ninth moves the report on.
    std::multiset<int> counts;
    std::string after_photos;
    for (std::size_t i = 0; i < results.size(); ++i) {
        ASSERT_TRUE(results[i]->ok()) << i << ": " << results[i]->error().message();
        const auto& d = **results[i];
        EXPECT_EQ(d.status, 200);
        EXPECT_EQ(d.attempts.size(), 1u) << i << ": answered within WeChat's 5 s";
        auto text = reply_text(d);
        counts.insert(photo_count_in(text));
        if (photo_count_in(text) == 9) after_photos = text;
    }
    EXPECT_EQ(counts, (std::multiset<int>{1, 2, 3, 4, 5, 6, 7, 8, 9})) << bot.output();
    ASSERT_FALSE(after_photos.empty());

    // The rest of the report; the summary shows the nine photos.
    reply = after_photos;
    for (int turn = 0; turn < 6 && reply.find("工单号") == std::string::npos; ++turn) {
        if (reply.find("“确认”") != std::string::npos) {
            EXPECT_NE(reply.find("照片：9张"), std::string::npos) << reply;
            reply = phone.say(owner, "确认");
        } else if (reply.find("什么时候") != std::string::npos) {
            reply = phone.say(owner, "尽快");
        } else if (reply.find("照片") != std::string::npos) {
            reply = phone.say(owner, "好了");
        } else {
            break;
        }
    }
    const auto number = ticket_number_of(reply);
    ASSERT_FALSE(number.empty()) << reply;
    const auto ticket = desk.ticket(number);

    // Nine photo rows on the ticket, and nine files downloaded once each.
    auto rows = [&] { return desk.sql([&](sql::Connection& c) { return store::PhotoRepository::for_ticket(c, ticket.id); }); };
    std::set<std::string> on_ticket;
    for (const auto& p : rows()) on_ticket.insert(p.media_id);
    std::set<std::string> sent;
    for (const auto& [media_id, bytes] : photos) sent.insert(media_id);
    EXPECT_EQ(rows().size(), 9u);
    EXPECT_EQ(on_ticket, sent);
    auto all_stored = [&] {
        auto r = rows();
        return r.size() == 9 && std::all_of(r.begin(), r.end(), [](const store::Photo& p) { return p.status == "stored"; });
    };
    ASSERT_TRUE(eventually(all_stored, std::chrono::seconds(30))) << bot.output();
    const auto downloads = api.calls("/cgi-bin/media/get");
    for (const auto& [media_id, bytes] : photos) {
        const auto sha = bot::sha256_hex(bytes);
        const fs::path file = media_dir / sha.substr(0, 2) / (sha + ".jpg");
        EXPECT_TRUE(fs::exists(file)) << file;
        EXPECT_EQ(fs::exists(file) ? fs::file_size(file) : 0u, bytes.size()) << media_id;
        EXPECT_EQ(std::count_if(downloads.begin(), downloads.end(),
                                [&](const auto& c) {
                                    return c.errcode == 0 && c.query.find("media_id=" + media_id) != std::string::npos;
                                }),
                  1)
            << media_id << " downloaded once";
    }
    fs::remove_all(media_dir);
}

}  // namespace
}  // namespace repairbot::testing
