// Internal to config/: what the loaders of the desk's TOML data files (sla_data.cpp,
// price_list.cpp; dialog_data.cpp reads its files with read_file) share, so an operator reads
// their errors in one form — every problem of one load together, one per line, as
// "<file>: <key>: <what is wrong>; <how to fix it>".
// Not for use outside config/ (toml++ stays a private dependency of repairbot_config).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <toml++/toml.h>

#include "config/errors.h"

namespace repairbot::config::toml_data {

// Every problem of one load, reported together.
class Problems {
  public:
    explicit Problems(std::string origin) : origin_(std::move(origin)) {}

    // One line "<origin>: <key>: <what>" ("<origin>: <what>" when key is empty). The first
    // problem added with a code gives the error its code.
    void add(std::string_view key, const std::string& what);
    void add(std::error_code code, std::string_view key, const std::string& what);
    // Another load's Error: its detail lines as they are, its code if none came before.
    void merge(const Error& e);

    [[nodiscard]] bool empty() const { return lines_.empty(); }
    // The lines joined by "\n", with the first problem's code, or `fallback` when none had one.
    [[nodiscard]] Error error(std::error_code fallback) const;
    [[nodiscard]] const std::string& origin() const { return origin_; }

  private:
    std::string origin_;
    std::vector<std::string> lines_;
    std::optional<std::error_code> first_;
};

// The TOML type of a node as an operator reads it ("string", "integer", "table" ...).
[[nodiscard]] std::string type_name(const toml::node& n);

// The whole file at `path`, or nullopt when it cannot be opened. Blocking.
[[nodiscard]] std::optional<std::string> read_file(const std::string& path);

// `text` parsed with p.origin() as its source name; on a syntax error, nullopt and a problem
// "line <n>: <what toml++ says>; fix the TOML syntax there" with `code`.
[[nodiscard]] std::optional<toml::table> parse_toml(std::string_view text, Problems& p,
                                                    std::error_code code);

}  // namespace repairbot::config::toml_data
