#include "dialog/money.h"

#include <array>

#include "dialog/text.h"

namespace repairbot::dialog {

std::optional<Amount> amount_at(std::string_view s, std::size_t pos) {
    auto whole = text::number_at(s, pos);
    if (!whole || whole->value < 0 || whole->value > kMaxCents / 100) return std::nullopt;
    std::int64_t cents = static_cast<std::int64_t>(whole->value) * 100;
    std::size_t end = whole->end;
    bool ascii = text::is_ascii_digit(s[pos]);
    if (ascii && end < s.size() && s[end] == '.') {
        std::size_t d = end + 1;
        std::size_t digits = 0;
        std::int64_t fraction = 0;
        while (d < s.size() && text::is_ascii_digit(s[d])) {
            ++digits;
            if (digits > 2) return std::nullopt;
            fraction = fraction * 10 + (s[d] - '0');
            ++d;
        }
        if (digits == 0) return std::nullopt;  // "12." is not a price
        cents += digits == 1 ? fraction * 10 : fraction;
        end = d;
    }
    if (cents > kMaxCents) return std::nullopt;
    // "八十多", "100来块": an estimate is not a fee.
    for (auto about : {"多", "几", "余", "来"}) {
        if (text::at(s, end, about)) return std::nullopt;
    }
    static constexpr std::array<std::string_view, 6> kUnits = {"块钱", "元",   "块",
                                                               "rmb",  "yuan", "圆"};
    while (end < s.size() && s[end] == ' ') ++end;
    for (auto unit : kUnits) {
        if (text::at(s, end, unit)) {
            end += unit.size();
            break;
        }
    }
    return Amount{cents, end};
}

std::optional<std::int64_t> parse_yuan(std::string_view normalized) {
    auto s = normalized;
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    if (s.empty()) return std::nullopt;
    auto a = amount_at(s, 0);
    if (!a || a->end != s.size()) return std::nullopt;
    return a->cents;
}

std::string format_yuan(std::int64_t cents) {
    std::string out = cents < 0 ? "-" : "";
    std::int64_t v = cents < 0 ? -cents : cents;
    out += std::to_string(v / 100);
    if (v % 100 != 0) {
        auto f = v % 100;
        out += '.';
        out += static_cast<char>('0' + f / 10);
        out += static_cast<char>('0' + f % 10);
    }
    return out;
}

}  // namespace repairbot::dialog
