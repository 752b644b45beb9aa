// Loads the Settings tree: defaults, then the TOML file, then REPAIRBOT_* environment variables
// (the environment always wins), then validation. Every problem is reported at once, each naming
// the environment variable, the file key, what is wrong and how to fix it; secret values are
// never echoed. Blocking (reads one file); call it at start, before the event loop runs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/errors.h"
#include "config/settings.h"

namespace repairbot::config {

using Environment = std::map<std::string, std::string>;

// The REPAIRBOT_* variables of this process's environment.
[[nodiscard]] Environment process_environment();

// One configurable key: its place in the TOML file and its environment variable.
struct KeyInfo {
    std::string file_key;  // "http.listen"
    std::string env;       // "REPAIRBOT_LISTEN"
    bool secret;           // never logged, and may sit in the file only if it is private (0600)
    std::string help;      // what it is, for --help and the README
};

// Every key, in documentation order.
[[nodiscard]] const std::vector<KeyInfo>& known_keys();

// Problems found while loading; empty means the Settings are valid.
struct LoadReport {
    Settings settings;
    std::vector<std::string> problems;  // one sentence each: key, value (unless secret), fix
    std::vector<std::string> warnings;
};

// `path` empty means "no file: defaults and environment only". A missing or unreadable file, a
// TOML syntax error, an unknown key, a value of the wrong type or out of range, and a missing
// required value are problems.
[[nodiscard]] LoadReport load(const std::string& path, const Environment& env);

// A one-line description of the loaded settings for the start-up log, secrets masked.
[[nodiscard]] std::string describe(const Settings& settings);

}  // namespace repairbot::config
