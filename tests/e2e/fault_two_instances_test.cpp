// Stateless servers (DESIGN.md): two `repairbot serve` processes on one MariaDB database and one
// Redis, 30 owners reporting emergencies at once with every owner's messages alternating between
// the two, so each report's turns are taken by both. No ticket number is handed out twice, each
// job push goes out once, and each SLA timer fires once although both instances poll the same
// index: with warning_percent cut to 1, the accept warning falls 3 s after dispatch and the
// arrival warning 18 s after the report, while both instances run.
#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "store/photo_repository.h"

#include "tests/e2e/fault_world.h"

namespace repairbot::testing {
namespace {

using wechat::Mode;

constexpr int kOwners = 30;
constexpr int kThreads = 5;

TEST(TwoInstances, SharedDatabaseAndRedisGiveDistinctTicketNumbersOnePushAndOneFiringPerTimer) {
    FaultDesk desk("two-instances");
    ASSERT_TRUE(desk.ready()) << desk.migrate_output();
    auto env = bot_environment(0);
    wechat::sim::ApiServer api({env["REPAIRBOT_WECHAT_APPID"], env["REPAIRBOT_WECHAT_SECRET"]});
    ASSERT_TRUE(api.start().ok());
    std::vector<std::string> techs;
    for (const char* name : {"冯师傅", "陈师傅", "褚师傅"}) {
        techs.push_back(fresh_openid("twin_tech"));
        ASSERT_NE(desk.add_technician(name, techs.back(), 20), 0u);
    }
    auto bot_env = desk.env(api);
    bot_env["REPAIRBOT_DATA_DIR"] = desk.data_dir_with_sla({{"warning_percent = 80", "warning_percent = 1"}});
    BotProcess first("fault-twin-1", bot_env);
    BotProcess second("fault-twin-2", bot_env);
    ASSERT_TRUE(first.started()) << first.output();
    ASSERT_TRUE(second.started()) << second.output();
    auto logs = [&] { return "--- instance 1\n" + first.output() + "\n--- instance 2\n" + second.output(); };

    // Every owner's messages are stamped by one client (MsgIds never repeat) and posted to the
    // instances in turn.
    std::mutex mutex;
    std::map<std::string, std::string> number_of_owner;  // from the confirmation reply
    std::vector<std::string> failures;
    const auto run = fresh_openid("twin");
    auto report = [&](int k) {
        const std::string owner = run + "_owner" + std::to_string(k);
        WechatChannel via_first(first.port(), k % 2 ? Mode::safe : Mode::plain);
        WechatChannel via_second(second.port(), k % 2 ? Mode::safe : Mode::plain);
        int turn = k;
        auto say = [&](const std::string& text) {
            auto& stamper = via_first.client();
            auto& target = (turn++ % 2 ? via_second : via_first).client();
            auto d = target.post_blocking(signed_now(target, stamped_message(stamper, owner, wechat::TextMessage{text})));
            return d.ok() ? reply_text(*d) : "<" + d.error().message() + ">";
        };
        auto reply = say(std::to_string(k % 9 + 1) + "栋1单元" + std::to_string(101 + k) + "厨房水管爆了，电话138001380" +
                         (k < 10 ? "0" : "") + std::to_string(k));
        for (int step = 0; step < 6 && reply.find("工单号") == std::string::npos; ++step) {
            if (reply.find("“确认”") != std::string::npos) reply = say("确认");
            else if (reply.find("什么时候") != std::string::npos) reply = say("尽快");
            else if (reply.find("照片") != std::string::npos) reply = say("没有");
            else break;
        }
        std::lock_guard lock(mutex);
        auto number = ticket_number_of(reply);
        if (number.empty()) failures.push_back(owner + ": " + reply);
        else number_of_owner[owner] = number;
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int k = t; k < kOwners; k += kThreads) report(k);
        });
    for (auto& t : threads) t.join();
    ASSERT_TRUE(failures.empty()) << failures.front() << "\n" << logs();
    ASSERT_EQ(number_of_owner.size(), static_cast<std::size_t>(kOwners));

    // No number twice: 30 tickets in the database, 30 numbers, each owner's own.
    store::TicketFilter all;
    all.limit = 1000;
    auto tickets = desk.sql([&](sql::Connection& c) { return store::TicketRepository::list(c, all); });
    ASSERT_EQ(tickets.size(), static_cast<std::size_t>(kOwners));
    std::set<std::string> numbers;
    for (const auto& t : tickets) {
        numbers.insert(t.number);
        EXPECT_EQ(number_of_owner[t.owner_openid], t.number) << t.owner_openid;
        EXPECT_EQ(t.urgency, "emergency") << t.number;
        EXPECT_TRUE(t.technician_id.has_value()) << t.number;
    }
    EXPECT_EQ(numbers.size(), static_cast<std::size_t>(kOwners)) << "a ticket number handed out twice";

    std::map<std::uint64_t, std::string> openid_of_tech;
    for (const auto& openid : techs) {
        auto id = desk.sql([&](sql::Connection& c) {
            auto found = store::TechnicianRepository::find_by_openid(c, openid);
            return found ? found->id : 0;
        });
        openid_of_tech[id] = openid;
    }

    // Both warnings of every ticket fired (the last arrival warning is due 18 s after the last
    // report), then room for a second firing to show up.
    auto warned = [&](const store::Ticket& t, const char* stage) { return warnings_of(desk.events(t.id), stage); };
    auto all_warned = [&] {
        for (const auto& t : tickets)
            if (warned(t, "accept") == 0 || warned(t, "arrive") == 0) return false;
        return true;
    };
    ASSERT_TRUE(eventually(all_warned, std::chrono::seconds(40))) << logs();
    auto everything_sent = [&] {
        for (const auto& t : tickets)
            for (const auto& row : desk.outbox(t.id))
                if (row.status != "sent") return false;
        return true;
    };
    ASSERT_TRUE(eventually(everything_sent, std::chrono::seconds(20))) << logs();
    std::this_thread::sleep_for(std::chrono::seconds(2));

    std::size_t job_push_total = 0;
    for (const auto& t : tickets) {
        const auto& tech = openid_of_tech[*t.technician_id];
        const auto sent = delivered_to(api, tech);
        EXPECT_EQ(job_pushes(sent, t.number), 1u) << t.number << ": the job push exactly once";
        job_push_total += job_pushes(sent, t.number);
        EXPECT_EQ(warned(t, "accept"), 1u) << t.number << ": the accept warning fired once";
        EXPECT_EQ(warned(t, "arrive"), 1u) << t.number << ": the arrival warning fired once";
        EXPECT_EQ(sla_warnings(sent, t.number), 2u) << t.number << ": each warning pushed once";
        auto events = desk.events(t.id);
        EXPECT_EQ(count_events(events, "created"), 1u) << t.number;
        EXPECT_EQ(count_events(events, "dispatched"), 1u) << t.number;
    }
    EXPECT_EQ(job_push_total, static_cast<std::size_t>(kOwners));
    // Both instances did the work: each answered webhooks and each ran its SLA worker.
    for (const auto* bot : {&first, &second}) EXPECT_NE(bot->output().find("worker_started"), std::string::npos);
}

// A desk split by role (REPAIRBOT_OUTBOX_SENDS=0, REPAIRBOT_PHOTO_DOWNLOADS=0 on the webhook
// process): the webhook-only process files the ticket and answers the owner but neither pushes
// nor downloads; the job push and the photo wait in MariaDB until a process of the desk that runs
// the workers starts, which then sends the push once and stores the photo.
TEST(TwoInstances, AWebhookOnlyProcessLeavesPushesAndPhotosToTheDesksWorkerProcess) {
    namespace fs = std::filesystem;
    FaultDesk desk("split-roles");
    ASSERT_TRUE(desk.ready()) << desk.migrate_output();
    auto env = bot_environment(0);
    wechat::sim::ApiServer api({env["REPAIRBOT_WECHAT_APPID"], env["REPAIRBOT_WECHAT_SECRET"]});
    ASSERT_TRUE(api.start().ok());
    const auto tech = fresh_openid("split_tech");
    ASSERT_NE(desk.add_technician("卫师傅", tech, 5), 0u);
    const auto media_id = "MEDIA_SPLIT_" + fresh_openid("m");
    api.add_media(media_id, std::string("\xff\xd8\xff\xe0" "split-roles photo"), "image/jpeg");
    const fs::path media_dir = fs::temp_directory_path() / ("repairbot-e2e-split-" + fresh_openid("d"));
    struct RemoveAtEnd {
        fs::path dir;
        ~RemoveAtEnd() {
            std::error_code ignored;
            fs::remove_all(dir, ignored);
        }
    } remove_media{media_dir};
    auto bot_env = desk.env(api);
    bot_env["REPAIRBOT_MEDIA_DIR"] = media_dir.string();

    auto front_env = bot_env;
    front_env["REPAIRBOT_OUTBOX_SENDS"] = "0";
    front_env["REPAIRBOT_PHOTO_DOWNLOADS"] = "0";
    BotProcess front("split-front", front_env);
    ASSERT_TRUE(front.started()) << front.output();
    WechatChannel phone(front.port(), Mode::plain);
    const auto owner = fresh_openid("split_owner");
    auto reply = phone.say(owner, "4栋1单元402卫生间水龙头一直漏水，电话13800138004");
    bool sent_photo = false;
    for (int turn = 0; turn < 8 && ticket_number_of(reply).empty(); ++turn) {
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
    ASSERT_TRUE(sent_photo) << "the bot never asked for photos; last reply: " << reply;
    const auto number = ticket_number_of(reply);
    ASSERT_FALSE(number.empty()) << reply << "\n" << front.output();
    const auto ticket = desk.ticket(number);
    ASSERT_TRUE(ticket.technician_id.has_value()) << number << " was not dispatched";
    EXPECT_NE(front.output().find("worker_off"), std::string::npos) << "the process says it runs no workers";

    // Well past the workers' polling (a second or less): nothing sent, nothing downloaded.
    std::this_thread::sleep_for(std::chrono::seconds(3));
    auto photo_status = [&] {
        auto photos = desk.sql([&](sql::Connection& c) { return store::PhotoRepository::for_ticket(c, ticket.id); });
        return photos.size() == 1 ? photos.front().status : std::string("<" + std::to_string(photos.size()) + " photos>");
    };
    EXPECT_EQ(job_pushes(delivered_to(api, tech), number), 0u) << "a webhook-only process pushed the job";
    ASSERT_FALSE(desk.outbox(ticket.id).empty());
    for (const auto& row : desk.outbox(ticket.id)) EXPECT_EQ(row.status, "pending") << row.kind;
    EXPECT_EQ(photo_status(), "pending");
    EXPECT_TRUE(api.calls("/cgi-bin/media/get").empty()) << "a webhook-only process downloaded a photo";

    BotProcess worker("split-worker", bot_env);
    ASSERT_TRUE(worker.started()) << worker.output();
    auto pushed = [&] {
        for (const auto& row : desk.outbox(ticket.id))
            if (row.status != "sent") return false;
        return true;
    };
    ASSERT_TRUE(eventually(pushed, std::chrono::seconds(20))) << worker.output();
    ASSERT_TRUE(eventually([&] { return photo_status() == "stored"; }, std::chrono::seconds(20))) << worker.output();
    EXPECT_EQ(job_pushes(delivered_to(api, tech), number), 1u) << "the job push exactly once";
}

}  // namespace
}  // namespace repairbot::testing
