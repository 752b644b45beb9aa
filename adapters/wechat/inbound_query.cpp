#include "adapters/wechat/inbound_query.h"

#include <array>
#include <optional>

#include "adapters/wechat/errors.h"

namespace repairbot::wechat {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%') {
            if (i + 2 >= s.size()) return std::nullopt;
            const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

Result<InboundQuery> parse_inbound_query(std::string_view target) {
    if (const std::size_t q = target.find('?'); q != std::string_view::npos) {
        target.remove_prefix(q + 1);
    } else if (target.starts_with('/')) {
        target = {};  // a path without a query
    }
    if (const std::size_t hash = target.find('#'); hash != std::string_view::npos) {
        target = target.substr(0, hash);
    }
    InboundQuery query;
    const std::array<std::pair<std::string_view, std::string*>, 7> known{{
        {"signature", &query.signature},
        {"timestamp", &query.timestamp},
        {"nonce", &query.nonce},
        {"echostr", &query.echostr},
        {"encrypt_type", &query.encrypt_type},
        {"msg_signature", &query.msg_signature},
        {"openid", &query.openid},
    }};
    std::array<bool, known.size()> seen{};
    while (!target.empty()) {
        const std::size_t amp = target.find('&');
        const std::string_view pair = target.substr(0, amp);
        target = amp == std::string_view::npos ? std::string_view{} : target.substr(amp + 1);
        const std::size_t eq = pair.find('=');
        const std::string_view key = pair.substr(0, eq);
        const std::string_view raw = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        for (std::size_t k = 0; k < known.size(); ++k) {
            if (known[k].first != key) continue;
            if (seen[k]) return Error{Errc::missing_parameter, "repeated " + std::string(key)};
            seen[k] = true;
            auto value = percent_decode(raw);
            if (!value) return Error{Errc::missing_parameter, "bad escape in " + std::string(key)};
            *known[k].second = std::move(*value);
        }
    }
    return query;
}

}  // namespace repairbot::wechat
