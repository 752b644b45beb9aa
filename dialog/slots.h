// Reads every slot one message can fill at once: "3栋502厨房水管漏水了，电话13800138000" gives the
// address, the fault type, the description and the phone in one go.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dialog/address.h"
#include "dialog/catalog.h"
#include "dialog/fault_classifier.h"

namespace repairbot::dialog {

struct SlotFill {
    std::optional<AddressMatch> address;  // complete or not: see AddressMatch::complete
    std::optional<std::string> phone;     // a valid mobile
    bool bad_phone = false;               // digits that tried to be a phone and are not one
    Classification fault;                 // on the text without address and phone
    std::string rest;  // the text without address, phone and their cue words (电话, 手机 ...),
                       // trimmed: the owner's own description when it says anything
    // `rest` in the owner's own words (case, full-width forms and punctuation as typed): what
    // goes on the ticket. Equal to `rest` when no raw text was given.
    std::string description;
};

// Extracts from `normalized` text (text::normalize output). `raw`, when given, is the text
// `normalized` came from: the description is then taken from it. Never fails: an empty
// SlotFill when nothing is recognized.
[[nodiscard]] SlotFill extract_slots(std::string_view normalized, const FaultCatalog& catalog,
                                     std::string_view raw = {});

// True when the fill's rest says enough to serve as a description: two letters or digits or more
// in the owner's words (of any script; emoji, WeChat's emoticons — "[抱拳]", "/::D" — symbols
// and punctuation do not count), not just a greeting or filler.
[[nodiscard]] bool is_description(const SlotFill& fill);

}  // namespace repairbot::dialog
