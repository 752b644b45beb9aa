// SQL for the dispatchers' callback (回访) and complaint (投诉) queue: callbacks and complaints
// with the ticket number they concern, one callback by id, and moving a complaint's callback to
// its due date after handling. Blocking; runs on the connection given (MysqlPool::run).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/errors.h"
#include "store/feedback_repository.h"
#include "store/records.h"

namespace sql {
class Connection;
}

namespace repairbot::store {

// A callback as the queue shows it. The ticket is the callback's own, or for a complaint
// callback that names only its complaint, the complaint's (none for a complaint about no
// ticket).
struct CallbackEntry {
    Callback callback;
    std::optional<std::uint64_t> ticket_id;
    std::optional<std::string> ticket_number;
    // A handover that is a question about a ticket's quote (报价咨询): that ticket's number.
    std::optional<std::string> enquiry_ticket_number;
    // A handover's owner as the desk knows them (the owners table); nullopt when not known.
    std::optional<std::string> owner_name, owner_phone;
};

// A complaint as the queue shows it, with its latest callback when it has one (the one filed
// with it, or the one after its handling when that was made before it).
struct ComplaintEntry {
    Complaint complaint;
    std::optional<std::string> ticket_number;
    std::optional<std::uint64_t> callback_id;
    std::optional<Timestamp> callback_due_at;
    std::optional<Timestamp> callback_done_at;
};

// The dedupe key of a complaint's callback (FeedbackRepository::add_callback).
[[nodiscard]] std::string complaint_callback_key(std::uint64_t complaint_id);
// The dedupe key of a finished repair's sample callback.
[[nodiscard]] std::string sample_callback_key(std::uint64_t ticket_id);

class CallbackQueueRepository {
  public:
    // Due first, then id (the order dispatchers work in). Never fails (an empty list).
    static std::vector<CallbackEntry> callbacks(sql::Connection& c, const CallbackFilter& filter);
    // StoreErrc::not_found when there is no such callback.
    static Result<CallbackEntry> find_callback(sql::Connection& c, std::uint64_t id);
    // Newest first; `status` empty = all. Never fails.
    static std::vector<ComplaintEntry> complaints(sql::Connection& c, const std::string& status,
                                                  std::uint32_t limit);
    // StoreErrc::not_found when there is no such complaint.
    static Result<ComplaintEntry> find_complaint(sql::Connection& c, std::uint64_t id);

    // Makes the complaint's callback due at `due` (its handling's follow-up): the open one filed
    // with the complaint is moved; when there is none (a complaint filed without one) it is
    // queued now. One already made before the handling is left alone: the owner satisfied then,
    // StoreErrc::invalid_state (they have been heard); unsatisfied or unreached, a second one is
    // queued for after the handling (key complaint:<id>:handled). Returns the callback's id.
    static Result<std::uint64_t> schedule_complaint_callback(sql::Connection& c,
                                                             const Complaint& complaint,
                                                             Timestamp due, Timestamp now);
};

}  // namespace repairbot::store
