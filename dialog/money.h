// Amounts of money as technicians and owners write them (yuan: "80", "12.5", "八十元"), held
// as integer cents so no fee is ever rounded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace repairbot::dialog {

// The largest amount accepted: 1,000,000 yuan. Anything above is a typo.
inline constexpr std::int64_t kMaxCents = 100'000'000;

struct Amount {
    std::int64_t cents = 0;
    std::size_t end = 0;  // one past the last byte read, unit included
};

// The amount starting exactly at byte `pos` of normalized text: ASCII digits with at most two
// decimals ("12.5", "12.50") or a Chinese numeral ("八十"), then an optional unit (元, 块,
// 块钱, rmb, yuan). nullopt when no number starts there, it has three decimals or more, or
// it is over kMaxCents, or it is an estimate (八十多, 100来块). Never fails otherwise.
[[nodiscard]] std::optional<Amount> amount_at(std::string_view normalized, std::size_t pos);

// The whole of `normalized` as one amount ("80元", " 12.5 "); nullopt for anything else.
[[nodiscard]] std::optional<std::int64_t> parse_yuan(std::string_view normalized);

// Cents as yuan for replies: 8000 -> "80", 1250 -> "12.50", 5 -> "0.05".
[[nodiscard]] std::string format_yuan(std::int64_t cents);

}  // namespace repairbot::dialog
