// Parsing of the connection URLs in REPAIRBOT_MYSQL_URL and REPAIRBOT_REDIS_URL, and of
// host:port listen addresses. Pure; failures are values whose detail says what is wrong
// (never echoing a password).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config/errors.h"

namespace repairbot::config {

struct HostPort {
    std::string host;
    std::uint16_t port = 0;
};

struct ParsedUrl {
    std::string scheme;
    std::string user;
    std::string password;
    std::string host;
    std::uint16_t port = 0;  // 0 when the URL names none
    std::string path;        // without the leading '/'
};

// "host:port", "[::1]:8080". Fails when the port is missing, not a number or not 1..65535.
[[nodiscard]] Result<HostPort> parse_host_port(std::string_view text);

// scheme://[user[:password]@]host[:port][/path]; user and password are percent-decoded.
// Fails on a missing scheme or host, or a bad port.
[[nodiscard]] Result<ParsedUrl> parse_url(std::string_view text);

}  // namespace repairbot::config
