// The texts the bot composes around the dialogue's replies (ticket number, progress lines,
// "try again shortly"): config/notices.toml, every key required, loaded once at start.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/errors.h"

namespace repairbot::config {

class Notices {
public:
    // The text of `key` with each {name} replaced from `vars`; an unknown key yields the key
    // itself (the loader guarantees every key the bot uses exists). Never fails.
    [[nodiscard]] std::string render(
        std::string_view key,
        std::initializer_list<std::pair<std::string_view, std::string_view>> vars = {}) const;
    void set(std::string key, std::string text) { texts_[std::move(key)] = std::move(text); }

private:
    std::map<std::string, std::string, std::less<>> texts_;
};

// Every key the bot renders; the loader refuses a file missing one.
[[nodiscard]] const std::vector<std::string_view>& required_notice_keys();

// Reads `dir`/notices.toml. Errors (invalid_argument / no_such_file_or_directory) name the file,
// the key and the fix. Blocking.
[[nodiscard]] Result<Notices> load_notices(const std::filesystem::path& dir);

}  // namespace repairbot::config
