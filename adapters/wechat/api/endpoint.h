// Where the WeChat API lives (REPAIRBOT_WECHAT_API_BASE) as a parsed, checked value, and the
// redaction of request targets for logs (an access_token in a query never reaches a log line).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config/errors.h"

namespace repairbot::wechat::api {

struct Endpoint {
    bool tls = true;
    std::string host;        // as in the URL, without brackets; also the TLS SNI / verified name
    std::uint16_t port = 443;
    std::string path_prefix;  // "" or "/prefix" (no trailing '/'), put before every API path
};

// Parses "https://host[:port][/prefix]" or, for simulators on this machine only,
// "http://127.0.0.1:PORT" (also localhost, ::1). Fails with std::errc::invalid_argument and a
// detail naming the problem: another scheme, a missing host, a bad port, plain http to a host
// that is not loopback, a query or fragment. Pure.
[[nodiscard]] Result<Endpoint> parse_endpoint(std::string_view base_url);

// `target` with the values of access_token, secret and code query parameters replaced by "***",
// for logs. Pure.
[[nodiscard]] std::string redact_target(std::string_view target);

// Percent-encodes everything but unreserved characters (RFC 3986), for query values. Pure.
[[nodiscard]] std::string url_encode(std::string_view value);

}  // namespace repairbot::wechat::api
