#include "dialog/commands.h"

#include <algorithm>
#include <array>

#include "dialog/text.h"

namespace repairbot::dialog {
namespace {

template <std::size_t N>
bool one_of(std::string_view c, const std::array<std::string_view, N>& words) {
    for (auto w : words) {
        if (c == w) return true;
    }
    return false;
}

struct SlotWord {
    std::string_view word;
    ReportStep step;
};
constexpr std::array<SlotWord, 16> kSlotWords = {{
    {"地址", ReportStep::address},
    {"位置", ReportStep::address},
    {"房号", ReportStep::address},
    {"故障类型", ReportStep::fault_type},
    {"类型", ReportStep::fault_type},
    {"问题", ReportStep::description},
    {"描述", ReportStep::description},
    {"照片", ReportStep::photos},
    {"图片", ReportStep::photos},
    {"手机号", ReportStep::phone},
    {"电话", ReportStep::phone},
    {"手机", ReportStep::phone},
    {"号码", ReportStep::phone},
    {"预约时间", ReportStep::preferred_time},
    {"时间", ReportStep::preferred_time},
    {"上门时间", ReportStep::preferred_time},
}};

std::optional<ReportStep> slot_named(std::string_view w) {
    for (const auto& s : kSlotWords) {
        if (w == s.word) return s.step;
    }
    return std::nullopt;
}

// "修改地址", "改电话", "重填时间", "地址错了", "电话不对".
// Words that change a slot ("修改地址") or say it is wrong ("地址错了").
constexpr std::array<std::string_view, 6> kEditVerbs = {"修改", "更改",   "更正",
                                                        "重填", "改一下", "改"};
constexpr std::array<std::string_view, 4> kWrong = {"错了", "不对", "写错了", "有误"};

std::optional<Command> edit_command(std::string_view c) {
    for (auto v : kEditVerbs) {
        if (c.starts_with(v)) {
            auto rest = c.substr(v.size());
            if (rest.empty()) return Command{CommandKind::edit, std::nullopt, {}};
            if (rest.starts_with("一下")) rest.remove_prefix(std::string_view("一下").size());
            if (auto s = slot_named(rest)) return Command{CommandKind::edit, s, {}};
        }
    }
    for (auto w : kWrong) {
        if (c.ends_with(w)) {
            if (auto s = slot_named(c.substr(0, c.size() - w.size()))) {
                return Command{CommandKind::edit, s, {}};
            }
        }
    }
    return std::nullopt;
}

// "算了，不修了", "不用修了谢谢", "算了吧": nothing but ways of calling it off, one after
// another, with a 吧 / 谢谢 to close. Not "不用了" / "不需要了": at the photos step they mean
// no photos, not no repair.
bool only_cancel_words(std::string_view c) {
    static constexpr std::array<std::string_view, 11> kWords = {
        "取消报修", "取消", "不用修了", "不修了", "不报了", "算了",
        "撤销",     "谢谢", "吧",       "啦",     "了"};
    bool called_off = false;
    while (!c.empty()) {
        bool matched = false;
        for (auto w : kWords) {
            if (!c.starts_with(w)) continue;
            if (w != "谢谢" && w != "吧" && w != "啦" && w != "了") called_off = true;
            c.remove_prefix(w.size());
            matched = true;
            break;
        }
        if (!matched) return false;
    }
    return called_off;
}

}  // namespace

bool asks_progress(std::string_view c) {
    // About the person coming, not the supply ("水还没来" is a fault).
    static constexpr std::array<std::string_view, 17> kAsks = {
        "没人来",       "怎么还没人", "怎么还没来",   "还没来修", "还没上门", "师傅呢",
        "人呢",         "师傅还没",   "师傅什么时候", "师傅到哪", "师傅几点", "什么时候上门",
        "什么时候来修", "多久能到",   "到哪了",       "到哪里了", "维修的人"};
    for (auto w : kAsks)
        if (c.find(w) != std::string_view::npos) return true;
    return false;
}

bool calls_it_off(std::string_view c) {
    static constexpr std::array<std::string_view, 7> kCancel = {
        "取消", "取消报修", "不修了", "不报了", "算了", "cancel", "撤销"};
    return one_of(c, kCancel) || only_cancel_words(c);
}

// What follows a leading "不对", "搞错了", "写错了", "弄错了" or "错了" (not 不对劲: something is
// wrong, not a slip); nullopt when the message does not start so.
std::optional<std::string_view> after_bare_wrong(std::string_view c) {
    for (std::string_view w : {"不对", "搞错了", "写错了", "弄错了", "错了"}) {
        if (!c.starts_with(w)) continue;
        auto rest = c.substr(w.size());
        if (rest.starts_with("劲")) return std::nullopt;
        return rest;
    }
    return std::nullopt;
}

std::optional<ReportStep> correction_of(std::string_view c) {
    for (const auto& s : kSlotWords) {
        if (!c.starts_with(s.word)) continue;
        auto rest = c.substr(s.word.size());
        if (rest.starts_with("错")) return s.step;  // 错了, 错 …
        for (auto w : kWrong)
            if (rest.starts_with(w)) return s.step;
    }
    for (auto v : kEditVerbs) {
        if (!c.starts_with(v)) continue;
        auto rest = c.substr(v.size());
        if (rest.starts_with("一下")) rest.remove_prefix(std::string_view("一下").size());
        for (const auto& s : kSlotWords)
            if (rest.starts_with(s.word)) return s.step;
    }
    // "不对，是5栋502", "搞错了，地址是…": the slot is the one named next, else the address.
    if (auto rest = after_bare_wrong(c)) {
        for (const auto& s : kSlotWords)
            if (rest->find(s.word) != std::string_view::npos) return s.step;
        return ReportStep::address;
    }
    return std::nullopt;
}

bool is_bare_correction(std::string_view c) {
    auto rest = after_bare_wrong(c);
    return rest && std::none_of(kSlotWords.begin(), kSlotWords.end(), [&](const auto& s) {
               return rest->find(s.word) != std::string_view::npos;
           });
}

std::optional<Command> parse_command(std::string_view c) {
    static constexpr std::array<std::string_view, 7> kHelp = {"帮助", "help",     "怎么用", "菜单",
                                                              "说明", "使用说明", "功能"};
    static constexpr std::array<std::string_view, 4> kBack = {"返回", "上一步", "back", "退回"};
    static constexpr std::array<std::string_view, 7> kHuman = {
        "人工", "转人工", "人工客服", "客服", "找客服", "真人", "人工服务"};
    static constexpr std::array<std::string_view, 7> kProgress = {
        "进度", "查询", "查进度", "查询进度", "我的报修", "报修进度", "查询报修"};
    static constexpr std::array<std::string_view, 5> kReport = {"报修", "我要报修", "维修",
                                                                "我要维修", "新报修"};
    static constexpr std::array<std::string_view, 7> kRestart = {
        "重新开始", "重新报修", "重来", "重新", "从头开始", "重新填", "重新填写"};
    if (c.empty()) return std::nullopt;
    if (calls_it_off(c)) return Command{CommandKind::cancel, std::nullopt, {}};
    if (one_of(c, kHelp)) return Command{CommandKind::help, std::nullopt, {}};
    if (one_of(c, kBack)) return Command{CommandKind::back, std::nullopt, {}};
    if (one_of(c, kHuman)) return Command{CommandKind::human, std::nullopt, {}};
    if (one_of(c, kProgress)) return Command{CommandKind::progress, std::nullopt, {}};
    if (one_of(c, kReport)) return Command{CommandKind::report, std::nullopt, {}};
    if (one_of(c, kRestart)) return Command{CommandKind::restart, std::nullopt, {}};
    if (c.starts_with("投诉")) {
        return Command{CommandKind::complaint, std::nullopt,
                       std::string(c.substr(std::string_view("投诉").size()))};
    }
    return edit_command(c);
}

std::string complaint_words(std::string_view raw, const Command& cmd) {
    constexpr std::string_view keyword = "投诉";
    const auto at = raw.find(keyword);
    if (at == std::string_view::npos) return cmd.detail;
    return std::string(text::trim_original(raw.substr(at + keyword.size())));
}

FileComplaint complaint_effect(const FaultCatalog& catalog, std::string_view raw,
                               const Command& cmd) {
    auto words = complaint_words(raw, cmd);
    const bool serious = catalog.is_serious_complaint(words);
    return FileComplaint{std::move(words), serious};
}

bool is_confirm_word(std::string_view c) {
    static constexpr std::array<std::string_view, 16> kWords = {
        "确认", "确定", "确认提交", "提交",   "是", "是的", "对", "对的",
        "好",   "好的", "可以",     "没问题", "ok", "yes",  "y",  "没错"};
    return one_of(c, kWords);
}

bool is_photos_done_word(std::string_view c) {
    static constexpr std::array<std::string_view, 18> kWords = {
        "没有", "没",     "无",     "跳过",     "好了",   "好",     "完成",   "发完了", "没了",
        "不用", "不用了", "就这些", "没有照片", "不拍了", "可以了", "不需要", "ok",     "先不发"};
    return one_of(c, kWords);
}

bool is_continue_word(std::string_view c) {
    static constexpr std::array<std::string_view, 6> kWords = {"继续",   "接着", "继续报修",
                                                               "接着填", "1",    "好"};
    return one_of(c, kWords);
}

}  // namespace repairbot::dialog
