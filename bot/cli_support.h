// What the operator's terminal commands (`repairbot technician|ticket`, `callback|complaint`,
// `stats`) share: the context a command runs in, usage errors, option checks, IDs, one database
// connection per command, and the aligned tables they print. Internal to bot/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bot/cli.h"
#include "config/notices.h"
#include "config/settings.h"
#include "config/sla_data.h"
#include "store/records.h"

namespace sql {
class Connection;
}

namespace repairbot::bot {

// One run of a command family: what it was given and where it prints.
struct CommandContext {
    const config::Settings& settings;
    const CommandLine& cl;
    store::Timestamp now;
    std::ostream& out;
    std::ostream& err;
    std::string_view usage;          // the family's usage lines, printed by usage_error
    std::string_view log_component;  // where database trouble is logged ("admin", "callbacks")
};

// Prints "repairbot <command>: <message>", then "usage: repairbot" and ctx.usage, on ctx.err.
// Returns kExitUsage.
[[nodiscard]] int usage_error(const CommandContext& ctx, const std::string& message);

// The first option not in `allowed`, or in `flags` but given a value, as a usage message naming
// it ("unknown option --x", "--json takes no value (got 'x')"); nullopt when all are fine. Pure.
[[nodiscard]] std::optional<std::string> check_options(
    const std::map<std::string, std::string>& options, const std::set<std::string>& allowed,
    const std::set<std::string>& flags);

// A database ID as typed: decimal digits only, greater than 0; nullopt otherwise. Pure.
[[nodiscard]] std::optional<std::uint64_t> parse_id(std::string_view text);

// iso_datetime(*t) (bot/admin_api.h), or "-" when there is no time. Pure.
[[nodiscard]] std::string time_or_dash(const std::optional<store::Timestamp>& t);

// Terminal columns of UTF-8 text: East Asian wide and full-width characters (CJK, Hangul,
// full-width forms, emoji) take two, everything else one, including the ambiguous-width punctuation
// of desk texts (— … ①), as terminals set up for Chinese locales outside East Asia show them.
// Pure; never fails (a truncated sequence at the end counts as one character).
[[nodiscard]] std::size_t display_width(std::string_view text);

// Rows of cells as columns padded to display_width, two spaces apart, one line per row ending
// in '\n'; the last cell of a row is not padded. Rows may have different lengths. Pure.
[[nodiscard]] std::string render_table(const std::vector<std::vector<std::string>>& rows);

// Runs `work` on one connection to ctx.settings.mysql (MysqlPool::run_sync on a one-thread pool
// of its own) and returns its exit code. Blocks. When the database cannot be reached or refuses
// a query, logs it under ctx.log_component, prints what to check on ctx.err ("repairbot
// <command>: the database cannot be reached (...)") and returns kExitFailure.
[[nodiscard]] int with_database(const CommandContext& ctx,
                                const std::function<int(sql::Connection&)>& work);

// The desk's data files a command needs, from ctx.settings.data_dir (REPAIRBOT_DATA_DIR):
// nullopt, with the file's problems written to ctx.err under the command's name, when they are
// not valid.
[[nodiscard]] std::optional<config::SlaData> load_sla(const CommandContext& ctx);
[[nodiscard]] std::optional<config::Notices> load_notices(const CommandContext& ctx);

}  // namespace repairbot::bot
