#include "dialog/job_commands.h"

#include <algorithm>
#include <array>
#include <vector>

#include "dialog/money.h"
#include "dialog/text.h"

namespace repairbot::dialog {
namespace {

struct Verb {
    std::string_view word;
    JobAction action;
};
// Longer words first where one starts another.
constexpr std::array<Verb, 15> kVerbs = {{
    {"已接单", JobAction::accept},
    {"接单", JobAction::accept},
    {"已到达", JobAction::arrive},
    {"已到场", JobAction::arrive},
    {"到达", JobAction::arrive},
    {"到场", JobAction::arrive},
    {"已完成", JobAction::finish},
    {"完成", JobAction::finish},
    {"完工", JobAction::finish},
    {"done", JobAction::finish},
    {"报价", JobAction::quote},
    {"转单", JobAction::hand_over},
    {"转派", JobAction::hand_over},
    // A supervisor's; never an owner's answer (同意 / 不同意, dialog/owner_feedback.cpp).
    {"核准", JobAction::approve_quote},
    {"驳回", JobAction::reject_quote},
}};

constexpr std::array<std::string_view, 6> kListWords = {"我的工单", "工单",     "我的任务",
                                                        "工单列表", "查看工单", "查工单"};

// 上班 / 下班 as technicians say it, the whole message once the fillers around it are off.
// Not 到岗 ("已到岗" may be an arrival) nor 收工 (said of one job finished as often as of the day).
constexpr std::array<std::string_view, 5> kOnDutyWords = {"上班", "开工", "在岗", "值班", "上线"};
constexpr std::array<std::string_view, 9> kOffDutyWords = {
    "下班", "休息", "休班", "离岗", "不在岗", "下线", "轮休", "不上班", "请假"};
constexpr std::array<std::string_view, 9> kDutyLeads = {"我", "今天", "今晚", "现在", "已经",
                                                        "已", "先",   "要",   "准备"};
constexpr std::array<std::string_view, 10> kDutyTails = {"了", "啦", "咯", "喽", "啊",
                                                         "哈", "哦", "呀", "嘞", "哟"};

// 上班 (true) or 下班 (false) when `compact` is nothing else (a question never is: the caller
// checks for a question mark, which `compact` has lost).
std::optional<bool> duty_said(std::string_view compact) {
    for (bool cut = true; cut;) {
        cut = false;
        for (auto w : kDutyLeads)
            if (compact.size() > w.size() && compact.starts_with(w)) {
                compact.remove_prefix(w.size());
                cut = true;
            }
        for (auto w : kDutyTails)
            if (compact.size() > w.size() && compact.ends_with(w)) {
                compact.remove_suffix(w.size());
                cut = true;
            }
    }
    for (auto w : kOnDutyWords)
        if (compact == w) return true;
    for (auto w : kOffDutyWords)
        if (compact == w) return false;
    return std::nullopt;
}

constexpr std::array<std::string_view, 4> kFeeWords = {"费用", "收费", "fee", "金额"};

// Whether the fee word at `at` of `s` is negated: 不 / 无 / 免 / 没 / 没有 / 不用 / 不需要 / 无需 /
// 不要 just before it.
bool said_no_fee(std::string_view s, std::size_t at) {
    for (std::string_view no :
         {"不", "无", "免", "没", "没有", "不用", "不需要", "无需", "不要", "不必"})
        if (at >= no.size() && s.substr(at - no.size(), no.size()) == no) return true;
    return false;
}

bool is_word_char(char c) {
    return text::is_ascii_digit(c) || (c >= 'a' && c <= 'z') || c == '-';
}

// Byte span of a ticket number in `s`, or nullopt.
struct Span {
    std::size_t begin = 0;
    std::size_t end = 0;
};
std::optional<Span> find_ticket(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        if (!is_word_char(s[i])) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < s.size() && is_word_char(s[j])) ++j;
        if (looks_like_ticket_number(s.substr(i, j - i))) return Span{i, j};
        i = j;
    }
    return std::nullopt;
}

// The normalized message with the parts already read blanked out (same length, so offsets
// stay valid for the origin map).
struct Remaining {
    std::string s;
    std::vector<bool> gone;
    void blank(std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end && i < s.size(); ++i) {
            s[i] = ' ';
            gone[i] = true;
        }
    }
    // What was not read, in the sender's own words: each run mapped back and trimmed.
    std::string original(std::string_view raw, const text::Normalized& norm) const {
        std::string out;
        for (std::size_t i = 0; i < s.size();) {
            if (gone[i]) {
                ++i;
                continue;
            }
            std::size_t j = i;
            while (j < s.size() && !gone[j]) ++j;
            auto piece = text::trim_original(text::original_span(raw, norm, i, j));
            if (!piece.empty()) {
                if (!out.empty()) out.push_back(' ');
                out.append(piece);
            }
            i = j;
        }
        return out;
    }
};

// An amount written with its unit ("80元", "12.5块") anywhere in `s`.
std::optional<std::pair<std::size_t, Amount>> amount_with_unit(std::string_view s) {
    for (std::size_t pos = 0; pos < s.size(); ++pos) {
        if (!text::is_ascii_digit(s[pos])) continue;
        if (pos > 0 && (text::is_ascii_digit(s[pos - 1]) || s[pos - 1] == '.')) continue;
        auto a = amount_at(s, pos);
        if (a && a->end > 0 && !text::is_ascii_digit(s[a->end - 1]) && s[a->end - 1] != ' ') {
            return std::pair{pos, *a};
        }
    }
    return std::nullopt;
}

// The amount at `pos` of `s` (normalize_mapped(raw).text) as amount_at reads it, with thousands
// grouped by ASCII commas as typed ("1,200", "12,000.50"; a lead of one to three digits without
// a leading 0, then groups of exactly three) — a Chinese "，" or "、", which normalizing also
// makes ',', separates items and never groups digits. `unclear` is set when an ASCII comma and
// a digit follow what was read ("1,20", "1,2000"): a price not to guess at.
std::optional<Amount> typed_amount(std::string_view s, std::string_view raw, const text::Normalized& norm,
                                   std::size_t pos, bool& unclear) {
    auto digit = [&](std::size_t i) { return i < s.size() && text::is_ascii_digit(s[i]); };
    auto typed_comma = [&](std::size_t i) {
        return i < s.size() && s[i] == ',' && text::original_span(raw, norm, i, i + 1) == ",";
    };
    std::size_t lead = pos;
    while (digit(lead)) ++lead;
    std::string joined;
    std::size_t e = lead, groups = 0;
    if (digit(pos) && s[pos] != '0' && lead - pos <= 3)
        while (typed_comma(e) && digit(e + 1) && digit(e + 2) && digit(e + 3) && !digit(e + 4)) {
            if (groups == 0) joined.assign(s.substr(pos, lead - pos));
            joined.append(s.substr(e + 1, 3));
            e += 4;
            ++groups;
        }
    std::optional<Amount> a;
    if (groups == 0) {
        a = amount_at(s, pos);
    } else {
        joined.append(s.substr(e));
        a = amount_at(joined, 0);
        if (a) a->end += pos + groups;  // back to `s`: the commas read were dropped
    }
    if (a && typed_comma(a->end) && digit(a->end + 1)) unclear = true;
    return a;
}

std::size_t skip_separators(std::string_view s, std::size_t pos) {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == ':' || s[pos] == ',')) ++pos;
    return pos;
}

// "2" or "第2个" / "第2单" at the very start of `s` (after spaces): a list position. "09" is
// none: a number led by a 0 is the end of a ticket's (ticket_tail_at).
std::optional<std::pair<long, std::size_t>> index_at_start(std::string_view s) {
    std::size_t pos = skip_separators(s, 0);
    bool ordinal = text::at(s, pos, "第");
    if (ordinal) pos += std::string_view("第").size();
    auto n = text::number_at(s, pos);
    if (!n || n->digits.size() > 2 || n->value < 1) return std::nullopt;
    if (!ordinal && n->digits.size() == 2 && n->digits[0] == '0') return std::nullopt;
    std::size_t end = n->end;
    for (auto tail : {"个", "单", "号"}) {
        if (text::at(s, end, tail)) {
            end += std::string_view(tail).size();
            break;
        }
    }
    if (end < s.size() && s[end] != ' ' && s[end] != ',' && !ordinal) {
        // "2楼漏水" is a note, not a position.
        return std::nullopt;
    }
    return std::pair{n->value, end};
}

// Whether a word ends at `pos` of `s`: the end, a space or a punctuation mark.
bool word_ends_at(std::string_view s, std::size_t pos) {
    return pos >= s.size() || std::string_view(" ,.!?;:()").find(s[pos]) != std::string_view::npos;
}

// The end of a ticket number at `pos` of `s` as a technician reads it off a push ("0007",
// "0007号", "09"): 2 to 6 digits standing alone, led by a 0 (a fee or a list position never is;
// not all zeros) or, when `four_digits`, exactly four. The byte length of its digits and of all it
// took (号 / 单 after it), or nullopt.
struct Tail {
    std::size_t digits = 0;
    std::size_t taken = 0;
};
std::optional<Tail> ticket_tail_at(std::string_view s, std::size_t pos, bool four_digits) {
    std::size_t end = pos;
    while (end < s.size() && text::is_ascii_digit(s[end])) ++end;
    const std::size_t n = end - pos;
    const bool zero_led = n >= 2 && s[pos] == '0' &&
                          s.substr(pos, n).find_first_not_of('0') != std::string_view::npos;
    if (n > 6 || !(zero_led || (four_digits && n == 4))) return std::nullopt;
    if (pos > 0 && (text::is_ascii_digit(s[pos - 1]) || s[pos - 1] == '.')) return std::nullopt;
    std::size_t taken = end;
    for (std::string_view mark : {"号", "单"})
        if (text::at(s, taken, mark)) taken += mark.size();
    if (!word_ends_at(s, taken)) return std::nullopt;  // "007号楼" is a place
    return Tail{n, taken - pos};
}

// The word of `s` around [begin, end): up to a space or a punctuation mark (normalized) either
// side — technicians separate with spaces as often as with commas.
std::string_view word_around(std::string_view s, std::size_t begin, std::size_t end) {
    constexpr std::string_view kBreaks = " ,.;!?()";
    const std::size_t before =
        begin == 0 ? std::string_view::npos : s.find_last_of(kBreaks, begin - 1);
    const std::size_t from = before == std::string_view::npos ? 0 : before + 1;
    const std::size_t to = std::min(s.find_first_of(kBreaks, end), s.size());
    return s.substr(from, to - from);
}

// Whether `word` speaks of money charged: 费 / 钱, not negated (不收费, 免费, 不要钱).
bool about_money(std::string_view word) {
    if (word.find("费") == std::string_view::npos && word.find("钱") == std::string_view::npos)
        return false;
    for (std::string_view no : {"免费", "免收", "不收", "没收", "没有收", "不用收", "不要钱",
                                "无费用", "不用钱", "没有费用"})
        if (word.find(no) != std::string_view::npos) return false;
    // "2单元101材料费另算": a place written in the word is a place.
    for (std::string_view mark : {"栋", "幢", "单元", "楼", "室", "号"})
        if (word.find(mark) != std::string_view::npos) return false;
    return true;
}

// Whether the bare number at [begin, end) of `s` is an amount of money, not a room: followed by
// 元 / 块 ("300块"), or in one word with money ("100是材料费", "材料费100") or right after it
// ("材料费 120") — "101 材料费另算" and "1502门口灯换了 不收费" name a place.
bool money_at(std::string_view s, std::size_t begin, std::size_t end) {
    const std::size_t unit = s.find_first_not_of(' ', end);
    if (unit != std::string_view::npos && (text::at(s, unit, "元") || text::at(s, unit, "块")))
        return true;
    const std::string_view word = word_around(s, begin, end);
    if (about_money(word)) return true;
    const std::size_t word_begin = static_cast<std::size_t>(word.data() - s.data());
    if (word_begin != begin) return false;  // money said after the number was just checked
    std::size_t prev_end = begin;
    while (prev_end > 0 && s[prev_end - 1] == ' ') --prev_end;
    if (prev_end == 0 || prev_end == begin) return false;  // none, or behind a comma
    const std::string_view before = word_around(s, prev_end - 1, prev_end);
    return (before.ends_with("费") || before.ends_with("费用") || before.ends_with("钱")) &&
           about_money(before);
}

// The numbers in `s` that may name a place or a job, as the bot writes addresses (N栋N单元NNN):
// runs of three digits or more ("101", "0009"), digits with 栋 / 号楼 / 幢 ("7栋") or 单元
// ("2单元"), and digits before 楼 / 室 / 号 (the number alone). "换了2个阀门" has none, nor has
// an amount of money ("100是材料费", "300块": money_at).
std::vector<std::string> places_in(std::string_view s) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < s.size();) {
        if (!text::is_ascii_digit(s[i])) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < s.size() && text::is_ascii_digit(s[j])) ++j;
        std::string digits(s.substr(i, j - i));
        if (text::at(s, j, "单元")) {
            out.push_back(digits + "单元");
        } else if (text::at(s, j, "栋") || text::at(s, j, "号楼") || text::at(s, j, "幢")) {
            out.push_back(digits + "栋");
        } else if (text::at(s, j, "楼") || text::at(s, j, "室") || text::at(s, j, "号")) {
            out.push_back(std::move(digits));
        } else if (j - i >= 3 && !money_at(s, i, j)) {
            out.push_back(std::move(digits));
        }
        i = j;
    }
    return out;
}

}  // namespace

bool looks_like_ticket_number(std::string_view w) {
    if (w.size() < 6 || w.size() > 40) return false;
    std::size_t digits = 0;
    bool letter_or_dash = false;
    for (char c : w) {
        if (text::is_ascii_digit(c)) {
            ++digits;
        } else if ((c >= 'a' && c <= 'z') || c == '-') {
            letter_or_dash = true;
        } else {
            return false;
        }
    }
    return digits >= 4 && letter_or_dash;
}

std::optional<JobCommand> parse_job_command(std::string_view raw) {
    auto norm = text::normalize_mapped(raw);
    std::string s = norm.text;
    std::string compact = text::compact(s);
    if (compact.empty()) return std::nullopt;
    for (auto w : kListWords) {
        if (compact == w) return JobCommand{.kind = JobCommandKind::list};
    }
    if (auto on = s.find('?') == std::string::npos ? duty_said(compact) : std::nullopt)
        return JobCommand{.kind = JobCommandKind::duty, .on_duty = *on};
    if (s.starts_with("绑定")) {
        JobCommand c{.kind = JobCommandKind::bind};
        auto begin = std::string_view("绑定").size();
        auto code = text::trim_punct(std::string_view(s).substr(begin));
        if (!code.empty()) {
            std::size_t from = static_cast<std::size_t>(code.data() - s.data());
            c.code = std::string(
                text::trim_original(text::original_span(raw, norm, from, from + code.size())));
        }
        return c;
    }
    // The ticket number may come first, as a technician reads it off the push: "BX…-0007 完成".
    std::optional<Span> lead = find_ticket(s);
    if (lead && lead->begin != 0) lead.reset();
    const std::size_t verb_at = lead ? skip_separators(s, lead->end) : 0;
    const Verb* verb = nullptr;
    for (const auto& v : kVerbs) {
        if (std::string_view(s).substr(verb_at).starts_with(v.word)) {
            verb = &v;
            break;
        }
    }
    if (!verb) return std::nullopt;
    std::size_t after = verb_at + verb->word.size();
    // "done" must stand alone as an English word ("doneness" is not a command).
    if (verb->word == "done" && after < s.size() && s[after] >= 'a' && s[after] <= 'z') {
        return std::nullopt;
    }
    JobCommand c{.kind = JobCommandKind::job, .action = verb->action};
    if (lead) c.ticket = s.substr(lead->begin, lead->end - lead->begin);
    Remaining r{std::move(s), std::vector<bool>(norm.text.size(), false)};
    r.blank(0, after);

    if (auto t = lead ? std::nullopt : find_ticket(r.s)) {
        c.ticket = r.s.substr(t->begin, t->end - t->begin);
        r.blank(t->begin, t->end);
    }
    if (c.action == JobAction::quote) {
        std::size_t pos = skip_separators(r.s, after);
        // The ticket's end first ("报价 0005 200"): a price is never led by a 0, so "0005" is
        // the job, not 5元.
        if (c.ticket.empty())
            if (auto tail = ticket_tail_at(r.s, pos, false)) {
                c.ticket = r.s.substr(pos, tail->digits);
                r.blank(pos, pos + tail->taken);
                pos = skip_separators(r.s, pos + tail->taken);
            }
        bool unclear = false;
        if (auto a = typed_amount(r.s, raw, norm, pos, unclear); a && !unclear) {
            c.cents = a->cents;
            r.blank(pos, a->end);
        } else {
            c.bad_amount = true;
        }
    } else if (c.action == JobAction::approve_quote) {
        // A supervisor's own amount is written with its unit ("核准 BX…-0007 100元"): a bare
        // number is a list position, never a price by mistake.
        if (auto a = amount_with_unit(r.s)) {
            c.cents = a->second.cents;
            r.blank(a->first, a->second.end);
        }
    } else if (c.action == JobAction::finish) {
        bool fee_word = false;
        for (auto w : kFeeWords) {
            auto at = r.s.find(w);
            // "不收费" / "无费用" / "免收费" in the note say there is no fee: no amount follows.
            while (at != std::string::npos && said_no_fee(r.s, at)) at = r.s.find(w, at + w.size());
            if (at == std::string::npos) continue;
            fee_word = true;
            std::size_t pos = skip_separators(r.s, at + w.size());
            bool unclear = false;
            if (auto a = typed_amount(r.s, raw, norm, pos, unclear); a && !unclear) {
                c.cents = a->cents;
                r.blank(at, a->end);
            } else {
                c.bad_amount = true;
            }
            break;
        }
        if (!fee_word) {
            if (auto a = amount_with_unit(r.s)) {
                c.cents = a->second.cents;
                r.blank(a->first, a->second.end);
            }
        }
    }
    if (c.ticket.empty()) {
        if (auto idx = index_at_start(std::string_view(r.s).substr(after))) {
            c.index = idx->first;
            r.blank(after, after + idx->second);
        } else if (const std::size_t at = skip_separators(r.s, after);
                   auto tail = ticket_tail_at(r.s, at, false)) {
            c.ticket = r.s.substr(at, tail->digits);
            r.blank(at, at + tail->taken);
        }
    }
    c.words_after = !text::trim_punct(r.s).empty();
    c.places = places_in(r.s);
    if (c.action == JobAction::finish || c.action == JobAction::hand_over ||
        c.action == JobAction::reject_quote) {
        c.text = r.original(raw, norm);
    }
    // Anything 核准 could not read ("核准 BX…-0007 80", no unit) would otherwise approve the
    // amount quoted, not the one written.
    if (c.action == JobAction::approve_quote && !text::trim_punct(r.s).empty()) c.bad_amount = true;
    return c;
}

std::optional<JobRef> parse_job_ref(std::string_view normalized) {
    auto s = text::trim_punct(normalized);
    if (s.empty()) return std::nullopt;
    if (looks_like_ticket_number(s)) return JobRef{std::string(s), std::nullopt};
    if (auto tail = ticket_tail_at(s, 0, true); tail && tail->taken == s.size())
        return JobRef{std::string(s.substr(0, tail->digits)), std::nullopt};
    auto idx = index_at_start(s);
    if (idx && text::trim_punct(s.substr(idx->second)).empty()) {
        return JobRef{{}, idx->first};
    }
    return std::nullopt;
}

std::string ticket_number_in(std::string_view normalized) {
    auto at = find_ticket(normalized);
    if (!at) return {};
    std::string number(normalized.substr(at->begin, at->end - at->begin));
    for (auto& c : number)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return number;
}

}  // namespace repairbot::dialog
