// The webhook through the real binary, MariaDB and Redis, driven by the WeChat simulator:
// every message type in plain and safe mode, resends answered with identical bytes and one
// effect, refusals, a whole report becoming one ticket, and 200 users at once.
#include <gtest/gtest.h>

#include <thread>

#include "config/loader.h"
#include "store/feedback_repository.h"
#include "store/mysql_pool.h"
#include "store/owner_repository.h"
#include "store/ticket_repository.h"
#include "tests/e2e/test_mysql.h"
#include "tests/e2e/wechat_channel.h"

namespace repairbot::testing {
namespace {

using wechat::Mode;

std::vector<store::Ticket> tickets_of(const std::string& openid) {
    store::TicketFilter filter;
    filter.owner_openid = openid;
    return with_mysql([&](sql::Connection& c) { return store::TicketRepository::list(c, filter); });
}


class WebhookModes : public ::testing::TestWithParam<Mode> {
protected:
    static void SetUpTestSuite() { bot_ = std::make_unique<BotProcess>("webhook"); }
    static void TearDownTestSuite() { bot_.reset(); }
    static inline std::unique_ptr<BotProcess> bot_;
};

TEST_P(WebhookModes, EveryMessageTypeIsAnsweredAndVerifies) {
    ASSERT_TRUE(bot_->started()) << bot_->output();
    WechatChannel phone(bot_->port(), GetParam());
    auto openid = fresh_openid("types");
    struct Case {
        const char* name;
        wechat::InboundBody body;
        bool expects_text;
    };
    std::vector<Case> cases{
        {"subscribe", wechat::SubscribeEvent{"building3", "TICKET"}, true},
        {"text", wechat::TextMessage{"你好"}, true},
        {"image", wechat::ImageMessage{"http://mmbiz.qpic.cn/x", "MEDIA_IMG_1"}, true},
        {"voice", wechat::VoiceMessage{"MEDIA_V", "amr", "客厅灯不亮了"}, true},
        {"video", wechat::VideoMessage{"MEDIA_VID", "THUMB", false}, true},
        {"shortvideo", wechat::VideoMessage{"MEDIA_SV", "THUMB", true}, true},
        {"location", wechat::LocationMessage{23.13, 113.35, 15, "幸福小区3栋"}, true},
        {"link", wechat::LinkMessage{"标题", "描述", "http://example.com"}, true},
        {"click", wechat::ClickEvent{"REPORT_REPAIR"}, true},
        {"scan", wechat::ScanEvent{"building3", "TICKET"}, false},
        {"view", wechat::ViewEvent{"http://example.com", ""}, false},
        {"location_event", wechat::LocationEvent{23.1, 113.3, 50}, false},
        {"template_finish", wechat::TemplateSendJobFinishEvent{1234, wechat::TemplateSendStatus::success, "success"}, false},
        {"unsubscribe", wechat::UnsubscribeEvent{}, false},
    };
    for (auto& c : cases) {
        auto d = phone.send(openid, c.body);
        EXPECT_EQ(d.status, 200) << c.name;
        ASSERT_EQ(d.attempts.size(), 1u) << c.name << ": answered on the first try";
        if (c.expects_text) {
            auto* t = std::get_if<wechat::TextReply>(&d.reply);
            ASSERT_NE(t, nullptr) << c.name;
            EXPECT_FALSE(t->content.empty()) << c.name;
            EXPECT_NE(d.reply_xml.find(openid), std::string::npos) << c.name << ": addressed to the sender";
        } else {
            EXPECT_TRUE(std::holds_alternative<wechat::NoReply>(d.reply)) << c.name;
        }
        if (GetParam() == Mode::safe && c.expects_text) {
            EXPECT_NE(d.body.find("<Encrypt>"), std::string::npos) << c.name;
        }
    }
}

TEST_P(WebhookModes, AResendGetsTheSameBytesAndTheReportIsFiledOnce) {
    ASSERT_TRUE(bot_->started()) << bot_->output();
    WechatChannel phone(bot_->port(), GetParam());
    auto openid = fresh_openid("resend");
    auto& client = phone.client();

    auto first_message = [&](std::string text) {
        wechat::InboundMessage m;
        m.to_user = "gh_e2e_account";
        m.from_user = openid;
        m.body = wechat::TextMessage{std::move(text)};
        return client.stamp(std::move(m));
    };
    // The same signed request posted three more times, as WeChat resends it.
    auto send_four_times = [&](const wechat::InboundMessage& m) {
        auto req = client.signer().sign_message(client.path(), m, GetParam(), client.now());
        std::vector<std::string> bodies;
        for (int i = 0; i < 4; ++i) {
            auto d = client.post_blocking(req);
            EXPECT_TRUE(d.ok());
            if (d.ok()) bodies.push_back(d->body);
        }
        return bodies;
    };
    auto bodies = send_four_times(first_message("3栋2单元502厨房水管漏水了，电话13800138000"));
    ASSERT_EQ(bodies.size(), 4u);
    for (const auto& b : bodies) EXPECT_EQ(b, bodies[0]) << "a resend gets identical bytes";

    auto reply = phone.say(openid, "没有");
    for (int turn = 0; turn < 6 && reply.find("“确认”") == std::string::npos; ++turn) {
        if (reply.find("什么时候") != std::string::npos) reply = phone.say(openid, "尽快");
        else if (reply.find("照片") != std::string::npos) reply = phone.say(openid, "没有");
        else break;
    }
    ASSERT_NE(reply.find("“确认”"), std::string::npos) << reply;
    auto confirm = send_four_times(first_message("确认"));
    ASSERT_EQ(confirm.size(), 4u);
    for (const auto& b : confirm) EXPECT_EQ(b, confirm[0]);
    auto opened = phone.client().signer().open_reply(GetParam(), confirm[0]);
    ASSERT_TRUE(opened.ok());
    auto* text = std::get_if<wechat::TextReply>(&*opened);
    ASSERT_NE(text, nullptr);
    EXPECT_NE(text->content.find("工单号：BX"), std::string::npos) << text->content;

    auto tickets = tickets_of(openid);
    ASSERT_EQ(tickets.size(), 1u) << "four deliveries of 确认 file one ticket";
    EXPECT_EQ(tickets[0].address, "3栋2单元502");
    EXPECT_EQ(tickets[0].phone, "13800138000");
    EXPECT_NE(text->content.find(tickets[0].number), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(PlainAndSafe, WebhookModes, ::testing::Values(Mode::plain, Mode::safe),
                         [](const auto& info) { return info.param == Mode::plain ? "plain" : "safe"; });

class Webhook : public ::testing::Test {
protected:
    static void SetUpTestSuite() { bot_ = std::make_unique<BotProcess>("webhook-refusals"); }
    static void TearDownTestSuite() { bot_.reset(); }
    static inline std::unique_ptr<BotProcess> bot_;
};

TEST_F(Webhook, UrlCheckEchoesWhenSignedAndRefusesOtherwise) {
    ASSERT_TRUE(bot_->started()) << bot_->output();
    WechatChannel phone(bot_->port(), Mode::plain);
    auto& client = phone.client();
    auto req = client.signer().sign_url_check(client.path(), "echo-4711", client.now());
    auto ok = http_request(bot_->port(), "GET", req.target);
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.body, "echo-4711");
    auto tampered = req.target;
    tampered.replace(tampered.find("signature=") + 10, 4, "0000");
    EXPECT_EQ(http_request(bot_->port(), "GET", tampered).status, 403);
}

TEST_F(Webhook, BadSignatureStaleTimestampAndDoctypeAreRefused) {
    ASSERT_TRUE(bot_->started()) << bot_->output();
    WechatChannel phone(bot_->port(), Mode::safe);
    auto& client = phone.client();
    wechat::InboundMessage m;
    m.to_user = "gh_e2e_account";
    m.from_user = fresh_openid("hostile");
    m.body = wechat::TextMessage{"你好"};
    m = client.stamp(m);

    auto good = client.signer().sign_message(client.path(), m, Mode::safe, client.now());
    auto bad_sig = good;
    bad_sig.target.replace(bad_sig.target.find("signature=") + 10, 4, "ffff");
    EXPECT_EQ(http_request(bot_->port(), "POST", bad_sig.target, bad_sig.body).status, 403);

    auto stale = client.signer().sign_message(client.path(), m, Mode::safe, client.now() - 3600);
    EXPECT_EQ(http_request(bot_->port(), "POST", stale.target, stale.body).status, 403);

    auto doctype = client.signer().sign_xml(
        client.path(), "<!DOCTYPE x [<!ENTITY a \"b\">]><xml><ToUserName>&a;</ToUserName></xml>",
        m.from_user, Mode::plain, client.now());
    EXPECT_EQ(http_request(bot_->port(), "POST", doctype.target, doctype.body).status, 400);

    auto malformed = client.signer().sign_xml(client.path(), "<xml><unclosed>", m.from_user,
                                              Mode::plain, client.now());
    EXPECT_EQ(http_request(bot_->port(), "POST", malformed.target, malformed.body).status, 400);
    // The server is alive and well after all of it.
    EXPECT_EQ(http_request(bot_->port(), "POST", good.target, good.body).status, 200);
}

TEST_F(Webhook, ANonceReusedWithAnotherBodyIsRefused) {
    ASSERT_TRUE(bot_->started()) << bot_->output();
    WechatChannel phone(bot_->port(), Mode::plain);
    auto& client = phone.client();
    auto openid = fresh_openid("replay");
    wechat::InboundMessage m;
    m.to_user = "gh_e2e_account";
    m.from_user = openid;
    m.body = wechat::TextMessage{"你好"};
    m = client.stamp(m);
    auto req = client.signer().sign_message(client.path(), m, Mode::plain, client.now());
    EXPECT_EQ(http_request(bot_->port(), "POST", req.target, req.body).status, 200);
    // Same signed query (timestamp, nonce, signature), another body: a replay.
    auto other = req.body;
    other.replace(other.find("你好"), std::string("你好").size(), "取消");
    EXPECT_EQ(http_request(bot_->port(), "POST", req.target, other).status, 403);
}

TEST_F(Webhook, EmergencyReportGivesSafetyAdviceAndATicketAtOnce) {
    ASSERT_TRUE(bot_->started()) << bot_->output();
    WechatChannel phone(bot_->port(), Mode::safe);
    auto openid = fresh_openid("emergency");
    auto reply = phone.say(openid, "3栋2单元502水管爆了，到处是水，电话13800138000");
    EXPECT_NE(reply.find("阀"), std::string::npos) << "safety advice: close the valve\n" << reply;
    reply = phone.finish_report(openid, reply);
    EXPECT_NE(reply.find("工单号：BX"), std::string::npos) << reply;
    auto tickets = tickets_of(openid);
    ASSERT_EQ(tickets.size(), 1u);
    EXPECT_EQ(tickets[0].urgency, "emergency");
    EXPECT_TRUE(tickets[0].due.arrive.has_value());
    EXPECT_LE(*tickets[0].due.arrive - tickets[0].created_at, std::chrono::minutes(30));
}

TEST_F(Webhook, ProgressQueryListsTheOwnersOpenTickets) {
    ASSERT_TRUE(bot_->started()) << bot_->output();
    WechatChannel phone(bot_->port(), Mode::plain);
    auto openid = fresh_openid("progress");
    const auto none = phone.say(openid, "进度");
    EXPECT_EQ(none.rfind("您目前没有进行中的报修", 0), 0u)
        << "the answer itself, no 请稍候 first: " << none;
    auto reply = phone.finish_report(openid, phone.say(openid, "5栋1单元301客厅灯不亮，电话13900139000"));
    ASSERT_NE(reply.find("工单号"), std::string::npos) << reply;
    auto tickets = tickets_of(openid);
    ASSERT_EQ(tickets.size(), 1u);
    auto progress = phone.say(openid, "进度");
    EXPECT_NE(progress.find(tickets[0].number), std::string::npos) << progress;
    EXPECT_EQ(progress.find("稍候"), std::string::npos) << progress;
    // Mid-report, the list comes first and the question asked again after it.
    ASSERT_NE(phone.say(openid, "6栋2单元502").find("请选择报修类型"), std::string::npos);
    auto mid = phone.say(openid, "查询");
    const auto list_at = mid.find(tickets[0].number);
    ASSERT_NE(list_at, std::string::npos) << mid;
    const auto question_at = mid.find("请选择报修类型");
    ASSERT_NE(question_at, std::string::npos) << "the report's next question asked again: " << mid;
    EXPECT_LT(list_at, question_at) << "the list, then the question: " << mid;
    EXPECT_EQ(mid.find("稍候"), std::string::npos) << mid;
}

TEST_F(Webhook, TheOwnersPhoneAndHomeAreRememberedForNextTime) {
    ASSERT_TRUE(bot_->started()) << bot_->output();
    WechatChannel phone(bot_->port(), Mode::plain);
    auto openid = fresh_openid("profile");
    auto reply = phone.finish_report(openid, phone.say(openid, "7栋2单元1201卫生间下水道堵了，电话13700137000"));
    ASSERT_NE(reply.find("工单号"), std::string::npos) << reply;
    auto owner = with_mysql([&](sql::Connection& c) { return store::OwnerRepository::find_by_openid(c, openid); });
    ASSERT_TRUE(owner.ok());
    EXPECT_EQ(owner->phone, "13700137000");
    EXPECT_EQ(owner->room, "1201");
    // The next report offers 同上次 and the remembered phone.
    reply = phone.say(openid, "客厅灯不亮了");
    EXPECT_NE(reply.find("7栋2单元1201"), std::string::npos) << reply;
    reply = phone.finish_report(openid, phone.say(openid, "同上次"));
    ASSERT_NE(reply.find("工单号"), std::string::npos) << reply;
    auto tickets = tickets_of(openid);
    ASSERT_EQ(tickets.size(), 2u);
    EXPECT_EQ(tickets[0].address, "7栋2单元1201");
    EXPECT_EQ(tickets[0].phone, "13700137000");
}

TEST_F(Webhook, AComplaintIsRecordedWithACallbackDueInThreeDays) {
    ASSERT_TRUE(bot_->started()) << bot_->output();
    WechatChannel phone(bot_->port(), Mode::safe);
    auto openid = fresh_openid("complaint");
    auto before = std::chrono::system_clock::now();
    auto reply = phone.say(openid, "投诉 师傅上门迟到了两个小时");
    EXPECT_NE(reply.find("投诉"), std::string::npos) << reply;
    auto complaints = with_mysql([&](sql::Connection& c) {
        return store::FeedbackRepository::complaints(c, "open", 1000);
    });
    const store::Complaint* mine = nullptr;
    for (const auto& c : complaints)
        if (c.owner_openid == openid) mine = &c;
    ASSERT_NE(mine, nullptr);
    EXPECT_NE(mine->text.find("迟到"), std::string::npos) << mine->text;
    store::CallbackFilter filter;
    filter.kind = "complaint";
    filter.done = false;
    filter.limit = 10000;
    auto callbacks = with_mysql([&](sql::Connection& c) { return store::FeedbackRepository::callbacks(c, filter); });
    const store::Callback* cb = nullptr;
    for (const auto& c : callbacks)
        if (c.complaint_id == mine->id) cb = &c;
    ASSERT_NE(cb, nullptr);
    auto days = std::chrono::duration<double, std::ratio<86400>>(cb->due_at - before).count();
    EXPECT_NEAR(days, 3.0, 0.01);
}

TEST_F(Webhook, TwoHundredUsersAtOnceAreAllAnsweredWellUnderFiveSeconds) {
    ASSERT_TRUE(bot_->started()) << bot_->output();
    constexpr int kUsers = 200;
    std::vector<std::thread> users;
    std::vector<std::chrono::milliseconds> elapsed(kUsers);
    std::vector<int> statuses(kUsers), attempts(kUsers);
    auto prefix = fresh_openid("crowd");
    for (int i = 0; i < kUsers; ++i) {
        users.emplace_back([&, i] {
            WechatChannel phone(bot_->port(), i % 2 ? Mode::safe : Mode::plain);
            auto d = phone.send(prefix + "_" + std::to_string(i),
                                wechat::TextMessage{std::to_string(i % 9 + 1) + "栋楼道灯坏了"});
            statuses[i] = d.status;
            attempts[i] = static_cast<int>(d.attempts.size());
            elapsed[i] = d.attempts.empty() ? std::chrono::milliseconds(99999) : d.attempts.back().elapsed;
        });
    }
    for (auto& u : users) u.join();
    auto slowest = *std::max_element(elapsed.begin(), elapsed.end());
    for (int i = 0; i < kUsers; ++i) {
        EXPECT_EQ(statuses[i], 200) << i;
        EXPECT_EQ(attempts[i], 1) << i << ": no resend was needed";
    }
    EXPECT_LT(slowest, std::chrono::milliseconds(2500)) << "slowest answer " << slowest.count() << " ms";
}

}  // namespace
}  // namespace repairbot::testing
