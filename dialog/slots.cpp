#include "dialog/slots.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "dialog/phone.h"
#include "dialog/text.h"

namespace repairbot::dialog {
namespace {

struct Span {
    std::size_t begin;
    std::size_t end;
};

constexpr std::array<std::string_view, 13> kPhoneCues = {
    "联系电话", "联系方式", "手机号码", "电话号码", "手机号", "电话", "手机",
    "号码",     "联系",     "tel",      "是",       "打",     "我的"};

// Widens a phone span leftwards over "电话:" / "手机号是" so the cue is not left in the text —
// but not over a request to call ("来之前打我电话", "先打电话"): the owner's instruction stays.
std::size_t eat_cues_before(std::string_view s, std::size_t begin) {
    const std::size_t phone_begin = begin;
    bool moved = true;
    while (moved) {
        moved = false;
        while (begin > 0 && (s[begin - 1] == ' ' || s[begin - 1] == ':' || s[begin - 1] == ',')) {
            --begin;
            moved = true;
        }
        for (auto cue : kPhoneCues) {
            if (begin >= cue.size() && s.substr(begin - cue.size(), cue.size()) == cue) {
                begin -= cue.size();
                moved = true;
                break;
            }
        }
    }
    const auto eaten = s.substr(begin, phone_begin - begin);
    const auto before = s.substr(0, begin);
    if (eaten.find("打") != std::string_view::npos || before.ends_with("打") ||
        before.ends_with("打我"))
        return phone_begin;
    return begin;
}

// Whether code point `c` ends a clause of an owner's text: a space or a punctuation mark, ASCII or
// full-width.
bool ends_clause(char32_t c) {
    static constexpr std::u32string_view kMarks = U" ,.!?;~，。！？；、～…";
    return kMarks.find(c) != std::u32string_view::npos;
}

// `own` (the account of the fault) without the greetings, thanks and "I want to report" said
// around it ("你好，厨房水管漏水了，麻烦尽快来修一下，谢谢" -> "厨房水管漏水了，麻烦尽快来修一下"):
// the technician's push shows the fault. Whole clauses at either end only; an account that is
// nothing else is returned as it is (is_description judges it).
std::string without_courtesies(std::string_view own) {
    static constexpr std::array<std::string_view, 42> kCourtesies = {
        "你好",     "您好",     "你们好",     "大家好",   "你好呀",   "您好呀",   "哈喽",
        "hello",    "hi",       "物业你好",   "物业您好", "管家你好", "管家您好", "在吗",
        "在不在",   "有人吗",   "打扰了",     "打扰一下", "不好意思", "请问",     "报修",
        "我要报修", "我想报修", "我报修",     "要报修",   "谢谢",     "谢谢你",   "谢谢您",
        "谢谢你们", "谢谢了",   "谢谢啦",     "多谢",     "感谢",     "麻烦了",   "麻烦你们了",
        "麻烦您了", "辛苦了",   "辛苦你们了", "谢谢物业", "谢谢师傅", "thanks",   "thankyou"};
    struct Clause {
        std::size_t begin, end;
        bool courtesy;
    };
    std::vector<Clause> clauses;
    for (std::size_t pos = 0, begin = 0; pos <= own.size();) {
        const auto cp = pos < own.size() ? text::decode_at(own, pos) : text::CodePoint{U' ', 1};
        if (ends_clause(cp.value)) {
            if (pos > begin) {
                const std::string c =
                    text::compact(text::normalize(own.substr(begin, pos - begin)));
                const bool courtesy =
                    std::find(kCourtesies.begin(), kCourtesies.end(), c) != kCourtesies.end();
                clauses.push_back({begin, pos, courtesy});
            }
            begin = pos + cp.length;
        }
        pos += cp.length;
    }
    const auto first =
        std::find_if(clauses.begin(), clauses.end(), [](const Clause& c) { return !c.courtesy; });
    if (first == clauses.end()) return std::string(own);
    const auto last =
        std::find_if(clauses.rbegin(), clauses.rend(), [](const Clause& c) { return !c.courtesy; });
    const auto account = text::trim_original(own.substr(first->begin, last->end - first->begin));
    // "你好，灯": a word or so left alone would no longer read as an account; kept whole.
    if (text::length_in_chars(account) < 2) return std::string(own);
    return std::string(account);
}

}  // namespace

SlotFill extract_slots(std::string_view s, const FaultCatalog& catalog, std::string_view raw) {
    SlotFill fill;
    std::array<Span, 2> removed{};
    std::size_t n_removed = 0;
    auto overlaps = [&](std::size_t pos) {
        for (std::size_t i = 0; i < n_removed; ++i) {
            if (pos >= removed[i].begin && pos < removed[i].end) return true;
        }
        return false;
    };

    // The phone first: its digits must not be read as a building or a room.
    if (auto p = find_phone(s)) {
        fill.phone = p->number;
        removed[n_removed++] = {eat_cues_before(s, p->begin), p->end};
    } else {
        fill.bad_phone = looks_like_bad_phone(s);
    }

    auto hits = catalog.scan(s);
    std::string without_phone(s);
    if (n_removed > 0) {
        // Blank the phone out (same length) so address offsets stay valid for `s`.
        for (std::size_t i = removed[0].begin; i < removed[0].end; ++i) without_phone[i] = ' ';
    }
    if (auto a = find_address(without_phone, hits)) {
        // A public area word stays in the text: "5号楼电梯坏了" is about the lift.
        std::size_t end = a->address.is_public ? a->end - a->address.area.size() : a->end;
        removed[n_removed++] = {a->begin, end};
        fill.address = std::move(a);
    }

    std::vector<KeywordHit> kept;
    kept.reserve(hits.size());
    for (const auto& h : hits) {
        if (!overlaps(h.pos)) kept.push_back(h);
    }
    fill.fault = classify(s, catalog, kept);

    std::string rest;
    rest.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (overlaps(i)) {
            if (!rest.empty() && rest.back() != ' ') rest.push_back(' ');
            continue;
        }
        rest.push_back(s[i]);
    }
    fill.rest = std::string(text::trim_punct(rest));
    fill.description = fill.rest;
    if (!raw.empty() && !fill.rest.empty()) {
        // Matching ran on the normalized text; the ticket keeps what the owner typed. Each run
        // of text between removed parts is mapped back and trimmed.
        auto mapped = text::normalize_mapped(raw);
        if (mapped.text == s) {
            std::string own;
            for (std::size_t i = 0; i < s.size();) {
                if (overlaps(i)) {
                    ++i;
                    continue;
                }
                std::size_t j = i;
                while (j < s.size() && !overlaps(j)) ++j;
                auto piece = text::trim_original(text::original_span(raw, mapped, i, j));
                if (!piece.empty()) {
                    if (!own.empty()) own.push_back(' ');
                    own.append(piece);
                }
                i = j;
            }
            fill.description = std::move(own);
        }
    }
    fill.description = without_courtesies(fill.description);
    return fill;
}

namespace {

// Whether code point `c` can carry words: a letter or digit of any script — not punctuation, a
// symbol, an emoji (with its joiners, selectors and skin tones) or a replaced broken byte.
bool is_word_char(char32_t c) {
    if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const auto in = [c](char32_t lo, char32_t hi) { return c >= lo && c <= hi; };
    return !(in(0x80, 0xBF) || in(0x2000, 0x2BFF) || in(0x2E00, 0x2E7F) || in(0x3000, 0x303F) ||
             in(0xFE00, 0xFE0F) || in(0xFE30, 0xFE4F) || in(0xFF00, 0xFF20) || c == 0xFFFD ||
             in(0x1F000, 0x1FAFF) || in(0xE0000, 0xE007F));
}

// The characters of `normalized` that say something (is_word_char), WeChat's own emoticons left
// out: they arrive as text in brackets, one to four characters ("[捂脸]", "[抱拳]", "[OK]") — at
// either end of a trimmed text (text::trim_punct) without its outer bracket ("抱拳][抱拳").
std::size_t word_chars(std::string_view normalized) {
    const auto is_tag = [](std::string_view inside) {
        const auto n = text::length_in_chars(inside);
        return n >= 1 && n <= 4 && inside.find_first_of("[]") == std::string_view::npos;
    };
    std::size_t count = 0;
    std::size_t pos = 0;
    if (const auto close = normalized.find(']');
        close != std::string_view::npos && is_tag(normalized.substr(0, close))) {
        pos = close + 1;
    }
    while (pos < normalized.size()) {
        // WeChat's older emoticon codes: "/::)", "/::D", "/:strong", "/:rose" — to the next space,
        // slash or non-ASCII character.
        if (normalized.substr(pos).starts_with("/:")) {
            pos += 2;
            while (pos < normalized.size() && normalized[pos] != ' ' && normalized[pos] != '/' &&
                   static_cast<unsigned char>(normalized[pos]) < 0x80)
                ++pos;
            continue;
        }
        if (normalized[pos] == '[') {
            auto close = normalized.find(']', pos + 1);
            const auto end = close == std::string_view::npos ? normalized.size() : close;
            if (is_tag(normalized.substr(pos + 1, end - pos - 1))) {
                pos = end == normalized.size() ? end : end + 1;
                continue;
            }
        }
        const auto cp = text::decode_at(normalized, pos);
        if (is_word_char(cp.value)) ++count;
        pos += cp.length;
    }
    return count;
}

}  // namespace

bool is_description(const SlotFill& fill) {
    static constexpr std::array<std::string_view, 10> kFillers = {
        "你好", "您好", "在吗", "在不在", "hello", "hi", "谢谢", "报修", "我要报修", "请问"};
    std::string c = text::compact(fill.rest);
    for (auto f : kFillers) {
        if (c == f) return false;
    }
    // "🙏🙏", "[抱拳]", "/::D", "???" say nothing of the fault. Counted in the owner's own text,
    // which keeps the brackets `rest`'s trimming takes off ("[抱拳]" -> "抱拳").
    return word_chars(fill.description) >= 2;
}

}  // namespace repairbot::dialog
