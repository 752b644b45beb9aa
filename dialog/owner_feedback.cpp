#include "dialog/owner_feedback.h"

#include <algorithm>
#include <array>

#include "dialog/commands.h"
#include "dialog/feedback.h"
#include "dialog/inbound.h"
#include "dialog/money.h"
#include "dialog/owner_report.h"
#include "dialog/slots.h"
#include "dialog/text.h"

namespace repairbot::dialog {
namespace {

template <std::size_t N>
bool one_of(std::string_view c, const std::array<std::string_view, N>& words) {
    return std::find(words.begin(), words.end(), c) != words.end();
}

constexpr std::array<std::string_view, 14> kFixed = {
    "1",    "修好了", "好了",   "修好",   "已修好", "已经修好了", "已经好了",
    "好的", "可以了", "没问题", "正常了", "ok",     "好了谢谢",   "修好了谢谢"};
constexpr std::array<std::string_view, 6> kNotFixedBare = {"2",        "没修好", "没有修好",
                                                           "还是坏的", "没好",   "不行"};
constexpr std::array<std::string_view, 10> kNotFixedWords = {
    "没修好", "没有修好", "没好", "还是坏", "还坏", "又坏", "还是不行", "不行", "还在漏", "还是漏"};
// A plain "yes, heard you": no answer to a question of two choices.
constexpr std::array<std::string_view, 10> kAcknowledged = {
    "好的", "好", "ok", "可以", "行", "嗯", "嗯嗯", "收到", "知道了", "好的好的"};
constexpr std::array<std::string_view, 8> kSkip = {"跳过", "没有", "无",   "不用了",
                                                   "没了", "不用", "算了", "没意见"};
constexpr std::array<std::string_view, 8> kAgree = {"同意", "1",  "可以", "好的",
                                                    "好",   "行", "ok",   "同意报价"};
constexpr std::array<std::string_view, 4> kRefuse = {"不同意", "拒绝", "不接受", "不要了"};
constexpr std::array<std::string_view, 3> kRefuseBare = {"2", "不修了", "算了"};
constexpr std::array<std::string_view, 4> kCancelBare = {"取消", "取消报修", "撤销", "cancel"};

struct ScoreWord {
    std::string_view word;
    int score;
};
constexpr std::array<ScoreWord, 14> kScoreWords = {{
    {"非常不满意", 1},
    {"很不满意", 1},
    {"不太满意", 2},
    {"不满意", 1},
    {"非常满意", 5},
    {"很满意", 5},
    {"比较满意", 4},
    {"满意", 5},
    {"还可以", 4},
    {"一般", 3},
    {"还行", 3},
    {"很差", 1},
    {"差评", 1},
    {"好评", 5},
}};

// Thanks said after a "fixed" ("好了，谢谢师傅", "已经好了感谢").
constexpr std::array<std::string_view, 8> kThanks = {"谢谢",   "感谢",   "谢谢师傅", "感谢师傅",
                                                     "谢谢啦", "谢谢了", "谢谢你",   "谢谢您"};

bool is_fixed(std::string_view c) {
    // Fixed, and nothing but thanks after it.
    return one_of(c, kFixed) || c.starts_with("修好了") ||
           std::any_of(kFixed.begin(), kFixed.end(), [&](std::string_view w) {
               return w.size() > 1 && c.starts_with(w) && one_of(c.substr(w.size()), kThanks);
           });
}

// "Fixed" in the owner's own words, at the 修好了吗 question, said as the whole message:
// "好了好了", "这回好了", "嗯，可以", "满意", "👍", "灯亮了，谢谢师傅" — a filler before it, thanks
// or 👍 after it. Never a part of a longer message ("好了一半", "灯亮了一下就灭了",
// "好了，不过有点松"), nor a question (`asked`: the message has a ?).
bool is_loosely_fixed(std::string_view c, bool asked) {
    if (asked) return false;
    static constexpr std::array<std::string_view, 6> kFillers = {"嗯嗯", "嗯", "哦",
                                                                 "噢",   "对", "是的"};
    for (auto f : kFillers)
        if (c.starts_with(f) && c.size() > f.size()) {
            c.remove_prefix(f.size());
            break;
        }
    // Thanks or praise after it, however many ("灯亮了，谢谢师傅👍").
    static constexpr std::array<std::string_view, 2> kPraise = {"辛苦了", "👍"};
    const auto ends_with_one_of = [&c](const auto& words) {
        for (auto w : words)
            if (c.size() > w.size() && c.ends_with(w)) {
                c.remove_suffix(w.size());
                return true;
            }
        return false;
    };
    while (ends_with_one_of(kThanks) || ends_with_one_of(kPraise)) {
    }
    static constexpr std::array<std::string_view, 24> kWhole = {
        "可以",   "满意",   "很满意", "非常满意", "好啦",     "好嘞",     "搞定",     "搞定了",
        "行了",   "没事了", "挺好",   "很好",     "好了好了", "这回好了", "这次好了", "都好了",
        "灯亮了", "亮了",   "不漏了", "不滴了",   "通了",     "有水了",   "有电了",   "👍"};
    return one_of(c, kWhole);
}

bool is_not_fixed(std::string_view c) {
    if (one_of(c, kNotFixedBare)) return true;
    if (std::any_of(kNotFixedWords.begin(), kNotFixedWords.end(),
                    [&](std::string_view w) { return c.find(w) != std::string_view::npos; }))
        return true;
    // 修好了，还是不用付钱吧 — unless a 不过 / 但 / 可是 turns it round (好了，不过灯还是不亮).
    const bool turned = c.find("不过") != std::string_view::npos ||
                        c.find("但") != std::string_view::npos ||
                        c.find("可是") != std::string_view::npos;
    if ((c.starts_with("修好了") || c.starts_with("好了")) && !turned) return false;
    // The fault still there: "灯还是不亮", "还是没水", "仍然漏水", "依旧滴水", "还是老样子" — but
    // "还是不错", "依然没问题" are praise, and "依然很专业" says nothing of the fault.
    static constexpr std::array<std::string_view, 5> kStill = {"还是", "依然", "仍然", "依旧",
                                                               "还在"};
    static constexpr std::array<std::string_view, 5> kPraise = {"不错", "没问题", "很好", "正常",
                                                                "好的"};
    static constexpr std::array<std::string_view, 19> kFault = {
        "不", "没", "漏", "滴", "渗",   "坏", "堵", "跳闸",   "停",  "卡",
        "响", "冒", "臭", "闪", "一闪", "松", "晃", "老样子", "一样"};
    for (auto w : kStill) {
        for (auto at = c.find(w); at != std::string_view::npos; at = c.find(w, at + w.size())) {
            const auto tail = c.substr(at + w.size());
            const auto starts = [&](std::string_view p) { return tail.starts_with(p); };
            if (std::any_of(kPraise.begin(), kPraise.end(), starts)) continue;
            if (std::any_of(kFault.begin(), kFault.end(), starts)) return true;
        }
    }
    return false;
}

// The owner's own words from byte `pos` of the normalized message on, trimmed.
std::string words_from(const Said& said, std::size_t pos) {
    auto n = text::normalize_mapped(said.raw);
    if (pos >= n.text.size()) return {};
    return std::string(text::trim_original(text::original_span(said.raw, n, pos, n.text.size())));
}

struct Score {
    int score = 0;
    std::size_t end = 0;  // where a comment in the same message starts
    // A score restated at the end (restated_score): where its clause starts — the words before
    // it are the owner's reason ("来了三次都没修好，1星"). 0 otherwise.
    std::size_t reason_end = 0;
};

// "5", "5分", "五星", "满意", "不满意，太慢了" at the start of the message.
std::optional<Score> parse_score(std::string_view s) {
    std::size_t lead = 0;
    while (lead < s.size() && (s[lead] == ' ' || s[lead] == ',')) ++lead;
    // "给个好评", "给5分", "打五星": the verb before the score.
    for (std::string_view verb : {"给个", "给", "打个", "打"})
        if (text::at(s, lead, verb)) {
            lead += verb.size();
            break;
        }
    // "⭐⭐⭐⭐⭐", "★★★★☆": the stars counted (an emoji's variation selector after each, and the
    // empty ones, taken along).
    int stars = 0;
    std::size_t after_stars = lead;
    for (bool more = true; more && stars <= 5;) {
        more = false;
        for (std::string_view star : {"⭐", "★", "☆", "✩"})
            if (text::at(s, after_stars, star)) {
                after_stars += star.size();
                if (star == "⭐" || star == "★") ++stars;
                if (text::at(s, after_stars, "\xEF\xB8\x8F")) after_stars += 3;  // U+FE0F
                more = true;
                break;
            }
    }
    if (stars >= 1 && stars <= 5) return Score{stars, after_stars};
    for (const auto& w : kScoreWords) {
        if (text::at(s, lead, w.word)) return Score{w.score, lead + w.word.size()};
    }
    auto n = text::number_at(s, lead);
    if (!n || n->value < 1 || n->value > 5) return std::nullopt;
    std::size_t end = n->end;
    if (end < s.size() && s[end] == '.') return std::nullopt;  // 4.5
    for (auto tail : {"颗星", "星", "分"}) {
        if (text::at(s, end, tail)) {
            end += std::string_view(tail).size();
            break;
        }
    }
    // "3栋502..." is an address, not a score.
    if (end < s.size() && s[end] != ' ' && s[end] != ',' && s[end] != '.' && s[end] != '!' &&
        end == n->end) {
        return std::nullopt;
    }
    return Score{static_cast<int>(n->value), end};
}

const std::string& ticket_of(const Turn& t) {
    return t.session.feedback.front().ticket_number;
}

// The answered question leaves the queue.
void drop_answered(Turn& t) {
    auto& s = t.session;
    s.misses = 0;
    if (!s.feedback.empty()) s.feedback.erase(s.feedback.begin());
}

// The next question in the queue, if any, is asked at once.
void ask_next(Turn& t) {
    auto& s = t.session;
    if (s.feedback.empty()) return;
    s.feedback.front().asked_at = t.ctx.now;
    t.say(TextId::feedback_pending);
    ask_feedback(t);
}

void next_question(Turn& t) {
    drop_answered(t);
    ask_next(t);
}

// The words `c` (compact) are one of `words`, with only `around` (particles) besides.
template <std::size_t N, std::size_t M>
bool alone_of(std::string_view c, const std::array<std::string_view, N>& words,
              const std::array<std::string_view, M>& around) {
    std::string rest(c);
    if (!text::erase_all(rest, words)) return false;
    text::erase_all(rest, around);
    return text::trim_punct(rest).empty();
}

// "不说了", "算了，不想说", "懒得说了": the owner will say no more — these words alone, with 算了 /
// 还是 / particles around them ("师傅说不说都不来" says something). `compact_text` is compact().
bool declines_to_say(std::string_view compact_text) {
    static constexpr std::array<std::string_view, 14> kDecline = {
        "没什么好说的", "没什么好说", "没啥好说的", "没啥好说", "无可奉告", "不想多说", "不想评论",
        "不想说",       "懒得说",     "不想讲",     "不说了",   "不讲了",   "不说",     "不讲"};
    static constexpr std::array<std::string_view, 12> kAround = {
        "算了", "还是", "我", "就", "先", "吧", "了", "啊", "呢", "哈", "嗯", "的"};
    return alone_of(compact_text, kDecline, kAround);
}

// A low or middling rating's comment or a refusal's reason is the owner's free text: one naming a
// danger still there (1星，师傅走后燃气味很重) is recorded as the answer and reported too
// (report_danger). A good rating's (4-5) comment speaks of the fault just fixed
// (5星，师傅处理了漏电，很专业), so it is not scanned.
void rate(Turn& t, int score, std::string comment) {
    const std::string words = score <= 3 ? comment : std::string();
    t.effects.emplace_back(RateService{ticket_of(t), score, std::move(comment)});
    // 1-2 stars file a complaint for the supervisors (bot/job_desk.cpp): the owner is told so.
    t.say(score <= 2 ? TextId::rated_low : TextId::rated);
    drop_answered(t);
    // An emergency draft it started asks its own questions; the next one waits for it.
    if (report_danger(t, words) != DangerTaken::report) ask_next(t);
}

// The quote agreed: the amount the owner was shown, then the next question.
void agree(Turn& t) {
    const auto& f = t.session.feedback.front();
    t.effects.emplace_back(AgreeQuote{f.ticket_number, f.cents.value_or(0)});
    t.say(TextId::quote_agreed);
    next_question(t);
}

void refuse(Turn& t, std::string reason) {
    const std::string words = reason;
    std::string ticket = ticket_of(t);
    const auto cents = t.session.feedback.front().cents.value_or(0);
    t.effects.emplace_back(RefuseQuote{ticket, std::move(reason), cents});
    t.say(TextId::quote_refused, {{"ticket", ticket}});
    drop_answered(t);
    if (report_danger(t, words) != DangerTaken::report) ask_next(t);
}

// A question, not an answer: "不同意吗？", "如果不修了，上门费要给吗", "怎么算了这么多钱".
bool is_question(const Said& said) {
    static constexpr std::array<std::string_view, 14> kAsked = {
        "吗",   "如果", "的话",   "能不能", "可不可以", "怎么",   "为什么",
        "为啥", "多少", "是不是", "会不会", "要不要",   "行不行", "可以不"};
    return said.normalized.find('?') != std::string::npos ||
           text::contains_any(said.compact, kAsked);
}

// Ends as a question ("不同意吗？", "不同意的话上门费要收吗"): a message that starts with 不同意
// and says why ("不同意，自己找人修的话便宜多了") is still a refusal.
bool ends_asking(const Said& said) {
    const auto end = said.normalized.find_last_not_of(' ');
    if (end != std::string::npos && said.normalized[end] == '?') return true;
    const auto& c = said.compact;
    return c.ends_with("吗") || c.ends_with("呢") || c.ends_with("么");
}

// A refusal said anywhere, asking nothing: "太贵了，不修了", "师傅报的价太高了，算了不修了".
bool refuses_in_words(const Said& said) {
    static constexpr std::array<std::string_view, 8> kWords = {
        "不同意", "不要了", "不修了", "算了", "拒绝", "不接受", "不做了", "不弄了"};
    return !is_question(said) && text::contains_any(said.compact, kWords);
}

// `c` without one particle at its end ("好的呢" -> "好的").
std::string_view without_particle(std::string_view c) {
    static constexpr std::array<std::string_view, 7> kParticles = {"呢", "吧", "啊", "呀",
                                                                   "哦", "哈", "啦"};
    for (auto p : kParticles)
        if (c.size() > p.size() && c.ends_with(p)) return c.substr(0, c.size() - p.size());
    return c;
}

// Agreement to a quote as owners say it: "同意", "好的呢", "可以吧", "我同意", "没问题", "那就修
// 吧", or an agreement word followed only by a known ending ("同意，尽快来修吧", "好的，修吧",
// "好的没问题"). Anything else after it ("好的，我问问家里人", "可以优惠点", "好的，厨房燃气味
// 很重") is no agreement: it is asked again, or asked of a person, or a report of its own.
bool agrees(const Said& said, std::optional<std::int64_t> quoted_cents) {
    static constexpr std::array<std::string_view, 14> kWhole = {
        "我同意", "同意了", "接受", "我接受",   "没问题", "修吧", "那就修",
        "那修吧", "可以修", "那好", "那就同意", "那同意", "那行", "那可以"};
    static constexpr std::array<std::string_view, 11> kFirst = {
        "同意", "我同意", "好吧", "好的", "好", "行吧", "那好吧", "可以", "没问题", "ok", "行"};
    static constexpr std::array<std::string_view, 27> kEndings = {
        "修吧",   "来修吧",   "尽快",   "尽快修",   "尽快来修", "尽快修吧", "尽快来修吧",
        "请尽快", "麻烦尽快", "谢谢",   "麻烦了",   "没问题",   "没意见",   "开始修吧",
        "修",     "辛苦了",   "同意",   "那就同意", "那同意",   "就同意",   "我同意",
        "我接受", "接受",     "那就修", "那就修吧", "那修吧",   "就修吧"};
    if (said.normalized.find('?') != std::string::npos) return false;
    // "200就200": the amount quoted said back is yes to it (alone, or with 好吧 / 修吧 around it);
    // another amount is no yes ("100就100" to 120元 is haggling).
    std::string echoed = said.compact;
    bool echo = false;
    for (auto at = echoed.find("就"); at != std::string::npos; at = echoed.find("就", at + 1)) {
        std::size_t from = at;
        while (from > 0 && text::is_ascii_digit(echoed[from - 1])) --from;
        const std::string amount = echoed.substr(from, at - from);
        const std::size_t back = at + std::string_view("就").size();
        if (amount.empty() || echoed.compare(back, amount.size(), amount) != 0) continue;
        std::size_t end = back + amount.size();
        if (end < echoed.size() && text::is_ascii_digit(echoed[end])) continue;
        if (!quoted_cents || *quoted_cents % 100 != 0 ||
            amount != std::to_string(*quoted_cents / 100))
            return false;
        for (std::string_view unit : {"元", "块"})
            if (text::at(echoed, end, unit)) end += unit.size();
        echoed.erase(from, end - from);
        echo = true;
        at = from;
    }
    static constexpr std::array<std::string_view, 8> kParticleAlone = {"",   "呢", "吧", "啊",
                                                                       "呀", "哦", "哈", "啦"};
    if (echo &&
        (one_of(echoed, kParticleAlone) || one_of(echoed, kWhole) || one_of(echoed, kEndings)))
        return true;
    const std::string_view c = without_particle(echoed);
    // Whole answers ending in 吧 are matched as said too ("修吧", "那修吧").
    if (one_of(c, kAgree) || one_of(c, kWhole) || one_of(std::string_view(echoed), kWhole))
        return true;
    for (auto w : kFirst) {
        if (!c.starts_with(w)) continue;
        if (one_of(without_particle(c.substr(w.size())), kEndings)) return true;
    }
    return false;
}

// Back to yes after 不同意 asked for a reason: only a clear reversal ("算了，还是修吧", "还是同意
// 吧", "那就修吧", "同意") — "还是修不好的", "还是修理费太贵" are reasons.
bool changes_mind(const Said& said) {
    static constexpr std::array<std::string_view, 10> kBack = {
        "同意",   "我同意",   "还是同意",   "还是修",   "还是修吧",
        "那就修", "那就修吧", "算了还是修", "那还是修", "修吧"};
    const std::string_view c = without_particle(said.compact);
    return said.normalized.find('?') == std::string::npos && one_of(c, kBack);
}

// Names the price: "贵", "便宜", "材料", "费", "120元" ...
bool names_price(const Said& said) {
    static constexpr std::array<std::string_view, 19> kWords = {
        "贵",   "便宜",   "优惠", "打折", "打个折", "少点", "少一点", "少些", "材料", "包括",
        "包含", "含不含", "费",   "价",   "钱",     "明细", "元",     "块",   "报价"};
    return text::contains_any(said.compact, kWords);
}

// Haggling or a question about a quote ("太贵了吧", "能便宜点吗", "包括材料吗", "为什么要120元？"):
// nothing the bot can answer and no refusal — a person explains while the quote waits (DOMAIN:
// an enquiry the bot cannot answer goes to a human). A bare "?" or "在吗" is not one.
bool asks_about_quote(const Said& said) {
    static constexpr std::array<std::string_view, 11> kBare = {
        "在吗",     "在不在",   "你好",     "您好", "有人吗",  "有人在吗",
        "师傅在吗", "你好在吗", "您好在吗", "在么", "客服在吗"};
    const auto& c = said.compact;
    if (text::length_in_chars(c) < 2 || one_of(c, kBare)) return false;
    return is_question(said) || names_price(said);
}

// The owner's question about the quote to the dispatchers; the quote still waits.
void enquire_about_quote(Turn& t, const Said& said) {
    auto& s = t.session;
    const auto& f = s.feedback.front();
    t.effects.emplace_back(HandToHuman{
        HandOffReason::enquiry, {}, std::string(text::trim_original(said.raw)), f.ticket_number});
    t.say(TextId::quote_enquiry,
          {{"ticket", f.ticket_number}, {"fee", f.cents ? format_yuan(*f.cents) : std::string{}}});
    s.misses = 0;
}

void miss(Turn& t) {
    auto& s = t.session;
    const auto& f = s.feedback.front();
    ++s.misses;
    std::string fee = f.cents ? format_yuan(*f.cents) : std::string{};
    switch (f.step) {
        case FeedbackStep::confirm:
            t.say(TextId::fixed_not_understood, {{"ticket", f.ticket_number}});
            break;
        case FeedbackStep::score:
            t.say(TextId::rating_not_understood);
            break;
        case FeedbackStep::quote:
            t.say(TextId::quote_not_understood, {{"ticket", f.ticket_number}, {"fee", fee}});
            break;
        case FeedbackStep::comment:
        case FeedbackStep::refuse_reason:
            ask_feedback(t);
            break;
    }
    if (s.misses >= t.ctx.limits.misses_before_human) {
        t.say(TextId::offer_human);
        s.misses = 0;
    }
}

// A message handled before its question was asked (Context::now earlier than asked_at: a raised
// quote replaced it, or a reminder brought it forward, while this message was on its way — the
// chat's compare-and-set then runs the message again on the new session) is no answer to it:
// the question is asked instead (feedback.h). True when it was.
bool too_early(Turn& t) {
    if (t.session.feedback.front().asked_at <= t.ctx.now) return false;
    ask_feedback(t);
    return true;
}

// A score said with its unit (星, 颗星, 分) as the message's last clause, after 给 / 打 / 改成…
// ("不是，我是说修好了，给五颗星", "还行吧，三颗星"); nullopt otherwise.
std::optional<Score> restated_score(std::string_view normalized) {
    const auto clauses = text::clauses(normalized);
    if (clauses.empty()) return std::nullopt;
    std::string_view last = clauses.back();
    for (std::string_view lead : {"我给", "给你", "给", "打", "改成", "改为", "应该是", "就"})
        if (last.starts_with(lead)) {
            last.remove_prefix(lead.size());
            break;
        }
    auto score = parse_score(last);
    if (!score) return std::nullopt;
    const std::string_view said = last.substr(0, score->end);
    if (said.find("星") == std::string_view::npos && said.find("分") == std::string_view::npos)
        return std::nullopt;
    const std::string_view after = text::trim_punct(last.substr(score->end));
    if (!after.empty() && after != "吧" && after != "啦" && after != "了" && after != "哈")
        return std::nullopt;
    score->reason_end = static_cast<std::size_t>(clauses.back().data() - normalized.data());
    return score;
}

// A score the owner gives again at the comment question: alone ("5", "五星", "满意"), with words
// that say the first was a slip ("打错了，5分", "5分，刚才点错了"), or another score said with its
// unit at the end ("不是，我是说修好了，给五颗星": not the comment of the `given` one, which a
// supervisor would read as a complaint); `score` 0 for a slip said with no score ("打错了": the
// score is asked again). nullopt for a comment, even one that starts with a number ("5分钟的活干
// 了两个小时"), names the score given ("太慢了，1星") or a slip of the technician's
// ("师傅打错孔了").
std::optional<Score> corrected_score(const Said& said, int given) {
    if (auto alone = parse_score(said.normalized); alone && words_from(said, alone->end).empty())
        return alone;
    if (auto restated = restated_score(said.normalized); restated && restated->score != given)
        return Score{restated->score, said.normalized.size(), restated->reason_end};
    static constexpr std::array<std::string_view, 8> kSlip = {"打错", "点错", "按错", "输错",
                                                              "选错", "写错", "发错", "评错"};
    if (!text::contains_any(said.compact, kSlip)) return std::nullopt;
    // The slip's words, and what owners put around the right score, taken away.
    static constexpr std::array<std::string_view, 11> kAround = {
        "不好意思", "对不起", "抱歉", "应该是", "其实是", "改成",
        "改为",     "刚才",   "好评", "是",     "了"};
    std::string rest = said.compact;
    text::erase_all(rest, kSlip);
    // "不是1分是5分": the score taken back goes with its 不是.
    for (auto at = rest.find("不是"); at != std::string::npos; at = rest.find("不是", at)) {
        const std::size_t from = at + std::string_view("不是").size();
        auto wrong = parse_score(std::string_view(rest).substr(from));
        if (!wrong) {
            at = from;
            continue;
        }
        rest.erase(at, from - at + wrong->end);
    }
    text::erase_all(rest, kAround);
    const std::string_view left = text::trim_punct(rest);
    if (left.empty()) return Score{0, said.normalized.size()};
    auto score = parse_score(left);
    if (!score || !text::trim_punct(left.substr(score->end)).empty()) return std::nullopt;
    return score;
}

// What may stand around an answer to "not fixed, or a new problem?" ("是新的问题吧").
constexpr std::array<std::string_view, 11> kAnswerAround = {"问题", "啊", "呀", "吧", "呢", "嗯",
                                                            "的",   "了", "哦", "还", "是"};

// The ticket asked about is not fixed: the owner's `words` (maybe none) go with its revisit; a
// danger in them gets its safety advice first, as a report of it would (DOMAIN.md).
void not_fixed(Turn& t, std::string words) {
    const std::string ticket = t.session.feedback.front().ticket_number;
    const EmergencyRule* danger = words.empty() ? nullptr : danger_in(t, words);
    if (danger) t.say_text(danger->advice);
    t.effects.emplace_back(
        ReportNotFixed{ticket, std::move(words), danger ? danger->kind : std::string()});
    t.say(TextId::not_fixed_noted, {{"ticket", ticket}});
    next_question(t);
}

std::string free_text(const Said& said);

// The answer to not_fixed_or_new, about the fault words the message before said (Turn::
// fault_unplaced), read clause by clause ("不，是新的" is 不 then 是新的): any clause saying 新的 /
// 不是 / 另一个 / 报修 — a new report of them; else 是 / 对 / 还没好 — that ticket not fixed, with
// those words (and the answer's own, when it says more: "是，把手还是松"). False for anything else.
bool answer_fixed_or_new(Turn& t, const Said& said) {
    if (t.fault_unplaced.empty()) return false;
    static constexpr std::array<std::string_view, 15> kSame = {
        "不是另一个", "不是新的", "不是别的", "还是那个", "就是那个", "同一个", "老问题", "还没好",
        "是那个",     "一样",     "是的",     "对的",     "没好",     "是",     "对"};
    static constexpr std::array<std::string_view, 20> kNew = {
        "不是同一个", "不是那个", "不是这个", "是另一个", "另外一个", "新的问题", "是新的",
        "新问题",     "另一个",   "另一处",   "另外的",   "不是的",   "新报修",   "不一样",
        "不是",       "新的",     "别的",     "报修",     "不对",     "另外"};
    bool is_new = false, same = false, more = false;
    for (const auto clause : text::clauses(said.normalized)) {
        const std::string c = text::compact(clause);
        if (alone_of(c, kSame, kAnswerAround)) {  // first: "不是新的" is the same one
            same = true;
        } else if (alone_of(c, kNew, kAnswerAround)) {
            is_new = true;
        } else {
            more = true;
        }
    }
    if (!is_new && !same) return false;
    if (too_early(t)) return true;
    if (is_new) {
        start_report_with(t, hear(t.fault_unplaced));
    } else {
        not_fixed(t, more ? t.fault_unplaced + "；" + free_text(said) : t.fault_unplaced);
    }
    return true;
}

// The answer to the question itself. False when the message is no answer to it.
bool answer(Turn& t, const Said& said) {
    auto& s = t.session;
    auto& f = s.feedback.front();
    const auto& c = said.compact;
    switch (f.step) {
        case FeedbackStep::confirm:
            if (answer_fixed_or_new(t, said)) return true;
            // "好的" to "not fixed, or a new problem?" answers neither: asked again, the words
            // kept ("修好了" still confirms).
            if (!t.fault_unplaced.empty() && one_of(c, kAcknowledged)) {
                if (too_early(t)) return true;
                t.say(TextId::not_fixed_or_new, {{"ticket", f.ticket_number}});
                s.fault_unplaced = t.fault_unplaced;
                return true;
            }
            if ((is_not_fixed(c) || is_fixed(c)) && too_early(t)) return true;
            if (is_not_fixed(c)) {
                // A danger in the same words (还是不行，有燃气味): an emergency's revisit. After
                // "not fixed, or new?" the fault described before goes with it ("没修好" alone).
                std::string words = one_of(c, kNotFixedBare) ? std::string{} : words_from(said, 0);
                if (!t.fault_unplaced.empty())
                    words = words.empty() ? t.fault_unplaced : t.fault_unplaced + "；" + words;
                not_fixed(t, std::move(words));
                return true;
            }
            if (is_fixed(c) ||
                is_loosely_fixed(c, said.normalized.find('?') != std::string::npos)) {
                if (too_early(t)) return true;
                t.effects.emplace_back(ConfirmFixed{f.ticket_number});
                f.step = FeedbackStep::score;
                f.asked_at = t.ctx.now;
                s.misses = 0;
                ask_feedback(t);
                return true;
            }
            return false;
        case FeedbackStep::score: {
            auto score = parse_score(said.normalized);
            if (!score) return false;
            if (too_early(t)) return true;
            std::string comment = words_from(said, score->end);
            // "4分吧，来得有点晚": a particle said with the score (then a break or nothing) goes
            // with it, not into the comment ("5分，了解情况很仔细" keeps its 了).
            for (std::string_view particle : {"吧", "啦", "哈", "了"}) {
                const std::string_view said_after(comment);
                if (!said_after.starts_with(particle)) continue;
                const std::string_view rest = said_after.substr(particle.size());
                bool broken = rest.empty();
                for (std::string_view mark :
                     {",", "，", "。", ".", "!", "！", " ", "、", "~", "～"})
                    broken = broken || rest.starts_with(mark);
                if (broken) comment = std::string(text::trim_original(rest));
                break;
            }
            if (!comment.empty()) {
                // "2分，不想说": rated without a comment, the complaint's reason left to its
                // callback.
                if (declines_to_say(text::compact(text::normalize(comment)))) comment.clear();
                rate(t, score->score, std::move(comment));
                return true;
            }
            f.score = static_cast<std::uint8_t>(score->score);
            f.step = FeedbackStep::comment;
            f.asked_at = t.ctx.now;
            s.misses = 0;
            ask_feedback(t);
            return true;
        }
        case FeedbackStep::comment:
            // A score alone again replaces the score given: "1" sent twice (修好了 is "1" too) and
            // then "5" is a 5, not a 1 with the comment "5" (a complaint to a supervisor); so does
            // a score said as a correction ("打错了，5分", "点错了 应该是5").
            if (auto again = corrected_score(said, f.score)) {
                if (too_early(t)) return true;
                // A low score restated after its reason ("来了三次都没修好，1星"): rated with it.
                if (again->score >= 1 && again->score <= 3 && again->reason_end > 0) {
                    auto n = text::normalize_mapped(said.raw);
                    std::string reason(text::trim_original(text::original_span(
                        said.raw, n, 0, std::min(again->reason_end, n.text.size()))));
                    if (!reason.empty()) {
                        rate(t, again->score, std::move(reason));
                        return true;
                    }
                }
                if (again->score == 0) {
                    f.step = FeedbackStep::score;  // a slip and no score: the score asked again
                } else {
                    f.score = static_cast<std::uint8_t>(again->score);
                }
                f.asked_at = t.ctx.now;
                s.misses = 0;
                ask_feedback(t);
                return true;
            }
            // "算了不说了": no comment, at any score — a low one's complaint is still filed and
            // its callback asks what went wrong (a bare 跳过 at 1-2 stars is asked once more).
            if (declines_to_say(c)) {
                if (!too_early(t)) rate(t, f.score, {});
                return true;
            }
            if (!one_of(c, kSkip)) return false;
            if (too_early(t)) return true;
            if (f.score >= 3) {
                rate(t, f.score, {});
            } else {
                t.say(TextId::comment_required);
            }
            return true;
        case FeedbackStep::quote: {
            // An answer sent before this amount was asked is no answer to it; anything else (a
            // command: 进度, 人工) is what it is.
            // "算了，不修了" to a quote refuses it (with those words as the reason).
            const bool called_off = calls_it_off(c);
            const bool refused_first =
                !ends_asking(said) &&
                std::any_of(kRefuse.begin(), kRefuse.end(),
                            [&](std::string_view w) { return c.starts_with(w); });
            const bool agreed = agrees(said, f.cents);
            const bool answers = agreed || one_of(c, kRefuseBare) || called_off || refused_first ||
                                 refuses_in_words(said);
            if (answers && too_early(t)) return true;
            if (agreed) {
                agree(t);
                return true;
            }
            if (one_of(c, kRefuseBare)) {
                f.step = FeedbackStep::refuse_reason;
                ask_feedback(t);
                return true;
            }
            // A bare 取消 may mean another ticket (the owner's cancel list): the quote's own way
            // out (不同意, which cancels this repair) is said again rather than taken.
            if (one_of(c, kCancelBare) ||
                (called_off && (c.starts_with("取消") || c.starts_with("撤销")))) {
                miss(t);
                return true;
            }
            if (called_off) {
                refuse(t, std::string(text::trim_original(said.raw)));
                return true;
            }
            for (auto w : kRefuse) {
                if (!refused_first || !c.starts_with(w)) continue;
                std::string reason;
                if (c != w) {
                    // The reason after 不同意.
                    auto pos = said.normalized.find(w);
                    reason = words_from(said, pos != std::string::npos ? pos + w.size() : 0);
                }
                if (reason.empty()) {
                    f.step = FeedbackStep::refuse_reason;
                    ask_feedback(t);
                } else {
                    refuse(t, std::move(reason));
                }
                return true;
            }
            if (refuses_in_words(said)) {
                refuse(t, std::string(text::trim_original(said.raw)));
                return true;
            }
            // A question about the quote is asked of a person (feedback_on_text, once a danger,
            // a new report and the commands have had their turn).
            return false;
        }
        case FeedbackStep::refuse_reason:
            // "那上门费要给吗？" after 不同意: asked of a person, nothing refused yet.
            if (is_question(said) && names_price(said)) {
                if (too_early(t)) return true;
                f.step = FeedbackStep::quote;
                enquire_about_quote(t, said);
                return true;
            }
            if (changes_mind(said)) {
                if (too_early(t)) return true;
                agree(t);
                return true;
            }
            if (one_of(c, kSkip)) {
                if (too_early(t)) return true;
                refuse(t, {});
                return true;
            }
            return false;
    }
    return false;
}

// Hands the message to the parked draft, which becomes the current conversation.
void to_parked_draft(Turn& t, const Said& said) {
    t.session.flow = Flow::owner_report;
    t.session.misses = 0;
    report_on_text(t, said);
}

void on_command(Turn& t, const Said& said, const Command& cmd) {
    auto& s = t.session;
    bool parked = !s.report_id.empty();
    s.misses = 0;
    switch (cmd.kind) {
        case CommandKind::complaint:
            // An emergency draft it started asks its own questions; this one waits for it.
            if (complain(t, said, cmd) == DangerTaken::report) return;
            break;
        case CommandKind::help:
            t.say(TextId::help);
            break;
        case CommandKind::human:
            t.effects.emplace_back(HandToHuman{HandOffReason::owner_asked, {}});
            t.say(TextId::handed_to_human);
            break;
        case CommandKind::progress:
            t.answer_progress();
            break;
        case CommandKind::report:
        case CommandKind::restart:
        case CommandKind::cancel:
        case CommandKind::back:
        case CommandKind::edit:
            if (parked) {
                to_parked_draft(t, said);
                return;
            }
            if (cmd.kind == CommandKind::report || cmd.kind == CommandKind::restart) {
                start_report(t);
                return;
            }
            // No draft: a filed ticket may be meant — the bot says which can be cancelled.
            if (cmd.kind == CommandKind::cancel) ask_what_to_cancel(t);
            break;
    }
    ask_feedback(t);
}

std::string free_text(const Said& said) {
    return std::string(text::trim_original(said.raw));
}

}  // namespace

void feedback_on_text(Turn& t, const Said& said) {
    auto& s = t.session;
    if (s.feedback.empty()) return;
    const auto step = s.feedback.front().step;
    const bool free = step == FeedbackStep::comment || step == FeedbackStep::refuse_reason;
    const bool parked = !s.report_id.empty();
    // "师傅怎么还没来", "到哪了" naming no fault or place, to a yes/no, score or quote question:
    // where their repairs stand (a comment or a reason may well say it of the ticket rated).
    const auto asks_where = [&](const SlotFill& fill) {
        if (free || fill.fault.matched() || fill.address || !asks_progress(said.compact))
            return false;
        s.misses = 0;
        t.answer_progress();
        ask_feedback(t);
        return true;
    };
    // Right after a report went in, this question (of an earlier ticket) was asked at once; what
    // the owner says about the report just filed is still about it — the danger of its emergency
    // again, or where it stands, even in words that could answer the question ("水管爆了，还是没
    // 人来"). The question waits, asked again so that a "好的" next answers what it seems to.
    std::optional<SlotFill> fill;
    if (just_submitted(t)) {
        fill = extract_slots(said.normalized, t.catalog());
        if (same_emergency_again(t, said, *fill)) {
            ask_feedback(t);
            return;
        }
        if (asks_where(*fill)) return;
    }
    if (answer(t, said)) return;
    if (cancel_named_ticket(t, said)) {
        ask_feedback(t);
        return;
    }
    // A correction of the report just filed (a parked draft's own edits go to the draft).
    if (!parked && correction_just_after_report(t, said, /*question_waits=*/true)) {
        ask_feedback(t);
        return;
    }
    if (auto cmd = parse_command(said.compact)) {
        on_command(t, said, *cmd);
        return;
    }
    if (!fill) {
        fill = extract_slots(said.normalized, t.catalog());
        if (asks_where(*fill)) return;
    }
    // A new report is never swallowed. Where the question takes free text (a comment, a
    // reason), fault words are part of the answer ("灯还是暗"), so only an address counts.
    bool report_like = free ? (fill->address && fill->address->complete)
                            : (fill->fault.matched() || fill->address.has_value());
    if (parked && (report_like || fill->phone)) {
        to_parked_draft(t, said);
        return;
    }
    // A question about the quote may name the fault ("水龙头换新的要多少钱"): only a danger or a
    // place makes it a new report — or a fault named without a question ("卫生间瓷砖掉了一块").
    if (step == FeedbackStep::quote && !fill->address && !fill->fault.emergency &&
        (!fill->fault.matched() || is_question(said)) && asks_about_quote(said)) {
        if (!too_early(t)) enquire_about_quote(t, said);
        return;
    }
    // A fault described while asked whether the last one is fixed ("灯还是一闪一闪的", "门把手
    // 装上了，不过有点松") is most often that one not fixed: asked, never filed as a second ticket
    // unasked (a danger, a new address, or words saying it is another — 报修, 另外, 还有, 也 —
    // is a report at once). Asked again and again, a person is offered as for any miss.
    static constexpr std::array<std::string_view, 4> kAnother = {"报修", "另外", "还有", "也"};
    if (report_like && step == FeedbackStep::confirm && !fill->fault.emergency &&
        !(fill->address && fill->address->complete) &&
        !text::contains_any(said.compact, kAnother)) {
        if (too_early(t)) return;
        t.say(TextId::not_fixed_or_new, {{"ticket", ticket_of(t)}});
        s.fault_unplaced = free_text(said);  // for a 是 / 新的 next
        if (++s.misses >= t.ctx.limits.misses_before_human) {
            t.say(TextId::offer_human);
            s.misses = 0;
        }
        return;
    }
    if (report_like) {
        start_report_with(t, said);
        return;
    }
    if (step == FeedbackStep::comment && !said.compact.empty()) {
        if (!too_early(t)) rate(t, s.feedback.front().score, free_text(said));
        return;
    }
    if (step == FeedbackStep::refuse_reason && !said.compact.empty()) {
        if (!too_early(t)) refuse(t, free_text(said));
        return;
    }
    miss(t);
}

void ask_feedback(Turn& t) {
    auto q = feedback_question(t.session, t.texts());
    if (!q.empty()) t.say_text(std::move(q));
}

void settle(Turn& t) {
    auto& s = t.session;
    if (s.flow == Flow::idle && !s.feedback.empty()) {
        s.flow = Flow::owner_feedback;
        s.misses = 0;
        t.say(TextId::feedback_pending);
        ask_feedback(t);
        return;
    }
    if ((s.flow == Flow::owner_feedback || s.flow == Flow::idle) && s.feedback.empty()) {
        if (s.report_id.empty()) {
            s.flow = Flow::idle;
            return;
        }
        s.flow = Flow::owner_report;
        s.misses = 0;
        t.say(TextId::report_resumed);
        prompt_current(t);
    }
}

void fall_back(Session& s) {
    s.job_command.reset();
    if (!s.feedback.empty()) {
        s.flow = Flow::owner_feedback;
    } else if (!s.report_id.empty()) {
        s.flow = Flow::owner_report;
    } else {
        s.flow = Flow::idle;
    }
}

void heal(Session& s) {
    bool broken = (s.flow == Flow::owner_feedback && s.feedback.empty()) ||
                  (s.flow == Flow::technician_pick && !s.job_command) ||
                  (s.flow == Flow::idle && !s.report_id.empty());
    if (broken) fall_back(s);
    // A photo or a location label beyond what the store keeps (a draft saved before step()
    // refused or cut them) would make the report unfileable: the photo dropped, its fallback URL
    // dropped, the label cut.
    std::erase_if(s.draft.photos, [](const Photo& p) { return !media_id_kept(p.media_id); });
    for (auto& p : s.draft.photos)
        if (p.pic_url.size() > kMaxPicUrlBytes) p.pic_url.clear();
    if (auto& a = s.draft.address) {
        if (auto cut = text::first_chars(a->label, kMaxLocationLabelChars); cut.size() < a->label.size())
            a->label = std::string(cut);
    }
}

// ---- public (dialog/feedback.h) ----

namespace {

// A new question about a ticket already asked about (a raised quote, a job finished again)
// takes the old one's place in the queue: the owner is not made to answer others first.
Session begin(Session s, Feedback item) {
    auto same = std::find_if(s.feedback.begin(), s.feedback.end(),
                             [&](const Feedback& f) { return f.ticket_number == item.ticket_number; });
    bool first = s.feedback.empty() || same == s.feedback.begin();
    if (same != s.feedback.end()) {  // one question per ticket, so at most one
        *same = std::move(item);
    } else {
        s.feedback.push_back(std::move(item));
    }
    if (s.flow == Flow::technician_pick) s.job_command.reset();
    if (s.flow != Flow::owner_feedback || first) s.misses = 0;
    s.flow = Flow::owner_feedback;
    s.fault_unplaced.clear();  // a 是 next may be to another question now
    return s;
}

}  // namespace

Session begin_confirmation(Session session, std::string ticket_number,
                           std::optional<std::int64_t> fee_cents, std::chrono::sys_seconds now) {
    return begin(std::move(session),
                 Feedback{FeedbackStep::confirm, std::move(ticket_number), fee_cents, 0, now});
}

Session begin_quote_approval(Session session, std::string ticket_number, std::int64_t cents,
                             std::chrono::sys_seconds now) {
    return begin(std::move(session),
                 Feedback{FeedbackStep::quote, std::move(ticket_number), cents, 0, now});
}

namespace {

// Whether `stored` asks what `item` asks: a confirmation of the same fee, a rating (its score or
// its comment), the quote of the same amount (or the reason for refusing it).
bool asks_the_same(const Feedback& stored, const Feedback& item) {
    switch (item.step) {
        case FeedbackStep::confirm:
            return stored.step == FeedbackStep::confirm && stored.cents == item.cents;
        case FeedbackStep::score:
        case FeedbackStep::comment:
            return stored.step == FeedbackStep::score || stored.step == FeedbackStep::comment;
        case FeedbackStep::quote:
        case FeedbackStep::refuse_reason:
            return (stored.step == FeedbackStep::quote ||
                    stored.step == FeedbackStep::refuse_reason) &&
                   stored.cents == item.cents;
    }
    return false;
}

// A question the owner is half way through answering: a rating's comment, a refusal's reason.
bool half_answered(const Feedback& f) {
    return f.step == FeedbackStep::comment || f.step == FeedbackStep::refuse_reason;
}

}  // namespace

Session ask_first(Session s, Feedback item) {
    auto same = std::find_if(s.feedback.begin(), s.feedback.end(), [&](const Feedback& f) {
        return f.ticket_number == item.ticket_number;
    });
    const bool kept = same != s.feedback.end() && asks_the_same(*same, item);
    if (kept && same == s.feedback.begin() && s.flow == Flow::owner_feedback)
        return s;  // asked first already
    if (same != s.feedback.end()) {
        if (kept) {  // as far as the owner got with it, asked anew from now
            const auto asked_at = item.asked_at;
            item = std::move(*same);
            item.asked_at = asked_at;
        }
        s.feedback.erase(same);
    }
    // Another ticket's question half answered stays first: this one is asked right after it.
    auto at = s.feedback.begin();
    if (at != s.feedback.end() && half_answered(*at)) ++at;
    const bool first = at == s.feedback.begin();
    s.feedback.insert(at, std::move(item));
    if (s.flow == Flow::technician_pick) s.job_command.reset();
    if (first) s.misses = 0;  // another question now
    s.flow = Flow::owner_feedback;
    s.fault_unplaced.clear();  // a 是 next may be to another question now
    return s;
}

Session drop_feedback(Session session, std::string_view ticket_number) {
    const bool first =
        !session.feedback.empty() && session.feedback.front().ticket_number == ticket_number;
    std::erase_if(session.feedback,
                  [&](const Feedback& f) { return f.ticket_number == ticket_number; });
    if (first) session.fault_unplaced.clear();  // the question they were about is gone
    heal(session);
    return session;
}

std::string feedback_question(const Session& s, const ReplyTexts& texts) {
    if (s.feedback.empty()) return {};
    const auto& f = s.feedback.front();
    std::string fee = f.cents ? format_yuan(*f.cents) : std::string{};
    TextVars vars = {{"ticket", f.ticket_number}, {"fee", fee}};
    switch (f.step) {
        case FeedbackStep::confirm:
            return texts.render(f.cents ? TextId::confirm_prompt_fee : TextId::confirm_prompt,
                                vars);
        case FeedbackStep::score:
            return texts.render(TextId::rating_prompt, vars);
        case FeedbackStep::comment:
            return texts.render(
                f.score >= 3 ? TextId::ask_comment_optional : TextId::ask_comment_required, vars);
        case FeedbackStep::quote:
            return texts.render(TextId::quote_prompt, vars);
        case FeedbackStep::refuse_reason:
            return texts.render(TextId::ask_refuse_reason, vars);
    }
    return {};
}

std::string feedback_reminder(const Session& s, const ReplyTexts& texts) {
    if (s.feedback.empty()) return {};
    return feedback_reminder(s.feedback.front(), texts);
}

std::string feedback_reminder(const Feedback& f, const ReplyTexts& texts) {
    std::string fee = f.cents ? format_yuan(*f.cents) : std::string{};
    TextVars vars = {{"ticket", f.ticket_number}, {"fee", fee}};
    switch (f.step) {
        case FeedbackStep::confirm:
            return texts.render(TextId::confirm_reminder, vars);
        case FeedbackStep::score:
        case FeedbackStep::comment:
            return texts.render(TextId::rating_reminder, vars);
        case FeedbackStep::quote:
        case FeedbackStep::refuse_reason:
            return texts.render(TextId::quote_reminder, vars);
    }
    return {};
}

}  // namespace repairbot::dialog
