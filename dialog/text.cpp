#include "dialog/text.h"

#include <algorithm>

#include <array>

namespace repairbot::dialog::text {
namespace {

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
}

// The ASCII stand-in for a code point, or 0 when it has none.
char ascii_fold(char32_t c) {
    if (c >= 0xFF01 && c <= 0xFF5E) return static_cast<char>(c - 0xFEE0);
    switch (c) {
        case 0x3000:
            return ' ';
        case 0x3001:
            return ',';  // 、
        case 0x3002:
            return '.';  // 。
        case 0x2010:
        case 0x2012:
        case 0x2013:
        case 0x2014:
        case 0x2015:
        case 0x2212:
        case 0xFE63:
            return '-';
        case 0x301C:
            return '~';
        case 0x2018:
        case 0x2019:
            return '\'';
        case 0x201C:
        case 0x201D:
            return '"';
        case 0x3010:
        case 0x300C:
        case 0x300E:
            return '[';
        case 0x3011:
        case 0x300D:
        case 0x300F:
            return ']';
        case 0x00B7:
        case 0x2022:
            return '.';
        default:
            return 0;
    }
}

bool is_ascii_punct_or_space(char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || (u >= 0x21 && u <= 0x2F) || (u >= 0x3A && u <= 0x40) ||
           (u >= 0x5B && u <= 0x60) || (u >= 0x7B && u <= 0x7F);
}

// Value of a Chinese digit character, -1 for none; 10/100/1000 for 十/百/千.
int cn_value(char32_t c) {
    switch (c) {
        case U'零':
        case U'〇':
            return 0;
        case U'一':
        case U'幺':
            return 1;
        case U'二':
        case U'两':
            return 2;
        case U'三':
            return 3;
        case U'四':
            return 4;
        case U'五':
            return 5;
        case U'六':
            return 6;
        case U'七':
            return 7;
        case U'八':
            return 8;
        case U'九':
            return 9;
        case U'十':
            return 10;
        case U'百':
            return 100;
        case U'千':
            return 1000;
        default:
            return -1;
    }
}

}  // namespace

CodePoint decode_at(std::string_view s, std::size_t pos) {
    constexpr CodePoint bad{0xFFFD, 1};
    if (pos >= s.size()) return {0, 0};
    auto b0 = static_cast<unsigned char>(s[pos]);
    if (b0 < 0x80) return {b0, 1};
    std::size_t len = 0;
    char32_t cp = 0;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2;
        cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3;
        cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4;
        cp = b0 & 0x07;
    } else {
        return bad;
    }
    if (pos + len > s.size()) return bad;
    for (std::size_t i = 1; i < len; ++i) {
        auto b = static_cast<unsigned char>(s[pos + i]);
        if ((b & 0xC0) != 0x80) return bad;
        cp = (cp << 6) | (b & 0x3F);
    }
    return {cp, len};
}

namespace {

// The length of the well-formed sequence at `pos`, or 0 when the byte there starts none.
std::size_t strict_length_at(std::string_view s, std::size_t pos) {
    const CodePoint cp = decode_at(s, pos);
    if (cp.length == 1) return static_cast<unsigned char>(s[pos]) < 0x80 ? 1 : 0;
    const char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp.value < smallest[cp.length] || cp.value > 0x10FFFF ||
        (cp.value >= 0xD800 && cp.value <= 0xDFFF))
        return 0;
    return cp.length;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
    for (std::size_t pos = 0; pos < s.size();) {
        const std::size_t n = strict_length_at(s, pos);
        if (n == 0) return false;
        pos += n;
    }
    return true;
}

std::string to_valid_utf8(std::string_view s) {
    if (is_valid_utf8(s)) return std::string(s);
    std::string out;
    out.reserve(s.size() + 8);
    for (std::size_t pos = 0; pos < s.size();) {
        const std::size_t n = strict_length_at(s, pos);
        if (n == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD
            ++pos;
        } else {
            out.append(s, pos, n);
            pos += n;
        }
    }
    return out;
}

namespace {

// normalize(), recording origins when `origin` is given (start offsets; `stop` the end of each).
std::string normalize_into(std::string_view raw, std::vector<std::size_t>* origin,
                           std::vector<std::size_t>* stop) {
    std::string out;
    out.reserve(raw.size());
    auto mark = [&](std::size_t from, std::size_t bytes, std::size_t to) {
        if (!origin) return;
        for (std::size_t k = 0; k < bytes; ++k) {
            origin->push_back(from);
            stop->push_back(to);
        }
    };
    for (std::size_t i = 0; i < raw.size();) {
        auto b = static_cast<unsigned char>(raw[i]);
        std::size_t before = out.size();
        std::size_t at = i;
        if (b < 0x80) {
            char c = static_cast<char>(b);
            if (b < 0x20 || b == 0x7F) c = ' ';
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            out.push_back(c);
            ++i;
        } else {
            auto cp = decode_at(raw, i);
            if (cp.value == 0xFFFD && cp.length == 1) {
                out.push_back(raw[i]);  // keep foreign bytes; parsers simply will not match them
            } else if (char a = ascii_fold(cp.value); a != 0) {
                if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
                out.push_back(a);
            } else {
                append_utf8(out, cp.value);
            }
            i += cp.length;
        }
        mark(at, out.size() - before, i);
    }
    auto first = out.find_first_not_of(' ');
    if (first == std::string::npos) {
        if (origin) {
            origin->assign(1, 0);
            stop->clear();
        }
        return {};
    }
    auto last = out.find_last_not_of(' ');
    if (origin) {
        std::size_t end = (*stop)[last];
        origin->erase(origin->begin() + static_cast<std::ptrdiff_t>(last + 1), origin->end());
        origin->erase(origin->begin(), origin->begin() + static_cast<std::ptrdiff_t>(first));
        origin->push_back(end);
    }
    return out.substr(first, last - first + 1);
}

}  // namespace

std::string normalize(std::string_view raw) {
    return normalize_into(raw, nullptr, nullptr);
}

Normalized normalize_mapped(std::string_view raw) {
    Normalized n;
    std::vector<std::size_t> stop;
    n.origin.reserve(raw.size() + 1);
    stop.reserve(raw.size());
    n.text = normalize_into(raw, &n.origin, &stop);
    return n;
}

std::string_view original_span(std::string_view raw, const Normalized& n, std::size_t begin,
                               std::size_t end) {
    if (begin >= end || end > n.text.size() || n.origin.size() != n.text.size() + 1) return {};
    std::size_t from = n.origin[begin];
    std::size_t to = n.origin[end];
    if (from >= to || to > raw.size()) return {};
    return raw.substr(from, to - from);
}

std::string_view trim_original(std::string_view raw) {
    // Brackets and quotes stay: "（业主自备）" keeps its closing bracket.
    auto is_trimmed = [](std::string_view s, std::size_t pos) {
        auto cp = decode_at(s, pos);
        char a = cp.value < 0x80 ? static_cast<char>(cp.value) : ascii_fold(cp.value);
        if (a != 0) {
            auto u = static_cast<unsigned char>(a);
            return u <= 0x20 || u == 0x7F || a == ',' || a == '.' || a == '!' || a == '?' ||
                   a == ':' || a == ';' || a == '~' || a == '-';
        }
        return cp.value == U'…' || cp.value == U'；';
    };
    while (!raw.empty() && is_trimmed(raw, 0)) raw.remove_prefix(decode_at(raw, 0).length);
    while (!raw.empty()) {
        std::size_t start = raw.size() - 1;
        while (start > 0 && (static_cast<unsigned char>(raw[start]) & 0xC0) == 0x80) --start;
        if (!is_trimmed(raw, start)) break;
        raw.remove_suffix(raw.size() - start);
    }
    return raw;
}

std::string compact(std::string_view normalized) {
    std::string out;
    out.reserve(normalized.size());
    for (char c : normalized) {
        if (!is_ascii_punct_or_space(c)) out.push_back(c);
    }
    return out;
}

bool contains_any(std::string_view s, std::span<const std::string_view> words) {
    return std::any_of(words.begin(), words.end(),
                       [&](std::string_view w) { return s.find(w) != std::string_view::npos; });
}

bool erase_all(std::string& s, std::span<const std::string_view> words) {
    bool erased = false;
    for (std::string_view w : words)
        for (auto at = s.find(w); at != std::string::npos; at = s.find(w)) {
            s.erase(at, w.size());
            erased = true;
        }
    return erased;
}

std::vector<std::string_view> clauses(std::string_view normalized, std::string_view breaks) {
    std::vector<std::string_view> out;
    std::size_t from = 0;
    while (from <= normalized.size()) {
        auto end = normalized.find_first_of(breaks, from);
        if (end == std::string_view::npos) end = normalized.size();
        if (auto c = trim_punct(normalized.substr(from, end - from)); !c.empty()) out.push_back(c);
        from = end + 1;
    }
    return out;
}

std::string_view trim_punct(std::string_view s) {
    while (!s.empty() && is_ascii_punct_or_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ascii_punct_or_space(s.back())) s.remove_suffix(1);
    return s;
}

bool is_ascii_digit(char c) {
    return c >= '0' && c <= '9';
}

std::optional<NumberToken> number_at(std::string_view s, std::size_t pos) {
    if (pos >= s.size()) return std::nullopt;
    NumberToken t;
    t.begin = pos;
    if (is_ascii_digit(s[pos])) {
        std::size_t end = pos;
        while (end < s.size() && is_ascii_digit(s[end]) && end - pos < 18) ++end;
        if (end < s.size() && is_ascii_digit(s[end])) return std::nullopt;  // absurdly long
        t.end = end;
        t.digits = std::string(s.substr(pos, end - pos));
        for (char c : t.digits) t.value = t.value * 10 + (c - '0');
        return t;
    }
    // Collect a run of Chinese numeral characters.
    std::array<int, 16> vals{};
    std::size_t n = 0;
    std::size_t end = pos;
    bool positional = false;
    while (end < s.size() && n < vals.size()) {
        auto cp = decode_at(s, end);
        int v = cn_value(cp.value);
        if (v < 0) break;
        if (v >= 10) positional = true;
        vals[n++] = v;
        end += cp.length;
    }
    if (n == 0) return std::nullopt;
    if (end < s.size() && cn_value(decode_at(s, end).value) >= 0) return std::nullopt;
    t.end = end;
    if (!positional) {
        for (std::size_t i = 0; i < n; ++i) {
            t.digits.push_back(static_cast<char>('0' + vals[i]));
            t.value = t.value * 10 + vals[i];
        }
        return t;
    }
    // Positional: 二十三, 十二, 一百零二, 三千五百. Units must strictly decrease.
    long total = 0;
    long pending = -1;  // digit waiting for its unit
    long last_unit = 10000;
    bool zero_seen = false;
    for (std::size_t i = 0; i < n; ++i) {
        int v = vals[i];
        if (v >= 10) {
            if (v >= last_unit) return std::nullopt;
            long d = pending < 0 ? (v == 10 && total == 0 ? 1 : -1) : pending;
            if (d < 0) return std::nullopt;
            total += d * v;
            last_unit = v;
            pending = -1;
            zero_seen = false;
        } else if (v == 0) {
            if (pending >= 0 || zero_seen) return std::nullopt;
            zero_seen = true;
        } else {
            if (pending >= 0) return std::nullopt;
            pending = v;
        }
    }
    if (pending >= 0) {
        // A trailing digit counts as ones after 零 or 十 (一百零二, 二十三); else it is the next
        // lower unit in colloquial speech (三百五 = 350) — accepted only for 百/千.
        if (zero_seen || last_unit == 10) {
            total += pending;
        } else if (last_unit >= 100) {
            total += pending * (last_unit / 10);
        } else {
            return std::nullopt;
        }
    }
    t.value = total;
    t.digits = std::to_string(total);
    return t;
}

std::optional<long> parse_number(std::string_view s) {
    auto t = number_at(s, 0);
    if (!t || t->end != s.size()) return std::nullopt;
    return t->value;
}

std::size_t length_in_chars(std::string_view s) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++n) i += decode_at(s, i).length;
    return n;
}

std::string_view first_chars(std::string_view s, std::size_t max_chars) {
    std::size_t end = 0;
    for (std::size_t n = 0; end < s.size() && n < max_chars; ++n) end += decode_at(s, end).length;
    return s.substr(0, end);
}

}  // namespace repairbot::dialog::text
