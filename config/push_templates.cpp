#include "config/push_templates.h"

#include <toml++/toml.h>

#include <algorithm>
#include <optional>

#include "dialog/texts.h"

namespace repairbot::config {

const PushTemplate& PushTemplates::for_event(const std::string& event) const {
    auto it = by_event_.find(event);
    if (it != by_event_.end()) return it->second;
    return by_event_.at("staff_notice");
}

const std::map<std::string, std::vector<std::string>>& push_event_fields() {
    static const std::map<std::string, std::vector<std::string>> fields{
        // Notes to the staff (bot/staff_notice.h), worded by [staff_notice] unless given a table.
        {"accepted_after_queue", {"text"}},
        {"callback_overdue", {"text"}},
        {"complaint", {"text"}},
        {"dispatch_queued", {"text"}},
        {"handover", {"text"}},
        {"handover_overdue", {"text"}},
        {"handover_settled", {"text"}},
        {"handover_enquiry_refused", {"text"}},
        {"queue_note", {"text"}},
        {"queue_note_late", {"text"}},
        {"quote_review", {"text"}},
        {"reopen_unassigned", {"text"}},
        {"reopened_twice", {"text"}},
        {"sla_escalation", {"text"}},
        // To owners and technicians.
        {"auto_closed", {"number", "text"}},
        {"finish_delayed", {"number", "reason", "promised", "text"}},
        {"job_accepted", {"number", "technician", "technician_phone", "arrive_by", "text"}},
        {"job_arrived", {"number", "technician", "text"}},
        {"job_assigned",
         {"number", "address", "fault_type", "urgency", "description", "phone", "accept_by",
          "arrive_by", "visit", "contact"}},
        {"job_done", {"number", "fee", "text"}},
        {"job_handed_over", {"number", "technician", "text"}},
        {"job_reassigned", {"number", "address", "text"}},
        {"job_amended", {"number", "address", "text"}},
        {"job_cancelled", {"number", "address", "text"}},
        {"job_reopened",
         {"number", "address", "fault_type", "urgency", "text", "reopen_count", "accept_by",
          "arrive_by"}},
        {"owner_reminder", {"number", "text"}},
        {"quote_agreed", {"number", "fee", "text"}},
        {"quote_approved", {"number", "fee", "text"}},
        {"quote_refused", {"number", "reason", "text"}},
        {"quote_rejected", {"number", "fee", "reason", "text"}},
        {"quote_request", {"number", "fee", "text"}},
        {"sla_warning", {"number", "stage", "due", "address", "text"}},
        {"staff_notice", {"text"}},
    };
    return fields;
}

namespace {

// The {names} `text` uses, as the outbox fills them: line by line (bot/outbox_sender.cpp
// fill_text), each line as dialog::placeholder_names reads it.
std::vector<std::string> placeholders(std::string_view text) {
    std::vector<std::string> out;
    for (std::size_t from = 0; from <= text.size();) {
        const auto eol = std::min(text.find('\n', from), text.size());
        for (auto name : dialog::placeholder_names(text.substr(from, eol - from)))
            out.emplace_back(name);
        from = eol + 1;
    }
    return out;
}

std::string joined(const std::vector<std::string>& names, const char* before, const char* after) {
    std::string out;
    for (const auto& n : names) {
        if (!out.empty()) out += ", ";
        out += before + n + after;
    }
    return out;
}

}  // namespace

Result<PushTemplates> load_push_templates(const std::filesystem::path& dir) {
    auto path = (dir / "push.toml").string();
    auto invalid = [&](const std::string& what) {
        return Error{std::make_error_code(std::errc::invalid_argument), path + ": " + what};
    };
    toml::table table;
    try {
        table = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        return Error{std::make_error_code(std::errc::invalid_argument),
                     path + ":" + std::to_string(e.source().begin.line) + ": " +
                         std::string(e.description()) + "; fix the TOML syntax"};
    }
    PushTemplates templates;
    for (const auto& [event, node] : table) {
        const auto* t = node.as_table();
        std::string name(event.str());
        if (!t) return invalid(name + " must be a table like [" + name + "]");
        const auto fields = push_event_fields().find(name);
        if (fields == push_event_fields().end()) {
            std::vector<std::string> events;
            for (const auto& [e, f] : push_event_fields()) events.push_back(e);
            return invalid("[" + name + "] is not an event the bot sends; word one of " +
                           joined(events, "", "") + " (or leave it to [staff_notice])");
        }
        // Every {name} the wording uses must be one the event's notification carries.
        auto check = [&](const std::string& key, const std::string& text) -> std::optional<Error> {
            for (const auto& p : placeholders(text)) {
                if (p == "event") continue;
                if (std::find(fields->second.begin(), fields->second.end(), p) !=
                    fields->second.end())
                    continue;
                return invalid(
                    name + "." + key + " names {" + p + "}, which " + name +
                    " notifications do not carry; use " + joined(fields->second, "{", "}") +
                    (name == "staff_notice" ? " (it words every event without a table of its own)"
                                            : ""));
            }
            return std::nullopt;
        };
        PushTemplate pt;
        for (const auto& [key, value] : *t) {
            std::string k(key.str());
            if (k == "data") {
                const auto* data = value.as_table();
                if (!data) return invalid(name + ".data must be a table of field = \"text\"");
                for (const auto& [field, text] : *data) {
                    const auto* s = text.as_string();
                    if (!s) return invalid(name + ".data." + std::string(field.str()) + " must be a string");
                    if (auto bad = check("data." + std::string(field.str()), s->get())) return *bad;
                    pt.data.emplace_back(std::string(field.str()), s->get());
                }
                continue;
            }
            const auto* s = value.as_string();
            if (!s) return invalid(name + "." + k + " must be a string");
            if (k == "template_id") pt.template_id = s->get();
            else if (k == "url") pt.url = s->get();
            else if (k == "text") {
                if (auto bad = check("text", s->get())) return *bad;
                pt.text = s->get();
            } else
                return invalid("unknown key " + name + "." + k +
                               "; use template_id, url, text or data");
        }
        if (pt.text.empty()) return invalid(name + ".text is missing; add the customer-service wording");
        if (pt.template_id.empty())
            return invalid(name + ".template_id is missing; copy it from the 模板消息 page");
        if (pt.data.empty()) return invalid("[" + name + ".data] is missing; map the template's fields");
        templates.set(std::move(name), std::move(pt));
    }
    if (!table.contains("staff_notice"))
        return invalid("[staff_notice] is missing; it words every event without a table of its own");
    // [staff_notice] words an event by its {text}; one that carries none needs its own table.
    for (const auto& [event, fields] : push_event_fields())
        if (std::find(fields.begin(), fields.end(), "text") == fields.end() &&
            !table.contains(event))
            return invalid(
                "[" + event +
                "] is missing; its notification has no {text} for [staff_notice] to show");
    return templates;
}

}  // namespace repairbot::config
