// The platform's half of the webhook protocol: signs (and in safe mode encrypts) a message
// exactly as WeChat posts it, and verifies and decrypts the reply as WeChat reads it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/wechat/inbound_message.h"
#include "adapters/wechat/message_cipher.h"
#include "adapters/wechat/random_source.h"
#include "adapters/wechat/reply_message.h"
#include "adapters/wechat/webhook.h"
#include "config/errors.h"

namespace repairbot::wechat::sim {

// What the account is configured with on the platform's side.
struct Account {
    std::string token;
    std::string appid;
    std::string aes_key;  // 43 characters; empty: plain mode only
};

// One HTTP request as WeChat would send it.
struct SignedWebhook {
    std::string method = "POST";
    std::string target;  // path and query: "/wechat?signature=...&timestamp=...&nonce=..."
    std::string body;    // XML; empty for the GET URL check
};

class WebhookSigner {
public:
    // Fails with Errc::bad_aes_key when aes_key is set but malformed. `random` feeds the
    // 16-byte prefixes and nonces (the system CSPRNG when null).
    [[nodiscard]] static Result<WebhookSigner> create(Account account,
                                                      std::shared_ptr<RandomSource> random = nullptr);

    // The POST for `message` to `path` in `mode` (safe and compatible need an aes_key: without
    // one they fall back to plain), signed at `timestamp` with a fresh numeric nonce. The query
    // carries signature, timestamp, nonce, openid and, when encrypted, encrypt_type=aes and
    // msg_signature — what WeChat sends. Never fails; never blocks.
    [[nodiscard]] SignedWebhook sign_message(std::string_view path, const InboundMessage& message,
                                             Mode mode, std::int64_t timestamp) const;

    // As above with a body given as raw XML (for malformed or hostile bodies in tests).
    [[nodiscard]] SignedWebhook sign_xml(std::string_view path, std::string_view xml,
                                         std::string_view openid, Mode mode,
                                         std::int64_t timestamp) const;

    // The GET of the URL check with `echostr`.
    [[nodiscard]] SignedWebhook sign_url_check(std::string_view path, std::string_view echostr,
                                               std::int64_t timestamp) const;

    // Reads a reply body the way WeChat does: "success" or "" is NoReply; in safe mode the body
    // must be the encrypted envelope whose MsgSignature verifies and whose Encrypt decrypts to
    // our AppID; in compatible mode plain and encrypted are both accepted. Fails with the
    // adapter's Errc codes (bad_msg_signature, bad_padding, appid_mismatch, malformed_xml, ...)
    // and Errc::encryption_required for a plain reply in safe mode.
    [[nodiscard]] Result<Reply> open_reply(Mode mode, std::string_view body) const;

    // The reply's inner XML after verification and decryption (what open_reply parses).
    [[nodiscard]] Result<std::string> reply_xml(Mode mode, std::string_view body) const;

    [[nodiscard]] const Account& account() const { return account_; }

private:
    WebhookSigner(Account account, std::optional<MessageCipher> cipher,
                  std::shared_ptr<RandomSource> random);

    [[nodiscard]] std::string nonce() const;

    Account account_;
    std::optional<MessageCipher> cipher_;
    std::shared_ptr<RandomSource> random_;
};

}  // namespace repairbot::wechat::sim
