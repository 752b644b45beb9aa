#include "bot/health.h"

#include <nlohmann/json.hpp>

#include "config/log.h"

namespace repairbot::bot {

void add_health_routes(Router& router, std::vector<ReadinessProbe> probes) {
    router.add(http::verb::get, "/healthz", [](Request req) -> boost::asio::awaitable<Response> {
        co_return make_response(req, http::status::ok, "ok\n");
    });
    router.add(http::verb::get, "/readyz",
               [probes = std::move(probes)](Request req) -> boost::asio::awaitable<Response> {
                   nlohmann::json body = nlohmann::json::object();
                   bool ready = true;
                   for (const auto& probe : probes) {
                       Status s = co_await probe.check();
                       if (s) {
                           body[probe.name] = "ok";
                       } else {
                           ready = false;
                           body[probe.name] = "down: " + s.error().message();
                           log::warn("health", "not_ready", {{"dependency", probe.name},
                                                             {"error", s.error().message()}});
                       }
                   }
                   body["ready"] = ready;
                   co_return json_response(
                       req, ready ? http::status::ok : http::status::service_unavailable,
                       body.dump() + "\n");
               });
}

}  // namespace repairbot::bot
