// The route table: (method, path) -> handler. Paths are exact, or contain "*" segments, each
// matching any one non-empty segment (e.g. "/api/tickets/*", "/api/callbacks/*/done"). Answers 404 for an unknown path and 405 (with Allow)
// for a known path and another method. Exceptions escaping a handler are caught here, once:
// ServiceUnavailable -> 503, anything else -> 500; both logged, neither leaks details.
#pragma once

#include <string>
#include <vector>

#include "bot/http.h"

namespace repairbot::bot {

class Router {
public:
    void add(http::verb method, std::string path, Handler handler);

    // Runs the matching handler on the caller's executor. Never throws.
    [[nodiscard]] boost::asio::awaitable<Response> handle(Request req) const;

    // The route label used for metrics and logs: the pattern that matched, or "unmatched".
    [[nodiscard]] std::string_view route_of(std::string_view target) const;

private:
    struct Route {
        http::verb method;
        std::string path;
        Handler handler;
    };
    [[nodiscard]] static bool matches(const std::string& pattern, std::string_view path);
    std::vector<Route> routes_;
};

}  // namespace repairbot::bot
