// One user's conversation state between messages: which flow they are in, the step, and the
// repair-report draft. A plain value: stored by the bot (dialog/session_codec.h) in Redis.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dialog/address.h"
#include "dialog/time_parse.h"

namespace repairbot::dialog {

// Which conversation the session is in. step() dispatches on it.
enum class Flow : std::uint8_t {
    idle,             // no conversation under way
    owner_report,     // the owner is reporting a repair
    owner_feedback,   // the owner is asked about a finished job or a quote (Session::feedback);
                      // a report draft begun before is parked (report_id stays set) meanwhile
    technician_pick,  // a technician was asked which job a command is for (Session::job_command)
};

// The step of the owner's report: the slot being asked, the summary, or the question whether
// to continue an expired draft. The order of the slots is the order they are asked in.
enum class ReportStep : std::uint8_t {
    address,
    fault_type,
    description,
    photos,
    phone,
    preferred_time,
    confirm,
    resume,
};

struct Photo {
    std::string media_id{};
    std::string pic_url{};
    bool operator==(const Photo&) const = default;
};

// The 报修单 being filled in. An empty string or nullopt means "not given yet".
struct ReportDraft {
    std::optional<Address> address{};
    // The part of an address given so far without the rest ("5栋": display of an incomplete
    // AddressMatch), joined before the next answer at the address step ("502" → 5栋502); "" once
    // an address is complete.
    std::string address_part{};
    std::string fault_type{};   // a FaultType name
    std::string description{};  // the owner's own words
    std::vector<Photo> photos{};
    bool photos_done = false;  // the owner said 没有/好了, or the maximum arrived
    std::string phone{};
    bool time_answered =
        false;  // answered: to the time question, or with the report (周六上午过来)
    std::optional<TimeWindow> preferred_time{};  // nullopt after an answer means 尽快
    std::string emergency{};  // EmergencyRule kind once emergency words were seen
    bool planned = false;     // words asking for planned work were seen
    bool advice_given = false;
    bool operator==(const ReportDraft&) const = default;
};

// What a technician's command does to a job.
// approve_quote / reject_quote are a supervisor's (核准 / 驳回 a technician's quote).
enum class JobAction : std::uint8_t { accept, arrive, finish, quote, hand_over, approve_quote, reject_quote };

// A technician's command held while the bot asks which of several jobs it is for.
struct PendingJobCommand {
    JobAction action = JobAction::accept;
    std::optional<std::int64_t> cents{};  // finish: the fee; quote: the amount
    std::string text{};                   // finish: the note; hand_over: the reason
    // finish: a bare number the list had no line for ("完成 80"), asked about as the fee — a
    // "是" takes it as `cents`; a list number or ticket answers the question as usual.
    std::optional<std::int64_t> fee_asked{};
    bool operator==(const PendingJobCommand&) const = default;
};

// The question an owner is asked about one ticket.
enum class FeedbackStep : std::uint8_t {
    confirm,        // 修好了 / 没修好
    score,          // 1-5
    comment,        // after a score: required for 1-2, optional (跳过) for 3-5
    quote,          // 同意 / 不同意 a paid repair's quote
    refuse_reason,  // 不同意 without a reason: why
};

// One pending owner question (confirmation and rating, or a quote to approve).
struct Feedback {
    FeedbackStep step = FeedbackStep::confirm;
    std::string ticket_number{};
    std::optional<std::int64_t> cents{};  // confirm: the fee (nullopt: none); quote: the amount
    std::uint8_t score = 0;               // comment: the score given
    std::chrono::sys_seconds asked_at{};
    bool operator==(const Feedback&) const = default;
};

struct Session {
    Flow flow = Flow::idle;
    ReportStep step = ReportStep::address;
    // Identifies the report being drafted: from the sender and the message that started it.
    std::string report_id{};
    // +1 on every change to the draft; report_id + revision is the ticket's idempotency key.
    std::uint32_t revision = 0;
    ReportDraft draft{};
    std::uint32_t misses = 0;  // consecutive messages that fit nothing
    std::chrono::sys_seconds last_active{};
    // The message that arrived when the session had expired, replayed on 重新开始.
    std::string held_text{};
    // The last ticket created, so photos sent just after it are attached to it.
    std::string last_ticket_key{};
    std::chrono::sys_seconds last_ticket_at{};
    // That ticket's emergency kind and address as shown, when it was one: a panicked repeat of
    // the same danger soon after is not filed twice. "" otherwise.
    std::string last_emergency{};
    std::string last_emergency_address{};
    // The fault words an owner said while asked whether a ticket was fixed (not_fixed_or_new,
    // "灯还是一闪一闪的"): the very next message may answer 是 (not fixed: they go with the
    // revisit) or 新的 (a new report of them). step() moves them into the next text or voice
    // message's Turn; a question asked or dropped from outside a turn (ask_first, begin_*,
    // drop_feedback) clears them.
    std::string fault_unplaced{};
    // Owner questions still to answer, the first one being asked (begin_confirmation,
    // begin_quote_approval in dialog/feedback.h). They outlive a report started meanwhile.
    std::vector<Feedback> feedback{};
    // Flow::technician_pick: the command waiting for its job.
    std::optional<PendingJobCommand> job_command{};
    // The ticket numbers of the job list last shown to a technician, in its order: a list number
    // (完成 2, or 2 for "which job?") means the job shown as 2, even when a job given or taken
    // since would make it another one's number now.
    std::vector<std::string> shown_jobs{};
    // The job of the technician's last job command (接单 / 到达 / 报价 / 完成 ...): with several
    // jobs on site, a photo goes to it (到达 <number> names the one they are at).
    std::string current_job{};
    bool operator==(const Session&) const = default;
};

}  // namespace repairbot::dialog
