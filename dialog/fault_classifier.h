// Classifies free text against the fault catalog: which fault type, whether it is an emergency
// (and which kind, for the safety advice), and the urgency DOMAIN.md derives from both.
#pragma once

#include <span>
#include <string_view>

#include "dialog/catalog.h"

namespace repairbot::dialog {

struct Classification {
    const FaultType* type = nullptr;           // nullptr: no keyword names a type
    const EmergencyRule* emergency = nullptr;  // nullptr: no emergency words (or negated: 没有漏电)
    bool planned = false;                      // 保养, 不急, ...: planned work

    [[nodiscard]] bool matched() const { return type != nullptr || emergency != nullptr; }
};

// Classifies `normalized` text. `hits` are catalog.scan() of the same text, minus any the caller
// wants ignored (the slot extractor drops those inside "5号楼电梯厅"). The type with the most
// keyword text wins, ties going to the earlier menu entry; an emergency without a type word
// implies the rule's type. Never fails: an empty Classification when nothing matches.
[[nodiscard]] Classification classify(std::string_view normalized, const FaultCatalog& catalog,
                                      std::span<const KeywordHit> hits);
[[nodiscard]] Classification classify(std::string_view normalized, const FaultCatalog& catalog);

// Emergency when an emergency rule matched or the type is an emergency by default (电梯);
// planned when the text says so; otherwise the type's default (normal without a type).
[[nodiscard]] Urgency derive_urgency(const FaultType* type, bool emergency_words, bool planned);

}  // namespace repairbot::dialog
