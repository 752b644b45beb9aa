// The rows of the MySQL schema as plain values (store/migrations/*.sql). Times are UTC;
// money is in cents (分); JSON columns travel as JSON text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/sql_values.h"

namespace repairbot::store {

// Ticket statuses as stored (issue 6): new dispatched accepted arrived done confirmed rated
// closed cancelled. Reopening goes back to dispatched.
namespace ticket_status {
inline constexpr const char* new_ = "new";
inline constexpr const char* dispatched = "dispatched";
inline constexpr const char* accepted = "accepted";
inline constexpr const char* arrived = "arrived";
inline constexpr const char* done = "done";
inline constexpr const char* confirmed = "confirmed";
inline constexpr const char* rated = "rated";
inline constexpr const char* closed = "closed";
inline constexpr const char* cancelled = "cancelled";
}  // namespace ticket_status

// Where a paid repair's quote stands (tickets.quote_status). `required`: a paid repair off the
// price list, not quoted yet; `review`: quoted by the technician, waiting for a supervisor
// (工程部主管) to approve it; `pending`: put to the owner; work waits for `agreed`. Free and
// on-list repairs stay `none`.
namespace quote_status {
inline constexpr const char* none = "none";
inline constexpr const char* required = "required";
inline constexpr const char* review = "review";
inline constexpr const char* pending = "pending";
inline constexpr const char* agreed = "agreed";
inline constexpr const char* refused = "refused";
}  // namespace quote_status

// A deadline per stage (NULL where none applies).
struct StageDeadlines {
    std::optional<Timestamp> dispatch, accept, arrive, quote, finish;
    bool operator==(const StageDeadlines&) const = default;
};

// When each stage happened.
struct StageTimes {
    std::optional<Timestamp> dispatched, accepted, arrived, quoted, done, confirmed, rated, closed,
        cancelled;
    bool operator==(const StageTimes&) const = default;
};

// Per stage: nullopt pending, false met on time, true late. Set once, kept for the figures.
struct StageLateness {
    std::optional<bool> dispatch, accept, arrive, quote, finish;
    bool operator==(const StageLateness&) const = default;
};

// A reopened job's visit (返修): the acceptance and arrival the SLA engine waits for again after a
// reopen, against deadlines counted from `reopened`, with verdicts of their own (set once, as
// StageLateness's), while StageTimes, StageDeadlines and StageLateness keep the first visit's
// acceptance and arrival for the figures. The finish stage has one deadline (StageDeadlines::
// finish, moved by the reopen); its revisit's verdict is finish_late. All nullopt on a ticket
// never reopened; started afresh by every reopen.
struct Revisit {
    std::optional<Timestamp> reopened, accepted, arrived;
    std::optional<Timestamp> accept_due, arrive_due;
    std::optional<bool> accept_late, arrive_late, finish_late;
    bool operator==(const Revisit&) const = default;
};

// The first visit's finish, for the figures (which count the first visit; migration
// 0018_first_finish): `due` is the finish deadline it was first given, kept when a finish breach
// moves StageDeadlines::finish to a new promised finish or a reopen (返修) moves it to the
// revisit's; `done` is when the first visit was done, kept by the first reopen (StageTimes::done
// is the revisit's after it). nullopt until then: the same as the current ones. Set once.
struct FirstFinish {
    std::optional<Timestamp> due, done;
    bool operator==(const FirstFinish&) const = default;
};

struct Ticket {
    std::uint64_t id = 0;
    std::string number;  // BX20261121-0007
    std::string idempotency_key;
    std::string owner_openid;
    std::string reporter_name;
    std::string phone;
    std::string building, unit, room;
    std::string area;     // public place, e.g. 3号楼电梯厅
    std::string address;  // as shown to people
    bool public_area = false;
    std::string fault_type;
    std::string trade;
    std::string urgency;  // emergency | normal | planned
    // The urgency the first visit was judged by, when a reopen raised `urgency` since (the first
    // visit's deadlines and verdicts were set in its limits); nullopt: the same as `urgency`.
    std::optional<std::string> first_urgency;
    std::string description;
    std::string channel = "wechat";
    std::optional<Timestamp> preferred_from, preferred_to;
    std::string status = ticket_status::new_;
    std::optional<std::uint64_t> technician_id;
    bool paid = false;
    std::optional<std::uint32_t> quote_cents;
    std::string quote_status = "none";  // quote_status:: none required pending agreed refused
    // When the owner was last asked about the quote (every 报价, a replaced quote's too); at.quoted
    // is the first quote, the quote stage's milestone.
    std::optional<Timestamp> quote_asked_at;
    std::optional<std::uint32_t> fee_cents;
    std::string materials;
    std::string done_note;
    std::string cancel_reason;
    std::string push_error;
    std::uint32_t reopen_count = 0;
    Timestamp created_at{};
    StageTimes at;
    StageDeadlines due;
    StageLateness late;
    Revisit revisit;
    FirstFinish first_finish;
    std::uint32_t version = 0;  // bumped by every update (compare-and-set)
    Timestamp updated_at{};
    bool operator==(const Ticket&) const = default;
};

// 急修: the urgency class whose limits are minutes (tickets.urgency "emergency").
inline bool is_emergency(const Ticket& t) { return t.urgency == "emergency"; }

// One audit-log entry to write.
struct NewEvent {
    std::string actor;           // openid, "system", "admin", "sla"
    std::string actor_role;      // owner technician dispatcher supervisor system
    std::string type;            // created dispatched accepted arrived done ... escalated
    std::string details = "{}";  // JSON object text
};

struct TicketEvent {
    std::uint64_t id = 0;
    std::uint64_t ticket_id = 0;
    Timestamp at{};
    std::string actor;
    std::string actor_role;
    std::string type;
    std::string details;  // JSON text
    bool operator==(const TicketEvent&) const = default;
};

// One message for the outbox worker, written in the same transaction as the change it announces.
struct NewOutbox {
    std::string kind;                     // template cs_text media_download ...
    std::string recipient;                // openid; may be empty for non-message work
    std::string payload = "{}";           // JSON text
    std::optional<Timestamp> not_before;  // default: at once
};

struct OutboxMessage {
    std::uint64_t id = 0;
    std::string kind;
    std::optional<std::uint64_t> ticket_id;
    std::string recipient;
    std::string payload;
    std::string status;          // pending sending sent failed
    std::uint32_t attempts = 0;  // including the current one once claimed
    Timestamp next_attempt_at{};
    std::optional<int> last_errcode;
    std::string last_error;
    Timestamp created_at{};
    std::optional<Timestamp> sent_at;
};

struct Owner {
    std::uint64_t id = 0;
    std::string openid;
    std::string name, phone;
    std::string building, unit, room, address;
    std::optional<Timestamp> last_inbound_at;
    Timestamp created_at{}, updated_at{};
};

struct Technician {
    std::uint64_t id = 0;
    std::optional<std::string> openid;  // set once bound
    std::string name, phone;
    std::vector<std::string> trades;     // 水 电 门窗 ...
    std::vector<std::string> buildings;  // empty = every building
    bool on_duty = true;
    std::uint32_t capacity = 5;
    bool is_supervisor = false, is_dispatcher = false, is_manager = false;
    bool active = true;
    Timestamp created_at{}, updated_at{};
};

struct Photo {
    std::uint64_t id = 0;
    std::optional<std::uint64_t> ticket_id;
    std::string owner_openid;
    std::string media_id;
    std::string pic_url;
    std::string stored_path;
    std::string sha256;
    std::optional<std::uint64_t> size_bytes;
    std::string status = "pending";  // pending stored failed
    std::uint32_t attempts = 0;
    std::string last_error;
    Timestamp created_at{};
    std::optional<Timestamp> stored_at;
};

struct Rating {
    std::uint64_t id = 0;
    std::uint64_t ticket_id = 0;
    std::uint32_t round = 0;  // the ticket's reopen_count when rated
    std::string owner_openid;
    std::uint32_t score = 0;  // 1..5
    std::string comment;
    Timestamp created_at{};
};

// complaints.text holds this many characters; a longer text fails the insert (strict mode).
inline constexpr std::size_t kComplaintTextChars = 2048;

struct Complaint {
    std::uint64_t id = 0;
    std::optional<std::uint64_t> ticket_id;
    std::string owner_openid;
    std::string source;               // low_rating reopen owner callback
    std::string severity = "normal";  // normal serious
    std::string text;             // at most kComplaintTextChars characters
    std::string status = "open";  // open handled closed
    std::string handled_by;
    std::string resolution;
    Timestamp created_at{};
    std::optional<Timestamp> handled_at;
    std::optional<Timestamp> reminded_at;  // the last reminder that it waits for its handling
    std::uint32_t reminders = 0;           // how many such reminders went out
};

struct Callback {
    std::uint64_t id = 0;
    std::optional<std::uint64_t> ticket_id;
    std::optional<std::uint64_t> complaint_id;
    std::optional<std::string> owner_openid;  // a handover's: the owner who asked for a person
    // A handover opened by a question about this ticket's quote: the answer to it settles it.
    std::optional<std::uint64_t> enquiry_ticket_id;
    std::string kind;                         // complaint sample handover
    Timestamp due_at{};
    std::optional<Timestamp> overdue_told_for;  // the due time its overdue note went out for
    std::optional<Timestamp> done_at;
    std::string done_by;
    std::optional<std::string> outcome;  // satisfied unsatisfied unreachable
    std::string notes;
    Timestamp created_at{};
};

}  // namespace repairbot::store
