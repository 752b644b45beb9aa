// The composition root's commands: each takes validated Settings, builds what it needs (event
// loop, blocking pool, MySQL and Redis clients, routes) and runs to completion. Returns an exit
// code (bot/cli.h).
#pragma once

#include "bot/cli.h"
#include "config/settings.h"

namespace repairbot::bot {

// Runs the webhook server until SIGTERM/SIGINT, then shuts down gracefully. Blocks.
[[nodiscard]] int run_serve(const config::Settings& settings);

// Applies pending migrations and prints what it applied. Blocks.
[[nodiscard]] int run_migrate(const config::Settings& settings);

}  // namespace repairbot::bot
