// Shared by the dialogue fuzz targets: the desk's real data files (config/, found through the
// REPAIRBOT_SOURCE_DIR compile definition, or REPAIRBOT_CONFIG_DIR when set) and a strict UTF-8
// check for the invariants the targets assert.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "config/dialog_data.h"

namespace repairbot::fuzz {

// config/faults.toml and config/replies.toml as shipped; aborts when they do not load, since a
// fuzz run without the real data would prove nothing.
inline const dialog::DialogData& shipped_data() {
    static const dialog::DialogData data = [] {
        const char* dir = std::getenv("REPAIRBOT_CONFIG_DIR");
        auto loaded = config::load_dialog_data(
            dir ? std::filesystem::path(dir)
                : std::filesystem::path(REPAIRBOT_SOURCE_DIR) / "config");
        if (!loaded) {
            std::fprintf(stderr, "dialog data failed to load: %s\n",
                         loaded.error().message().c_str());
            std::abort();
        }
        return std::move(*loaded);
    }();
    return data;
}

// True for well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
inline bool valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        char32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + n >= s.size()) return false;  // truncated at the end
        for (std::size_t k = 1; k <= n; ++k) {
            const auto d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3F);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

}  // namespace repairbot::fuzz
