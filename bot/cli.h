// The repairbot command line: parses argv into a command and its options, prints --help and
// --version. Pure apart from printing; the commands themselves live in bot/app.h.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace repairbot::bot {

struct CommandLine {
    std::string command;                        // "serve", "migrate", "check-config", ...
    std::string config_path;                    // --config, else $REPAIRBOT_CONFIG, else ""
    std::vector<std::string> args;              // positional words after the command
    std::map<std::string, std::string> options; // --name value / --flag ("" value)
};

// Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Parses argv. Returns nullopt after printing --help/--version (exit 0) or a usage error (exit
// code in *exit_code).
[[nodiscard]] std::optional<CommandLine> parse_command_line(int argc, char** argv, int* exit_code);

[[nodiscard]] std::string usage_text();

}  // namespace repairbot::bot
