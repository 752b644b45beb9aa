#include "dialog/catalog.h"

#include <algorithm>
#include <array>

#include "dialog/text.h"

namespace repairbot::dialog {

std::string_view to_string(Urgency u) {
    switch (u) {
        case Urgency::emergency:
            return "emergency";
        case Urgency::normal:
            return "normal";
        case Urgency::planned:
            return "planned";
    }
    return "normal";
}

std::optional<Urgency> urgency_from_string(std::string_view s) {
    if (s == "emergency") return Urgency::emergency;
    if (s == "normal") return Urgency::normal;
    if (s == "planned") return Urgency::planned;
    return std::nullopt;
}

std::string urgency_word(std::string_view code) {
    const auto u = urgency_from_string(code);
    if (!u) return std::string(code);
    switch (*u) {
        case Urgency::emergency:
            return "紧急";
        case Urgency::normal:
            return "一般";
        case Urgency::planned:
            return "计划";
    }
    return std::string(code);
}

FaultCatalog::FaultCatalog(std::vector<FaultType> types, std::vector<EmergencyRule> emergencies,
                           std::vector<std::string> planned_keywords, PublicAreas areas,
                           std::string_view fallback_type,
                           std::vector<std::string> serious_complaint_keywords,
                           std::vector<std::string> ordinary_words)
    : types_(std::move(types)),
      emergencies_(std::move(emergencies)),
      planned_(std::move(planned_keywords)),
      areas_(std::move(areas)),
      serious_(std::move(serious_complaint_keywords)),
      ordinary_(std::move(ordinary_words)) {
    for (auto& k : serious_) k = text::normalize(k);  // matched on normalized text
    for (auto& k : ordinary_) k = text::normalize(k);
    std::erase(ordinary_, std::string());
    fallback_ = types_.empty() ? 0 : types_.size() - 1;
    for (std::size_t i = 0; i < types_.size(); ++i) {
        if (types_[i].name == fallback_type) fallback_ = i;
        for (const auto& k : types_[i].keywords) add(k, KeywordHit::Kind::fault_type, i);
    }
    for (std::size_t i = 0; i < emergencies_.size(); ++i) {
        for (const auto& k : emergencies_[i].keywords) add(k, KeywordHit::Kind::emergency, i);
    }
    for (const auto& k : planned_) add(k, KeywordHit::Kind::planned, 0);
    for (const auto& k : areas_.building_areas) add(k, KeywordHit::Kind::building_area, 0);
    for (const auto& k : areas_.site_areas) add(k, KeywordHit::Kind::site_area, 0);
    for (auto& [first, entries] : by_first_) {
        std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
            return a.word.size() > b.word.size();
        });
    }
}

void FaultCatalog::add(const std::string& word, KeywordHit::Kind kind, std::size_t index) {
    std::string w = text::normalize(word);
    if (w.empty()) return;
    auto first = text::decode_at(w, 0).value;
    by_first_[first].push_back(Entry{std::move(w), kind, static_cast<std::uint16_t>(index)});
}

bool negated(std::string_view s, std::size_t pos) {
    static constexpr std::array<std::string_view, 6> kNegations = {"没有", "不是", "没",
                                                                   "不",   "无",   "并非"};
    // An A-not-A question (是不是, 有没有): the owner is asking whether the danger is there —
    // not the 是 of 但是, 就是, 可是 … ("但是不是漏电" rules it out).
    auto asks = [&](std::string_view n) {
        const auto at = pos - n.size();
        auto before = [&](std::size_t end, std::string_view w) {
            return end >= w.size() && s.substr(end - w.size(), w.size()) == w;
        };
        if (n.starts_with("没")) return before(at, "有");
        if (!n.starts_with("不") || !before(at, "是")) return false;
        const auto shi = at - std::string_view("是").size();
        for (std::string_view joined : {"但", "可", "就", "还", "要", "只", "于", "倒", "也", "都",
                                        "正", "像", "若", "凡", "硬", "总", "老", "真", "算"})
            if (before(shi, joined)) return false;
        return true;
    };
    for (auto n : kNegations) {
        if (pos >= n.size() && s.substr(pos - n.size(), n.size()) == n) return !asks(n);
    }
    return false;
}

bool FaultCatalog::is_serious_complaint(std::string_view words) const {
    const std::string normalized = text::normalize(words);
    for (const auto& word : serious_) {
        for (auto at = normalized.find(word); at != std::string_view::npos;
             at = normalized.find(word, at + word.size())) {
            if (!negated(normalized, at)) return true;
        }
    }
    return false;
}

const FaultType* FaultCatalog::find(std::string_view name) const {
    for (const auto& t : types_) {
        if (t.name == name) return &t;
    }
    return nullptr;
}

const FaultType* FaultCatalog::by_menu_number(long n) const {
    if (n < 1 || static_cast<std::size_t>(n) > types_.size()) return nullptr;
    return &types_[static_cast<std::size_t>(n - 1)];
}

const FaultType* FaultCatalog::fallback() const {
    return types_.empty() ? nullptr : &types_[fallback_];
}

const EmergencyRule* FaultCatalog::find_emergency(std::string_view kind) const {
    for (const auto& e : emergencies_) {
        if (e.kind == kind) return &e;
    }
    return nullptr;
}

std::vector<KeywordHit> FaultCatalog::scan(std::string_view normalized) const {
    std::vector<KeywordHit> hits;
    for (std::size_t pos = 0; pos < normalized.size();) {
        auto cp = text::decode_at(normalized, pos);
        if (auto it = by_first_.find(cp.value); it != by_first_.end()) {
            for (const auto& e : it->second) {
                if (text::at(normalized, pos, e.word)) {
                    hits.push_back(KeywordHit{e.kind, e.index, pos, e.word.size()});
                }
            }
        }
        pos += cp.length;
    }
    if (hits.empty() || ordinary_.empty()) return hits;
    // 电 of 电话, 门 of 上门: a type keyword wholly inside an ordinary word is no fault named.
    for (const auto& o : ordinary_) {
        for (auto at = normalized.find(o); at != std::string_view::npos;
             at = normalized.find(o, at + 1)) {
            std::erase_if(hits, [&](const KeywordHit& h) {
                return h.kind == KeywordHit::Kind::fault_type && h.pos >= at &&
                       h.pos + h.length <= at + o.size();
            });
        }
    }
    return hits;
}

}  // namespace repairbot::dialog
