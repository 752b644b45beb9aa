#include "bot/stats.h"

#include "bot/cli_support.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <utility>

namespace repairbot::bot {
namespace {

namespace chr = std::chrono;
using store::Timestamp;

class StatsCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "repairbot.stats"; }
    std::string message(int value) const override {
        switch (static_cast<StatsErrc>(value)) {
            case StatsErrc::bad_month: return "the month must be YYYY-MM, e.g. 2026-11";
            case StatsErrc::bad_date:
                return "a date must be YYYY-MM-DD naming a real day, e.g. 2026-11-01";
            case StatsErrc::empty_range:
                return "the end date (not included) must be after the start date";
            case StatsErrc::range_too_long: return "the range is longer than 366 days";
            case StatsErrc::missing_range:
                return "name a month (YYYY-MM) or a start and an end date (YYYY-MM-DD)";
            case StatsErrc::conflicting_range:
                return "give either a month or a start and end date, not both";
        }
        return "unknown stats error";
    }
};

// Reads exactly `text.size()` ASCII digits; nullopt otherwise.
std::optional<int> digits(std::string_view text) {
    if (text.empty()) return std::nullopt;
    int v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

std::string quoted(std::string_view text) {
    // Echo at most a short prefix of untrusted input into operators' messages.
    return "got \"" + std::string(text.substr(0, 32)) + (text.size() > 32 ? "...\"" : "\"");
}

std::optional<chr::year_month_day> parse_day(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    auto y = digits(text.substr(0, 4)), m = digits(text.substr(5, 2)), d = digits(text.substr(8, 2));
    if (!y || !m || !d || *y < 2000 || *y > 2999) return std::nullopt;
    chr::year_month_day day{chr::year{*y}, chr::month{static_cast<unsigned>(*m)},
                            chr::day{static_cast<unsigned>(*d)}};
    if (!day.ok()) return std::nullopt;
    return day;
}

Timestamp local_midnight_utc(const chr::year_month_day& day) {
    return chr::time_point_cast<chr::milliseconds>(chr::sys_days{day} - store::desk_utc_offset);
}

chr::sys_seconds floor_seconds(Timestamp t) { return chr::floor<chr::seconds>(t); }

std::optional<double> ratio(std::size_t num, std::size_t den) {
    if (den == 0) return std::nullopt;
    return static_cast<double>(num) / static_cast<double>(den);
}

std::optional<double> mean(const std::vector<double>& v) {
    if (v.empty()) return std::nullopt;
    double sum = 0;
    for (double x : v) sum += x;
    return sum / static_cast<double>(v.size());
}

std::size_t stage_index(dialog::Stage s) {
    for (std::size_t i = 0; i < figure_stages.size(); ++i)
        if (figure_stages[i] == s) return i;
    return figure_stages.size();
}

void add_ticket(Figures& f, const store::StatsTicketRow& t, Timestamp cutoff) {
    ++f.tickets;
    const auto stopped = stopped_at(t);
    for (std::size_t i = 0; i < figure_stages.size(); ++i) {
        auto v = stage_verdict(stage_facts(t, figure_stages[i]), cutoff, stopped);
        if (!v) continue;
        if (*v == dialog::Verdict::on_time) ++f.stages[i].on_time;
        else ++f.stages[i].late;
    }
    // A visit the owner booked waited for the owner's time, not the desk's: its stages count in
    // the rates, its minutes would only measure the booking.
    if (t.arrive.met && *t.arrive.met < cutoff && !t.booked_visit)
        f.minutes_to_arrive.push_back(minutes_between(t.received_at, *t.arrive.met));
    if (t.finish.met && *t.finish.met < cutoff && !t.booked_visit)
        f.minutes_to_finish.push_back(minutes_between(t.received_at, *t.finish.met));
    if (t.reopen_count >= 1) ++f.reopened;
    if (t.rating_score) {
        ++f.rated;
        if (*t.rating_score >= 4) ++f.satisfied;
    }
}

// The ticket as its current technician's figures count it: an acceptance deadline they let pass
// is late whatever the recorded verdict (which may be an earlier technician's acceptance, before
// a hand-over); when only someone else let one pass (and the job was re-dispatched), the recorded
// verdict is theirs, and this technician is judged on the deadline they were given.
store::StatsTicketRow as_current_technicians(store::StatsTicketRow t) {
    const bool missed_by_current =
        std::any_of(t.missed_accepts.begin(), t.missed_accepts.end(),
                    [&](const store::StatsMissedAccept& m) { return t.technician_id == m.technician_id; });
    if (missed_by_current)
        t.accept.late = true;
    else if (let_pass_by_another(t))
        t.accept.late.reset();
    return t;
}

void add_callback(Figures& f, const store::StatsCallbackRow& cb, Timestamp cutoff) {
    ++f.callbacks_due;
    if (cb.done_at && *cb.done_at < cutoff) ++f.callbacks_done;
}

void finish_figures(Figures& f) {
    std::sort(f.minutes_to_arrive.begin(), f.minutes_to_arrive.end());
    std::sort(f.minutes_to_finish.begin(), f.minutes_to_finish.end());
}

std::vector<GroupFigures> to_groups(std::map<std::string, Figures>& by_key) {
    std::vector<GroupFigures> out;
    for (auto& [key, f] : by_key) {
        finish_figures(f);
        out.push_back({key, std::nullopt, std::move(f)});
    }
    return out;
}

// ---- presentation ----

template <class T>
nlohmann::ordered_json nullable(const std::optional<T>& v) {
    if (!v) return nullptr;
    return *v;
}

void put_figures(nlohmann::ordered_json& j, const Figures& f) {
    j["tickets"] = f.tickets;
    nlohmann::ordered_json rates = nlohmann::ordered_json::object();
    for (auto s : figure_stages) rates[std::string(dialog::to_string(s))] = nullable(f.on_time_rate(s));
    j["on_time_rate"] = std::move(rates);
    j["satisfaction_rate"] = nullable(f.satisfaction_rate());
    j["reopen_rate"] = nullable(f.reopen_rate());
    j["callback_completion_rate"] = nullable(f.callback_completion_rate());
    j["mean_minutes_to_arrive"] = nullable(f.mean_minutes_to_arrive());
    j["p90_minutes_to_arrive"] = nullable(f.p90_minutes_to_arrive());
    j["mean_minutes_to_finish"] = nullable(f.mean_minutes_to_finish());
    j["p90_minutes_to_finish"] = nullable(f.p90_minutes_to_finish());
}

std::vector<std::optional<double>> figure_values(const Figures& f) {
    std::vector<std::optional<double>> v;
    for (auto s : figure_stages) v.push_back(f.on_time_rate(s));
    v.push_back(f.satisfaction_rate());
    v.push_back(f.reopen_rate());
    v.push_back(f.callback_completion_rate());
    v.push_back(f.mean_minutes_to_arrive());
    v.push_back(f.p90_minutes_to_arrive());
    v.push_back(f.mean_minutes_to_finish());
    v.push_back(f.p90_minutes_to_finish());
    return v;
}

void csv_row(std::string& out, std::string_view scope, std::string_view key,
             std::optional<std::uint64_t> technician_id, const Figures& f) {
    out += csv_cell(scope);
    out += ',';
    out += csv_cell(key);
    out += ',';
    if (technician_id) out += std::to_string(*technician_id);
    out += ',';
    out += std::to_string(f.tickets);
    for (const auto& v : figure_values(f)) {
        out += ',';
        if (v) out += format_number(*v);
    }
    out += "\r\n";
}

std::string pad(std::string_view s, std::size_t width, bool right) {
    std::size_t w = display_width(s);
    std::string fill(w < width ? width - w : 0, ' ');
    return right ? fill + std::string(s) : std::string(s) + fill;
}

std::vector<std::string> table_cells(const std::string& label, const Figures& f) {
    std::vector<std::string> cells{label, std::to_string(f.tickets)};
    auto values = figure_values(f);
    for (std::size_t i = 0; i < values.size(); ++i) {
        const bool is_rate = i < 7;  // four stages, satisfaction, reopen, callbacks
        if (!values[i]) cells.push_back("-");
        else cells.push_back(is_rate ? one_decimal(*values[i] * 100.0) + "%" : one_decimal(*values[i]));
    }
    return cells;
}

void table_section(std::string& out, const std::string& title,
                   const std::vector<std::vector<std::string>>& rows) {
    static const std::vector<std::string> headings{
        "工单", "派单及时率", "接单及时率", "到场及时率", "完工及时率", "满意率", "返修率",
        "回访完成率", "平均到场(分)", "P90到场(分)", "平均完工(分)", "P90完工(分)"};
    std::vector<std::string> head{title};
    head.insert(head.end(), headings.begin(), headings.end());
    std::vector<std::size_t> widths(head.size(), 0);
    for (std::size_t c = 0; c < head.size(); ++c) widths[c] = display_width(head[c]);
    for (const auto& r : rows)
        for (std::size_t c = 0; c < r.size(); ++c) widths[c] = std::max(widths[c], display_width(r[c]));
    auto line = [&](const std::vector<std::string>& cells) {
        std::string l;
        for (std::size_t c = 0; c < cells.size(); ++c) {
            if (c) l += "  ";
            l += pad(cells[c], widths[c], c != 0);
        }
        while (!l.empty() && l.back() == ' ') l.pop_back();
        out += l + "\n";
    };
    line(head);
    std::size_t total = 0;
    for (auto w : widths) total += w;
    out += std::string(total + 2 * (widths.size() - 1), '-') + "\n";
    for (const auto& r : rows) line(r);
    out += "\n";
}

}  // namespace

double minutes_between(Timestamp from, Timestamp to) {
    return static_cast<double>((to - from).count()) / 60000.0;
}

std::string format_number(double v) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    if (ec != std::errc{}) return "";
    return std::string(buf, end);
}

std::string one_decimal(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::optional<Timestamp> stopped_at(const store::StatsTicketRow& t) {
    if (!t.cancelled_at) return t.closed_at;
    if (!t.closed_at) return t.cancelled_at;
    return std::min(*t.cancelled_at, *t.closed_at);
}

const store::StatsStageFacts& stage_facts(const store::StatsTicketRow& t, dialog::Stage s) {
    switch (s) {
        case dialog::Stage::dispatch: return t.dispatch;
        case dialog::Stage::accept: return t.accept;
        case dialog::Stage::arrive: return t.arrive;
        default: return t.finish;
    }
}

std::string csv_cell(std::string_view s) {
    std::string cell(s);
    if (!cell.empty() && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@' ||
                          cell[0] == '\t' || cell[0] == '\r'))
        cell.insert(cell.begin(), '\'');
    if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
    std::string out = "\"";
    for (char c : cell) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string local_minute_text(Timestamp t) {
    auto local = chr::floor<chr::minutes>(t + store::desk_utc_offset);
    auto day = chr::floor<chr::days>(local);
    chr::hh_mm_ss hms{local - day};
    char buf[16];
    std::snprintf(buf, sizeof buf, " %02d:%02d", static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()));
    return to_string(chr::year_month_day{day}) + buf;
}

std::string report_heading(std::string_view title, const StatsRange& range, Timestamp as_of) {
    auto last_day = chr::year_month_day{chr::sys_days{range.to} - chr::days{1}};
    return std::string(title) + " " + to_string(range.from) + " 至 " + to_string(last_day) +
           "（UTC+8，截至 " + local_minute_text(as_of) + "）\n\n";
}

const std::error_category& stats_category() noexcept {
    static const StatsCategory instance;
    return instance;
}

Timestamp StatsRange::utc_from() const { return local_midnight_utc(from); }
Timestamp StatsRange::utc_to() const { return local_midnight_utc(to); }

Result<StatsRange> parse_month(std::string_view text) {
    if (text.size() == 7 && text[4] == '-') {
        auto y = digits(text.substr(0, 4)), m = digits(text.substr(5, 2));
        if (y && m && *y >= 2000 && *y <= 2999 && *m >= 1 && *m <= 12) {
            chr::year_month ym{chr::year{*y}, chr::month{static_cast<unsigned>(*m)}};
            auto next = ym + chr::months{1};
            return StatsRange{ym / 1, next / 1};
        }
    }
    return Error{StatsErrc::bad_month, quoted(text)};
}

Result<StatsRange> parse_date_range(std::string_view from, std::string_view to) {
    auto f = parse_day(from);
    if (!f) return Error{StatsErrc::bad_date, "from: " + quoted(from)};
    auto t = parse_day(to);
    if (!t) return Error{StatsErrc::bad_date, "to: " + quoted(to)};
    auto days = (chr::sys_days{*t} - chr::sys_days{*f}).count();
    if (days <= 0) return Error{StatsErrc::empty_range, to_string(*f) + " to " + to_string(*t)};
    if (days > max_stats_days)
        return Error{StatsErrc::range_too_long, std::to_string(days) + " days"};
    return StatsRange{*f, *t};
}

Result<StatsRange> parse_stats_range(std::optional<std::string_view> month,
                                     std::optional<std::string_view> from,
                                     std::optional<std::string_view> to) {
    if (month && (from || to)) return Error{StatsErrc::conflicting_range, {}};
    if (month) return parse_month(*month);
    if (!from || !to) return Error{StatsErrc::missing_range, from ? "no end date" : to ? "no start date" : ""};
    return parse_date_range(*from, *to);
}

Timestamp stats_cutoff(const StatsRange& range, Timestamp now) {
    return std::min(range.utc_to(), now);
}

store::StatsWindow stats_window(const StatsRange& range, Timestamp now) {
    return {range.utc_from(), range.utc_to(), stats_cutoff(range, now)};
}

std::optional<dialog::Verdict> stage_verdict(const store::StatsStageFacts& stage,
                                             Timestamp cutoff,
                                             std::optional<Timestamp> stopped_at) {
    if (!stage.due && !stage.late) return std::nullopt;
    const bool met = stage.met && *stage.met < cutoff;
    bool ran_out = false;
    if (!met && stage.due) {
        // An unmet stage is late from due + 1 s (dialog::breach_at); the clock stops at the
        // cutoff, or earlier when the ticket was cancelled or closed.
        const Timestamp clock_end = stopped_at ? std::min(cutoff, *stopped_at) : cutoff;
        ran_out = floor_seconds(*stage.due) + chr::seconds{1} < clock_end;
    }
    if (!met && !ran_out) return std::nullopt;
    if (stage.late) return *stage.late ? dialog::Verdict::late : dialog::Verdict::on_time;
    if (met) {
        return floor_seconds(*stage.met) <= floor_seconds(*stage.due) ? dialog::Verdict::on_time
                                                                     : dialog::Verdict::late;
    }
    return dialog::Verdict::late;
}

std::optional<double> nearest_rank_percentile(const std::vector<double>& sorted, int p) {
    if (sorted.empty() || p < 1 || p > 100) return std::nullopt;
    // ceil(p·n / 100) in integers, so 0.9·10 is exactly rank 9.
    const std::size_t n = sorted.size();
    const std::size_t rank = (static_cast<std::size_t>(p) * n + 99) / 100;
    return sorted[std::max<std::size_t>(rank, 1) - 1];
}

std::optional<double> Figures::on_time_rate(dialog::Stage s) const {
    auto i = stage_index(s);
    if (i >= stages.size()) return std::nullopt;
    return ratio(stages[i].on_time, stages[i].on_time + stages[i].late);
}
std::optional<double> Figures::satisfaction_rate() const { return ratio(satisfied, rated); }
std::optional<double> Figures::reopen_rate() const { return ratio(reopened, tickets); }
bool let_pass_by_another(const store::StatsTicketRow& t) {
    return std::any_of(
        t.missed_accepts.begin(), t.missed_accepts.end(),
        [&](const store::StatsMissedAccept& m) { return m.technician_id != t.technician_id; });
}

std::optional<double> Figures::callback_completion_rate() const {
    return ratio(callbacks_done, callbacks_due);
}
std::optional<double> Figures::mean_minutes_to_arrive() const { return mean(minutes_to_arrive); }
std::optional<double> Figures::p90_minutes_to_arrive() const {
    return nearest_rank_percentile(minutes_to_arrive, 90);
}
std::optional<double> Figures::mean_minutes_to_finish() const { return mean(minutes_to_finish); }
std::optional<double> Figures::p90_minutes_to_finish() const {
    return nearest_rank_percentile(minutes_to_finish, 90);
}

StatsReport compute_stats(const StatsRange& range, Timestamp now, const store::StatsRows& rows) {
    StatsReport report;
    report.range = range;
    report.as_of = stats_cutoff(range, now);
    const Timestamp from = range.utc_from(), to = range.utc_to(), cutoff = report.as_of;

    std::map<std::string, Figures> by_fault, by_building;
    std::map<std::optional<std::uint64_t>, GroupFigures> by_tech;
    auto tech_group = [&by_tech](std::optional<std::uint64_t> id,
                                 const std::string& name) -> Figures& {
        auto [it, fresh] = by_tech.try_emplace(id);
        if (fresh) {
            it->second.key = id ? name : std::string{};
            it->second.technician_id = id;
        }
        return it->second.figures;
    };

    for (const auto& t : rows.tickets) {
        // A ticket received at or after the cutoff did not exist yet (only a skewed clock or a
        // test's fixed `now` can show one).
        if (t.received_at < from || t.received_at >= to || t.received_at >= cutoff) continue;
        add_ticket(report.overall, t, cutoff);
        add_ticket(by_fault[t.fault_type], t, cutoff);
        add_ticket(by_building[t.building], t, cutoff);
        add_ticket(tech_group(t.technician_id, t.technician_name), as_current_technicians(t), cutoff);
        // Each acceptance another technician let pass is a late acceptance of theirs.
        constexpr std::size_t accept = 1;
        static_assert(figure_stages[accept] == dialog::Stage::accept);
        for (const auto& m : t.missed_accepts)
            if (t.technician_id != m.technician_id) ++tech_group(m.technician_id, m.technician_name).stages[accept].late;
    }
    for (const auto& cb : rows.callbacks) {
        if (cb.due_at < from || cb.due_at >= to) continue;
        if (cb.due_at >= cutoff && !(cb.done_at && *cb.done_at < cutoff)) continue;
        add_callback(report.overall, cb, cutoff);
        if (!cb.ticket_id) continue;
        add_callback(by_fault[cb.fault_type], cb, cutoff);
        add_callback(by_building[cb.building], cb, cutoff);
        add_callback(tech_group(cb.technician_id, cb.technician_name), cb, cutoff);
    }

    finish_figures(report.overall);
    report.by_fault_type = to_groups(by_fault);
    report.by_building = to_groups(by_building);
    for (auto& [id, g] : by_tech) {
        finish_figures(g.figures);
        report.by_technician.push_back(std::move(g));
    }
    std::sort(report.by_technician.begin(), report.by_technician.end(),
              [](const GroupFigures& a, const GroupFigures& b) {
                  if (a.technician_id.has_value() != b.technician_id.has_value())
                      return a.technician_id.has_value();  // the unassigned group last
                  return std::tie(a.key, a.technician_id) < std::tie(b.key, b.technician_id);
              });
    return report;
}

std::string to_string(const chr::year_month_day& day) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(day.year()),
                  static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
    return buf;
}

nlohmann::ordered_json to_json(const StatsReport& report) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    put_figures(j, report.overall);
    auto groups = [](const std::vector<GroupFigures>& list, const char* key_name) {
        nlohmann::ordered_json arr = nlohmann::ordered_json::array();
        for (const auto& g : list) {
            nlohmann::ordered_json e = nlohmann::ordered_json::object();
            if (std::string_view(key_name) == "technician") e["technician_id"] = nullable(g.technician_id);
            e[key_name] = g.key;
            put_figures(e, g.figures);
            arr.push_back(std::move(e));
        }
        return arr;
    };
    j["by_fault_type"] = groups(report.by_fault_type, "fault_type");
    j["by_building"] = groups(report.by_building, "building");
    j["by_technician"] = groups(report.by_technician, "technician");
    return j;
}

std::string to_csv(const StatsReport& report) {
    std::string out =
        "scope,key,technician_id,tickets,on_time_rate_dispatch,on_time_rate_accept,"
        "on_time_rate_arrive,on_time_rate_finish,satisfaction_rate,reopen_rate,"
        "callback_completion_rate,mean_minutes_to_arrive,p90_minutes_to_arrive,"
        "mean_minutes_to_finish,p90_minutes_to_finish\r\n";
    csv_row(out, "overall", "", std::nullopt, report.overall);
    for (const auto& g : report.by_fault_type) csv_row(out, "fault_type", g.key, std::nullopt, g.figures);
    for (const auto& g : report.by_building) csv_row(out, "building", g.key, std::nullopt, g.figures);
    for (const auto& g : report.by_technician)
        csv_row(out, "technician", g.key, g.technician_id, g.figures);
    return out;
}

std::string to_table(const StatsReport& report) {
    std::string out = report_heading("报修统计", report.range, report.as_of);
    table_section(out, "范围", {table_cells("全部", report.overall)});
    auto section = [&out](const std::string& title, const std::vector<GroupFigures>& list,
                          const std::string& empty_label) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& g : list)
            rows.push_back(table_cells(g.key.empty() ? empty_label : g.key, g.figures));
        table_section(out, title, rows);
    };
    section("故障类型", report.by_fault_type, "(未分类)");
    section("楼栋", report.by_building, "(无楼栋)");
    section("维修工", report.by_technician, "(未派单)");
    out +=
        "及时率 = 按时 ÷ 截至时已到期或已完成的环节；满意率 = 4-5 星 ÷ 已评价；"
        "返修率 = 返修过的工单 ÷ 工单；回访完成率 = 已完成 ÷ 到期回访；P90 为最近秩法。\n";
    return out;
}

}  // namespace repairbot::bot
