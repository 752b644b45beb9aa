// 工单生命周期: the moves a ticket may make (DOMAIN.md "Lifecycle of a repair") and what each
// changes, as pure functions on store::Ticket; and reopen_ticket(), the one move several
// callers make outside a chat (the owner's 没修好, an unsatisfied callback), with its SQL.
//
//   new → dispatched → accepted → arrived → done → confirmed → rated → closed
//   a paid repair off the price list is quoted (报价), approved by a supervisor when the desk has
//   one (核准 / 驳回), and agreed by the owner before done: the quote may come before or after
//   arrival, and a new quote (the work grew) waits for the supervisor and the owner again;
//   side paths: hand-over (back to new, in the queue, for someone else), quote refused (cancelled),
//   reopen (返修: done/confirmed/rated/closed → dispatched, same technician, fresh acceptance,
//   arrival and finish deadlines).
//
// Times: a milestone's time (Ticket::at) is set the first time it is reached and kept (a reopened
// job accepted again keeps its first acceptance, for the figures; the revisit's acceptance and
// arrival, their deadlines and verdicts go to Ticket::revisit); a stage's verdict (Ticket::late)
// is set once, when the stage is first met, and never rewritten. Every move returns the changed
// copy or a LifecycleErrc saying why it is refused; none does I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "config/errors.h"
#include "config/notices.h"
#include "config/sla_data.h"
#include "store/records.h"

namespace sql {
class Connection;
}
namespace repairbot::store {
struct TicketProgress;
}

namespace repairbot::bot {

enum class LifecycleErrc {
    not_yours = 1,   // the ticket is not (or no longer) with this technician
    wrong_status,    // the move does not apply in the ticket's status (detail names it)
    quote_required,  // a paid repair off the price list: 报价 and the owner's agreement first
    quote_pending,   // quoted, the owner has not agreed yet
    quote_changed,   // the owner answered a quote the technician has since replaced
    rework_free,     // 报价 on a reopened job whose quote was agreed: rework is not charged again
    quote_in_review, // quoted, a supervisor has not approved the quote yet
    not_off_list,    // 报价 for a ticket that needs none (free, or on the price list)
};

[[nodiscard]] const std::error_category& lifecycle_category() noexcept;
[[nodiscard]] inline std::error_code make_error_code(LifecycleErrc e) noexcept {
    return {static_cast<int>(e), lifecycle_category()};
}

}  // namespace repairbot::bot

template <>
struct std::is_error_code_enum<repairbot::bot::LifecycleErrc> : std::true_type {};

namespace repairbot::bot {

// True while the ticket is with a technician and not finished: dispatched, accepted, arrived.
[[nodiscard]] bool is_open_job(const store::Ticket& t);
// is_open_job for a ticket known only by its status (a progress row).
[[nodiscard]] bool is_open_job_status(std::string_view status);
// True for a paid repair outside the price list (quote and agreement before work).
[[nodiscard]] bool needs_quote(const store::Ticket& t);
// True while a quote is made and not answered yet: in a supervisor's review or put to the owner.
[[nodiscard]] bool quote_waiting(const store::Ticket& t);

// 接单: dispatched → accepted by its technician.
[[nodiscard]] Result<store::Ticket> accept_job(store::Ticket t, std::uint64_t technician_id,
                                               store::Timestamp now);
// 报价: the technician quotes a paid repair off the price list (dispatched, accepted or arrived;
// an unaccepted job is accepted at the same time). Sets quote_status pending and the amount. A
// pending or agreed quote may be replaced (the work turned out bigger): pending again, the owner
// asked again; the quote stage's time and verdict stay those of the first quote. After a refusal
// there is no job left to quote (a refusal cancels); a reopened job (返修) whose quote was agreed
// is not quoted again (rework_free).
// With `review` (the desk has a supervisor to review quotes, DOMAIN.md) the quote waits for the
// supervisor instead (quote_status review): the owner is asked, and the quote stage met, when
// approve_quote passes it on.
[[nodiscard]] Result<store::Ticket> quote_job(store::Ticket t, std::uint64_t technician_id,
                                              std::uint32_t cents, store::Timestamp now,
                                              bool review = false);
// A supervisor approves a quote under review (核准), at the technician's amount or at `cents`
// (their own): put to the owner (pending), the quote stage met now; quote_changed when `seen`
// (the amount the supervisor was shown) is not the one quoted now. Rejects (驳回) it back to
// the technician: required again, amount cleared (they quote again) — or, for a raise of a
// quote the owner had agreed to (`agreed_before`, that amount), agreed at it again. Both only on
// an open job.
[[nodiscard]] Result<store::Ticket> approve_quote(store::Ticket t,
                                                  std::optional<std::uint32_t> cents,
                                                  std::optional<std::int64_t> seen,
                                                  store::Timestamp now);
[[nodiscard]] Result<store::Ticket> reject_quote(store::Ticket t,
                                                 std::optional<std::uint32_t> agreed_before,
                                                 store::Timestamp now);
// 到达: accepted → arrived (an unaccepted job is accepted at the same time). Arriving is not
// working: allowed before an off-list repair's quote is agreed, so the arrival is on record.
[[nodiscard]] Result<store::Ticket> arrive_job(store::Ticket t, std::uint64_t technician_id,
                                               store::Timestamp now);
// 完成 [费用 N] [note]: accepted or arrived → done (arrival recorded now when it was skipped).
// Refused with quote_required / quote_in_review / quote_pending until the owner agreed to the
// quote of an off-list repair (DOMAIN.md: work starts only after the owner agrees). `fee_cents`
// as given (the caller checks it against the price list); for an agreed quote without a fee,
// the quote is the fee. A 返修 (reopen_count > 0) is not charged again: a new fee is refused
// with rework_free, and the first visit's fee stays on the ticket.
[[nodiscard]] Result<store::Ticket> finish_job(store::Ticket t, std::uint64_t technician_id,
                                               std::optional<std::uint32_t> fee_cents,
                                               std::string note, store::Timestamp now);
// The price the owner had agreed to when the quote now waiting (for review or for the owner) was
// made (a raise of an agreed quote), replayed from the audit log: the owner's agreement sets the
// price in force, a rejected raise or a hand-over sets it to what it restored (restored_cents;
// nothing when it restored nothing), and a quote
// (a raise, or a correction of one still in review) leaves it in force until the owner agrees
// to another. nullopt: none.
[[nodiscard]] std::optional<std::uint32_t> agreed_before_raise(
    const std::vector<store::TicketEvent>& events);

// 转单: dispatched or accepted → new, no technician: back in the queue, waiting for someone else;
// a quote not answered yet goes with them (required again: the next technician quotes) — a
// raise of an agreed quote (`agreed_before`, agreed_before_raise) falls back to the agreement
// (the caller re-dispatches with this technician excluded; with nobody free, a dispatcher gives
// it by hand).
[[nodiscard]] Result<store::Ticket> hand_over_job(
    store::Ticket t, std::uint64_t technician_id, store::Timestamp now,
    std::optional<std::uint32_t> agreed_before = std::nullopt);
// The owner agrees to / refuses the pending quote of `cents` (the amount the owner was shown):
// quote_changed when the technician has quoted another amount since. Refusal cancels, the
// reason kept.
[[nodiscard]] Result<store::Ticket> agree_quote(store::Ticket t, std::int64_t cents,
                                                store::Timestamp now);
[[nodiscard]] Result<store::Ticket> refuse_quote(store::Ticket t, std::int64_t cents,
                                                 std::string reason, store::Timestamp now);
// Whether the owner may still call the repair off in chat: new, dispatched or accepted, never on
// site and never quoted (报价 is made on site, and 完成 may come without 到达; an off-list repair
// that only requires a quote is cancellable, one quoted and then rejected or handed over is not)
// and no 返修 (the first visit was done and paid). Otherwise it is the technician's to finish or
// the dispatchers' to settle.
[[nodiscard]] bool owner_may_cancel(const store::Ticket& t);
// The same rule read from a progress row (the owner's list of what can be cancelled).
[[nodiscard]] bool owner_may_cancel(const store::TicketProgress& t);
// The owner calls the repair off (取消 BX…): → cancelled, the reason 业主取消 kept, when
// owner_may_cancel; wrong_status otherwise.
[[nodiscard]] Result<store::Ticket> cancel_by_owner(store::Ticket t, store::Timestamp now);
// 修好了: done → confirmed.
[[nodiscard]] Result<store::Ticket> confirm_fixed(store::Ticket t, store::Timestamp now);
// A rating: confirmed (or done: a rating implies the fix was accepted) → rated.
[[nodiscard]] Result<store::Ticket> rate_job(store::Ticket t, store::Timestamp now);
// → closed, from done (auto-close: confirmed at the same time), confirmed or rated.
[[nodiscard]] Result<store::Ticket> close_job(store::Ticket t, store::Timestamp now);
// 返修: done, confirmed, rated or closed → dispatched to the same technician, reopen_count + 1,
// the done/confirmed/rated/closed times cleared, Ticket::revisit started at `now` with the
// urgency's acceptance, arrival and finish limits (a booked visit is not honoured again; a
// planned job's finish: planned_date_fallback, its planned date being over) counted from `now`,
// or from the revisit's acceptance or arrival where [stage_starts] counts the stage from those
// (set then: start_stage_clocks); the first visit's times and
// verdicts stay (bot/ticket_stages.h; the first reopen keeps its finish in Ticket::first_finish),
// and so does the fee (rework is free). `emergency`: the
// owner's words name a danger (还是不行，有燃气味) — the ticket becomes an emergency, and the
// revisit's limits are an emergency's; the urgency it had is kept as Ticket::first_urgency (by
// the first raise only), the one the first visit's deadlines were set in.
[[nodiscard]] Result<store::Ticket> reopen_job(store::Ticket t, const config::SlaData& sla,
                                               store::Timestamp now, bool emergency = false);

// Who asks for a 返修 and why.
struct ReopenRequest {
    std::string actor;       // the owner's openid, or "callback"
    std::string actor_role;  // "owner" or "dispatcher"
    std::string why;         // their words, kept on the audit event and the complaint
    // The owner's words name harm or damage (FaultCatalog::is_serious_complaint), or the
    // dispatcher marked the call serious: DOMAIN.md's serious complaint, filed on this reopen
    // whatever its count and told to the manager at once.
    bool serious = false;
    // The words name a danger (dialog::ReportNotFixed::emergency): reopen_job's `emergency`.
    bool emergency = false;
};

// What reopen_ticket did.
struct Reopened {
    store::Ticket ticket;                     // as saved
    std::optional<std::uint64_t> complaint;   // the complaint opened (second reopen, or serious)
};

// 返修 through the store, in one transaction: reopen_job, an audit event "reopened" (actor,
// role, why), the technician told (a "notify" outbox row, event job_reopened), and a complaint
// (source "reopen") with its callback due per the follow-up policy on the second reopen
// (reopen_count reaches 2, the supervisors told: staff_reopened_twice) or on a serious request
// (severity "serious", on any reopen: the supervisors and the managers told,
// staff_reopen_serious; no manager to tell is logged). The staff notes are worded by `notices`
// (staff_reopen_unassigned when the technician cannot be reached: disabled, off duty or not on
// WeChat — the job stays theirs to accept). Retries a concurrent change.
// `with` (optional) writes what must commit with the reopen (e.g. the callback that asked for
// it); it runs inside the transaction of every attempt, and its error aborts with nothing
// written. Blocking; runs on the connection given. StoreErrc::not_found, the LifecycleErrc of
// reopen_job, or `with`'s error.
[[nodiscard]] Result<Reopened> reopen_ticket(
    sql::Connection& c, const config::SlaData& sla, const config::Notices& notices,
    std::uint64_t ticket_id, const ReopenRequest& request, store::Timestamp now,
    const std::function<Status(sql::Connection&)>& with = {});

}  // namespace repairbot::bot
