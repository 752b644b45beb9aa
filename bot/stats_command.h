// The two doors to the desk's figures: `repairbot stats` on the terminal and GET /api/stats for
// the admin console. Both read through store::StatsRepository and compute with bot/stats.h.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

#include "bot/cli.h"
#include "bot/router.h"
#include "config/settings.h"
#include "store/mysql_pool.h"
#include "store/sql_values.h"

namespace repairbot::bot {

// The clock the figures' cutoff is read from (tests pass a fixed one).
using StatsClock = std::function<store::Timestamp()>;
[[nodiscard]] store::Timestamp system_now();

// `repairbot stats --month YYYY-MM | --from YYYY-MM-DD --to YYYY-MM-DD [--missed] [--csv | --json]`:
// prints the table (default), CSV or JSON on stdout: the figures, or with --missed the late list
// (逾期明细, bot/missed_deadlines.h). Blocks (MysqlPool::run_sync on a one-thread
// pool of its own). Returns kExitUsage with a message on stderr for bad options or dates,
// kExitFailure when the database cannot be reached or refuses the query, kExitOk otherwise.
[[nodiscard]] int run_stats(const config::Settings& settings, const CommandLine& cl);
// The same with the clock and the streams given (tests).
[[nodiscard]] int run_stats(const config::Settings& settings, const CommandLine& cl,
                            store::Timestamp now, std::ostream& out, std::ostream& err);

// Adds GET /api/stats?month=YYYY-MM (or ?from=YYYY-MM-DD&to=YYYY-MM-DD, `to` excluded): the JSON
// of bot/stats.h to_json; and GET /api/stats/missed with the same range: the late list's JSON
// (bot/missed_deadlines.h to_json). Needs `Authorization: Bearer <admin_token>`, checked like every admin
// route (bot/admin_api.h refuse_unauthorized, constant time): 401 {"error": ...} without it or
// with a wrong one, 403 when admin_token is empty (the admin API is off), 400 {"error": ...}
// for a bad or missing range. The handler runs on the caller's executor and queries through
// MysqlPool::run (the blocking pool); an unreachable database becomes the router's 503. `mysql`
// must outlive the router.
void add_stats_routes(Router& router, store::MysqlPool& mysql, std::string admin_token);
// The same with the clock given (tests).
void add_stats_routes(Router& router, store::MysqlPool& mysql, std::string admin_token,
                      StatsClock now);

// True when `authorization` is "Bearer <token>" (scheme case-insensitive) for this `token`;
// false for an empty `token`. Constant time in the token's content. Pure.
[[nodiscard]] bool bearer_token_matches(std::string_view authorization, std::string_view token);

}  // namespace repairbot::bot
