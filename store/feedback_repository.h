// SQL for what follows a repair: ratings (评价), complaints (投诉) and callbacks (回访).
// Blocking; runs on the connection given (MysqlPool::run).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/errors.h"
#include "store/records.h"

namespace sql {
class Connection;
class ResultSet;
}

namespace repairbot::store {

struct CallbackFilter {
    std::optional<std::string> kind;  // complaint | sample | handover
    std::optional<bool> done;         // true: done only; false: open only
    std::optional<Timestamp> due_before;
    std::uint32_t limit = 200;
};

// The complaints table's columns as read_complaint reads them, each after `alias` ("cp." when
// the query names the table so).
[[nodiscard]] std::string complaint_columns(std::string_view alias = "");
// The complaint on the result set's current row, selected with complaint_columns.
[[nodiscard]] Complaint read_complaint(sql::ResultSet& rs);
// The callbacks table's columns as read_callback reads them, each after `alias` ("cb." when the
// query joins other tables; their own columns must not be named like these).
[[nodiscard]] std::string callback_columns(std::string_view alias = "");
// The callback on the result set's current row, selected with callback_columns.
[[nodiscard]] Callback read_callback(sql::ResultSet& rs);

class FeedbackRepository {
  public:
    // Stores the rating of one round of a ticket (round = its reopen_count) and returns its id.
    // StoreErrc::duplicate when that round was rated already.
    static Result<std::uint64_t> add_rating(sql::Connection& c, const Rating& r);
    static std::vector<Rating> ratings_for_ticket(sql::Connection& c, std::uint64_t ticket_id);

    // Opens a complaint (id, status and handling ignored) and returns its id.
    static std::uint64_t add_complaint(sql::Connection& c, const Complaint& complaint);
    // StoreErrc::not_found when there is no such complaint.
    static Result<Complaint> find_complaint(sql::Connection& c, std::uint64_t id);
    // Newest first; `status` empty = all.
    static std::vector<Complaint> complaints(sql::Connection& c, const std::string& status,
                                             std::uint32_t limit);
    // Records the handling. StoreErrc::not_found; StoreErrc::invalid_state when already handled.
    static Status handle_complaint(sql::Connection& c, std::uint64_t id, const std::string& by,
                                   const std::string& resolution, Timestamp now);
    // Closes a handled complaint (结案: called back after its handling). False when it is not
    // handled (open, or closed already).
    static bool close_complaint(sql::Connection& c, std::uint64_t id);
    // Records complaint `id` as serious (a later call found harm or damage). False when it was.
    static bool make_serious(sql::Connection& c, std::uint64_t id);

    // Queues a callback once per purpose: `dedupe_key` such as "sample:<ticket id>" or
    // "complaint:<id>" (nullopt: none, the caller keeps it single). Returns its id;
    // StoreErrc::duplicate when that purpose has one.
    static Result<std::uint64_t> add_callback(sql::Connection& c, const Callback& cb,
                                              const std::optional<std::string>& dedupe_key);
    // The owner's handover (kind "handover") not done yet — one at most (the table's
    // uq_callbacks_open_handover: add_callback of a second fails with StoreErrc::duplicate) —
    // its row locked (SELECT ... FOR UPDATE). Must run inside a transaction.
    static std::optional<Callback> lock_open_handover(sql::Connection& c,
                                                      const std::string& owner_openid);
    // Makes the callback due at `due` (a handover asked for again after its time).
    static void move_callback_due(sql::Connection& c, std::uint64_t id, Timestamp due);
    // The handover is no longer only a question about one quote (Callback::enquiry_ticket_id).
    static void forget_enquiry(sql::Connection& c, std::uint64_t id);
    // The owner's open handover as read without a lock (nullopt: none).
    static std::optional<Callback> open_handover(sql::Connection& c,
                                                 const std::string& owner_openid);
    // Records handover `id` done without an outcome when it is still open and still only a
    // question about ticket `ticket_id`'s quote (nobody called: the owner's answer to the quote
    // settled it). False otherwise.
    static bool settle_enquiry(sql::Connection& c, std::uint64_t id, std::uint64_t ticket_id,
                               const std::string& by, const std::string& notes, Timestamp now);
    // Due first.
    static std::vector<Callback> callbacks(sql::Connection& c, const CallbackFilter& filter);
    // How many callbacks about the ticket are not done yet (a rated ticket closes when none is).
    // Reads the latest rows and locks the ticket's callbacks (FOR UPDATE) until the caller's
    // transaction ends: two callers marking the last two callbacks at once take turns (or one
    // deadlocks and is retried), so one of them sees none open — a snapshot read let each see
    // the other's as open.
    static std::size_t open_callbacks_for_ticket(sql::Connection& c, std::uint64_t ticket_id);
    // The ticket's complaints not yet handled (status open), read and locked the same way: a
    // handling and a callback's report at once take turns.
    static std::size_t open_complaints_for_ticket(sql::Connection& c, std::uint64_t ticket_id);
    // Marks it done with the outcome (satisfied unsatisfied unreachable) and notes.
    // StoreErrc::not_found; StoreErrc::invalid_state when already done.
    static Status complete_callback(sql::Connection& c, std::uint64_t id, const std::string& by,
                                    const std::string& outcome, const std::string& notes,
                                    Timestamp now);
};

}  // namespace repairbot::store
