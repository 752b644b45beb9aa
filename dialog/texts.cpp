#include "dialog/texts.h"

namespace repairbot::dialog {
namespace {

constexpr std::array<std::string_view, kTextCount> kKeys = {
#define REPAIRBOT_DIALOG_TEXT_KEY(name) #name,
    REPAIRBOT_DIALOG_TEXTS(REPAIRBOT_DIALOG_TEXT_KEY)
#undef REPAIRBOT_DIALOG_TEXT_KEY
};

constexpr std::array<TextId, kTextCount> kIds = {
#define REPAIRBOT_DIALOG_TEXT_ID(name) TextId::name,
    REPAIRBOT_DIALOG_TEXTS(REPAIRBOT_DIALOG_TEXT_ID)
#undef REPAIRBOT_DIALOG_TEXT_ID
};

constexpr std::array<std::string_view, 26> kPlaceholders = {
    "address",      "fault_type", "urgency", "description", "photos",  "phone",  "time",
    "last_address", "menu",       "count",   "max",         "value",   "ticket", "fee",
    "name",         "status",     "jobs",    "index",       "command", "reason", "reviews",
    "technician",   "visit",      "window",  "arrive_by",   "words"};

}  // namespace

std::string_view key(TextId id) {
    return kKeys[static_cast<std::size_t>(id)];
}

std::optional<TextId> text_id_from_key(std::string_view k) {
    for (std::size_t i = 0; i < kKeys.size(); ++i) {
        if (kKeys[i] == k) return kIds[i];
    }
    return std::nullopt;
}

std::span<const TextId> all_text_ids() {
    return kIds;
}

std::span<const std::string_view> known_placeholders() {
    return kPlaceholders;
}

std::string fill_placeholders(std::string_view t, TextVars vars) {
    if (vars.size() == 0 || t.find('{') == std::string_view::npos) return std::string(t);
    std::string out;
    out.reserve(t.size() + 32);
    substitute(t, out, [vars](std::string_view name, std::string& to) {
        for (const auto& [k, v] : vars) {
            if (k == name) {
                to.append(v);
                return true;
            }
        }
        return false;
    });
    return out;
}

std::vector<std::string_view> placeholder_names(std::string_view text) {
    std::vector<std::string_view> out;
    for (auto open = text.find('{'); open != std::string_view::npos; open = text.find('{', open)) {
        const auto close = text.find('}', open + 1);
        if (close == std::string_view::npos) break;
        out.push_back(text.substr(open + 1, close - open - 1));
        open = close + 1;
    }
    return out;
}

std::string ReplyTexts::render(TextId id, TextVars vars) const {
    return fill_placeholders(get(id), vars);
}

std::string urgency_label(const ReplyTexts& texts, Urgency u) {
    switch (u) {
        case Urgency::emergency:
            return texts.get(TextId::urgency_emergency);
        case Urgency::planned:
            return texts.get(TextId::urgency_planned);
        case Urgency::normal:
            break;
    }
    return texts.get(TextId::urgency_normal);
}

}  // namespace repairbot::dialog
