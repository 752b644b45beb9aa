// Text plumbing shared by the parsers: UTF-8 stepping, normalization of what owners type
// (full-width forms, CJK punctuation, case) and Chinese numerals.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace repairbot::dialog::text {

// The code point starting at byte `pos` and its length in bytes. Invalid or truncated UTF-8
// yields U+FFFD with length 1, so a scan always advances; never reads past `s`.
struct CodePoint {
    char32_t value;
    std::size_t length;
};
[[nodiscard]] CodePoint decode_at(std::string_view s, std::size_t pos);

// True when `s` is well-formed UTF-8: no stray or missing continuation bytes, no overlong forms,
// no surrogates, nothing above U+10FFFF (what MariaDB's utf8mb4 columns accept).
[[nodiscard]] bool is_valid_utf8(std::string_view s);

// `s` with each byte that does not belong to a well-formed sequence replaced by U+FFFD; valid
// text comes back unchanged. Never fails.
[[nodiscard]] std::string to_valid_utf8(std::string_view s);

// Folds full-width ASCII (０-９, Ａ-Ｚ, ，：－ …) and common CJK punctuation to ASCII, the
// ideographic space and control characters to ' ', ASCII letters to lower case, and trims.
// Never fails: bytes that are not valid UTF-8 are kept as they are.
[[nodiscard]] std::string normalize(std::string_view raw);

// normalize(raw) with, for each of its bytes, where in `raw` the code point it came from
// starts; origin.back() is where the last kept code point ends (origin.size() == text.size()
// + 1). Lets a parser that matched on the normalized text hand back the owner's own words.
struct Normalized {
    std::string text;
    std::vector<std::size_t> origin;
};
[[nodiscard]] Normalized normalize_mapped(std::string_view raw);

// The part of `raw` that bytes [begin, end) of `n.text` came from; "" for an empty or
// out-of-range span. `n` must be normalize_mapped(raw).
[[nodiscard]] std::string_view original_span(std::string_view raw, const Normalized& n,
                                             std::size_t begin, std::size_t end);

// Trims, from both ends of text as typed, spaces and sentence punctuation, ASCII or
// full-width/CJK (，。！？、：；…～), so "  水管漏水了！" keeps "水管漏水了"; brackets and quotes
// stay. Never fails.
[[nodiscard]] std::string_view trim_original(std::string_view raw);

// `normalized` without spaces and ASCII punctuation: the form commands are matched in
// ("取消！" -> "取消", " 确 认 " -> "确认").
[[nodiscard]] std::string compact(std::string_view normalized);

// Trims ASCII spaces and punctuation from both ends.
[[nodiscard]] std::string_view trim_punct(std::string_view s);

// Whether `s` contains any of `words` (each searched as a substring).
[[nodiscard]] bool contains_any(std::string_view s, std::span<const std::string_view> words);

// Takes every occurrence of each of `words` out of `s`, in the order given (put longer words
// before the shorter ones they contain). Whether anything was taken.
bool erase_all(std::string& s, std::span<const std::string_view> words);

// The clauses of `normalized` text: the runs between any of `breaks` (normalize folds ，。！？；
// to ASCII), trimmed (trim_punct), the empty ones left out. Views into `normalized`.
[[nodiscard]] std::vector<std::string_view> clauses(std::string_view normalized,
                                                    std::string_view breaks = ",.;!?");

[[nodiscard]] bool is_ascii_digit(char c);

// A number written in ASCII digits or in Chinese numerals, found at a byte position.
struct NumberToken {
    std::size_t begin = 0;
    std::size_t end = 0;  // one past the last byte
    std::string digits;   // decimal digits as written ("0502" stays "0502"; 五零二 -> "502")
    long value = 0;
};

// The number starting exactly at `pos` (ASCII digits, or a run of 零〇一二两三四五六七八九十百千),
// or nullopt when none starts there or the run is not a well-formed numeral. Runs of plain
// digits (五零二) read digit by digit; runs with 十/百/千 read positionally (二十三 -> 23).
[[nodiscard]] std::optional<NumberToken> number_at(std::string_view s, std::size_t pos);

// Parses a whole string as a number (ASCII or Chinese); nullopt when it is not exactly one.
[[nodiscard]] std::optional<long> parse_number(std::string_view s);

// True when `s` holds `word` at byte position `pos`.
[[nodiscard]] inline bool at(std::string_view s, std::size_t pos, std::string_view word) {
    return pos <= s.size() && s.substr(pos, word.size()) == word;
}

// Counts code points (invalid bytes count one each).
[[nodiscard]] std::size_t length_in_chars(std::string_view s);

// The first `max_chars` code points of `s` (all of it when it is shorter); never cuts inside a
// character, so valid UTF-8 stays valid. For text bound for a column of `max_chars` characters.
[[nodiscard]] std::string_view first_chars(std::string_view s, std::size_t max_chars);

}  // namespace repairbot::dialog::text
