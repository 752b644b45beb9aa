#include "config/price_list.h"

#include "config/toml_problems.h"
#include "dialog/money.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <sstream>

namespace repairbot::config {
namespace {

// No single repair on a published list costs more than this; a larger number is a typo (fen
// written as yuan, an extra zero).
constexpr double kMaxYuan = 100000.0;

using toml_data::Problems;
using toml_data::type_name;

// Every problem of one load, reported together: an invalid_argument, or `code`.
Error problems_error(const Problems& p, std::errc code = std::errc::invalid_argument) {
    return p.error(std::make_error_code(code));
}

std::string quoted_list(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

std::optional<std::string> get_text(const toml::table& t, const std::string& prefix,
                                     std::string_view key, Problems& p) {
    const std::string name = prefix + "." + std::string(key);
    const auto* node = t.get(key);
    if (!node) {
        p.add(name, "is required; add it");
        return std::nullopt;
    }
    if (!node->is_string()) {
        p.add(name, "must be a quoted string, not a " + type_name(*node));
        return std::nullopt;
    }
    auto s = node->value<std::string>().value_or("");
    if (s.empty()) {
        p.add(name, "is empty; write the text the notice shows");
        return std::nullopt;
    }
    return s;
}

// Yuan as a TOML integer or float, to cents.
std::optional<std::uint32_t> get_yuan(const toml::table& t, const std::string& prefix,
                                      std::string_view key, Problems& p) {
    const std::string name = prefix + "." + std::string(key);
    const auto* node = t.get(key);
    if (!node) {
        p.add(name, "is required; add the amount in yuan, e.g. " + std::string(key) + " = 30");
        return std::nullopt;
    }
    double yuan = 0;
    std::string shown;
    if (const auto* i = node->as_integer()) {
        yuan = static_cast<double>(i->get());
        shown = std::to_string(i->get());
    } else if (const auto* f = node->as_floating_point()) {
        yuan = f->get();
        std::ostringstream out;
        out << yuan;
        shown = out.str();
    } else {
        p.add(name, "must be a number of yuan without quotes (30 or 12.5), not a " +
                        type_name(*node));
        return std::nullopt;
    }
    if (!std::isfinite(yuan) || yuan < 0 || yuan > kMaxYuan) {
        p.add(name, shown + " is out of range; write yuan from 0 to " +
                        std::to_string(static_cast<int>(kMaxYuan)));
        return std::nullopt;
    }
    const double cents = std::round(yuan * 100.0);
    if (std::fabs(cents - yuan * 100.0) > 1e-6) {
        p.add(name, shown + " is finer than a fen; use at most two decimals");
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(cents);
}

void read_item(const toml::table& t, std::size_t index, const std::vector<std::string>& fault_types,
               std::set<std::pair<std::string, std::string>>& seen, std::vector<PriceItem>& out,
               Problems& p) {
    const std::string prefix = "item[" + std::to_string(index) + "]";
    for (auto&& [k, v] : t) {
        static const std::set<std::string_view> known{"fault_type", "name", "min", "max"};
        if (!known.count(k.str()))
            p.add(prefix + "." + std::string(k.str()),
                  "not a key of an item; remove it or use fault_type, name, min, max");
    }
    PriceItem item;
    bool ok = true;
    if (auto s = get_text(t, prefix, "fault_type", p)) {
        if (std::find(fault_types.begin(), fault_types.end(), *s) == fault_types.end()) {
            p.add(prefix + ".fault_type", "'" + *s +
                                              "' is not a fault type of faults.toml; use one of " +
                                              quoted_list(fault_types));
            ok = false;
        }
        item.fault_type = *s;
    } else {
        ok = false;
    }
    if (auto s = get_text(t, prefix, "name", p))
        item.name = *s;
    else
        ok = false;
    auto lo = get_yuan(t, prefix, "min", p);
    auto hi = get_yuan(t, prefix, "max", p);
    if (!lo || !hi) return;
    if (*lo > *hi) {
        p.add(prefix + ".max", yuan_text(*hi) + " is below min " + yuan_text(*lo) +
                                   "; swap them or correct the one that is wrong");
        ok = false;
    }
    if (*hi == 0) {
        p.add(prefix + ".max", "is 0; a free service is not a paid repair, remove the item");
        ok = false;
    }
    if (!ok) return;
    if (!seen.emplace(item.fault_type, item.name).second) {
        p.add(prefix + ".name", "'" + item.name + "' is listed twice for fault type '" +
                                    item.fault_type + "'; keep one of them");
        return;
    }
    item.min_cents = *lo;
    item.max_cents = *hi;
    out.push_back(std::move(item));
}

}  // namespace

std::vector<PriceItem> PriceList::items_for(std::string_view fault_type) const {
    std::vector<PriceItem> out;
    for (const auto& i : items_)
        if (i.fault_type == fault_type) out.push_back(i);
    return out;
}

std::uint32_t PriceList::max_cents(std::string_view fault_type) const {
    std::uint32_t most = 0;
    for (const auto& i : items_)
        if (i.fault_type == fault_type) most = std::max(most, i.max_cents);
    return most;
}

bool PriceList::is_off_list(std::string_view fault_type, bool public_area) const {
    if (public_area) return false;
    return std::none_of(items_.begin(), items_.end(),
                        [&](const PriceItem& i) { return i.fault_type == fault_type; });
}

FeeCheck PriceList::check_fee(std::string_view fault_type, bool public_area,
                              std::uint32_t cents) const {
    if (public_area) return {cents == 0 ? FeeVerdict::ok : FeeVerdict::must_be_free, 0};
    if (is_off_list(fault_type, public_area)) return {FeeVerdict::off_list, 0};
    const auto most = max_cents(fault_type);
    return {cents <= most ? FeeVerdict::ok : FeeVerdict::over_maximum, most};
}

std::string yuan_text(std::uint32_t cents) {
    return dialog::format_yuan(cents) + "元";
}

Result<PriceList> parse_price_list(std::string_view toml_text, const std::string& origin,
                                   const std::vector<std::string>& fault_types) {
    Problems p(origin);
    auto parsed =
        toml_data::parse_toml(toml_text, p, std::make_error_code(std::errc::invalid_argument));
    if (!parsed) return problems_error(p);
    const toml::table& root = *parsed;
    for (auto&& [k, v] : root) {
        if (k.str() != "item")
            p.add(std::string(k.str()),
                  "not a key of this file; remove it (services are [[item]] tables)");
    }
    std::vector<PriceItem> items;
    if (const auto* node = root.get("item")) {
        const auto* list = node->as_array();
        if (!list || !list->is_array_of_tables()) {
            p.add("item", "must be [[item]] tables, not a " + type_name(*node));
        } else {
            std::set<std::pair<std::string, std::string>> seen;
            for (std::size_t i = 0; i < list->size(); ++i)
                read_item(*list->get(i)->as_table(), i, fault_types, seen, items, p);
        }
    }
    if (!p.empty()) return problems_error(p);
    return PriceList(std::move(items));
}

Result<PriceList> load_price_list(const std::filesystem::path& dir,
                                  const std::vector<std::string>& fault_types) {
    const auto path = (dir / "prices.toml").string();
    auto text = toml_data::read_file(path);
    if (!text) {
        Problems p(path);
        p.add("", "cannot be read; check that it exists and is readable (copy config/prices.toml "
                  "from the source tree)");
        return problems_error(p, std::errc::no_such_file_or_directory);
    }
    return parse_price_list(*text, path, fault_types);
}

}  // namespace repairbot::config
