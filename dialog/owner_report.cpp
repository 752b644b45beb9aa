#include "dialog/owner_report.h"

#include <algorithm>
#include <array>
#include <optional>

#include "dialog/commands.h"
#include "dialog/fault_classifier.h"
#include "dialog/job_commands.h"
#include "dialog/phone.h"
#include "dialog/slots.h"
#include "dialog/text.h"
#include "dialog/time_parse.h"

namespace repairbot::dialog {
namespace {

constexpr std::array<ReportStep, 7> kOrder = {
    ReportStep::address, ReportStep::fault_type,     ReportStep::description, ReportStep::photos,
    ReportStep::phone,   ReportStep::preferred_time, ReportStep::confirm};

bool is_emergency(const ReportDraft& d) {
    return !d.emergency.empty();
}

// The first slot still missing; confirm when none is. An emergency needs only where and whom
// to call: everything else can follow the technician.
ReportStep next_missing(const ReportDraft& d) {
    if (!d.address) return ReportStep::address;
    if (is_emergency(d)) return d.phone.empty() ? ReportStep::phone : ReportStep::confirm;
    if (d.fault_type.empty()) return ReportStep::fault_type;
    if (d.description.empty()) return ReportStep::description;
    if (!d.photos_done) return ReportStep::photos;
    if (d.phone.empty()) return ReportStep::phone;
    if (!d.time_answered) return ReportStep::preferred_time;
    return ReportStep::confirm;
}

bool applies(const ReportDraft& d, ReportStep s) {
    return !is_emergency(d) || s == ReportStep::address || s == ReportStep::phone;
}

const FaultType* draft_type(const Turn& t) {
    const auto& d = t.session.draft;
    if (const auto* type = t.catalog().find(d.fault_type)) return type;
    if (const auto* rule = t.catalog().find_emergency(d.emergency)) {
        if (const auto* type = t.catalog().find(rule->fault_type)) return type;
    }
    return t.catalog().fallback();
}

Urgency draft_urgency(const Turn& t) {
    const auto& d = t.session.draft;
    return derive_urgency(t.catalog().find(d.fault_type), is_emergency(d), d.planned);
}

std::string address_label(const Turn& t, const Address& a) {
    std::string s = display(a);
    if (a.is_public) s += t.texts().get(TextId::public_area_mark);
    return s;
}

std::string time_label(const Turn& t) {
    const auto& d = t.session.draft;
    if (d.preferred_time) return format_window(*d.preferred_time, t.ctx.utc_offset);
    return t.texts().get(TextId::time_asap);
}

std::string fault_menu(const Turn& t) {
    std::string menu;
    const auto& types = t.catalog().types();
    for (std::size_t i = 0; i < types.size(); ++i) {
        if (i > 0) menu += (i % 3 == 0) ? "\n" : "  ";
        menu += std::to_string(i + 1) + "." + types[i].name;
    }
    return menu;
}

std::string summary(const Turn& t) {
    const auto& d = t.session.draft;
    const std::string& none = t.texts().get(TextId::not_given);
    std::string address = d.address ? address_label(t, *d.address) : none;
    const FaultType* type = t.catalog().find(d.fault_type);
    std::string fault = type ? type->name : none;
    std::string urgency = urgency_label(t.texts(), draft_urgency(t));
    std::string photos = std::to_string(d.photos.size());
    std::string time = time_label(t);
    return t.texts().render(TextId::summary,
                            {{"address", address},
                             {"fault_type", fault},
                             {"urgency", urgency},
                             {"description", d.description.empty() ? none : d.description},
                             {"photos", photos},
                             {"phone", d.phone.empty() ? none : d.phone},
                             {"time", time}});
}

void prompt(Turn& t, ReportStep step) {
    const auto& d = t.session.draft;
    switch (step) {
        case ReportStep::address:
            if (t.ctx.profile.last_address) {
                std::string last = address_label(t, *t.ctx.profile.last_address);
                t.say(TextId::ask_address_last, {{"last_address", last}});
            } else {
                t.say(TextId::ask_address);
            }
            return;
        case ReportStep::fault_type: {
            std::string menu = fault_menu(t);
            t.say(TextId::ask_fault_type, {{"menu", menu}});
            return;
        }
        case ReportStep::description:
            t.say(TextId::ask_description);
            return;
        case ReportStep::photos: {
            std::string count = std::to_string(d.photos.size());
            std::string max = std::to_string(t.ctx.limits.max_photos);
            t.say(TextId::ask_photos, {{"count", count}, {"max", max}});
            return;
        }
        case ReportStep::phone:
            t.say(TextId::ask_phone);
            return;
        case ReportStep::preferred_time:
            t.say(TextId::ask_time);
            return;
        case ReportStep::confirm:
            t.say_text(summary(t));
            return;
        case ReportStep::resume: {
            const auto& none = t.texts().get(TextId::not_given);
            std::string address = d.address ? address_label(t, *d.address) : none;
            std::string fault = d.fault_type.empty() ? none : d.fault_type;
            t.say(TextId::session_expired, {{"address", address}, {"fault_type", fault}});
            return;
        }
    }
}

void clear_report(Session& s) {
    s.flow = Flow::idle;
    s.step = ReportStep::address;
    s.report_id.clear();
    s.revision = 0;
    s.draft = ReportDraft{};
    s.misses = 0;
    s.held_text.clear();
}

// Whether filing with `phone` and `address` changes what the desk remembers of the owner (the
// phone; a home's building, unit and room — TicketIntake::owner_profile): a returning owner
// with the same phone and home costs no profile write.
bool changes_profile(const OwnerProfile& known, const std::string& phone, const Address& address) {
    if (!phone.empty() && phone != known.phone) return true;
    if (address.is_public || address.room.empty()) return false;  // only a home is remembered
    const auto& last = known.last_address;
    return !last || last->building != address.building || last->unit != address.unit ||
           last->room != address.room;
}

void submit(Turn& t) {
    auto& s = t.session;
    auto& d = s.draft;
    const FaultType* type = draft_type(t);
    RepairReport r;
    r.owner_openid = t.in.from;
    r.address = d.address.value_or(Address{});
    r.fault_type = type ? type->name : d.fault_type;
    r.trade = type ? type->trade : std::string{};
    r.urgency = draft_urgency(t);
    r.emergency = d.emergency;
    r.description = d.description;
    r.photos = d.photos;
    r.phone = d.phone;
    r.preferred_time = is_emergency(d) ? std::nullopt : d.preferred_time;
    r.received_at = t.ctx.now;
    std::string key = s.report_id + "#" + std::to_string(s.revision);
    if (changes_profile(t.ctx.profile, r.phone, r.address)) t.effects.emplace_back(RememberProfile{r.phone, r.address});
    std::string urgency = urgency_label(t.texts(), r.urgency);
    t.say(is_emergency(d) ? TextId::emergency_submitted : TextId::submitted,
          {{"urgency", urgency}, {"address", address_label(t, r.address)}, {"phone", r.phone}});
    std::string kind = is_emergency(d) ? d.emergency : std::string{};
    std::string shown = kind.empty() ? std::string{} : display(r.address);
    t.effects.insert(t.effects.begin(), CreateTicket{std::move(r), key});
    clear_report(s);
    s.last_ticket_key = std::move(key);
    s.last_ticket_at = t.ctx.now;
    s.last_emergency = std::move(kind);
    s.last_emergency_address = std::move(shown);
}

// Moves to the first missing slot and asks for it; an emergency with all it needs is
// submitted at once, anything else complete gets the summary.
void advance(Turn& t) {
    auto& s = t.session;
    s.misses = 0;
    s.held_text.clear();
    s.step = next_missing(s.draft);
    if (s.step == ReportStep::confirm && is_emergency(s.draft)) {
        submit(t);
        return;
    }
    prompt(t, s.step);
}

// A message that fits nothing: the re-prompt with an example, and a human offered after
// `misses_before_human` in a row.
void miss(Turn& t, TextId what) {
    auto& s = t.session;
    ++s.misses;
    std::string menu = what == TextId::fault_not_understood ? fault_menu(t) : std::string{};
    t.say(what, {{"menu", menu}});
    if (s.misses >= t.ctx.limits.misses_before_human) {
        t.say(TextId::offer_human);
        s.misses = 0;
    }
}

void changed(Turn& t) {
    ++t.session.revision;
}

// Applies what classification found: the type (when empty or `replace_type`), the emergency
// (safety advice first, once), planned work. True when the draft changed.
bool apply_fault(Turn& t, const Classification& c, bool replace_type) {
    auto& d = t.draft();
    bool any = false;
    if (c.type && (d.fault_type.empty() || replace_type) && d.fault_type != c.type->name) {
        d.fault_type = c.type->name;
        any = true;
    }
    if (c.emergency && d.emergency.empty()) {
        d.emergency = c.emergency->kind;
        if (!d.advice_given) {
            t.say_text(c.emergency->advice);
            d.advice_given = true;
        }
        any = true;
    }
    if (c.planned && !d.planned) {
        d.planned = true;
        any = true;
    }
    return any;
}

constexpr std::array<std::string_view, 16> kVisitWords = {
    "上门", "来修", "过来", "来一下", "来一趟", "来看", "来处理", "来维修",
    "来人", "派人", "在家", "有空",   "有人",   "方便", "预约",   "安排"};

// A visit time said along with the report ("周六上午过来修吧", "明天下午有人在家", "明天没空，
// 后天上午过来"): a window and a visit word in one clause, not denied (不在家, 没空), not of the
// past (上次师傅来修过, 昨晚开始渗过来) and not asked (明天能过来吗: the time question settles
// it). 尽快 is left to the time question too.
std::optional<TimeWindow> visit_time_in(const Turn& t, std::string_view rest) {
    static constexpr std::array<std::string_view, 11> kDenied = {
        "不在",   "没人",     "没有人", "不方便", "没空", "没有空",
        "没时间", "没有时间", "不行",   "不用",   "别"};
    // Of the past, or of every day ("每天晚上在家都能听到滴水声"): no booking.
    static constexpr std::array<std::string_view, 19> kPast = {
        "昨",   "上次", "上周", "上个", "之前", "以前", "前天", "刚才", "来过", "看过",
        "修过", "发现", "开始", "已经", "每天", "每次", "经常", "总是", "一到"};
    static constexpr std::array<std::string_view, 6> kAsked = {"吗",     "能不能", "可不可以",
                                                               "行不行", "是否",   "呢"};
    for (auto clause : text::clauses(rest)) {
        if (!text::contains_any(clause, kVisitWords) || text::contains_any(clause, kDenied) || text::contains_any(clause, kPast) ||
            text::contains_any(clause, kAsked))
            continue;
        auto parsed = parse_preferred_time(clause, t.ctx.now, t.ctx.utc_offset);
        if (parsed.answer == TimeAnswer::window) return parsed.window;
    }
    return std::nullopt;
}

struct FillPolicy {
    bool replace_address = false;
    bool replace_type = false;
    bool take_description = false;  // also when no fault keyword matched
};

// Applies every slot a message filled. True when the draft changed.
bool apply_fill(Turn& t, const SlotFill& fill, FillPolicy policy) {
    auto& d = t.draft();
    bool any = false;
    if (fill.address && fill.address->complete && (!d.address || policy.replace_address) &&
        d.address != fill.address->address) {
        d.address = fill.address->address;
        any = true;
    }
    if (d.address) {
        d.address_part.clear();
    } else if (fill.address && !fill.address->complete) {
        // Kept for the rest: "5栋" now, "502" at the address step.
        d.address_part = display(fill.address->address);
    }
    if (fill.phone && d.phone != *fill.phone) {
        d.phone = *fill.phone;
        any = true;
    }
    bool matched = fill.fault.matched();
    any = apply_fault(t, fill.fault, policy.replace_type) || any;
    if ((matched || policy.take_description) && is_description(fill) &&
        (d.description.empty() || policy.take_description) && d.description != fill.description) {
        d.description = fill.description;
        any = true;
    }
    if (!d.time_answered && !is_emergency(d)) {
        if (auto visit = visit_time_in(t, fill.rest)) {
            d.time_answered = true;
            d.preferred_time = visit;
            any = true;
        }
    }
    if (any) changed(t);
    return any;
}

void go_to(Turn& t, ReportStep target) {
    auto& s = t.session;
    auto& d = s.draft;
    s.step = target;
    s.misses = 0;
    std::string current;
    switch (target) {
        case ReportStep::address:
            if (d.address) current = address_label(t, *d.address);
            break;
        case ReportStep::fault_type:
            current = d.fault_type;
            break;
        case ReportStep::description:
            current = d.description;
            break;
        case ReportStep::photos:
            d.photos_done = false;
            if (!d.photos.empty()) current = std::to_string(d.photos.size());
            break;
        case ReportStep::phone:
            current = d.phone;
            break;
        case ReportStep::preferred_time:
            if (d.time_answered) current = time_label(t);
            break;
        case ReportStep::confirm:
        case ReportStep::resume:
            break;
    }
    if (!current.empty()) t.say(TextId::current_value, {{"value", current}});
    prompt(t, target);
}

void go_back(Turn& t) {
    auto& s = t.session;
    if (s.step == ReportStep::resume) {
        prompt(t, s.step);
        return;
    }
    auto it = std::find(kOrder.begin(), kOrder.end(), s.step);
    while (it != kOrder.begin()) {
        --it;
        if (applies(s.draft, *it)) {
            go_to(t, *it);
            return;
        }
    }
    t.say(TextId::back_at_first);
    prompt(t, s.step);
}

void on_command(Turn& t, const Said& said, const Command& cmd) {
    auto& s = t.session;
    switch (cmd.kind) {
        case CommandKind::cancel:
            clear_report(s);
            t.say(TextId::cancelled);
            return;
        case CommandKind::help:
            t.say(TextId::help);
            break;
        case CommandKind::back:
            go_back(t);
            return;
        case CommandKind::edit:
            if (cmd.target) {
                go_to(t, *cmd.target);
            } else {
                t.say(TextId::edit_which);
            }
            return;
        case CommandKind::human:
            t.effects.emplace_back(HandToHuman{HandOffReason::owner_asked, draft_summary(t)});
            t.say(TextId::handed_to_human);
            break;
        case CommandKind::progress:
            t.answer_progress();
            break;
        case CommandKind::complaint:
            (void)complain(t, said, cmd);  // the draft in progress stays
            break;
        case CommandKind::report:
            t.say(TextId::already_reporting);
            break;
        case CommandKind::restart: {
            Said held = hear(s.held_text);
            if (s.step == ReportStep::resume && !held.normalized.empty()) {
                start_report_with(t, held);
            } else {
                start_report(t);
            }
            return;
        }
    }
    s.misses = 0;
    prompt(t, s.step);
}

void on_address(Turn& t, const Said& said) {
    auto& d = t.draft();
    if (means_same_as_last_time(said.compact)) {
        if (!t.ctx.profile.last_address) {
            t.say(TextId::no_last_address);
            return;
        }
        d.address = t.ctx.profile.last_address;
        changed(t);
        advance(t);
        return;
    }
    auto fill = extract_slots(said.normalized, t.catalog(), said.raw);
    if (!(fill.address && fill.address->complete) && !d.address_part.empty()) {
        // The rest of the address given before: "5栋", then "502", "2单元502室" or "电梯厅"
        // (or the room first, then the building). Still incomplete, the parts add up. A building
        // named again ("不对，是6栋") replaces the part instead.
        const std::string part = text::normalize(d.address_part);
        const auto before = find_address(part, t.catalog());
        const bool new_building = fill.address && !fill.address->address.building.empty() &&
                                  before && !before->address.building.empty();
        // A phone sent along is no room number ("13800138000" after "5栋").
        std::string words = said.normalized;
        if (auto phone = find_phone(words))
            words.replace(phone->begin, phone->end - phone->begin, " ");
        std::optional<AddressMatch> whole;
        if (!new_building) {
            for (const auto& joined : {part + " " + words, words + " " + part}) {
                auto found = find_address(joined, t.catalog());
                if (found && (found->complete || !whole)) whole = std::move(found);
                if (whole && whole->complete) break;
            }
        }
        if (whole && (whole->complete || fill.address)) fill.address = whole;
    }
    bool got_address = fill.address && fill.address->complete;
    bool any = apply_fill(t, fill, {.replace_address = true});
    if (got_address) {
        advance(t);
    } else if (fill.address) {
        miss(t, TextId::address_incomplete);
    } else if (any) {
        t.say(TextId::noted);
        prompt(t, ReportStep::address);
    } else {
        miss(t, TextId::address_not_understood);
    }
}

// How an owner gives a name (王女士, 张先生): a short answer ending so is a name, not a fault.
constexpr std::array<std::string_view, 6> kAddressedAs = {"先生", "女士", "小姐",
                                                          "阿姨", "老师", "师傅"};

bool is_a_name(std::string_view compact) {
    return text::length_in_chars(compact) <= 4 &&
           std::any_of(kAddressedAs.begin(), kAddressedAs.end(),
                       [&](std::string_view w) { return compact.ends_with(w); });
}

// Whether the words beside an address, or given to the type question, are the owner's account
// of a fault the catalog has no word for ("卫生间顶上有个东西一直嗡嗡响"): kept as the
// description, so picking the type from the menu next does not ask for them again. Clauses that
// say nothing of the fault do not count: a greeting or filler (你好, 我要报修, 不知道, 都不是), a
// name (王女士), a question (这个要收费吗, 请问怎么报修), a clause with a visit word (明天上午过
// 来, 麻烦尽快安排) or a time alone (明天上午), contact details (地址是…).
bool tells_the_fault(const Turn& t, const SlotFill& fill, std::size_t min_chars = 4) {
    if (!is_description(fill)) return false;
    static constexpr std::array<std::string_view, 42> kFillers = {
        "你好",   "您好",   "在吗",     "在不在",   "麻烦了",   "麻烦",     "谢谢",
        "谢谢了", "感谢",   "我要报修", "要报修",   "报修",     "请问",     "不好意思",
        "都不是", "不是",   "别的",     "别的问题", "其他",     "其他问题", "其它",
        "不知道", "不清楚", "不确定",   "说不清",   "不晓得",   "不懂",     "急",
        "很急",   "着急",   "尽快",     "快点",     "麻烦快点", "好的",     "好",
        "嗯",     "嗯嗯",   "说不上来", "说不出来", "不会说",   "没有",     "无"};
    static constexpr std::array<std::string_view, 12> kNotAccount = {
        "吗",   "请问", "怎么报", "如何", "多少钱", "收费",
        "要钱", "地址", "电话",   "手机", "能不能", "可不可以"};
    std::size_t told = 0;
    for (auto clause : text::clauses(fill.rest, ",.;!?~ ")) {
        std::string_view c = clause;
        if (c.starts_with("是")) c.remove_prefix(std::string_view("是").size());
        const auto n = text::length_in_chars(c);
        if (std::find(kFillers.begin(), kFillers.end(), c) != kFillers.end()) continue;
        if (is_a_name(c)) continue;
        if (text::contains_any(c, kNotAccount) || text::contains_any(c, kVisitWords)) continue;
        // A time alone ("明天上午", "现在"); "晚上灯不亮" tells the fault.
        if (n <= 4 && parse_preferred_time(c, t.ctx.now, t.ctx.utc_offset).answer !=
                          TimeAnswer::not_understood)
            continue;
        told += n;
    }
    return told >= min_chars;
}

// The whole answer is a filler, an unsure word or a name: "好的", "不知道", "王女士".
bool says_nothing_alone(const SlotFill& fill) {
    static constexpr std::array<std::string_view, 14> kAlone = {
        "好的",   "好",     "嗯",   "嗯嗯",     "不知道",   "不清楚", "不确定",
        "说不清", "不晓得", "不懂", "说不上来", "说不出来", "不会说", "没有"};
    const std::string c = text::compact(fill.rest);
    return std::find(kAlone.begin(), kAlone.end(), c) != kAlone.end() || is_a_name(c);
}

void on_fault_type(Turn& t, const Said& said) {
    auto& d = t.draft();
    const FaultType* chosen = nullptr;
    if (auto n = text::parse_number(said.compact)) {
        chosen = t.catalog().by_menu_number(*n);
        if (!chosen) {
            miss(t, TextId::fault_not_understood);
            return;
        }
    } else {
        chosen = t.catalog().find(said.compact);
    }
    if (chosen) {
        if (d.fault_type != chosen->name) {
            d.fault_type = chosen->name;
            changed(t);
        }
        advance(t);
        return;
    }
    auto fill = extract_slots(said.normalized, t.catalog(), said.raw);
    apply_fill(t, fill, {.replace_type = true});
    if (fill.fault.type) {
        advance(t);
    } else if (d.description.empty() && !fill.address && !fill.phone && tells_the_fault(t, fill)) {
        d.description = fill.description;
        changed(t);
        t.say(TextId::fault_type_for_description, {{"menu", fault_menu(t)}});
    } else {
        miss(t, TextId::fault_not_understood);
    }
}

void on_description(Turn& t, const Said& said) {
    auto fill = extract_slots(said.normalized, t.catalog(), said.raw);
    // "王女士", "不知道", "好的" alone are no description; "漏水", "晚上灯不亮" are.
    bool described = is_description(fill) && !says_nothing_alone(fill);
    bool any = apply_fill(t, fill, {.take_description = described});
    if (described) {
        advance(t);
    } else if (any) {
        t.say(TextId::noted);
        prompt(t, ReportStep::description);
    } else {
        miss(t, TextId::description_too_short);
    }
}

void on_photos_text(Turn& t, const Said& said) {
    auto& d = t.draft();
    if (is_photos_done_word(said.compact)) {
        d.photos_done = true;
        changed(t);
        advance(t);
        return;
    }
    auto fill = extract_slots(said.normalized, t.catalog(), said.raw);
    if (apply_fill(t, fill, {})) {
        d.photos_done = true;
        advance(t);
        return;
    }
    // More about the fault instead of a photo ("墙里面有滴答滴答的声音": a fault word, no
    // question, nothing of the photos): added to the description, up to a message's length,
    // the photos still welcome.
    static constexpr std::array<std::string_view, 9> kOfPhotos = {
        "照片", "拍", "图", "发完", "没有", "不用", "吗", "怎么", "什么时候"};
    if (fill.fault.matched() && said.normalized.find('?') == std::string::npos &&
        !text::contains_any(said.compact, kOfPhotos) && tells_the_fault(t, fill) &&
        text::length_in_chars(d.description) + text::length_in_chars(fill.description) <
            kMaxMessageChars &&
        d.description.find(fill.description) == std::string::npos) {
        d.description += (d.description.empty() ? "" : "；") + fill.description;
        changed(t);
        t.say(TextId::noted);
        prompt(t, ReportStep::photos);
        return;
    }
    miss(t, TextId::photos_more);
}

void on_phone(Turn& t, const Said& said) {
    auto& d = t.draft();
    if (means_same_as_last_time(said.compact)) {
        if (t.ctx.profile.phone.empty()) {
            t.say(TextId::no_last_phone);
            return;
        }
        d.phone = t.ctx.profile.phone;
        changed(t);
        advance(t);
        return;
    }
    auto fill = extract_slots(said.normalized, t.catalog(), said.raw);
    bool any = apply_fill(t, fill, {});
    if (fill.phone) {
        advance(t);
    } else if (fill.bad_phone) {
        miss(t,
             looks_like_landline(said.normalized) ? TextId::phone_landline : TextId::phone_invalid);
    } else if (any) {
        t.say(TextId::noted);
        prompt(t, ReportStep::phone);
    } else {
        miss(t, TextId::phone_not_understood);
    }
}

void on_time(Turn& t, const Said& said) {
    auto& d = t.draft();
    auto parsed = parse_preferred_time(said.normalized, t.ctx.now, t.ctx.utc_offset);
    switch (parsed.answer) {
        case TimeAnswer::window:
        case TimeAnswer::asap:
            d.time_answered = true;
            d.preferred_time = parsed.answer == TimeAnswer::window
                                   ? std::optional<TimeWindow>(parsed.window)
                                   : std::nullopt;
            changed(t);
            advance(t);
            return;
        case TimeAnswer::past:
            miss(t, TextId::time_in_past);
            return;
        case TimeAnswer::not_understood:
            miss(t, TextId::time_not_understood);
            return;
    }
}

void on_confirm(Turn& t, const Said& said) {
    auto& d = t.draft();
    if (is_confirm_word(said.compact)) {
        submit(t);
        return;
    }
    // A new value sent straight at the summary corrects that slot.
    auto fill = extract_slots(said.normalized, t.catalog(), said.raw);
    bool any = apply_fill(t, fill, {.replace_address = true});
    if (!any) {
        auto parsed = parse_preferred_time(said.normalized, t.ctx.now, t.ctx.utc_offset);
        if (parsed.answer == TimeAnswer::window && d.preferred_time != parsed.window) {
            d.preferred_time = parsed.window;
            d.time_answered = true;
            changed(t);
            any = true;
        }
    }
    if (any) {
        t.say(TextId::noted);
        advance(t);
    } else {
        miss(t, TextId::confirm_not_understood);
    }
}

void on_resume(Turn& t, const Said& said) {
    if (is_continue_word(said.compact)) {
        t.say(TextId::resumed);
        advance(t);
        return;
    }
    miss(t, TextId::resume_not_understood);
}

// Leaves the resume question when the owner simply carries on (a photo, a location).
void continue_if_resuming(Turn& t) {
    auto& s = t.session;
    if (s.step == ReportStep::resume) {
        s.held_text.clear();
        s.step = next_missing(s.draft);
    }
}

}  // namespace

void begin_report(Turn& t) {
    auto& s = t.session;
    clear_report(s);
    s.flow = Flow::owner_report;
    s.report_id = t.in.from + ":" +
                  (t.in.message_id.empty() ? std::to_string(t.ctx.now.time_since_epoch().count())
                                           : t.in.message_id);
    s.revision = 1;
    if (is_valid_mobile(t.ctx.profile.phone)) s.draft.phone = t.ctx.profile.phone;
}

void start_report(Turn& t) {
    begin_report(t);
    prompt(t, ReportStep::address);
}

void start_report_with(Turn& t, const Said& said, const EmergencyRule* danger) {
    auto& s = t.session;
    begin_report(t);
    auto fill = extract_slots(said.normalized, t.catalog(), said.raw);
    // The words' own reading picked a danger danger_in ruled out (over, not noticed): read them
    // as danger_in did, without that danger's words (its emergency is `danger`; classify gives
    // the danger's type when no type word is left).
    if (danger && fill.fault.emergency != danger)
        fill.fault = reading_of_dangers_there(t, said.normalized);
    // "3栋502 卫生间顶上有个东西一直嗡嗡响": the type is asked, the words are kept.
    const bool account = fill.address && !fill.fault.matched() && tells_the_fault(t, fill);
    apply_fill(t, fill, {.take_description = account});
    if (s.draft.address || !s.draft.fault_type.empty()) t.say(TextId::noted);
    if (!s.draft.address && fill.address) {
        t.say(TextId::address_incomplete);
        s.step = ReportStep::address;
        return;
    }
    advance(t);
}

namespace {

// Whether the emergency word at [pos, pos + len) of `normalized` speaks of a danger that is absent
// or over: a "did not notice" just before it in its clause, or a "fixed, gone" after it in its
// clause that is not itself denied or asked (还没修好, 没能解决, 解决不了, 好了吗, 修好了没).
// (negated() rules out the word right before it: 没有漏电.) Clauses end at punctuation (normalize
// folds ，。！？；： to ASCII), spaces, '~' and the ellipsis.
bool absent_or_over(std::string_view normalized, std::size_t pos, std::size_t len) {
    static constexpr std::string_view kBreaks = ",.!?;:~ ";
    static constexpr std::array<std::string_view, 7> kNotNoticed = {
        "没有闻到", "没闻到", "没有发现", "没发现", "没有再", "没再", "不再"};
    static constexpr std::array<std::string_view, 9> kOver = {
        "修好", "解决", "没有了", "没了", "消失", "好了", "排除", "停了", "不漏了"};
    // Before the over-word: it did not, could not happen (还没修好, 没能解决, 无法排除).
    static constexpr std::array<std::string_view, 9> kDenied = {
        "没", "未", "不", "没有", "没能", "未能", "不能", "无法", "没法"};
    // After it (an optional 了 first): asked or denied (好了吗, 修好了没, 解决不了).
    static constexpr std::array<std::string_view, 4> kAskedAfter = {"吗", "没", "不了", "不好"};
    std::string text(normalized);
    for (auto at = text.find("…"); at != std::string::npos; at = text.find("…", at))
        text.replace(at, std::string_view("…").size(), "...");  // same length: positions hold
    const std::string_view n = text;
    const auto from = pos == 0 ? std::string_view::npos : n.find_last_of(kBreaks, pos - 1);
    const auto begin = from == std::string_view::npos ? 0 : from + 1;
    const auto before = n.substr(begin, pos - begin);
    const auto end = std::min(n.find_first_of(kBreaks, pos + len), n.size());
    const auto after = n.substr(pos + len, end - pos - len);
    for (auto w : kNotNoticed)
        if (before.find(w) != std::string_view::npos) return true;
    for (auto w : kOver) {
        for (auto at = after.find(w); at != std::string_view::npos; at = after.find(w, at + 1)) {
            const auto ahead = after.substr(0, at);
            const bool denied = std::any_of(kDenied.begin(), kDenied.end(),
                                            [&](std::string_view d) { return ahead.ends_with(d); });
            auto rest = after.substr(at + w.size());
            if (rest.starts_with("了") && !w.ends_with("了"))
                rest.remove_prefix(std::string_view("了").size());
            const bool asked = std::any_of(kAskedAfter.begin(), kAskedAfter.end(),
                                           [&](std::string_view a) { return rest.starts_with(a); });
            if (!denied && !asked) return true;
        }
    }
    return false;
}

}  // namespace

Classification reading_of_dangers_there(const Turn& t, std::string_view normalized) {
    auto hits = t.catalog().scan(normalized);
    std::vector<std::pair<std::size_t, std::size_t>> over;  // [pos, end) of the dangers ruled out
    std::erase_if(hits, [&](const KeywordHit& h) {
        if (h.kind != KeywordHit::Kind::emergency || !absent_or_over(normalized, h.pos, h.length))
            return false;
        over.emplace_back(h.pos, h.pos + h.length);
        return true;
    });
    // A type word inside one of those (燃气 of 燃气味没有了) names the danger ruled out too.
    std::erase_if(hits, [&](const KeywordHit& h) {
        return h.kind == KeywordHit::Kind::fault_type &&
               std::any_of(over.begin(), over.end(), [&](const auto& o) {
                   return h.pos < o.second && o.first < h.pos + h.length;
               });
    });
    // The classifier picks among the words left (negation, longest wins), as for a report.
    return classify(normalized, t.catalog(), hits);
}

const EmergencyRule* danger_in(const Turn& t, std::string_view words) {
    return reading_of_dangers_there(t, text::normalize(words)).emergency;
}

bool just_submitted(const Turn& t) {
    const auto& s = t.session;
    return !s.last_ticket_key.empty() &&
           t.ctx.now - s.last_ticket_at < t.ctx.limits.session_idle_timeout;
}

void ask_what_to_cancel(Turn& t) {
    t.session.misses = 0;
    t.effects.emplace_back(CancelTicket{});
    t.say(TextId::cancel_lookup);
}

bool cancel_named_ticket(Turn& t, const Said& said) {
    if (t.is_technician()) return false;
    auto number = ticket_number_in(said.normalized);
    if (number.empty()) return false;
    // Nothing but the order: the number taken out, then polite words around one cancel phrase.
    std::string without = said.normalized;
    std::string lower = number;
    for (auto& c : lower)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const auto at = without.find(lower);
    if (at == std::string::npos) return false;
    without.erase(at, lower.size());
    const std::string rest = text::compact(without);
    std::string_view r = rest;
    for (std::string_view lead : {"麻烦帮我", "麻烦", "帮我", "我要", "我想", "请"})
        if (r.starts_with(lead)) {
            r.remove_prefix(lead.size());
            break;
        }
    for (std::string_view tail : {"谢谢", "吧"})
        if (r.ends_with(tail)) {
            r.remove_suffix(tail.size());
            break;
        }
    static constexpr std::array<std::string_view, 12> kOrders = {
        "取消",     "撤销",     "不修了",   "不用修了", "不要修了", "取消报修",
        "取消工单", "取消订单", "撤销报修", "撤销工单", "报修取消", "工单取消"};
    if (std::find(kOrders.begin(), kOrders.end(), r) == kOrders.end()) return false;
    auto& s = t.session;
    s.misses = 0;
    s.last_ticket_key.clear();
    s.last_emergency.clear();
    s.last_emergency_address.clear();
    t.say(TextId::cancel_requested, {{"ticket", number}});
    t.effects.emplace_back(CancelTicket{std::move(number)});
    return true;
}

bool correction_just_after_report(Turn& t, const Said& said, bool question_waits) {
    if (t.is_technician() || !just_submitted(t) || !correction_of(said.compact)) return false;
    const auto fill = extract_slots(said.normalized, t.catalog());
    if (fill.fault.emergency) return false;
    // With a question of another ticket waiting, only a correction that gives an address or a
    // phone, or names the address or the phone as wrong, is one: "不对，问题还在" and "时间不对，
    // 说好上午来的" answer the question (修好了吗, the comment) as well as they correct anything.
    if (question_waits && !fill.address && !fill.phone) {
        const auto slot = correction_of(said.compact);
        if (is_bare_correction(said.compact) ||
            (slot != ReportStep::address && slot != ReportStep::phone))
            return false;
    }
    t.session.misses = 0;
    std::string words(text::trim_original(said.raw));
    t.effects.emplace_back(HandToHuman{HandOffReason::correction, {}, words});
    t.say(TextId::correction_handed, {{"words", words}});
    return true;
}

namespace {

// Whether `danger`, said at `address` (none named: nullopt), is the emergency filed from this chat
// just now: the same kind, at no address or the very one it was filed at.
bool repeats_last_emergency(const Turn& t, const EmergencyRule* danger,
                            const std::optional<AddressMatch>& address) {
    const auto& s = t.session;
    if (t.is_technician() || !danger || s.last_emergency.empty() || !just_submitted(t) ||
        danger->kind != s.last_emergency) {
        return false;
    }
    return !address || (address->complete && display(address->address) == s.last_emergency_address);
}

void tell_emergency_again(Turn& t, const EmergencyRule& danger, std::string_view raw) {
    t.session.misses = 0;
    std::string words(text::trim_original(raw));
    t.effects.emplace_back(HandToHuman{HandOffReason::update, {}, words});
    t.say_text(danger.advice);
    t.say(TextId::emergency_already_filed, {{"address", t.session.last_emergency_address}});
}

}  // namespace

bool same_emergency_again(Turn& t, const Said& said, const SlotFill& fill) {
    if (!repeats_last_emergency(t, fill.fault.emergency, fill.address)) return false;
    tell_emergency_again(t, *fill.fault.emergency, said.raw);
    return true;
}

DangerTaken report_danger(Turn& t, std::string_view words) {
    const auto* danger = danger_in(t, words);
    if (!danger) return DangerTaken::none;
    if (repeats_last_emergency(t, danger,
                               extract_slots(text::normalize(words), t.catalog()).address)) {
        tell_emergency_again(t, *danger, words);
        return DangerTaken::human;
    }
    if (t.session.report_id.empty()) {
        start_report_with(t, hear(words), danger);
        return DangerTaken::report;
    }
    t.say_text(danger->advice);
    t.effects.emplace_back(HandToHuman{HandOffReason::danger, draft_summary(t),
                                       std::string(text::trim_original(words))});
    t.say(TextId::danger_handed_to_human);
    return DangerTaken::human;
}

DangerTaken complain(Turn& t, const Said& said, const Command& cmd) {
    auto complaint = complaint_effect(t.catalog(), said.raw, cmd);
    const std::string words = complaint.text;
    t.effects.emplace_back(std::move(complaint));
    t.say(TextId::complaint_filed);
    return report_danger(t, words);
}

void report_on_text(Turn& t, const Said& said) {
    if (auto cmd = parse_command(said.compact)) {
        on_command(t, said, *cmd);
        return;
    }
    // "地址错了，是3栋102", "不对，是6栋101" while another question is asked: the whole address
    // given replaces the one taken (other slots' values replace theirs anyway; at the address
    // step and the summary a new address is read as such).
    const auto step = t.session.step;
    if (step != ReportStep::address && step != ReportStep::confirm && step != ReportStep::resume &&
        correction_of(said.compact) == ReportStep::address) {
        auto fill = extract_slots(said.normalized, t.catalog(), said.raw);
        if (fill.address && fill.address->complete) {
            if (apply_fill(t, fill, {.replace_address = true})) t.say(TextId::noted);
            advance(t);
            return;
        }
    }
    switch (step) {
        case ReportStep::address:
            on_address(t, said);
            return;
        case ReportStep::fault_type:
            on_fault_type(t, said);
            return;
        case ReportStep::description:
            on_description(t, said);
            return;
        case ReportStep::photos:
            on_photos_text(t, said);
            return;
        case ReportStep::phone:
            on_phone(t, said);
            return;
        case ReportStep::preferred_time:
            on_time(t, said);
            return;
        case ReportStep::confirm:
            on_confirm(t, said);
            return;
        case ReportStep::resume:
            on_resume(t, said);
            return;
    }
}

void report_on_image(Turn& t, const ImageMessage& image) {
    auto& s = t.session;
    auto& d = s.draft;
    continue_if_resuming(t);
    std::string max = std::to_string(t.ctx.limits.max_photos);
    bool duplicate = std::any_of(d.photos.begin(), d.photos.end(),
                                 [&](const Photo& p) { return p.media_id == image.media_id; });
    if (duplicate) {
        std::string count = std::to_string(d.photos.size());
        t.say(TextId::photo_duplicate, {{"count", count}});
    } else if (d.photos.size() >= t.ctx.limits.max_photos) {
        t.say(TextId::photo_limit, {{"max", max}});
    } else {
        d.photos.push_back(Photo{image.media_id, image.pic_url});
        changed(t);
        s.misses = 0;
        std::string count = std::to_string(d.photos.size());
        t.say(TextId::photo_received, {{"count", count}, {"max", max}});
    }
    if (s.step == ReportStep::photos) {
        if (d.photos.size() >= t.ctx.limits.max_photos) {
            d.photos_done = true;
            advance(t);
        } else {
            t.say(TextId::photos_more);
        }
        return;
    }
    prompt(t, s.step);
}

void report_on_location(Turn& t, const LocationMessage& location) {
    auto& s = t.session;
    continue_if_resuming(t);
    Address a;
    std::string label = text::normalize(location.label);
    if (auto m = find_address(label, t.catalog()); m && m->complete) a = m->address;
    a.label = location.label;
    a.location = GeoPoint{location.latitude, location.longitude};
    s.draft.address = std::move(a);
    changed(t);
    if (s.step == ReportStep::address || s.step == ReportStep::confirm) {
        advance(t);
        return;
    }
    t.say(TextId::location_received);
    prompt(t, s.step);
}

void report_expired(Turn& t, const Said& held) {
    auto& s = t.session;
    s.step = ReportStep::resume;
    s.held_text = held.raw;
    s.misses = 0;
    prompt(t, ReportStep::resume);
}

void prompt_current(Turn& t) {
    prompt(t, t.session.step);
}

std::string draft_summary(const Turn& t) {
    const auto& s = t.session;
    if (s.flow != Flow::owner_report) return {};
    const auto& d = s.draft;
    if (!d.address && d.fault_type.empty() && d.description.empty() && d.photos.empty()) return {};
    return summary(t);
}

}  // namespace repairbot::dialog
