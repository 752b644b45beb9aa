#include "dialog/fault_classifier.h"

#include <array>
#include <vector>

#include "dialog/text.h"

namespace repairbot::dialog {

Classification classify(std::string_view normalized, const FaultCatalog& catalog,
                        std::span<const KeywordHit> hits) {
    Classification c;
    const auto& types = catalog.types();
    std::array<std::size_t, 32> small_scores{};
    std::vector<std::size_t> big_scores;
    std::size_t* scores = small_scores.data();
    if (types.size() > small_scores.size()) {
        big_scores.assign(types.size(), 0);
        scores = big_scores.data();
    }
    std::size_t emergency_len = 0;
    for (const auto& h : hits) {
        switch (h.kind) {
            case KeywordHit::Kind::fault_type:
                if (h.index < types.size()) scores[h.index] += h.length;
                break;
            case KeywordHit::Kind::emergency:
                if (h.length > emergency_len && h.index < catalog.emergencies().size() &&
                    !negated(normalized, h.pos)) {
                    c.emergency = &catalog.emergencies()[h.index];
                    emergency_len = h.length;
                }
                break;
            case KeywordHit::Kind::planned:
                c.planned = true;
                break;
            default:
                break;
        }
    }
    std::size_t best = 0;
    for (std::size_t i = 0; i < types.size(); ++i) {
        if (scores[i] > best) {
            best = scores[i];
            c.type = &types[i];
        }
    }
    if (!c.type && c.emergency) c.type = catalog.find(c.emergency->fault_type);
    return c;
}

Classification classify(std::string_view normalized, const FaultCatalog& catalog) {
    auto hits = catalog.scan(normalized);
    return classify(normalized, catalog, hits);
}

Urgency derive_urgency(const FaultType* type, bool emergency_words, bool planned) {
    if (emergency_words) return Urgency::emergency;
    if (type && type->urgency == Urgency::emergency) return Urgency::emergency;
    if (planned) return Urgency::planned;
    return type ? type->urgency : Urgency::normal;
}

}  // namespace repairbot::dialog
