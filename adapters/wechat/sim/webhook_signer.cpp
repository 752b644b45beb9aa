#include "adapters/wechat/sim/webhook_signer.h"

#include <pugixml.hpp>

#include <array>
#include <cctype>

#include "adapters/wechat/errors.h"
#include "adapters/wechat/inbound_xml.h"
#include "adapters/wechat/reply_xml.h"
#include "adapters/wechat/signature.h"
#include "adapters/wechat/sim/platform_xml.h"

namespace repairbot::wechat::sim {
namespace {

// WeChat's query values are digits, hex and openid characters; escape anything else anyway.
void append_param(std::string& target, std::string_view key, std::string_view value) {
    static constexpr char hex[] = "0123456789ABCDEF";
    target += target.find('?') == std::string::npos ? '?' : '&';
    target += key;
    target += '=';
    for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
            target += c;
        } else {
            target += '%';
            target += hex[u >> 4];
            target += hex[u & 15];
        }
    }
}

std::string joined_text(pugi::xml_node n) {
    std::string s;
    for (const pugi::xml_node part : n.children()) s += part.value();
    return s;
}

}  // namespace

WebhookSigner::WebhookSigner(Account account, std::optional<MessageCipher> cipher,
                             std::shared_ptr<RandomSource> random)
    : account_(std::move(account)),
      cipher_(std::move(cipher)),
      random_(random ? std::move(random) : std::make_shared<SystemRandom>()) {}

Result<WebhookSigner> WebhookSigner::create(Account account, std::shared_ptr<RandomSource> random) {
    std::optional<MessageCipher> cipher;
    if (!account.aes_key.empty()) {
        auto made = MessageCipher::create(account.aes_key, account.appid);
        if (!made) return made.error();
        cipher.emplace(std::move(made).value());
    }
    return WebhookSigner(std::move(account), std::move(cipher), std::move(random));
}

std::string WebhookSigner::nonce() const {
    std::array<std::uint8_t, 10> bytes{};
    random_->fill(bytes);
    std::string n(bytes.size(), '0');
    for (std::size_t i = 0; i < bytes.size(); ++i) n[i] = static_cast<char>('0' + bytes[i] % 10);
    if (n[0] == '0') n[0] = '1';  // WeChat's nonces are numbers without a leading zero
    return n;
}

SignedWebhook WebhookSigner::sign_message(std::string_view path, const InboundMessage& message,
                                          Mode mode, std::int64_t timestamp) const {
    return sign_xml(path, inbound_message_xml(message), message.from_user, mode, timestamp);
}

SignedWebhook WebhookSigner::sign_xml(std::string_view path, std::string_view xml,
                                      std::string_view openid, Mode mode,
                                      std::int64_t timestamp) const {
    SignedWebhook request;
    const std::string ts = std::to_string(timestamp);
    const std::string n = nonce();
    request.target = path;
    append_param(request.target, "signature", wechat::sign(account_.token, ts, n));
    append_param(request.target, "timestamp", ts);
    append_param(request.target, "nonce", n);
    append_param(request.target, "openid", openid);
    if (mode == Mode::plain || !cipher_) {
        request.body = xml;
        return request;
    }
    const std::string encrypt = cipher_->encrypt(xml, *random_);
    append_param(request.target, "encrypt_type", "aes");
    append_param(request.target, "msg_signature", wechat::sign(account_.token, ts, n, encrypt));
    if (mode == Mode::compatible) {
        // Compatible mode: the plain document with Encrypt added before </xml>.
        std::string body(xml);
        const std::size_t end = body.rfind("</xml>");
        std::string enc = "<Encrypt>";
        append_cdata(enc, encrypt);
        enc += "</Encrypt>";
        body.insert(end == std::string::npos ? body.size() : end, enc);
        request.body = std::move(body);
    } else {
        // Safe mode: only the account id and the ciphertext, as WeChat sends it.
        std::string to_user;
        if (const auto a = xml.find("<ToUserName>"), b = xml.find("</ToUserName>");
            a != std::string_view::npos && b != std::string_view::npos && b > a) {
            to_user = xml.substr(a, b + 13 - a);
        }
        request.body = "<xml>" + to_user + "<Encrypt>";
        append_cdata(request.body, encrypt);
        request.body += "</Encrypt></xml>";
    }
    return request;
}

SignedWebhook WebhookSigner::sign_url_check(std::string_view path, std::string_view echostr,
                                            std::int64_t timestamp) const {
    SignedWebhook request;
    request.method = "GET";
    const std::string ts = std::to_string(timestamp);
    const std::string n = nonce();
    request.target = path;
    append_param(request.target, "signature", wechat::sign(account_.token, ts, n));
    append_param(request.target, "echostr", echostr);
    append_param(request.target, "timestamp", ts);
    append_param(request.target, "nonce", n);
    return request;
}

Result<std::string> WebhookSigner::reply_xml(Mode mode, std::string_view body) const {
    if (body.empty() || body == "success") return std::string(body);
    const bool encrypted = body.find("<Encrypt>") != std::string_view::npos;
    if (!encrypted) {
        if (mode == Mode::safe && cipher_) return Error{Errc::encryption_required, "plain reply"};
        return std::string(body);
    }
    if (!cipher_) return Error{Errc::encryption_not_configured, "encrypted reply"};
    if (has_markup_declaration(body)) return Error{Errc::dtd_refused, "reply"};
    pugi::xml_document doc;
    if (!doc.load_buffer(body.data(), body.size(), pugi::parse_cdata | pugi::parse_escapes,
                         pugi::encoding_utf8)) {
        return Error{Errc::malformed_xml, "reply envelope"};
    }
    const pugi::xml_node root = doc.child("xml");
    const std::string encrypt = joined_text(root.child("Encrypt"));
    const std::string signature = joined_text(root.child("MsgSignature"));
    const std::string timestamp = joined_text(root.child("TimeStamp"));
    const std::string n = joined_text(root.child("Nonce"));
    if (encrypt.empty() || signature.empty() || timestamp.empty() || n.empty()) {
        return Error{Errc::invalid_message, "reply envelope lacks a field"};
    }
    if (!signature_matches(wechat::sign(account_.token, timestamp, n, encrypt), signature)) {
        return Error{Errc::bad_msg_signature, "reply MsgSignature"};
    }
    return cipher_->decrypt(encrypt);
}

Result<Reply> WebhookSigner::open_reply(Mode mode, std::string_view body) const {
    auto xml = reply_xml(mode, body);
    if (!xml) return xml.error();
    return parse_reply_xml(*xml);
}

}  // namespace repairbot::wechat::sim
