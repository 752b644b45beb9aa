#include "bot/webhook_endpoint.h"

#include "adapters/wechat/errors.h"
#include "adapters/wechat/inbound_query.h"
#include "config/log.h"

namespace repairbot::bot {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// WeChat gives a webhook 5 s; a resend that finds the first delivery still being handled waits
// for its reply this long, and the claim outlives any handling by far.
constexpr auto kResendWait = 4500ms;
constexpr auto kClaimTtl = 30s;

}  // namespace

WebhookEndpoint::WebhookEndpoint(const wechat::Webhook& webhook,
                                 const config::WechatSettings& settings,
                                 store::WebhookGate& gate, store::DedupeStore& dedupe,
                                 Conversation& conversation, Clock clock)
    : webhook_(webhook),
      settings_(settings),
      gate_(gate),
      dedupe_(dedupe),
      conversation_(conversation),
      clock_(std::move(clock)) {}

void WebhookEndpoint::set_metrics(Metrics* metrics) {
    metrics_ = metrics;
    if (!metrics) return;
    const std::string hits = "repairbot_webhook_dedupe_hits_total";
    const std::string help = "WeChat resends recognised by MsgId (or FromUserName+CreateTime): "
                             "answered with the first reply, or still in progress.";
    resends_answered_ = &metrics->counter(hits, {{"state", "answered"}}, help);
    resends_in_progress_ = &metrics->counter(hits, {{"state", "in_progress"}}, help);
    degraded_ = &metrics->counter("repairbot_webhook_degraded_replies_total", {},
                                  "Messages answered 'try again shortly' because MySQL or Redis was down.");
    failed_ = &metrics->counter("repairbot_webhook_failed_replies_total", {},
                                "Messages answered 'try again shortly' because handling them failed "
                                "otherwise (a refused write, a bug): see the error log.");
}

void WebhookEndpoint::add_routes(Router& router) {
    router.add(http::verb::get, "/wechat", [this](Request req) { return verify_url(std::move(req)); });
    router.add(http::verb::post, "/wechat", [this](Request req) { return receive(std::move(req)); });
}

Response WebhookEndpoint::refuse(const Request& req, const Error& error) const {
    int status = wechat::http_status(error.code);
    if (metrics_)
        metrics_->counter("repairbot_webhook_refused_total", {{"reason", error.code.message()}},
                          "Webhook requests refused (bad signature, stale timestamp, replay, bad body...).")
            .add();
    log::warn("wechat", "refused", {{"status", status}, {"reason", error.code.message()},
                                    {"detail", error.detail}});
    return make_response(req, static_cast<http::status>(status), error.code.message() + "\n");
}

asio::awaitable<Response> WebhookEndpoint::verify_url(Request req) {
    auto query = wechat::parse_inbound_query(req.target());
    if (!query) co_return refuse(req, query.error());
    auto echo = webhook_.verify_url(*query, clock_());
    if (!echo) co_return refuse(req, echo.error());
    log::info("wechat", "url_verified");
    co_return make_response(req, http::status::ok, std::move(*echo));
}

asio::awaitable<Response> WebhookEndpoint::receive(Request req) {
    auto query = wechat::parse_inbound_query(req.target());
    if (!query) co_return refuse(req, query.error());
    auto decoded = webhook_.decode(*query, req.body(), clock_());
    if (!decoded) co_return refuse(req, decoded.error());
    const auto& message = decoded->message;
    const auto key = wechat::dedupe_key(message);

    std::string failure;
    bool broken = false;   // failed otherwise than by an unreachable dependency
    bool claimed = false;  // this delivery holds the message's claim (only then release it)
    try {
        auto gate = co_await gate_.admit(
            decoded->mode == wechat::Mode::safe, message.from_user, query->timestamp, query->nonce, req.body(),
            std::chrono::duration_cast<std::chrono::milliseconds>(settings_.timestamp_window * 2), key,
            kClaimTtl);
        if (gate.nonce == store::NonceCheck::conflict)
            co_return refuse(req, Error{wechat::make_error_code(wechat::Errc::replayed),
                                        "timestamp+nonce reused with another body"});

        store::DedupeState state = std::move(*gate.dedupe);
        // The first delivery is still at work: wait a little for its reply.
        if (std::holds_alternative<store::DedupeInProgress>(state))
            state = co_await dedupe_.claim_or_wait(key, kClaimTtl, kResendWait);
        if (auto* done = std::get_if<store::DedupeDone>(&state)) {
            log::debug("wechat", "resend_answered", {{"kind", wechat::kind_name(message)}});
            if (resends_answered_) resends_answered_->add();
            co_return make_response(req, http::status::ok, std::move(done->reply),
                                    "application/xml; charset=utf-8");
        }
        if (std::holds_alternative<store::DedupeInProgress>(state)) {
            // The first delivery is still at work; WeChat will resend once more.
            log::warn("wechat", "resend_still_in_progress", {{"kind", wechat::kind_name(message)}});
            if (resends_in_progress_) resends_in_progress_->add();
            co_return make_response(req, http::status::ok, "success");
        }

        claimed = true;
        // The reply is kept for resends by the same Redis call that saves the session.
        const auto dedupe_ttl = std::chrono::duration_cast<std::chrono::milliseconds>(settings_.dedupe_ttl);
        ReplySeal seal{[this, &decoded](const wechat::Reply& r) { return webhook_.encode_reply(*decoded, r, clock_()); },
                       dedupe_.key_of(key), dedupe_ttl};
        Handled handled = co_await conversation_.handle(message, &seal, std::move(gate.session));
        std::string body;
        if (handled.sealed) {
            body = std::move(*handled.sealed);
        } else {
            body = webhook_.encode_reply(*decoded, handled.reply, clock_());
            co_await dedupe_.complete(key, body, dedupe_ttl);
        }
        co_return make_response(req, http::status::ok, std::move(body),
                                "application/xml; charset=utf-8");
    } catch (const ServiceUnavailable& e) {
        failure = e.what();
    } catch (const std::exception& e) {
        failure = e.what();
        broken = true;
    }
    // A dependency is down, or the handling failed before its effects were carried out (after,
    // the Conversation answers and keeps its own "busy" reply for the resends): say so politely
    // and release the claim, so a resend starts afresh.
    if (broken) {
        log::error("wechat", "handling_failed", {{"error", failure}, {"kind", wechat::kind_name(message)}});
        if (failed_) failed_->add();
    } else {
        log::warn("wechat", "degraded_reply", {{"error", failure}, {"kind", wechat::kind_name(message)}});
        if (degraded_) degraded_->add();
    }
    try {
        if (claimed) co_await dedupe_.release(key);
    } catch (const std::exception&) {
        // Unreachable now: the claim runs out by itself (kClaimTtl).
    }
    auto reply = conversation_.busy_reply(message);
    co_return make_response(req, http::status::ok, webhook_.encode_reply(*decoded, reply, clock_()),
                            "application/xml; charset=utf-8");
}

}  // namespace repairbot::bot
