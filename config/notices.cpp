#include "config/notices.h"

#include <toml++/toml.h>

#include "dialog/texts.h"

namespace repairbot::config {

const std::vector<std::string_view>& required_notice_keys() {
    static const std::vector<std::string_view> keys{
        "busy", "ticket_deferred", "ticket_created", "ticket_created_pending", "deadline_pending",
        "owner_emergency_queued", "owner_enquiry_still_open", "owner_job_accepted_overdue",
        "arrive_soon", "owner_job_done_behind", "progress_none", "progress_list", "progress_item",
        "progress_detail_arrive", "progress_detail_arrive_late", "progress_detail_finish",
        "progress_detail_finish_late", "progress_detail_technician", "progress_detail_quote",
        "status_new", "status_dispatched", "status_accepted", "status_arrived", "status_done",
        "status_confirmed", "status_rated", "status_closed", "status_cancelled", "handover_pending",
        // SLA timers (bot/sla_timers.cpp)
        "sla_stage_dispatch", "sla_stage_accept", "sla_stage_quote", "sla_stage_arrive",
        "sla_stage_finish", "sla_warning", "sla_warning_dispatch", "sla_warning_unreachable",
        "sla_escalation", "sla_escalation_with", "sla_escalation_nobody",
        "sla_escalation_redispatch", "sla_escalation_again", "finish_delayed",
        "finish_delayed_again", "finish_delay_not_arrived", "finish_delay_quote",
        "finish_delay_quote_review", "finish_delay_in_progress", "reminder_confirm",
        "reminder_rating", "reminder_quote", "auto_closed", "callback_overdue",
        // The dispatchers' queue note (bot/queue_notes.cpp)
        "queue_note", "queue_note_emergencies", "queue_note_item", "queue_note_deadlines",
        "queue_note_deadline_item", "queue_note_late", "queue_note_late_unreported",
        "queue_note_late_supervisors", "queue_note_late_item",
        // The technician's chat and the owner's answers (bot/job_desk.cpp)
        "job_not_found", "job_changed", "owner_quote_changed", "owner_job_accepted",
        "owner_job_arrived", "owner_job_handed_over", "owner_job_handed_over_quote",
        "owner_job_handed_over_raise", "fee_over_list", "fee_must_be_free", "fee_over_quote",
        "low_rating_complaint", "low_rating_unexplained", "tech_quote_agreed", "tech_quote_refused",
        "quote_review", "sla_warning_review", "sla_warning_review_unstaffed",
        "review_quote_changed", "owner_quote_in_review", "tech_quote_in_review",
        "tech_quote_approved", "tech_quote_rejected", "tech_quote_raise_rejected",
        // Notes to the staff (bot/ticket_intake.cpp; handover_overdue: bot/sla_timers.cpp)
        "staff_handover", "staff_handover_danger", "staff_handover_correction",
        "staff_handover_technician", "staff_technician_contact", "staff_handover_update",
        "staff_handover_enquiry", "staff_handover_enquiry_quote", "staff_handover_enquiry_settled",
        "enquiry_answer_agreed", "staff_handover_enquiry_refused", "staff_handover_tickets",
        "staff_handover_draft", "staff_handover_again", "staff_owner_unknown", "handover_overdue",
        "handover_overdue_enquiry", "staff_complaint", "staff_complaint_serious",
        "staff_complaint_empty",
        // Notes about a reopened job (bot/ticket_lifecycle.cpp reopen_ticket)
        "staff_reopen_unassigned", "staff_reopened_twice", "staff_reopen_serious",
        "complaint_reopened_twice", "complaint_reopened",
        // An unsatisfied callback's reopen or complaint (bot/callback_desk.cpp mark_callback_done)
        "callback_unsatisfied", "callback_unsatisfied_bare", "complaint_callback",
        "staff_complaint_still_open", "staff_complaint_heard_unhandled",
        "staff_complaint_unreached_unhandled", "staff_complaint_unhandled",
        // A dispatcher's correction of a ticket (bot/ticket_amend.cpp)
        "job_amended",
        // An owner's 取消 of a filed ticket (bot/job_desk.cpp cancel_for_owner)
        "owner_cancel_which", "owner_ticket_cancelled", "owner_cancel_unknown",
        "owner_cancel_too_late", "owner_cancel_none", "owner_cancel_rework",
        "job_cancelled_by_owner",
        // What a callback is about (bot/callback_desk.cpp callback_subject: the overdue note, the
        // complaint an unsatisfied call files)
        "callback_what_ticket", "callback_what_complaint", "callback_what_complaint_ticket",
        "callback_what_handover", "callback_what",
        // The dispatchers' note of a ticket nobody can take (bot/dispatch.cpp), and of one its
        // technician let time out unaccepted with nobody else to take it
        "staff_dispatch_queued", "staff_accept_timeout_queued", "dispatch_urgent_mark",
        // ... and of such a ticket accepted after all (bot/job_desk.cpp)
        "staff_accepted_after_queue"};
    return keys;
}

std::string Notices::render(
    std::string_view key,
    std::initializer_list<std::pair<std::string_view, std::string_view>> vars) const {
    auto it = texts_.find(key);
    if (it == texts_.end()) return std::string(key);
    return dialog::fill_placeholders(it->second, vars);
}

Result<Notices> load_notices(const std::filesystem::path& dir) {
    auto path = (dir / "notices.toml").string();
    toml::table table;
    try {
        table = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        auto code = e.description().find("open") != std::string_view::npos ||
                            e.description().find("read") != std::string_view::npos
                        ? std::errc::no_such_file_or_directory
                        : std::errc::invalid_argument;
        return Error{std::make_error_code(code),
                     path + ":" + std::to_string(e.source().begin.line) + ": " +
                         std::string(e.description()) + "; fix the file (see config/notices.toml in the repository)"};
    }
    Notices notices;
    std::string problems;
    for (const auto& [k, node] : table) {
        const auto* s = node.as_string();
        if (!s) {
            problems += path + ": " + std::string(k.str()) + " must be a string\n";
            continue;
        }
        notices.set(std::string(k.str()), s->get());
    }
    for (auto key : required_notice_keys()) {
        if (!table.contains(key))
            problems += path + ": " + std::string(key) + " is missing; add it (see the shipped notices.toml)\n";
    }
    if (!problems.empty()) {
        problems.pop_back();
        return Error{std::make_error_code(std::errc::invalid_argument), problems};
    }
    return notices;
}

}  // namespace repairbot::config
