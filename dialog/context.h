// Everything step() needs besides the session and the message: the time, the owner's profile,
// the desk's data and limits. Passed in, so step() reads no clock and no file.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "dialog/address.h"
#include "dialog/catalog.h"
#include "dialog/texts.h"

namespace repairbot::dialog {

// The desk's data for the dialog, loaded once at start (config/dialog_data.h).
struct DialogData {
    FaultCatalog catalog;
    ReplyTexts texts;
};

// What the bot remembers about an owner from earlier reports.
struct OwnerProfile {
    std::string name{};
    std::string phone{};
    std::optional<Address> last_address{};
};

struct Limits {
    std::chrono::seconds session_idle_timeout{std::chrono::minutes{30}};
    std::size_t max_photos = 9;
    unsigned misses_before_human = 3;
};

struct Context {
    const DialogData& data;
    std::chrono::sys_seconds now;
    std::chrono::minutes utc_offset{8 * 60};  // local time for 今天下午, 周六 (+08:00)
    OwnerProfile profile;
    Limits limits;
};

}  // namespace repairbot::dialog
