// The desk's shipped data — config/'s SLA table, notices, dialogue data and price list — read
// once from the source tree, for the integration tests that build the bot's desks on it.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "config/dialog_data.h"
#include "config/notices.h"
#include "config/price_list.h"
#include "config/sla_data.h"

namespace repairbot::testing {

struct DeskData {
    config::SlaData sla;
    config::Notices notices;
    dialog::DialogData dialog;
    config::PriceList prices;
};

// A fresh copy, for a test that changes a setting before it builds on it. Throws
// std::runtime_error when config/ does not load (the test cannot mean anything then).
inline DeskData load_desk_data() {
    const std::string dir = REPAIRBOT_SOURCE_DIR "/config";
    auto sla = config::load_sla_data(dir);
    auto notices = config::load_notices(dir);
    auto dialog = config::load_dialog_data(dir);
    if (!sla || !notices || !dialog) throw std::runtime_error("config/ does not load");
    std::vector<std::string> types;
    for (const auto& f : dialog->catalog.types()) types.push_back(f.name);
    auto prices = config::load_price_list(dir, types);
    if (!prices) throw std::runtime_error("config/prices do not load");
    return DeskData{std::move(*sla), std::move(*notices), std::move(*dialog), std::move(*prices)};
}

// The shipped data as it is, loaded on first use and shared by the binary's tests.
inline const DeskData& desk() {
    static const DeskData data = load_desk_data();
    return data;
}

}  // namespace repairbot::testing
