// The fault catalog as plain values: fault types with their trades and keywords, the emergency
// rules with their safety advice, and the words that name public areas. Loaded from
// config/faults.toml by config/dialog_data.h; indexed once so classification is a single scan.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace repairbot::dialog {

// DOMAIN.md's urgency classes.
enum class Urgency : std::uint8_t { emergency, normal, planned };

// "emergency", "normal", "planned".
[[nodiscard]] std::string_view to_string(Urgency u);
// Inverse of to_string; nullopt for any other word.
[[nodiscard]] std::optional<Urgency> urgency_from_string(std::string_view s);
// The desk's word for an urgency code in staff-facing texts ("emergency" → 紧急, "normal" →
// 一般, "planned" → 计划); any other code as it is. The owner's replies use replies.toml's
// urgency labels (dialog::urgency_label), which a desk may reword.
[[nodiscard]] std::string urgency_word(std::string_view code);

// One entry of the 报修类型 menu (its menu number is its 1-based position).
struct FaultType {
    std::string name{};                 // 水, 电, 燃气, ...
    std::string trade{};                // which technicians take it (matched against their trades)
    Urgency urgency = Urgency::normal;  // when no keyword says otherwise
    std::vector<std::string> keywords{};  // lower-case, as text::normalize leaves them
};

// A kind of emergency (flood, gas, ...): the words that reveal it, the fault type it implies
// when the text names none, and the safety advice given in the very first reply.
struct EmergencyRule {
    std::string kind{};        // flood, electric, gas, lift, fire_medical, ...
    std::string fault_type{};  // a FaultType name
    std::string advice{};
    std::vector<std::string> keywords{};
};

// Words naming shared parts of the estate. Building areas need a building (5号楼电梯厅);
// site areas stand alone (地下车库).
struct PublicAreas {
    std::vector<std::string> building_areas{};
    std::vector<std::string> site_areas{};
};

// Where a keyword of the catalog occurs in a text.
struct KeywordHit {
    enum class Kind : std::uint8_t { fault_type, emergency, planned, building_area, site_area };
    Kind kind;
    std::uint16_t index;  // into types() / emergencies(); 0 for the others
    std::size_t pos;      // byte offset in the scanned text
    std::size_t length;   // bytes
};

// Whether the keyword found at byte `pos` of `normalized` text is ruled out by the word just
// before it: "没有漏电", "不是漏水", "无燃气味", "并非…". A question asks, it does not rule out:
// "是不是漏电了", "有没有燃气味" (the negation right after 是 / 有) are not negated. Pure.
[[nodiscard]] bool negated(std::string_view normalized, std::size_t pos);

// The catalog, immutable once built. Callers (the loader, tests) validate their input first:
// the constructor trusts it, except that an unknown fallback name falls back to the last type.
class FaultCatalog {
  public:
    FaultCatalog() = default;
    FaultCatalog(std::vector<FaultType> types, std::vector<EmergencyRule> emergencies,
                 std::vector<std::string> planned_keywords, PublicAreas areas,
                 std::string_view fallback_type,
                 std::vector<std::string> serious_complaint_keywords = {},
                 std::vector<std::string> ordinary_words = {});

    [[nodiscard]] const std::vector<FaultType>& types() const { return types_; }
    [[nodiscard]] const std::vector<EmergencyRule>& emergencies() const { return emergencies_; }
    [[nodiscard]] const std::vector<std::string>& planned_keywords() const { return planned_; }
    [[nodiscard]] const PublicAreas& public_areas() const { return areas_; }
    [[nodiscard]] const std::vector<std::string>& serious_complaint_keywords() const {
        return serious_;
    }
    // Words holding a type keyword that name no fault (电话, 上门, 门口), normalized.
    [[nodiscard]] const std::vector<std::string>& ordinary_words() const { return ordinary_; }

    // Whether a complaint in the owner's `words` (as typed: folded here, text::normalize) is
    // serious (DOMAIN.md: it goes to the manager at once): they hold one of
    // serious_complaint_keywords (a danger, harm, damage, an outside body; folded as the other
    // keywords are) not negated ("还好没有受伤").
    [[nodiscard]] bool is_serious_complaint(std::string_view words) const;

    // The type named `name`; nullptr when there is none.
    [[nodiscard]] const FaultType* find(std::string_view name) const;
    // The type for menu number `n` (1-based); nullptr when out of range.
    [[nodiscard]] const FaultType* by_menu_number(long n) const;
    // The catch-all type (其他); nullptr only for an empty catalog.
    [[nodiscard]] const FaultType* fallback() const;
    [[nodiscard]] const EmergencyRule* find_emergency(std::string_view kind) const;

    // Every keyword occurrence in `normalized` text, in text order, longest first at one
    // position. Overlapping hits are all reported — but a type keyword inside one of the
    // ordinary words (电 of 电话, 门 of 上门: they name no fault) is not. An empty vector when
    // nothing matches.
    [[nodiscard]] std::vector<KeywordHit> scan(std::string_view normalized) const;

  private:
    struct Entry {
        std::string word{};
        KeywordHit::Kind kind;
        std::uint16_t index;
    };
    void add(const std::string& word, KeywordHit::Kind kind, std::size_t index);

    std::vector<FaultType> types_{};
    std::vector<EmergencyRule> emergencies_{};
    std::vector<std::string> planned_{};
    PublicAreas areas_;
    std::vector<std::string> serious_{};
    std::vector<std::string> ordinary_{};  // normalized
    std::size_t fallback_ = 0;
    // Keywords by their first code point, longest first: one hash look-up per character.
    std::unordered_map<char32_t, std::vector<Entry>> by_first_;
};

}  // namespace repairbot::dialog
