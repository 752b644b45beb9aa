#include "bot/router.h"

#include <exception>

#include "config/errors.h"
#include "config/log.h"

namespace repairbot::bot {

void Router::add(http::verb method, std::string path, Handler handler) {
    routes_.push_back({method, std::move(path), std::move(handler)});
}

bool Router::matches(const std::string& pattern, std::string_view path) {
    // Segment by segment; a "*" segment matches any one non-empty segment.
    std::string_view p = pattern;
    for (;;) {
        const auto pe = p.find('/');
        const auto qe = path.find('/');
        const auto pseg = p.substr(0, pe);
        const auto qseg = path.substr(0, qe);
        if (pseg == "*" ? qseg.empty() : pseg != qseg) return false;
        if (pe == std::string_view::npos || qe == std::string_view::npos)
            return pe == std::string_view::npos && qe == std::string_view::npos;
        p.remove_prefix(pe + 1);
        path.remove_prefix(qe + 1);
    }
}

std::string_view Router::route_of(std::string_view target) const {
    auto path = target_path(target);
    for (const auto& r : routes_)
        if (matches(r.path, path)) return r.path;
    return "unmatched";
}

boost::asio::awaitable<Response> Router::handle(Request req) const {
    auto path = std::string(target_path(req.target()));
    const Route* found = nullptr;
    std::string allow;
    for (const auto& r : routes_) {
        if (!matches(r.path, path)) continue;
        if (r.method == req.method()) {
            found = &r;
            break;
        }
        if (!allow.empty()) allow += ", ";
        allow += std::string(http::to_string(r.method));
    }
    if (!found) {
        if (allow.empty()) co_return make_response(req, http::status::not_found, "not found\n");
        auto res = make_response(req, http::status::method_not_allowed, "method not allowed\n");
        res.set(http::field::allow, allow);
        co_return res;
    }
    // The request moves into the handler; keep what the error answers need.
    Request head;
    head.version(req.version());
    head.keep_alive(req.keep_alive());
    std::string failure;
    bool unavailable = false;
    try {
        co_return co_await found->handler(std::move(req));
    } catch (const ServiceUnavailable& e) {
        unavailable = true;
        failure = e.what();
    } catch (const std::exception& e) {
        failure = e.what();
    } catch (...) {
        failure = "unknown exception";
    }
    if (unavailable) {
        log::warn("http", "dependency_unavailable", {{"path", path}, {"error", failure}});
        co_return make_response(head, http::status::service_unavailable,
                                "service temporarily unavailable\n");
    }
    log::error("http", "handler_failed", {{"path", path}, {"error", failure}});
    co_return make_response(head, http::status::internal_server_error, "internal error\n");
}

}  // namespace repairbot::bot
