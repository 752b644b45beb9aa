// WeChat's resends never double an effect: a whole report (greeting, address/fault/phone, two
// photos, done, time, confirm) where every message reaches the real binary four times — the
// original, the identical request again, and two resends signed afresh (new timestamp and nonce,
// in safe mode encrypted afresh) with the same MsgId — at seeded random delays of 0-300 ms, at
// least one of them racing the original. Each delivery of a message gets the very bytes of the
// first answer (bot/webhook_endpoint.h), and the desk holds one ticket, two photos, one job push
// and an audit log without doubles. Plain and safe mode.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <thread>

#include "store/photo_repository.h"
#include "tests/e2e/fault_world.h"

namespace repairbot::testing {
namespace {

using wechat::Mode;

// The seed of the delays; printed so a failure can be replayed.
constexpr std::uint32_t kSeed = 20261122;

class EveryWebhookResent : public ::testing::TestWithParam<Mode> {
protected:
    static void SetUpTestSuite() {
        desk_ = std::make_unique<FaultDesk>("resend");
        auto env = bot_environment(0);
        api_ = std::make_unique<wechat::sim::ApiServer>(
            wechat::sim::ApiServerOptions{env["REPAIRBOT_WECHAT_APPID"], env["REPAIRBOT_WECHAT_SECRET"]});
        (void)api_->start();
        // One technician for both modes, so each ticket can only go to them.
        tech_ = fresh_openid("resend_tech");
        tech_id_ = desk_->ready() ? desk_->add_technician("吴师傅", tech_, 50) : 0;
    }
    static void TearDownTestSuite() {
        bot_.reset();
        api_.reset();
        desk_.reset();
    }
    void SetUp() override {
        ASSERT_TRUE(desk_->ready()) << desk_->migrate_output();
        ASSERT_NE(api_->port(), 0);
        ASSERT_NE(tech_id_, 0u);
        if (!bot_) bot_ = std::make_unique<BotProcess>("fault-resend", desk_->env(*api_));
        ASSERT_TRUE(bot_->started()) << bot_->output();
    }

    // Posts `m` four times from four threads: the original at once, the identical request, and
    // two resends signed afresh, each after a random delay (one of the three within 20 ms, so
    // it races the original). Returns the deliveries, original first.
    std::vector<wechat::sim::Delivery> deliver_four_times(WechatChannel& phone, const wechat::InboundMessage& m,
                                                          std::mt19937& random) {
        auto& client = phone.client();
        const auto original = signed_now(client, m);
        std::vector<wechat::sim::SignedWebhook> requests{original, original, signed_now(client, m),
                                                         signed_now(client, m)};
        EXPECT_NE(requests[2].target, original.target) << "a fresh nonce for a resend";
        std::vector<int> delay_ms{0, 0, 0, 0};
        std::uniform_int_distribution<int> wide(0, 300), narrow(0, 20);
        const int racer = 1 + static_cast<int>(random() % 3);
        for (int i = 1; i < 4; ++i) delay_ms[i] = i == racer ? narrow(random) : wide(random);
        std::printf("  delays ms: 0 %d %d %d\n", delay_ms[1], delay_ms[2], delay_ms[3]);

        std::vector<std::optional<Result<wechat::sim::Delivery>>> results(4);
        const auto start = std::chrono::steady_clock::now();
        std::vector<std::thread> senders;
        for (int i = 0; i < 4; ++i)
            senders.emplace_back([&, i] {
                std::this_thread::sleep_until(start + std::chrono::milliseconds(delay_ms[i]));
                results[i] = client.post_blocking(requests[i]);
            });
        for (auto& s : senders) s.join();
        std::vector<wechat::sim::Delivery> out;
        for (int i = 0; i < 4; ++i) {
            EXPECT_TRUE(results[i]->ok()) << "delivery " << i << ": "
                                          << (results[i]->ok() ? "" : results[i]->error().message());
            out.push_back(results[i]->ok() ? std::move(**results[i]) : wechat::sim::Delivery{});
        }
        return out;
    }

    static inline std::unique_ptr<FaultDesk> desk_;
    static inline std::unique_ptr<wechat::sim::ApiServer> api_;
    static inline std::unique_ptr<BotProcess> bot_;
    static inline std::string tech_;
    static inline std::uint64_t tech_id_ = 0;
};

TEST_P(EveryWebhookResent, AWholeReportDeliveredFourTimesPerMessageHasOneEffectEachAndIdenticalReplies) {
    const auto mode = GetParam();
    const auto& tech = tech_;
    const auto owner = fresh_openid("resend_owner");
    const std::vector<std::string> media{"MEDIA_RESEND_A_" + owner, "MEDIA_RESEND_B_" + owner};
    for (const auto& id : media) api_->add_media(id, std::string("\xff\xd8\xff\xe0", 4) + id, "image/jpeg");

    std::mt19937 random(kSeed + static_cast<std::uint32_t>(mode));
    std::printf("seed %u\n", kSeed + static_cast<std::uint32_t>(mode));
    WechatChannel phone(bot_->port(), mode);
    int messages = 0;
    // One message, four deliveries; returns the text all four answered.
    auto say4 = [&](wechat::InboundBody body) -> std::string {
        ++messages;
        auto m = stamped_message(phone.client(), owner, std::move(body));
        auto deliveries = deliver_four_times(phone, m, random);
        for (std::size_t i = 0; i < deliveries.size(); ++i) {
            EXPECT_EQ(deliveries[i].status, 200) << "message " << messages << " delivery " << i;
            EXPECT_EQ(deliveries[i].attempts.size(), 1u) << "answered within WeChat's 5 s";
            EXPECT_EQ(deliveries[i].body, deliveries[0].body)
                << "message " << messages << ": delivery " << i << " got other bytes than delivery 0";
        }
        auto text = reply_text(deliveries[0]);
        EXPECT_FALSE(text.empty()) << "message " << messages << " answered with a text, not "
                                   << deliveries[0].body;
        return text;
    };

    say4(wechat::TextMessage{"你好"});
    auto reply = say4(wechat::TextMessage{"3栋2单元502卫生间水管接头漏水了，电话13800138000"});
    bool sent_photos = false;
    for (int turn = 0; turn < 8 && reply.find("工单号") == std::string::npos; ++turn) {
        if (reply.find("“确认”") != std::string::npos) {
            reply = say4(wechat::TextMessage{"确认"});
        } else if (!sent_photos && reply.find("拍照") != std::string::npos) {
            EXPECT_NE(say4(wechat::ImageMessage{"http://mmbiz.qpic.cn/" + media[0], media[0]}).find("第1张"),
                      std::string::npos);
            EXPECT_NE(say4(wechat::ImageMessage{"http://mmbiz.qpic.cn/" + media[1], media[1]}).find("第2张"),
                      std::string::npos)
                << "the second photo counted once: its resends are not a third";
            sent_photos = true;
            reply = say4(wechat::TextMessage{"好了"});
        } else if (reply.find("什么时候") != std::string::npos) {
            reply = say4(wechat::TextMessage{"尽快"});
        } else {
            break;
        }
    }
    ASSERT_TRUE(sent_photos) << "the bot never asked for photos; last reply: " << reply;
    const auto number = ticket_number_of(reply);
    ASSERT_FALSE(number.empty()) << reply;

    // One ticket, two photos.
    auto tickets = desk_->tickets_of(owner);
    ASSERT_EQ(tickets.size(), 1u) << "four deliveries of every message file one ticket";
    const auto& t = tickets[0];
    EXPECT_EQ(t.number, number);
    EXPECT_EQ(t.address, "3栋2单元502");
    EXPECT_EQ(t.phone, "13800138000");
    auto photos = desk_->sql([&](sql::Connection& c) { return store::PhotoRepository::for_ticket(c, t.id); });
    std::multiset<std::string> photo_media;
    for (const auto& p : photos) photo_media.insert(p.media_id);
    EXPECT_EQ(photo_media, std::multiset<std::string>(media.begin(), media.end()));

    // One job push, delivered once.
    ASSERT_EQ(t.technician_id, tech_id_);
    ASSERT_TRUE(eventually([&] { return job_pushes(delivered_to(*api_, tech), number) >= 1; },
                           std::chrono::seconds(15)))
        << bot_->output();
    std::this_thread::sleep_for(std::chrono::seconds(2));  // room for a double to show up
    EXPECT_EQ(job_pushes(delivered_to(*api_, tech), number), 1u);
    std::size_t job_rows = 0;
    for (const auto& row : desk_->outbox(t.id))
        job_rows += row.recipient == tech && row.payload.find("job_assigned") != std::string::npos;
    EXPECT_EQ(job_rows, 1u);

    // The audit log: created and dispatched once, and no row twice.
    auto events = desk_->events(t.id);
    EXPECT_EQ(count_events(events, "created"), 1u);
    EXPECT_EQ(count_events(events, "dispatched"), 1u);
    std::set<std::pair<std::string, std::string>> distinct;
    for (const auto& e : events) EXPECT_TRUE(distinct.emplace(e.type, e.details).second) << "doubled: " << e.type << " " << e.details;
}

INSTANTIATE_TEST_SUITE_P(PlainAndSafe, EveryWebhookResent, ::testing::Values(Mode::plain, Mode::safe),
                         [](const auto& info) { return info.param == Mode::plain ? "plain" : "safe"; });

}  // namespace
}  // namespace repairbot::testing
