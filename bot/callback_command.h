// The dispatchers' callback and complaint commands: `repairbot callback list|done` and
// `repairbot complaint list|handle`, over the rules of bot/callback_desk.h.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "bot/cli.h"
#include "config/settings.h"
#include "store/callback_queue_repository.h"
#include "store/records.h"

namespace repairbot::bot {

// `repairbot callback VERB ...` or `repairbot complaint VERB ...` (cl.command, cl.args[0] =
// VERB): prints to stdout, errors to stderr. Blocks (MysqlPool::run_sync on a one-thread pool of
// its own). Returns kExitUsage with the usage lines on stderr for an unknown verb or option or a
// bad value (the message names the option and the fix), or when sla.toml is not valid;
// kExitFailure when the database cannot be reached or refuses, the callback or complaint does
// not exist, is done/handled already, or the ticket cannot be reopened; kExitOk otherwise.
[[nodiscard]] int run_callback_desk(const config::Settings& settings, const CommandLine& cl);
// The same with the clock and the streams given (tests).
[[nodiscard]] int run_callback_desk(const config::Settings& settings, const CommandLine& cl,
                                    store::Timestamp now, std::ostream& out, std::ostream& err);

// The usage lines of these commands.
[[nodiscard]] std::string_view callback_usage();

// The `callback list` table: ID, TICKET, KIND, DUE, DONE, OUTCOME, BY, NOTES. Pure.
[[nodiscard]] std::string callback_table(const std::vector<store::CallbackEntry>& rows);
// The `complaint list` table: ID, TICKET, SOURCE, SEVERITY, STATUS, CREATED, REMINDED (how
// often the staff were reminded it waits for its handling, and the last time), CALLBACK DUE,
// TEXT. Pure.
[[nodiscard]] std::string complaint_table(const std::vector<store::ComplaintEntry>& rows);

}  // namespace repairbot::bot
