#include "adapters/wechat/webhook.h"

#include <array>
#include <charconv>

#include "adapters/wechat/errors.h"
#include "adapters/wechat/inbound_xml.h"
#include "adapters/wechat/reply_xml.h"
#include "adapters/wechat/signature.h"

namespace repairbot::wechat {
namespace {

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// Decimal digits like WeChat's own nonces.
std::string random_nonce(RandomSource& random) {
    std::array<std::uint8_t, 10> bytes{};
    random.fill(bytes);
    std::string nonce(bytes.size(), '0');
    for (std::size_t i = 0; i < bytes.size(); ++i) nonce[i] = static_cast<char>('0' + bytes[i] % 10);
    return nonce;
}

}  // namespace

Webhook::Webhook(std::string token, std::optional<MessageCipher> cipher,
                 std::chrono::seconds window, WebhookPolicy policy,
                 std::shared_ptr<RandomSource> random)
    : token_(std::move(token)),
      cipher_(std::move(cipher)),
      window_(window),
      policy_(policy),
      random_(random ? std::move(random) : std::make_shared<SystemRandom>()) {}

Result<Webhook> Webhook::create(const config::WechatSettings& settings, WebhookPolicy policy,
                                std::shared_ptr<RandomSource> random) {
    std::optional<MessageCipher> cipher;
    if (!settings.aes_key.empty()) {
        auto made = MessageCipher::create(settings.aes_key, settings.appid);
        if (!made) return made.error();
        cipher.emplace(std::move(made).value());
    }
    return Webhook(settings.token, std::move(cipher), settings.timestamp_window, policy,
                   std::move(random));
}

Status Webhook::verify_signed_query(const InboundQuery& query,
                                    std::chrono::system_clock::time_point now) const {
    if (query.signature.empty() || query.timestamp.empty() || query.nonce.empty()) {
        return Error{Errc::missing_parameter, "signature, timestamp and nonce are required"};
    }
    if (!signature_matches(sign(token_, query.timestamp, query.nonce), query.signature)) {
        return Error{Errc::bad_signature, "signature"};
    }
    std::int64_t ts = 0;
    const std::string_view t = query.timestamp;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), ts);
    if (ec != std::errc{} || end != t.data() + t.size() || t.front() < '0' || t.front() > '9') {
        return Error{Errc::bad_timestamp, "timestamp"};
    }
    const std::int64_t skew = ts - unix_seconds(now);
    if (skew > window_.count() || -skew > window_.count()) {
        return Error{Errc::stale_timestamp, "skew " + std::to_string(skew) + " s"};
    }
    return Ok{};
}

Result<std::string> Webhook::verify_url(const InboundQuery& query,
                                        std::chrono::system_clock::time_point now) const {
    if (query.echostr.empty()) return Error{Errc::missing_parameter, "echostr"};
    if (Status s = verify_signed_query(query, now); !s) return s.error();
    return query.echostr;
}

Result<DecodedRequest> Webhook::decode(const InboundQuery& query, std::string_view body,
                                       std::chrono::system_clock::time_point now) const {
    if (body.size() > policy_.body_limit) {
        return Error{Errc::body_too_large, std::to_string(body.size()) + " bytes"};
    }
    bool encrypted = false;
    if (query.encrypt_type == "aes") {
        encrypted = true;
    } else if (!query.encrypt_type.empty() && query.encrypt_type != "raw") {
        return Error{Errc::unsupported_encrypt_type, "encrypt_type"};
    }
    if (Status s = verify_signed_query(query, now); !s) return s.error();
    if (encrypted && !cipher_) return Error{Errc::encryption_not_configured, "no EncodingAESKey"};
    if (!encrypted && policy_.require_encryption) {
        return Error{Errc::encryption_required, "plain request"};
    }

    DecodedRequest request;
    if (!encrypted) {
        auto message = parse_inbound_xml(body);
        if (!message) return message.error();
        request.message = std::move(message).value();
        request.mode = Mode::plain;
    } else {
        auto envelope = parse_encrypted_envelope(body);
        if (!envelope) return envelope.error();
        if (query.msg_signature.empty()) return Error{Errc::missing_parameter, "msg_signature"};
        const std::string expected = sign(token_, query.timestamp, query.nonce, envelope->encrypt);
        if (!signature_matches(expected, query.msg_signature)) {
            return Error{Errc::bad_msg_signature, "msg_signature"};
        }
        auto inner = cipher_->decrypt(envelope->encrypt);
        if (!inner) return inner.error();
        auto message = parse_inbound_xml(*inner);
        if (!message) {
            Error e = message.error();
            e.detail = "decrypted message: " + e.detail;
            return e;
        }
        request.message = std::move(message).value();
        request.mode = envelope->has_plaintext ? Mode::compatible : Mode::safe;
    }
    if (!query.openid.empty() && query.openid != request.message.from_user) {
        return Error{Errc::openid_mismatch, "openid"};
    }
    request.replay_key.reserve(query.timestamp.size() + 1 + query.nonce.size());
    request.replay_key += query.timestamp;
    request.replay_key += ':';
    request.replay_key += query.nonce;
    request.body_fingerprint = sha1_hex(body);
    return request;
}

std::string Webhook::encode_reply(const DecodedRequest& request, const Reply& reply,
                                  std::chrono::system_clock::time_point now) const {
    return encode_reply(request.mode, request.message.from_user, request.message.to_user, reply,
                        now);
}

std::string Webhook::encode_reply(Mode mode, std::string_view openid, std::string_view account_id,
                                  const Reply& reply,
                                  std::chrono::system_clock::time_point now) const {
    const std::int64_t seconds = unix_seconds(now);
    std::string xml = reply_xml(openid, account_id, seconds, reply);
    if (mode == Mode::plain || !cipher_ || std::holds_alternative<NoReply>(reply)) return xml;
    const std::string encrypt = cipher_->encrypt(xml, *random_);
    const std::string timestamp = std::to_string(seconds);
    const std::string nonce = random_nonce(*random_);
    return encrypted_envelope_xml(encrypt, sign(token_, timestamp, nonce, encrypt), timestamp,
                                  nonce);
}

}  // namespace repairbot::wechat
