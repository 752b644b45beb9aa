// The composition root's commands: each takes validated Settings, builds what it needs (event
// loop, blocking pool, MySQL and Redis clients, routes) and runs to completion. Returns an exit
// code (bot/cli.h).
#pragma once

#include <string>

#include "bot/cli.h"
#include "config/settings.h"

namespace repairbot::bot {

// Runs the webhook server until SIGTERM/SIGINT, then shuts down gracefully. Blocks.
[[nodiscard]] int run_serve(const config::Settings& settings);

// The desk's data files (catalog, replies, notices, SLA and holidays, pushes, prices) in
// settings.data_dir, loaded and validated as serve would: "" when all are valid, else every
// problem, one per line, naming the file, the key and the fix. Reads files only.
[[nodiscard]] std::string check_desk_data(const config::Settings& settings);

// Applies pending migrations and prints what it applied. Blocks.
[[nodiscard]] int run_migrate(const config::Settings& settings);

}  // namespace repairbot::bot
