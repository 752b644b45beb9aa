// The price list for paid repairs (有偿维修收费标准, config/prices.toml), validated at start, and
// the pure checks the chat makes with it: is an owner-area repair off the list (a quote and the
// owner's agreement before work), and is the fee given with 完成 within the list.
// Public-area repairs (共用部位) are free, whatever the list says.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "config/errors.h"

namespace repairbot::config {

// One service on the notice: the charge for one job of that fault type, in cents (分).
struct PriceItem {
    std::string fault_type;  // a 报修类型 of faults.toml
    std::string name;        // as the notice names it
    std::uint32_t min_cents = 0;
    std::uint32_t max_cents = 0;
    bool operator==(const PriceItem&) const = default;
};

// What check_fee found.
enum class FeeVerdict {
    ok,            // within the list (a fee of 0 is always ok for the list: waived)
    over_maximum,  // more than the list's highest maximum for the fault type (see max_cents)
    must_be_free,  // a public-area repair with a fee above 0
    off_list,      // an owner-area fault type with no entry: the agreed quote governs, not the list
};

struct FeeCheck {
    FeeVerdict verdict = FeeVerdict::ok;
    std::uint32_t max_cents = 0;  // the list's maximum for the fault type (0 when it has none)
    bool operator==(const FeeCheck&) const = default;
};

class PriceList {
  public:
    PriceList() = default;
    // Trusts the items (parse_price_list validates them).
    explicit PriceList(std::vector<PriceItem> items) : items_(std::move(items)) {}

    [[nodiscard]] const std::vector<PriceItem>& items() const { return items_; }
    // The items of one fault type, in file order (empty when it has none).
    [[nodiscard]] std::vector<PriceItem> items_for(std::string_view fault_type) const;
    // The highest maximum of the fault type's items; 0 when it has none.
    [[nodiscard]] std::uint32_t max_cents(std::string_view fault_type) const;

    // True for an owner-area repair whose fault type has no entry: it needs a quote (报价)
    // agreed by the owner before work. A public-area repair is never off the list (it is free).
    [[nodiscard]] bool is_off_list(std::string_view fault_type, bool public_area) const;
    // The fee the technician gives with 完成, in cents, against the list. Pure.
    [[nodiscard]] FeeCheck check_fee(std::string_view fault_type, bool public_area,
                                     std::uint32_t cents) const;

  private:
    std::vector<PriceItem> items_;
};

// "120元", "12.50元": cents as the desk writes yuan. Pure.
[[nodiscard]] std::string yuan_text(std::uint32_t cents);

// Parses the text of a prices.toml; `origin` names it in errors, `fault_types` are the catalog's
// 报修类型 names (faults.toml) an item may name. Fails with std::errc::invalid_argument and a
// detail holding every problem, one per line, each "<origin>: <key>: <what is wrong>; <fix>"
// (e.g. "prices.toml: item[2].max: 30 is below min 50; ..."): bad TOML, unknown or missing keys,
// wrong types, amounts that are negative, over 100000 yuan or finer than a fen, min above max,
// an unknown fault type, a duplicate (fault_type, name). An empty list is valid (every paid repair
// is then quoted). Never throws.
[[nodiscard]] Result<PriceList> parse_price_list(std::string_view toml_text,
                                                 const std::string& origin,
                                                 const std::vector<std::string>& fault_types);
// Reads `dir`/prices.toml; std::errc::no_such_file_or_directory naming the file when it cannot
// be read, else as parse_price_list. Blocking (reads a file); call it at start.
[[nodiscard]] Result<PriceList> load_price_list(const std::filesystem::path& dir,
                                                const std::vector<std::string>& fault_types);

}  // namespace repairbot::config
