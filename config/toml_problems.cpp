#include "config/toml_problems.h"

#include <fstream>
#include <sstream>

namespace repairbot::config::toml_data {

void Problems::add(std::string_view key, const std::string& what) {
    std::string line = origin_;
    if (!key.empty()) line += ": " + std::string(key);
    lines_.push_back(line + ": " + what);
}

void Problems::add(std::error_code code, std::string_view key, const std::string& what) {
    if (!first_) first_ = code;
    add(key, what);
}

void Problems::merge(const Error& e) {
    if (!first_) first_ = e.code;
    lines_.push_back(e.detail);
}

Error Problems::error(std::error_code fallback) const {
    std::string detail;
    for (const auto& l : lines_) detail += (detail.empty() ? "" : "\n") + l;
    return Error{first_.value_or(fallback), detail};
}

std::string type_name(const toml::node& n) {
    std::ostringstream out;
    out << n.type();
    return out.str();
}

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::optional<toml::table> parse_toml(std::string_view text, Problems& p, std::error_code code) {
    try {
        return toml::parse(text, p.origin());
    } catch (const toml::parse_error& e) {
        p.add(code, "",
              "line " + std::to_string(e.source().begin.line) + ": " +
                  std::string(e.description()) + "; fix the TOML syntax there");
        return std::nullopt;
    }
}

}  // namespace repairbot::config::toml_data
