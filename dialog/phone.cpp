#include "dialog/phone.h"

#include <vector>

#include "dialog/text.h"

namespace repairbot::dialog {
namespace {

struct Group {
    std::size_t begin;
    std::size_t end;
};

bool is_joiner(char c) {
    return c == ' ' || c == '-';
}

// Digit groups of one run "[+]d+([ -]+d+)*" starting at `pos`; returns the run's end.
std::size_t collect_run(std::string_view s, std::size_t pos, std::vector<Group>& groups) {
    std::size_t p = pos;
    while (p < s.size()) {
        std::size_t b = p;
        while (p < s.size() && text::is_ascii_digit(s[p])) ++p;
        groups.push_back({b, p});
        std::size_t q = p;
        while (q < s.size() && is_joiner(s[q])) ++q;
        if (q == p || q >= s.size() || !text::is_ascii_digit(s[q])) break;
        p = q;
    }
    return p;
}

std::optional<std::string> as_mobile(std::string digits) {
    if (digits.size() == 13 && digits.starts_with("86")) digits.erase(0, 2);
    if (digits.size() == 14 && digits.starts_with("0086")) digits.erase(0, 4);
    if (digits.size() == 12 && digits.starts_with("01")) digits.erase(0, 1);  // 0 dialled first
    if (is_valid_mobile(digits)) return digits;
    return std::nullopt;
}

}  // namespace

bool is_valid_mobile(std::string_view d) {
    if (d.size() != 11 || d[0] != '1' || d[1] < '3' || d[1] > '9') return false;
    for (char c : d) {
        if (!text::is_ascii_digit(c)) return false;
    }
    return true;
}

std::optional<PhoneMatch> find_phone(std::string_view s) {
    std::vector<Group> groups;
    for (std::size_t pos = 0; pos < s.size();) {
        if (!text::is_ascii_digit(s[pos])) {
            ++pos;
            continue;
        }
        groups.clear();
        std::size_t run_end = collect_run(s, pos, groups);
        // Any consecutive groups whose digits make a mobile number (with or without 86).
        for (std::size_t i = 0; i < groups.size(); ++i) {
            std::string digits;
            for (std::size_t j = i; j < groups.size() && digits.size() < 14; ++j) {
                digits.append(s.substr(groups[j].begin, groups[j].end - groups[j].begin));
                if (auto m = as_mobile(digits)) {
                    std::size_t begin = groups[i].begin;
                    if (begin > 0 && s[begin - 1] == '+') --begin;
                    return PhoneMatch{*m, begin, groups[j].end};
                }
            }
        }
        pos = run_end;
    }
    return std::nullopt;
}

bool looks_like_bad_phone(std::string_view s) {
    if (find_phone(s)) return false;
    std::size_t run = 0;
    for (char c : s) {
        if (text::is_ascii_digit(c)) {
            if (++run >= 7) return true;
        } else if (!is_joiner(c)) {
            run = 0;
        }
    }
    return false;
}

bool looks_like_landline(std::string_view s) {
    if (find_phone(s)) return false;
    std::vector<Group> groups;
    for (std::size_t pos = 0; pos < s.size();) {
        if (!text::is_ascii_digit(s[pos])) {
            ++pos;
            continue;
        }
        groups.clear();
        const std::size_t run_end = collect_run(s, pos, groups);
        std::string digits;
        for (const auto& g : groups) digits.append(s.substr(g.begin, g.end - g.begin));
        // 0 + an area code of 2-3 digits + 7-8 digits (010-12345678, 0755 8600 1234), or a local
        // number of 7-8 digits not starting with 0 or 1.
        const bool with_area =
            digits.size() >= 10 && digits.size() <= 12 && digits[0] == '0' && digits[1] != '0';
        const bool local = (digits.size() == 7 || digits.size() == 8) && digits[0] >= '2';
        if (with_area || local) return true;
        pos = run_end;
    }
    return false;
}

}  // namespace repairbot::dialog
