// Test support: an owner's phone, as the WeChat simulator plays it against a running bot:
// signs (and in safe mode encrypts) each message, posts it with WeChat's resends, and opens
// the reply. Blocking.
#pragma once

#include <gtest/gtest.h>

#include "adapters/wechat/sim/webhook_client.h"
#include "tests/e2e/bot_process.h"

namespace repairbot::testing {

inline wechat::sim::Account e2e_account() {
    auto env = bot_environment(0);
    return {env["REPAIRBOT_WECHAT_TOKEN"], env["REPAIRBOT_WECHAT_APPID"],
            env["REPAIRBOT_WECHAT_AES_KEY"]};
}

class WechatChannel {
public:
    WechatChannel(int port, wechat::Mode mode, std::chrono::milliseconds answer_timeout = std::chrono::seconds(5))
        : client_(make(port, mode, answer_timeout)) {}

    // Sends `body` from `openid`; returns the delivery (the reply is opened and verified).
    wechat::sim::Delivery send(const std::string& openid, wechat::InboundBody body) {
        wechat::InboundMessage m;
        m.to_user = "gh_e2e_account";
        m.from_user = openid;
        m.body = std::move(body);
        auto d = client_.deliver_blocking(std::move(m));
        EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message());
        return d.ok() ? std::move(*d) : wechat::sim::Delivery{};
    }

    // The text of the reply to a text message.
    std::string say(const std::string& openid, const std::string& text) {
        auto d = send(openid, wechat::TextMessage{text});
        auto* t = std::get_if<wechat::TextReply>(&d.reply);
        return t ? t->content : std::string("<no text reply, status ") + std::to_string(d.status) + ">";
    }

    // Answers the bot's questions (photos: none, time: as soon as possible, summary: confirm)
    // until a reply carries a ticket number, or 8 turns; returns the last reply.
    std::string finish_report(const std::string& openid, std::string reply) {
        for (int turn = 0; turn < 8 && reply.find("工单号") == std::string::npos; ++turn) {
            if (reply.find("照片") != std::string::npos) reply = say(openid, "没有");
            else if (reply.find("什么时候") != std::string::npos) reply = say(openid, "尽快");
            else if (reply.find("“确认”") != std::string::npos) reply = say(openid, "确认");
            else break;
        }
        return reply;
    }

    wechat::sim::WebhookClient& client() { return client_; }

private:
    static wechat::sim::WebhookClient make(int port, wechat::Mode mode,
                                           std::chrono::milliseconds answer_timeout) {
        auto signer = wechat::sim::WebhookSigner::create(e2e_account());
        if (!signer) throw std::runtime_error("bad test account");
        wechat::sim::ClientOptions options;
        options.url = "http://127.0.0.1:" + std::to_string(port) + "/wechat";
        options.mode = mode;
        options.answer_timeout = answer_timeout;
        auto client = wechat::sim::WebhookClient::create(options, std::move(*signer));
        if (!client) throw std::runtime_error("bad client options");
        return std::move(*client);
    }

    wechat::sim::WebhookClient client_;
};

// A unique openid per test run, so sessions and tickets of earlier runs never interfere.
inline std::string fresh_openid(const std::string& tag) {
    static int counter = 0;
    return "o_" + tag + "_" + std::to_string(::getpid()) + "_" +
           std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000000) +
           "_" + std::to_string(counter++);
}

}  // namespace repairbot::testing
