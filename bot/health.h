// GET /healthz (the process is alive and serving) and GET /readyz (every dependency answers:
// 200, or 503 naming which is down). Probes run concurrently-safe on the caller's executor.
#pragma once

#include <string>
#include <vector>

#include "bot/router.h"
#include "config/errors.h"

namespace repairbot::bot {

struct ReadinessProbe {
    std::string name;  // "mysql", "redis"
    std::function<boost::asio::awaitable<Status>()> check;  // must not throw; bounded in time
};

// Adds /healthz and /readyz to the router. The probes are copied.
void add_health_routes(Router& router, std::vector<ReadinessProbe> probes);

}  // namespace repairbot::bot
