#include "adapters/wechat/api/endpoint.h"

#include <array>

#include "config/url.h"

namespace repairbot::wechat::api {
namespace {

Error invalid(std::string detail) {
    return Error{std::make_error_code(std::errc::invalid_argument), "api_base: " + std::move(detail)};
}

bool is_loopback(std::string_view host) {
    return host == "localhost" || host == "::1" || host.starts_with("127.");
}

}  // namespace

Result<Endpoint> parse_endpoint(std::string_view base_url) {
    if (base_url.find_first_of("?#") != std::string_view::npos) return invalid("no query or fragment allowed");
    auto parsed = config::parse_url(base_url);
    if (!parsed) return invalid(parsed.error().message());
    Endpoint e;
    if (parsed->scheme == "https") {
        e.tls = true;
    } else if (parsed->scheme == "http") {
        // Plain HTTP would send the AppSecret and tokens in clear: only for a local simulator.
        if (!is_loopback(parsed->host)) return invalid("plain http is allowed only to a loopback simulator");
        e.tls = false;
    } else {
        return invalid("scheme must be https (or http to loopback)");
    }
    if (!parsed->user.empty() || !parsed->password.empty()) return invalid("no user info allowed");
    e.host = parsed->host;
    if (e.host.size() > 2 && e.host.front() == '[' && e.host.back() == ']') e.host = e.host.substr(1, e.host.size() - 2);
    if (e.host.empty()) return invalid("missing host");
    e.port = parsed->port != 0 ? parsed->port : (e.tls ? 443 : 80);
    std::string path = parsed->path;
    while (!path.empty() && path.back() == '/') path.pop_back();
    if (!path.empty()) e.path_prefix = "/" + path;
    return e;
}

std::string redact_target(std::string_view target) {
    static constexpr std::array<std::string_view, 3> secret_keys{"access_token", "secret", "code"};
    const std::size_t q = target.find('?');
    if (q == std::string_view::npos) return std::string(target);
    std::string out(target.substr(0, q + 1));
    std::string_view query = target.substr(q + 1);
    bool first = true;
    while (true) {
        const std::size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const std::string_view key = pair.substr(0, pair.find('='));
        if (!first) out += '&';
        first = false;
        bool secret = false;
        for (auto k : secret_keys) secret = secret || key == k;
        out += secret ? std::string(key) + "=***" : std::string(pair);
        if (amp == std::string_view::npos) break;
        query = query.substr(amp + 1);
    }
    return out;
}

std::string url_encode(std::string_view value) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(value.size());
    for (const char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
            c == '_' || c == '.' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace repairbot::wechat::api
