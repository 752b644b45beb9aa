// MariaDB stopped at the moment an owner confirms a report, under the real binary with a MariaDB
// and a Redis of the test's own: the owner is told politely that the report could not be sent
// yet and that what they filled in is kept (config/notices.toml ticket_deferred), the server
// lives on, and once MariaDB is back the owner's next 确认 — the bot does not retry by itself;
// the notice asks the owner to confirm again — files the ticket exactly once, with every field
// of the draft (address, fault, description, phone, photo), without starting over.
#include <gtest/gtest.h>

#include "adapters/wechat/sim/api_server.h"
#include "config/notices.h"
#include "store/photo_repository.h"
#include "store/ticket_repository.h"
#include "tests/e2e/private_services.h"
#include "tests/e2e/wechat_channel.h"

namespace repairbot::testing {
namespace {

using services::PrivateMariaDb;
using wechat::Mode;
using namespace std::chrono_literals;

std::string notice(const std::string& key) {
    auto notices = config::load_notices(std::string(REPAIRBOT_SOURCE_DIR) + "/config");
    EXPECT_TRUE(notices.ok());
    return notices.ok() ? notices->render(key) : std::string("<no notices>");
}

TEST(MysqlOutage, ConfirmingWhileMariadbIsDownKeepsTheDraftAndTheNextConfirmFilesItOnce) {
    PrivateMariaDb db("mysql_confirm");
    ASSERT_TRUE(db.migrated());
    services::PrivateRedis redis("mysql_confirm");
    auto env = bot_environment(0);
    wechat::sim::ApiServer api({env["REPAIRBOT_WECHAT_APPID"], env["REPAIRBOT_WECHAT_SECRET"]});
    ASSERT_TRUE(api.start().ok());
    const std::string media_id = "MEDIA_OUTAGE_" + fresh_openid("m");
    api.add_media(media_id, std::string("\xff\xd8\xff\xe0 a blocked drain", 20), "image/jpeg");

    auto bot_env = services::private_env(db, redis);
    bot_env["REPAIRBOT_WECHAT_API_BASE"] = api.base_url();
    bot_env["REPAIRBOT_MEDIA_DIR"] = (services::scratch_dir() / "media").string();
    BotProcess bot("outage-mysql", bot_env);
    ASSERT_TRUE(bot.started()) << bot.output();
    WechatChannel phone(bot.port(), Mode::safe);
    const auto owner = fresh_openid("mysql_owner");

    // The dialogue up to the confirmation question, with a photo.
    auto reply = phone.say(owner, "3栋2单元502卫生间下水道堵了，电话13800138000");
    bool sent_photo = false;
    for (int turn = 0; turn < 8 && reply.find("“确认”") == std::string::npos; ++turn) {
        if (!sent_photo && reply.find("照片") != std::string::npos) {
            phone.send(owner, wechat::ImageMessage{"http://mmbiz.qpic.cn/" + media_id, media_id});
            sent_photo = true;
            reply = phone.say(owner, "好了");
        } else if (reply.find("什么时候") != std::string::npos) {
            reply = phone.say(owner, "尽快");
        } else {
            break;
        }
    }
    ASSERT_TRUE(sent_photo) << "the bot never asked for photos; last reply: " << reply;
    ASSERT_NE(reply.find("“确认”"), std::string::npos) << "no confirmation question: " << reply;
    EXPECT_NE(reply.find("502"), std::string::npos) << "the summary shows the address: " << reply;

    // MariaDB goes away just as the owner confirms.
    db.stop();
    auto deferred = phone.say(owner, "确认");
    EXPECT_EQ(deferred, notice("ticket_deferred"));
    EXPECT_NE(deferred.find("已为您保存"), std::string::npos) << deferred;
    EXPECT_EQ(deferred.find("工单号"), std::string::npos) << deferred;
    EXPECT_TRUE(bot.process().running()) << bot.output();
    EXPECT_EQ(http_request(bot.port(), "GET", "/healthz").status, 200);
    auto ready = http_request(bot.port(), "GET", "/readyz");
    EXPECT_EQ(ready.status, 503) << ready.body;
    EXPECT_NE(ready.body.find("\"mysql\":\"down"), std::string::npos) << ready.body;

    // A second 确认 while still down: told again, nothing doubled later.
    EXPECT_EQ(phone.say(owner, "确认"), notice("ticket_deferred"));

    db.start();
    ASSERT_TRUE(eventually([&] { return http_request(bot.port(), "GET", "/readyz").status == 200; }, 30s))
        << bot.output();
    auto filed = phone.say(owner, "确认");
    auto at = filed.find("BX");
    ASSERT_NE(at, std::string::npos) << "the draft was not kept: " << filed << "\n" << bot.output();
    const auto number = filed.substr(at, filed.find_first_not_of("BX0123456789-", at) - at);

    // Exactly one ticket, with every field of the draft.
    auto tickets = db.run([&](sql::Connection& c) {
        store::TicketFilter f;
        f.owner_openid = owner;
        return store::TicketRepository::list(c, f);
    });
    ASSERT_EQ(tickets.size(), 1u);
    const auto& t = tickets.front();
    EXPECT_EQ(t.number, number);
    EXPECT_EQ(t.building, "3");
    EXPECT_EQ(t.unit, "2");
    EXPECT_EQ(t.room, "502");
    EXPECT_EQ(t.fault_type, "下水道");
    EXPECT_NE(t.description.find("下水道堵"), std::string::npos) << t.description;
    EXPECT_EQ(t.phone, "13800138000");
    auto photos = db.run([&](sql::Connection& c) { return store::PhotoRepository::for_ticket(c, t.id); });
    ASSERT_EQ(photos.size(), 1u);
    EXPECT_EQ(photos.front().media_id, media_id);

    // A late 确认 does not file it twice.
    auto again = phone.say(owner, "确认");
    EXPECT_EQ(again.find("工单号"), std::string::npos) << again;
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(db.run([&](sql::Connection& c) {
                  store::TicketFilter f;
                  f.owner_openid = owner;
                  return store::TicketRepository::list(c, f).size();
              }),
              1u);
    EXPECT_TRUE(bot.process().running()) << bot.output();
}

}  // namespace
}  // namespace repairbot::testing
