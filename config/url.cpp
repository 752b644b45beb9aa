#include "config/url.h"

#include <charconv>

namespace repairbot::config {
namespace {

const std::error_code kInvalid = std::make_error_code(std::errc::invalid_argument);

Result<std::uint16_t> parse_port(std::string_view s) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || value == 0 || value > 65535)
        return Error{kInvalid, "port must be a number from 1 to 65535"};
    return static_cast<std::uint16_t>(value);
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Result<std::string> percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        if (i + 2 >= s.size()) return Error{kInvalid, "bad %-escape"};
        int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
        if (hi < 0 || lo < 0) return Error{kInvalid, "bad %-escape"};
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

}  // namespace

Result<HostPort> parse_host_port(std::string_view text) {
    HostPort hp;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return Error{kInvalid, "expected [ipv6]:port"};
        hp.host = std::string(text.substr(1, close - 1));
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return Error{kInvalid, "expected host:port"};
        hp.host = std::string(text.substr(0, colon));
        port = text.substr(colon + 1);
    }
    if (hp.host.empty()) return Error{kInvalid, "the host is empty"};
    auto p = parse_port(port);
    if (!p) return p.error();
    hp.port = *p;
    return hp;
}

Result<ParsedUrl> parse_url(std::string_view text) {
    ParsedUrl url;
    auto scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos || scheme_end == 0)
        return Error{kInvalid, "expected scheme://host"};
    url.scheme = std::string(text.substr(0, scheme_end));
    auto rest = text.substr(scheme_end + 3);
    auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) url.path = std::string(rest.substr(slash + 1));
    auto at = authority.rfind('@');
    if (at != std::string_view::npos) {
        auto userinfo = authority.substr(0, at);
        authority = authority.substr(at + 1);
        auto colon = userinfo.find(':');
        auto user = percent_decode(userinfo.substr(0, colon));
        if (!user) return Error{kInvalid, "the user name has a bad %-escape"};
        url.user = std::move(*user);
        if (colon != std::string_view::npos) {
            auto pass = percent_decode(userinfo.substr(colon + 1));
            if (!pass) return Error{kInvalid, "the password has a bad %-escape"};
            url.password = std::move(*pass);
        }
    }
    if (authority.empty()) return Error{kInvalid, "the host is empty"};
    bool bracketed = authority.front() == '[';
    auto colon = authority.rfind(':');
    if (colon != std::string_view::npos && (!bracketed || authority[colon - 1] == ']')) {
        auto p = parse_port(authority.substr(colon + 1));
        if (!p) return p.error();
        url.port = *p;
        authority = authority.substr(0, colon);
    }
    if (bracketed) {
        if (authority.size() < 3 || authority.back() != ']') return Error{kInvalid, "bad [ipv6] host"};
        authority = authority.substr(1, authority.size() - 2);
    }
    if (authority.empty()) return Error{kInvalid, "the host is empty"};
    url.host = std::string(authority);
    return url;
}

}  // namespace repairbot::config
