// What a step asks the outside world to do, as plain values. The bot carries them out (store
// calls, pushes) in the order given; dialog never does I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "dialog/address.h"
#include "dialog/catalog.h"
#include "dialog/session.h"
#include "dialog/time_parse.h"

namespace repairbot::dialog {

// A complete repair report (报修单 fields the owner supplies). The bot adds the number,
// channel and the reporter's name from the owner record.
struct RepairReport {
    std::string owner_openid{};
    Address address{};  // address.is_public flags 共用部位 (free repair)
    std::string fault_type{};
    std::string trade{};
    Urgency urgency = Urgency::normal;
    std::string emergency{};  // EmergencyRule kind; empty when not an emergency
    std::string description{};
    std::vector<Photo> photos{};
    std::string phone{};
    std::optional<TimeWindow> preferred_time{};  // nullopt: 尽快
    std::chrono::sys_seconds received_at{};
    bool operator==(const RepairReport&) const = default;
};

// Create the ticket. The same idempotency key must never make two tickets (retries, double
// taps): it is the report id plus the draft revision.
struct CreateTicket {
    RepairReport report{};
    std::string idempotency_key{};
    bool operator==(const CreateTicket&) const = default;
};

// Photos sent shortly after a ticket was created: add them to that ticket.
struct AttachPhotos {
    std::string idempotency_key{};  // of the CreateTicket that made the ticket
    std::vector<Photo> photos{};
    bool operator==(const AttachPhotos&) const = default;
};

enum class HandOffReason {
    owner_asked,  // 人工
    danger,       // a danger named while a draft was in progress (report_danger): call at once
    correction,  // a report just submitted is wrong (地址错了, 是5栋502): call to put it right
    update,      // more about an emergency just filed (水漫到楼下了): told at once
    enquiry,     // a question the bot cannot answer (能便宜点吗 to a quote): `words`, `ticket`
};

// Put the owner through to the dispatcher (客服前台), with what is known so far.
struct HandToHuman {
    HandOffReason reason = HandOffReason::owner_asked;
    std::string draft_summary{};  // the summary text of the draft; empty without one
    std::string words{};          // danger, correction, update, enquiry: the owner's words
    std::string ticket{};         // enquiry: the ticket it is about
    bool operator==(const HandToHuman&) const = default;
};

// Answer the owner with their open tickets and statuses (the bot knows them; dialog does not).
struct QueryProgress {
    bool operator==(const QueryProgress&) const = default;
};

// Open a complaint record for the dispatcher/supervisor.
struct FileComplaint {
    std::string text{};  // what the owner wrote after 投诉; may be empty
    bool serious = false;  // DOMAIN.md: to the manager at once (FaultCatalog::is_serious_complaint)
    bool operator==(const FileComplaint&) const = default;
};

// Remember the owner's phone and address for next time (prefill, 同上次).
struct RememberProfile {
    std::string phone{};
    std::optional<Address> last_address{};
    bool operator==(const RememberProfile&) const = default;
};

// 绑定 <code>: bind the sender's openid to the technician holding this one-time code. The
// bot answers whether it worked (texts bind_ok / bind_failed).
struct BindTechnician {
    std::string code{};  // as sent, trimmed
    bool operator==(const BindTechnician&) const = default;
};

// The technician's job commands. Each names one of the sender's own open jobs (checked
// against Context::technician); the bot still checks the transition against the store.
struct AcceptJob {  // 接单
    std::string ticket_number{};
    bool operator==(const AcceptJob&) const = default;
};
struct ArriveJob {  // 到达
    std::string ticket_number{};
    bool operator==(const ArriveJob&) const = default;
};
struct AttachJobPhoto {  // a photo from the site (the work done, the parts), kept on the job's ticket
    std::string ticket_number{};
    Photo photo{};
    bool operator==(const AttachJobPhoto&) const = default;
};
struct FinishJob {  // 完成 [费用 80] [note]: the owner is then asked to confirm
    std::string ticket_number{};
    std::optional<std::int64_t> fee_cents{};  // nullopt: no fee given
    std::string note{};                       // materials, what was done; may be empty
    bool operator==(const FinishJob&) const = default;
};
struct QuoteJob {  // 报价 120: a paid repair outside the price list, before work
    std::string ticket_number{};
    std::int64_t cents = 0;
    bool operator==(const QuoteJob&) const = default;
};
struct HandOverJob {  // 转单 <reason>: back to the dispatcher for someone else
    std::string ticket_number{};
    std::string reason{};
    bool operator==(const HandOverJob&) const = default;
};
// 上班 / 下班: whether dispatch gives the technician new jobs (technicians.on_duty); the jobs
// they hold stay theirs either way.
struct SetDuty {
    bool on = false;
    bool operator==(const SetDuty&) const = default;
};
// 我的工单: the reply already lists the open jobs from Context::technician; the bot may add
// what the chat does not know (deadlines).
struct ListJobs {
    bool operator==(const ListJobs&) const = default;
};

// The owner's answers about a finished job.
struct ConfirmFixed {  // 修好了
    std::string ticket_number{};
    bool operator==(const ConfirmFixed&) const = default;
};
struct ReportNotFixed {  // 没修好: reopen (返修)
    std::string ticket_number{};
    std::string text{};  // what the owner wrote with it; empty for a bare 没修好 / 2
    // The emergency those words reveal (EmergencyRule::kind, e.g. "gas"; "" for none): its safety
    // advice was given in the reply, and the revisit is an emergency's.
    std::string emergency{};
    bool operator==(const ReportNotFixed&) const = default;
};
struct RateService {
    std::string ticket_number{};
    int score = 0;          // 1-5
    std::string comment{};  // never empty for 1-2
    bool operator==(const RateService&) const = default;
};
// The owner's answer to a paid repair's quote, of the amount the owner was asked about (a quote
// the technician replaced meanwhile is not the one answered: the bot asks again).
struct AgreeQuote {
    std::string ticket_number{};
    std::int64_t cents = 0;
    bool operator==(const AgreeQuote&) const = default;
};
struct RefuseQuote {  // cancels the ticket, the reason kept
    std::string ticket_number{};
    std::string reason{};  // may be empty (the owner skipped it)
    std::int64_t cents = 0;
    bool operator==(const RefuseQuote&) const = default;
};

// A supervisor's review of a technician's quote (DOMAIN.md: the supervisor reviews paid-repair
// quotes): 核准 puts it to the owner, at the amount quoted or the supervisor's own; 驳回 sends it
// back to the technician with the reason.
struct ApproveQuote {
    std::string ticket_number{};
    std::optional<std::int64_t> cents{};  // the supervisor's own amount; nullopt: as quoted
    // The amount quoted as the supervisor's chat knew it: refused when the technician has quoted
    // another since. nullopt when the chat did not list the quote (more waiting than listed).
    std::optional<std::int64_t> seen_cents{};
    bool operator==(const ApproveQuote&) const = default;
};
struct RejectQuote {
    std::string ticket_number{};
    std::string reason{};  // never empty
    bool operator==(const RejectQuote&) const = default;
};

// 取消 with no report under way: the owner calls off a ticket already filed (DOMAIN.md: the
// owner cancels). With `ticket_number` ("取消 BX20261207-0006"), that one is cancelled when it is
// theirs and nobody is on site yet; without, the bot lists the ones they can cancel and how (a
// bare 取消 never cancels a ticket by itself). The bot answers either way.
struct CancelTicket {
    std::string ticket_number{};  // upper case; empty: which one is asked
    bool operator==(const CancelTicket&) const = default;
};

using Effect =
    std::variant<CreateTicket, AttachPhotos, HandToHuman, QueryProgress, FileComplaint,
                 RememberProfile, BindTechnician, AcceptJob, ArriveJob, FinishJob, QuoteJob,
                 HandOverJob, ListJobs, ConfirmFixed, ReportNotFixed, RateService, AgreeQuote,
                 RefuseQuote, AttachJobPhoto, ApproveQuote, RejectQuote, CancelTicket, SetDuty>;

}  // namespace repairbot::dialog
