// Every reply text the dialog can send, by id; the texts themselves live in config/replies.toml
// (loaded by config/dialog_data.h) so the desk can reword them without a rebuild.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dialog/catalog.h"

namespace repairbot::dialog {

// X(id): the id is also the key in replies.toml. Placeholders a text may use are listed in
// known_placeholders().
// clang-format off
#define REPAIRBOT_DIALOG_TEXTS(X)                                                               \
    X(welcome) X(help) X(idle_hint) X(ask_address) X(ask_address_last) X(address_incomplete)    \
    X(address_not_understood) X(no_last_address) X(location_received) X(ask_fault_type)         \
    X(fault_not_understood) X(fault_type_for_description) X(ask_description) X(description_too_short) X(ask_photos)           \
    X(photos_more) X(photo_received) X(photo_duplicate) X(photo_limit) X(photo_attached)        \
    X(photo_unusable) X(message_too_long)                                                       \
    X(ask_phone) X(phone_invalid) X(phone_landline) X(cancel_lookup) X(cancel_requested) X(phone_not_understood) X(no_last_phone) X(ask_time)          \
    X(time_not_understood) X(time_in_past) X(summary) X(confirm_not_understood) X(submitted)    \
    X(emergency_submitted) X(cancelled) X(nothing_to_cancel) X(back_at_first)                   \
    X(current_value) X(edit_which) X(offer_human) X(handed_to_human)          \
    X(quote_enquiry) X(danger_handed_to_human) X(correction_handed) X(emergency_already_filed)                                                                   \
    X(complaint_filed) X(session_expired) X(resumed) X(resume_not_understood)                   \
    X(voice_not_recognized) X(unsupported_message) X(already_reporting) X(noted)                \
    X(urgency_emergency) X(urgency_normal) X(urgency_planned) X(time_asap) X(not_given)         \
    X(public_area_mark)                                                                         \
    X(tech_help) X(tech_hint) X(tech_not_bound) X(tech_unrecognised) X(bind_usage)              \
    X(bind_requested) X(bind_ok)                                                                \
    X(bind_failed) X(tech_no_jobs) X(tech_duty_on) X(tech_duty_off) X(tech_duty_already_on)     \
    X(tech_duty_already_off) X(tech_duty_jobs_left) X(tech_duty_off_reminder) X(tech_jobs) X(tech_job_line) X(tech_which_job)              \
    X(tech_pick_not_understood) X(tech_pick_cancelled) X(tech_job_not_yours) X(tech_ticket_tail_ambiguous)                 \
    X(tech_no_such_index) X(tech_no_such_index_fee) X(tech_index_gone) X(tech_list_changed) X(tech_accepted) X(tech_accepted_visit) X(tech_visit_booked) X(tech_visit_by) X(tech_visit_booked_late) X(tech_visit_booking_missed) X(tech_visit_late) X(tech_visit_on_accept) X(tech_already_accepted) X(tech_already_accepted_visit) X(tech_accept_first)        \
    X(tech_arrived) X(tech_arrived_quote_first) X(tech_arrived_quote_waiting) X(tech_already_arrived) X(tech_finished) X(tech_finished_fee)               \
    X(tech_fee_invalid) X(tech_quote_needed) X(tech_quote_waiting) X(tech_quoted)               \
    X(tech_quote_invalid) X(tech_quote_not_needed) X(tech_rework_free) X(tech_handover_reason)                      \
    X(tech_handed_over) X(tech_job_reassigned) X(tech_photo_attached) X(tech_photo_which) X(tech_photo_which_asked) X(job_urgent_mark) X(job_status_dispatched) X(job_status_accepted) X(job_status_arrived)   \
    X(action_accept) X(action_arrive) X(action_finish) X(action_quote) X(action_hand_over) X(action_approve_quote) X(action_reject_quote) X(review_not_supervisor) X(review_none) X(review_not_waiting) X(review_which) X(review_line) X(review_reason_needed) X(review_approved) X(review_rejected) X(review_amount_invalid) X(review_approved_as_quoted)      \
    X(confirm_prompt) X(confirm_prompt_fee) X(confirm_reminder) X(fixed_not_understood)        \
    X(not_fixed_noted) X(not_fixed_or_new) X(rating_prompt) X(rating_reminder) X(rating_not_understood)            \
    X(ask_comment_required) X(ask_comment_optional) X(comment_required) X(rated) X(rated_low)               \
    X(quote_prompt) X(quote_reminder) X(quote_not_understood) X(quote_agreed)                  \
    X(ask_refuse_reason) X(quote_refused) X(feedback_pending) X(report_resumed)
// clang-format on

enum class TextId : std::uint16_t {
#define REPAIRBOT_DIALOG_TEXT_ENUM(name) name,
    REPAIRBOT_DIALOG_TEXTS(REPAIRBOT_DIALOG_TEXT_ENUM)
#undef REPAIRBOT_DIALOG_TEXT_ENUM
};

inline constexpr std::size_t kTextCount = 0
#define REPAIRBOT_DIALOG_TEXT_COUNT(name) +1
    REPAIRBOT_DIALOG_TEXTS(REPAIRBOT_DIALOG_TEXT_COUNT)
#undef REPAIRBOT_DIALOG_TEXT_COUNT
    ;

// The key of a text in replies.toml ("ask_address").
[[nodiscard]] std::string_view key(TextId id);
// The id for a key; nullopt for an unknown key.
[[nodiscard]] std::optional<TextId> text_id_from_key(std::string_view key);
// Every id, in declaration order.
[[nodiscard]] std::span<const TextId> all_text_ids();
// Names a text may use as {name}: address, fault_type, urgency, description, photos, phone,
// time, last_address, menu, count, max, value, ticket, fee, name, status, jobs, index, command,
// reason.
[[nodiscard]] std::span<const std::string_view> known_placeholders();

using TextVars = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// Appends `text` to `out` with each {name} (a '{' up to the next '}') given to `fill(name, out)`,
// which appends what stands for it and returns true, or returns false to keep "{name}" as
// written; a '{' with no '}' after it is text. The one reading of placeholders: the replies, the
// notices (fill_placeholders) and the pushes (bot/outbox_sender.cpp) go through it.
template <class Fill>
void substitute(std::string_view text, std::string& out, Fill&& fill) {
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] == '{') {
            const auto close = text.find('}', i + 1);
            if (close != std::string_view::npos && fill(text.substr(i + 1, close - i - 1), out)) {
                i = close + 1;
                continue;
            }
        }
        out.push_back(text[i++]);
    }
}

// `text` with each {name} replaced by its value from `vars`; a placeholder with no value is
// left as written. Never fails. (Also used by the bot for its own texts.)
[[nodiscard]] std::string fill_placeholders(std::string_view text, TextVars vars);

// The {name}s `text` uses, in order, as fill_placeholders reads them: a '{' up to the next '}';
// a '{' with no '}' after it ends the list. Views into `text`. (The config loaders check names
// with it.)
[[nodiscard]] std::vector<std::string_view> placeholder_names(std::string_view text);

// The reply texts. A default-constructed set holds empty strings; the loader fills every id.
class ReplyTexts {
  public:
    void set(TextId id, std::string text) {
        texts_[static_cast<std::size_t>(id)] = std::move(text);
    }
    [[nodiscard]] const std::string& get(TextId id) const {
        return texts_[static_cast<std::size_t>(id)];
    }
    // The text with each {name} replaced by its value from `vars`; a placeholder with no value
    // is left as written. Never fails.
    [[nodiscard]] std::string render(TextId id, TextVars vars = {}) const;

  private:
    std::array<std::string, kTextCount> texts_;
};

// The urgency as owners and technicians read it (urgency_emergency / _normal / _planned:
// 紧急, 一般, 计划). Never fails.
[[nodiscard]] std::string urgency_label(const ReplyTexts& texts, Urgency u);

}  // namespace repairbot::dialog
