// Posts webhooks to a bot the way WeChat does: one connection per attempt, no answer within
// the answer timeout (5 s) drops it and resends the identical request, 3 resends at most;
// then verifies and decrypts the reply. Runs on the caller's executor (asio coroutines).
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "adapters/wechat/inbound_message.h"
#include "adapters/wechat/reply_message.h"
#include "adapters/wechat/sim/webhook_signer.h"
#include "adapters/wechat/webhook.h"
#include "config/errors.h"

namespace repairbot::wechat::sim {

struct ClientOptions {
    std::string url = "http://127.0.0.1:8080/wechat";  // http only: the bot sits behind TLS ends
    std::chrono::milliseconds answer_timeout{5000};  // WeChat's 5 s; tests shorten it
    int resends = 3;                                  // after the first attempt
    Mode mode = Mode::plain;                          // safe/compatible need Account::aes_key
    std::optional<std::int64_t> fixed_timestamp;      // sign at this unix time instead of now
};

// One try of one request.
struct Attempt {
    int status = 0;     // HTTP status; 0 when there was no answer
    std::string body;   // the raw response body
    std::string error;  // "timeout", or the transport error; empty when answered
    std::chrono::milliseconds elapsed{0};
};

struct Delivery {
    SignedWebhook request;          // what was posted (identically on every attempt)
    std::vector<Attempt> attempts;  // in order; the last one is the answer
    int status = 0;                 // of the answer
    std::string body;               // of the answer, raw (encrypted in safe mode)
    std::string reply_xml;          // verified and decrypted; "success" or "" for no reply
    Reply reply;                    // parsed from reply_xml; NoReply unless status is 200
};

class WebhookClient {
public:
    // Fails with Errc::missing_parameter when the URL is not http://host[:port]/path.
    [[nodiscard]] static Result<WebhookClient> create(ClientOptions options, WebhookSigner signer);

    // Stamps `message` (CreateTime = now when 0; a fresh MsgId for messages when 0), signs it
    // and posts it. Fails with std::errc::timed_out (or the last transport error) when no
    // attempt was answered, or with the signer's errors when a 200 reply does not verify.
    // A non-200 answer is a Delivery, not an error: tests assert on its status.
    [[nodiscard]] boost::asio::awaitable<Result<Delivery>> deliver(InboundMessage message);

    // Posts a request built by the caller (e.g. tampered with), with WeChat's resends.
    [[nodiscard]] boost::asio::awaitable<Result<Delivery>> post(SignedWebhook request);

    // The same, blocking the calling thread on a private io_context (for CLIs and simple tests).
    [[nodiscard]] Result<Delivery> deliver_blocking(InboundMessage message);
    [[nodiscard]] Result<Delivery> post_blocking(SignedWebhook request);

    // `message` with CreateTime and MsgId filled in as WeChat would.
    [[nodiscard]] InboundMessage stamp(InboundMessage message);

    [[nodiscard]] const WebhookSigner& signer() const { return signer_; }
    [[nodiscard]] const ClientOptions& options() const { return options_; }
    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] std::int64_t now() const;

    WebhookClient(WebhookClient&& other) noexcept;

private:
    WebhookClient(ClientOptions options, WebhookSigner signer, std::string host, std::string port,
                  std::string path);

    [[nodiscard]] boost::asio::awaitable<Attempt> attempt(SignedWebhook request);

    ClientOptions options_;
    WebhookSigner signer_;
    std::string host_;
    std::string port_;
    std::string path_;
    std::atomic<std::uint64_t> next_msg_id_{0};
};

}  // namespace repairbot::wechat::sim
