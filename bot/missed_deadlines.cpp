#include "bot/missed_deadlines.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "bot/admin_api.h"
#include "bot/breach_reasons.h"
#include "bot/cli_support.h"
#include "dialog/catalog.h"

namespace repairbot::bot {
namespace {

using store::Timestamp;

const char* stage_word(dialog::Stage s) {
    switch (s) {
        case dialog::Stage::dispatch: return "派单";
        case dialog::Stage::accept: return "接单";
        case dialog::Stage::quote: return "报价";
        case dialog::Stage::arrive: return "到场";
        case dialog::Stage::finish: break;
    }
    return "完工";
}

// What the table says of a stage not met by the cutoff (a closed ticket met every stage).
const char* not_met(const MissedDeadline& m) { return m.cancelled ? "已取消" : "未完成"; }

// A technician as the table names them: the name, else "#<id>".
std::string technician_label(const std::string& name, std::uint64_t id) {
    if (!name.empty()) return name;
    std::string out = "#";
    out += std::to_string(id);
    return out;
}

std::string let_pass_names(const MissedDeadline& m) {
    std::string out;
    for (const auto& who : m.let_pass) {
        if (!out.empty()) out += "、";
        out += technician_label(who.technician_name, who.technician_id);
    }
    return out;
}

bool raised_since(const MissedDeadline& m) {
    return !m.urgency_now.empty() && m.urgency_now != m.urgency;
}

// The urgency the row was judged in, "→" the one a reopen raised it to.
std::string urgency_label(const MissedDeadline& m) {
    std::string out = dialog::urgency_word(m.urgency);
    if (raised_since(m)) out += "→" + dialog::urgency_word(m.urgency_now);
    return out;
}

// The deadline, and the promised finish it was moved to after.
std::string deadline_cell(const MissedDeadline& m) {
    std::string out = m.due ? local_minute_text(*m.due) : "-";
    if (m.promised) out += "（改至 " + local_minute_text(*m.promised) + "）";
    return out;
}

}  // namespace

MissedReport missed_deadlines(const StatsRange& range, Timestamp now, const store::StatsRows& rows) {
    MissedReport report;
    report.range = range;
    report.as_of = stats_cutoff(range, now);
    const Timestamp from = range.utc_from(), to = range.utc_to(), cutoff = report.as_of;
    for (const auto& t : rows.tickets) {
        // The tickets compute_stats counts: received in the range, before the cutoff.
        if (t.received_at < from || t.received_at >= to || t.received_at >= cutoff) continue;
        const auto stopped = stopped_at(t);
        for (auto stage : figure_stages) {
            const auto& facts = stage_facts(t, stage);
            const auto verdict = stage_verdict(facts, cutoff, stopped);
            // A window someone other than the ticket's technician let pass counts in their
            // figures whatever the ticket's own acceptance comes to (compute_stats); listed
            // while that is not decided late (see the header). The ticket's own technician's
            // is judged with the ticket's acceptance.
            const bool let_pass_only = stage == dialog::Stage::accept &&
                                       verdict != dialog::Verdict::late && let_pass_by_another(t);
            if (verdict != dialog::Verdict::late && !let_pass_only) continue;
            MissedDeadline m;
            m.ticket_late = !let_pass_only;
            m.number = t.number;
            m.received_at = t.received_at;
            m.urgency = t.urgency;
            m.urgency_now = t.urgency_now;
            m.fault_type = t.fault_type;
            m.address = t.address;
            m.status = t.status;
            m.stage = stage;
            m.due = facts.due;
            if (auto why = t.breach_reasons.find(std::string(dialog::to_string(stage)));
                why != t.breach_reasons.end())
                m.reason = why->second;
            if (stage == dialog::Stage::finish && t.finish_due_now != facts.due)
                m.promised = t.finish_due_now;
            m.met = facts.met && *facts.met < cutoff ? facts.met : std::nullopt;
            m.cancelled = t.cancelled_at && *t.cancelled_at < cutoff;
            const Timestamp end = m.met ? *m.met : (stopped ? std::min(cutoff, *stopped) : cutoff);
            if (m.due && end > *m.due)
                m.minutes_late = minutes_between(*m.due, end);
            m.technician_id = t.technician_id;
            m.technician = t.technician_name;
            if (stage == dialog::Stage::accept) m.let_pass = t.missed_accepts;
            report.missed.push_back(std::move(m));
        }
    }
    return report;
}

nlohmann::ordered_json to_json(const MissedReport& report) {
    using J = nlohmann::ordered_json;
    J list = J::array();
    for (const auto& m : report.missed) {
        J let_pass = J::array();
        for (const auto& who : m.let_pass)
            let_pass.push_back(J{{"technician_id", who.technician_id}, {"technician", who.technician_name}});
        list.push_back(J{{"number", m.number},
                         {"received_at", iso_datetime(m.received_at)},
                         {"urgency", m.urgency},
                         {"urgency_now", m.urgency_now},
                         {"fault_type", m.fault_type},
                         {"address", m.address},
                         {"status", m.status},
                         {"stage", dialog::to_string(m.stage)},
                         {"due", time_or_null(m.due)},
                         {"met", time_or_null(m.met)},
                         {"minutes_late", m.minutes_late ? J(*m.minutes_late) : J(nullptr)},
                         {"technician_id", m.technician_id ? J(*m.technician_id) : J(nullptr)},
                         {"technician", m.technician},
                         {"let_pass", std::move(let_pass)},
                         {"ticket_late", m.ticket_late},
                         {"promised", time_or_null(m.promised)},
                         {"reason", m.reason}});
    }
    return J{{"from", to_string(report.range.from)},
             {"to", to_string(report.range.to)},
             {"as_of", iso_datetime(report.as_of)},
             {"count", report.missed.size()},
             {"missed", std::move(list)}};
}

std::string to_csv(const MissedReport& report) {
    std::string out =
        "number,received_at,urgency,fault_type,address,status,stage,due,met,minutes_late,"
        "technician_id,technician,let_pass_ids,let_pass_names,ticket_late,urgency_now,promised,"
        "reason\r\n";
    for (const auto& m : report.missed) {
        std::string ids, names;
        for (const auto& who : m.let_pass) {
            if (!ids.empty()) {
                ids += ';';
                names += ';';
            }
            ids += std::to_string(who.technician_id);
            names += who.technician_name;
        }
        const std::vector<std::string> cells{
            m.number,
            iso_datetime(m.received_at),
            m.urgency,
            m.fault_type,
            m.address,
            m.status,
            std::string(dialog::to_string(m.stage)),
            m.due ? iso_datetime(*m.due) : "",
            m.met ? iso_datetime(*m.met) : "",
            m.minutes_late ? format_number(*m.minutes_late) : "",
            m.technician_id ? std::to_string(*m.technician_id) : "",
            m.technician,
            ids,
            names,
            m.ticket_late ? "1" : "0",
            m.urgency_now,
            m.promised ? iso_datetime(*m.promised) : "",
            m.reason};
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (i) out += ',';
            out += csv_cell(cells[i]);
        }
        out += "\r\n";
    }
    return out;
}

std::string to_table(const MissedReport& report) {
    std::string out = report_heading("逾期明细", report.range, report.as_of);
    if (report.missed.empty()) return out + "无逾期。\n";
    std::vector<std::vector<std::string>> rows{{"工单", "紧急程度", "类型", "地址", "环节", "期限",
                                                "完成", "逾期(分)", "维修工", "超时未接单",
                                                "原因"}};
    bool starred = false, raised = false;
    for (const auto& m : report.missed) {
        starred = starred || !m.ticket_late;
        raised = raised || raised_since(m);
        rows.push_back({m.number, urgency_label(m), m.fault_type, m.address,
                        std::string(stage_word(m.stage)) + (m.ticket_late ? "" : "*"),
                        deadline_cell(m), m.met ? local_minute_text(*m.met) : not_met(m),
                        m.minutes_late ? one_decimal(*m.minutes_late) : "-",
                        m.technician_id ? technician_label(m.technician, *m.technician_id)
                                        : (m.technician.empty() ? "(未派单)" : m.technician),
                        m.let_pass.empty() ? "-" : let_pass_names(m),
                        std::string(breach_reason::words(m.reason))});
    }
    out += render_table(rows);
    out += "\n共 " + std::to_string(report.missed.size()) +
           " 项。完工期限为最初定的期限（逾期后新承诺的完工时间、返修后的期限见\"改至\"），"
           "接单期限为现行期限（改派会给新的时限）；逾期分钟按表中期限计，\"-\" 表示按原期限判定"
           "逾期；经过详见 repairbot ticket show 工单号。\n";
    if (raised)
        out +=
            "紧急程度\"甲→乙\"：返修时业主说有险情，工单升为乙；首次上门各环节按甲的时限判定"
            "（返修后按乙重算的完工期限见\"改至\"）。\n";
    if (starred)
        out +=
            "接单*：工单本身的接单未判逾期（改派后仍在等接单、已取消，或已有人按时接过单），"
            "列出是因为\"超时未接单\"栏的维修工让接单时限过了，计入其本人的逾期；其\"逾期(分)"
            "\"为\"-\"。\n";
    return out;
}

}  // namespace repairbot::bot
