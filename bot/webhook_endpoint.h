// The Official Account webhook, GET and POST /wechat: verifies and decodes through
// adapters/wechat, refuses replays and claims the message in one Redis round trip (WebhookGate),
// collapses WeChat's resends (a resend gets the very bytes of
// the first answer; its effects happen once), hands the message to the Conversation, and
// encodes the passive reply (encrypted in safe mode). Runs on the connection's executor.
#pragma once

#include <chrono>
#include <functional>

#include "adapters/wechat/webhook.h"
#include "bot/conversation.h"
#include "bot/metrics.h"
#include "bot/router.h"
#include "config/settings.h"
#include "store/dedupe_store.h"
#include "store/webhook_gate.h"

namespace repairbot::bot {

class WebhookEndpoint {
public:
    using Clock = std::function<std::chrono::system_clock::time_point()>;

    // Keeps references to everything it is given; all must outlive the endpoint.
    WebhookEndpoint(const wechat::Webhook& webhook, const config::WechatSettings& settings,
                    store::WebhookGate& gate, store::DedupeStore& dedupe,
                    Conversation& conversation, Clock clock);

    // Counts resends answered from the dedupe store (repairbot_webhook_dedupe_hits_total),
    // refused requests by reason and degraded replies in `metrics` (which must outlive this).
    void set_metrics(Metrics* metrics);

    // Adds GET and POST /wechat to the router.
    void add_routes(Router& router);

    // GET: the URL check. 200 with echostr as text/plain, or 400/403.
    [[nodiscard]] boost::asio::awaitable<Response> verify_url(Request req);
    // POST: a message or event. 200 with the passive reply ("success" when there is nothing to
    // say), or 400/403/413 for a refused request (logged with its reason). When Redis or MySQL
    // is down the user still gets a polite "try again shortly" reply, and nothing is stored,
    // so WeChat's resend is handled afresh. So does a message whose handling threw anything else
    // (a write MariaDB refused, a bug): logged as an error, its claim released so a resend is
    // handled afresh — never a 500 that leaves the claim held and the resends unanswered.
    [[nodiscard]] boost::asio::awaitable<Response> receive(Request req);

private:
    [[nodiscard]] Response refuse(const Request& req, const Error& error) const;

    const wechat::Webhook& webhook_;
    const config::WechatSettings& settings_;
    store::WebhookGate& gate_;
    store::DedupeStore& dedupe_;
    Conversation& conversation_;
    Clock clock_;
    Counter* resends_answered_ = nullptr;
    Counter* resends_in_progress_ = nullptr;
    Counter* degraded_ = nullptr;
    Counter* failed_ = nullptr;
    Metrics* metrics_ = nullptr;
};

}  // namespace repairbot::bot
