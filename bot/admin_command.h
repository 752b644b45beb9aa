// The desk operator's admin commands: `repairbot technician add|list|disable|enable|bind-code|duty`
// and `repairbot ticket list|show`, with their pure parts (option validation, bind codes, tables).
#pragma once

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bot/admin_api.h"
#include "bot/cli.h"
#include "config/errors.h"
#include "config/settings.h"
#include "config/sla_data.h"
#include "dialog/catalog.h"
#include "store/records.h"

namespace repairbot::bot {

// `repairbot technician VERB ...` or `repairbot ticket VERB ...` (cl.command, cl.args[0] = VERB):
// prints to stdout, errors to stderr. Blocks (MysqlPool::run_sync on a one-thread pool of its
// own). Returns kExitUsage with the usage line on stderr for an unknown verb or option or a bad
// value (the message names the option and the fix), or when the desk's data files are not valid;
// kExitFailure when the database cannot be reached or refuses, or the technician/ticket named
// does not exist; kExitOk otherwise.
[[nodiscard]] int run_admin(const config::Settings& settings, const CommandLine& cl);
// The same with the clock and the streams given (tests).
[[nodiscard]] int run_admin(const config::Settings& settings, const CommandLine& cl,
                            store::Timestamp now, std::ostream& out, std::ostream& err);

// The usage lines of the admin commands (also in `repairbot --help`).
[[nodiscard]] std::string_view admin_usage();

// Bind codes: 8 characters from an alphabet without the look-alikes 0/O and 1/I, so a code read
// aloud or copied by hand survives. 32 symbols: one random byte picks one without bias.
inline constexpr std::string_view kBindCodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
inline constexpr std::size_t kBindCodeLength = 8;
inline constexpr std::chrono::hours kBindCodeValidity{7 * 24};

// The code the random bytes spell: one symbol per byte (its low 5 bits). Pure.
[[nodiscard]] std::string bind_code_from_bytes(std::span<const unsigned char> random);
// A fresh code from OpenSSL's RAND_bytes. Throws std::runtime_error when the generator fails.
[[nodiscard]] std::string new_bind_code();

// The trades the fault catalog routes work to (FaultType::trade), each once, in catalog order.
[[nodiscard]] std::vector<std::string> catalog_trades(const dialog::FaultCatalog& catalog);

// The technician `technician add` options describe: --name (required), --phone (required, a
// Chinese mobile), --trades (required, comma-separated, each one of `known_trades`),
// --buildings (comma-separated; absent = every building), --capacity (1..50, default 5),
// --supervisor, --dispatcher, --manager (flags without a value). Fails with
// std::errc::invalid_argument and a detail naming the option, the value and the fix, e.g.
// "--phone: '1380013' is not a mobile number; ...". Unknown options are an error too. Pure.
[[nodiscard]] Result<store::Technician> technician_from_options(
    const std::map<std::string, std::string>& options,
    const std::vector<std::string>& known_trades);

// The `technician list` table (full phone numbers: it is the operator's own tool). Pure.
[[nodiscard]] std::string technician_table(const std::vector<store::Technician>& technicians);
// The `ticket list` table. Pure.
[[nodiscard]] std::string ticket_table(const std::vector<TicketView>& tickets);
// The `ticket show` text: fields, stages with deadlines and SLA verdicts at `now`, photos and
// the audit log. Pure.
[[nodiscard]] std::string ticket_report(const TicketView& ticket, const config::SlaData& sla,
                                        store::Timestamp now);

}  // namespace repairbot::bot
