#include "config/dialog_data.h"

#include "config/toml_problems.h"
#include "dialog/text.h"

#include <toml++/toml.h>
#include <algorithm>
#include <array>
#include <initializer_list>
#include <set>

namespace repairbot::config {
namespace {

const std::error_code kBadData = std::make_error_code(std::errc::invalid_argument);
const std::error_code kMissing = std::make_error_code(std::errc::no_such_file_or_directory);

Error bad(std::string_view source, const std::string& what) {
    return Error{kBadData, std::string(source) + ": " + what};
}

std::optional<Error> parse_toml(std::string_view text, std::string_view source, toml::table& out) {
    try {
        out = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        return bad(source, "line " + std::to_string(e.source().begin.line) + ": " +
                               std::string(e.description()) + "; fix the TOML syntax there");
    }
    return std::nullopt;
}

// Complains about keys of `table` not in `allowed` (a typo would otherwise be ignored).
std::optional<Error> only_keys(const toml::table& table,
                               std::initializer_list<std::string_view> allowed,
                               std::string_view source, const std::string& where) {
    for (const auto& [k, v] : table) {
        bool known = false;
        for (auto a : allowed) known = known || k.str() == a;
        if (!known) {
            std::string list;
            for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
            return bad(source,
                       "unknown key " + where + std::string(k.str()) + "; allowed here: " + list);
        }
    }
    return std::nullopt;
}

std::optional<Error> need_string(const toml::table& t, std::string_view key,
                                 std::string_view source, const std::string& where,
                                 std::string& out) {
    const auto* node = t.get(key);
    if (!node) return bad(source, where + std::string(key) + " is missing; add it as a string");
    const auto* s = node->as_string();
    if (!s || s->get().empty()) {
        return bad(source, where + std::string(key) + " must be a non-empty string");
    }
    out = s->get();
    return std::nullopt;
}

// An array of strings with words in them (not only spaces); a missing key is an empty list when
// `optional`.
std::optional<Error> string_list(const toml::table& t, std::string_view key,
                                 std::string_view source, const std::string& where, bool optional,
                                 std::vector<std::string>& out) {
    const auto* node = t.get(key);
    std::string name = where + std::string(key);
    if (!node) {
        if (optional) return std::nullopt;
        return bad(source, name + " is missing; add it as a list of strings, e.g. [\"漏水\"]");
    }
    const auto* arr = node->as_array();
    if (!arr) return bad(source, name + " must be a list of strings, e.g. [\"漏水\"]");
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const auto* s = arr->get(i)->as_string();
        if (!s || s->get().empty()) {
            return bad(source, name + "[" + std::to_string(i) + "] must be a non-empty string");
        }
        // Matched on normalized text: a blank entry would match every message.
        if (dialog::text::normalize(s->get()).empty()) {
            return bad(source, name + "[" + std::to_string(i) + "] = \"" + s->get() +
                                   "\" is only spaces; write the words to match, or remove it");
        }
        out.push_back(s->get());
    }
    return std::nullopt;
}

// The tables of an array of tables ([[type]]); an error when it is missing or not tables.
std::optional<Error> tables(const toml::table& root, std::string_view key, std::string_view source,
                            std::vector<const toml::table*>& out) {
    const auto* arr = root.get_as<toml::array>(key);
    if (!arr || arr->empty()) {
        return bad(source, "no [[" + std::string(key) + "]] entries; add at least one");
    }
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const auto* t = arr->get(i)->as_table();
        if (!t) {
            return bad(source, std::string(key) + "[" + std::to_string(i + 1) +
                                   "] must be a table: write it as [[" + std::string(key) + "]]");
        }
        out.push_back(t);
    }
    return std::nullopt;
}

Result<std::string> read_file(const std::filesystem::path& path) {
    auto text = toml_data::read_file(path.string());
    if (!text) {
        return Error{kMissing, path.string() +
                                   ": cannot be read; check the data directory "
                                   "(settings data_dir) holds it"};
    }
    return std::move(*text);
}

std::optional<Error> parse_types(const toml::table& root, std::string_view source,
                                 std::vector<dialog::FaultType>& out) {
    std::vector<const toml::table*> entries;
    if (auto e = tables(root, "type", source, entries)) return e;
    std::set<std::string> names;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const auto& t = *entries[i];
        std::string where = "type[" + std::to_string(i + 1) + "].";
        if (auto e = only_keys(t, {"name", "trade", "urgency", "keywords"}, source, where))
            return e;
        dialog::FaultType type;
        if (auto e = need_string(t, "name", source, where, type.name)) return e;
        if (!names.insert(type.name).second) {
            return bad(source,
                       where + "name = '" + type.name + "' is used twice; names must differ");
        }
        if (auto e = need_string(t, "trade", source, where, type.trade)) return e;
        std::string urgency = "normal";
        if (t.contains("urgency")) {
            if (auto e = need_string(t, "urgency", source, where, urgency)) return e;
        }
        auto u = dialog::urgency_from_string(urgency);
        if (!u) {
            return bad(source, where + "urgency = '" + urgency +
                                   "' must be one of emergency, normal, planned");
        }
        type.urgency = *u;
        if (auto e = string_list(t, "keywords", source, where, true, type.keywords)) return e;
        out.push_back(std::move(type));
    }
    if (out.size() > 99) return bad(source, "more than 99 [[type]] entries; owners pick by number");
    return std::nullopt;
}

std::optional<Error> parse_emergencies(const toml::table& root, std::string_view source,
                                       const std::vector<dialog::FaultType>& types,
                                       std::vector<dialog::EmergencyRule>& out) {
    std::vector<const toml::table*> entries;
    if (auto e = tables(root, "emergency", source, entries)) return e;
    std::set<std::string> kinds;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const auto& t = *entries[i];
        std::string where = "emergency[" + std::to_string(i + 1) + "].";
        if (auto e = only_keys(t, {"kind", "fault_type", "advice", "keywords"}, source, where)) {
            return e;
        }
        dialog::EmergencyRule rule;
        if (auto e = need_string(t, "kind", source, where, rule.kind)) return e;
        if (!kinds.insert(rule.kind).second) {
            return bad(source,
                       where + "kind = '" + rule.kind + "' is used twice; kinds must differ");
        }
        if (auto e = need_string(t, "fault_type", source, where, rule.fault_type)) return e;
        bool known = false;
        for (const auto& type : types) known = known || type.name == rule.fault_type;
        if (!known) {
            return bad(source, where + "fault_type = '" + rule.fault_type +
                                   "' names no [[type]]; use one of the type names");
        }
        if (auto e = need_string(t, "advice", source, where, rule.advice)) return e;
        if (auto e = string_list(t, "keywords", source, where, false, rule.keywords)) return e;
        if (rule.keywords.empty()) {
            return bad(source, where + "keywords is empty; list the words that reveal it");
        }
        out.push_back(std::move(rule));
    }
    return std::nullopt;
}

// {name} placeholders of `text` that the dialog does not fill.
std::optional<std::string> unknown_placeholder(std::string_view text) {
    auto known = dialog::known_placeholders();
    for (auto name : dialog::placeholder_names(text))
        if (std::find(known.begin(), known.end(), name) == known.end()) return std::string(name);
    return std::nullopt;
}

}  // namespace

Result<dialog::FaultCatalog> parse_fault_catalog(std::string_view text, std::string_view source) {
    toml::table root;
    if (auto e = parse_toml(text, source, root)) return *e;
    if (auto e = only_keys(root,
                           {"fallback", "planned_keywords", "public_areas", "type", "emergency",
                            "serious_complaint_keywords", "ordinary_words"},
                           source, "")) {
        return *e;
    }
    std::vector<dialog::FaultType> types;
    if (auto e = parse_types(root, source, types)) return *e;
    std::vector<dialog::EmergencyRule> emergencies;
    if (auto e = parse_emergencies(root, source, types, emergencies)) return *e;
    std::vector<std::string> planned;
    if (auto e = string_list(root, "planned_keywords", source, "", true, planned)) return *e;
    std::vector<std::string> serious;
    if (auto e = string_list(root, "serious_complaint_keywords", source, "", true, serious))
        return *e;
    std::vector<std::string> ordinary;
    if (auto e = string_list(root, "ordinary_words", source, "", true, ordinary)) return *e;
    dialog::PublicAreas areas;
    if (const auto* node = root.get("public_areas")) {
        const auto* t = node->as_table();
        if (!t) return bad(source, "public_areas must be a table: write it as [public_areas]");
        if (auto e = only_keys(*t, {"building", "site"}, source, "public_areas.")) return *e;
        if (auto e =
                string_list(*t, "building", source, "public_areas.", true, areas.building_areas)) {
            return *e;
        }
        if (auto e = string_list(*t, "site", source, "public_areas.", true, areas.site_areas)) {
            return *e;
        }
    }
    std::string fallback;
    if (auto e = need_string(root, "fallback", source, "", fallback)) return *e;
    bool known = false;
    for (const auto& type : types) known = known || type.name == fallback;
    if (!known) {
        return bad(source, "fallback = '" + fallback +
                               "' names no [[type]]; use one of the type "
                               "names, usually 其他");
    }
    return dialog::FaultCatalog(std::move(types), std::move(emergencies), std::move(planned),
                                std::move(areas), fallback, std::move(serious),
                                std::move(ordinary));
}

// Keys a release stopped reading: a desk's own copy of replies.toml may still hold them, and
// must not stop the bot from starting. progress_query: 进度 is answered by the list itself
// (session 30).
constexpr std::array<std::string_view, 1> kRetiredReplyKeys = {"progress_query"};

Result<dialog::ReplyTexts> parse_reply_texts(std::string_view text, std::string_view source) {
    toml::table root;
    if (auto e = parse_toml(text, source, root)) return *e;
    for (const auto& [k, v] : root) {
        // Pure (the fuzz targets link this file without the logger): skipped silently.
        if (std::find(kRetiredReplyKeys.begin(), kRetiredReplyKeys.end(), k.str()) !=
            kRetiredReplyKeys.end())
            continue;
        if (!dialog::text_id_from_key(k.str())) {
            return bad(source, "unknown key " + std::string(k.str()) +
                                   "; check its spelling against the keys listed in the file");
        }
    }
    dialog::ReplyTexts texts;
    for (auto id : dialog::all_text_ids()) {
        std::string value;
        std::string key(dialog::key(id));
        if (auto e = need_string(root, key, source, "", value)) return *e;
        if (auto name = unknown_placeholder(value)) {
            std::string allowed;
            for (auto k : dialog::known_placeholders()) {
                allowed += (allowed.empty() ? "{" : " {") + std::string(k) + "}";
            }
            return bad(source, key + " uses {" + *name +
                                   "}, which the dialog does not fill; remove it or use one of " +
                                   allowed);
        }
        texts.set(id, std::move(value));
    }
    return texts;
}

Result<dialog::DialogData> load_dialog_data(const std::filesystem::path& dir) {
    auto faults_path = dir / "faults.toml";
    auto replies_path = dir / "replies.toml";
    auto faults_text = read_file(faults_path);
    if (!faults_text) return faults_text.error();
    auto replies_text = read_file(replies_path);
    if (!replies_text) return replies_text.error();
    auto catalog = parse_fault_catalog(*faults_text, faults_path.string());
    if (!catalog) return catalog.error();
    auto texts = parse_reply_texts(*replies_text, replies_path.string());
    if (!texts) return texts.error();
    return dialog::DialogData{std::move(*catalog), std::move(*texts)};
}

}  // namespace repairbot::config
