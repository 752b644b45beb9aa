// The webhook protocol of one Official Account: verifies and decodes what WeChat posts to
// /wechat (URL check, plain, compatible and safe mode) and encodes the passive reply. Pure
// functions of (query, body, now): the route and the Redis replay/dedupe guards live in bot/.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/wechat/inbound_message.h"
#include "adapters/wechat/inbound_query.h"
#include "adapters/wechat/message_cipher.h"
#include "adapters/wechat/random_source.h"
#include "adapters/wechat/reply_message.h"
#include "config/errors.h"
#include "config/settings.h"

namespace repairbot::wechat {

// How a request was protected, and so how its reply is encoded.
enum class Mode {
    plain,       // no encrypt_type: plain XML both ways
    compatible,  // encrypt_type=aes, body carries plain fields and Encrypt: reply encrypted
    safe,        // encrypt_type=aes, body carries only Encrypt: reply encrypted
};

struct WebhookPolicy {
    std::size_t body_limit = 64 * 1024;  // bytes; larger bodies get Errc::body_too_large (413)
    bool require_encryption = false;     // refuse plain requests (Errc::encryption_required)
};

// A request that passed every check.
struct DecodedRequest {
    InboundMessage message;
    Mode mode = Mode::plain;
    // For the replay guard: a second request with this key and another body_fingerprint is
    // refused with Errc::replayed (403); the same fingerprint is WeChat's resend.
    std::string replay_key;        // "<timestamp>:<nonce>"
    std::string body_fingerprint;  // sha1 hex of the raw body
};

class Webhook {
public:
    // Prepares the protocol for `settings` (token, appid, aes_key, timestamp_window). An empty
    // aes_key means plain mode only. Fails with Errc::bad_aes_key when aes_key is set but is
    // not 43 base64 characters. `random` feeds reply encryption (the system CSPRNG by default).
    [[nodiscard]] static Result<Webhook> create(const config::WechatSettings& settings,
                                                WebhookPolicy policy = {},
                                                std::shared_ptr<RandomSource> random = nullptr);

    // GET URL check: the echostr to answer with (as text/plain) when `signature` verifies and
    // the timestamp is within the window. Fails with Errc::missing_parameter (400),
    // Errc::bad_timestamp (400), Errc::bad_signature or Errc::stale_timestamp (403).
    [[nodiscard]] Result<std::string> verify_url(const InboundQuery& query,
                                                 std::chrono::system_clock::time_point now) const;

    // POST: checks, in order, the body size (413), encrypt_type and the presence of the signed
    // parameters (400), `signature` (403), the timestamp window (400 unparsable, 403 stale),
    // that safe mode is configured / required (400 / 403), then refuses markup declarations
    // (400), parses (400), checks `msg_signature` (403) and decrypts (400, AppID 403), parses
    // the inner message (400), and checks the `openid` parameter against FromUserName (403).
    // Every failure carries a reason in Error::detail for the log; http_status() maps its code.
    // Never throws on any input; thread-safe; never blocks (microseconds of CPU).
    [[nodiscard]] Result<DecodedRequest> decode(const InboundQuery& query, std::string_view body,
                                                std::chrono::system_clock::time_point now) const;

    // The response body for `reply` to `request`: plain XML in plain mode, the encrypted
    // envelope (fresh random prefix and nonce, TimeStamp = now) in compatible and safe mode,
    // "success" for NoReply in every mode. Never fails on content; thread-safe; never blocks.
    [[nodiscard]] std::string encode_reply(const DecodedRequest& request, const Reply& reply,
                                           std::chrono::system_clock::time_point now) const;

    // As above, for a reply not tied to a DecodedRequest: from the account `account_id` (gh_...)
    // to `openid`. An encrypted mode without a configured key encodes plain.
    [[nodiscard]] std::string encode_reply(Mode mode, std::string_view openid,
                                           std::string_view account_id, const Reply& reply,
                                           std::chrono::system_clock::time_point now) const;

    [[nodiscard]] bool encryption_configured() const { return cipher_.has_value(); }

private:
    Webhook(std::string token, std::optional<MessageCipher> cipher, std::chrono::seconds window,
            WebhookPolicy policy, std::shared_ptr<RandomSource> random);

    // Shared by verify_url and decode: presence, signature, timestamp window.
    [[nodiscard]] Status verify_signed_query(const InboundQuery& query,
                                             std::chrono::system_clock::time_point now) const;

    std::string token_;
    std::optional<MessageCipher> cipher_;
    std::chrono::seconds window_;
    WebhookPolicy policy_;
    std::shared_ptr<RandomSource> random_;
};

}  // namespace repairbot::wechat
