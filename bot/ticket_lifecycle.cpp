#include "bot/ticket_lifecycle.h"

#include <algorithm>

#include <cppconn/connection.h>
#include <nlohmann/json.hpp>

#include "bot/callback_desk.h"
#include "bot/staff_notice.h"
#include "bot/ticket_stages.h"
#include "bot/timer_plan.h"
#include "config/log.h"
#include "dialog/catalog.h"
#include "dialog/sla_policy.h"
#include "dialog/text.h"
#include "store/errors.h"
#include "store/feedback_repository.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"
#include "store/transaction.h"

namespace repairbot::bot {

namespace ts = store::ticket_status;

namespace {

class LifecycleCategory : public std::error_category {
public:
    const char* name() const noexcept override { return "lifecycle"; }
    std::string message(int ev) const override {
        switch (static_cast<LifecycleErrc>(ev)) {
            case LifecycleErrc::not_yours: return "the ticket is not with this technician";
            case LifecycleErrc::wrong_status: return "the move does not apply in the ticket's status";
            case LifecycleErrc::quote_required: return "a quote and the owner's agreement are needed first";
            case LifecycleErrc::quote_pending: return "the owner has not agreed to the quote yet";
            case LifecycleErrc::quote_changed:
                return "the quote was changed since the owner saw it";
            case LifecycleErrc::rework_free: return "a reopened job is not charged again";
            case LifecycleErrc::quote_in_review: return "the quote waits for a supervisor's approval";
            case LifecycleErrc::not_off_list: return "the ticket needs no quote";
        }
        return "unknown lifecycle error";
    }
};

Error wrong_status(const store::Ticket& t, const char* move) {
    return Error{LifecycleErrc::wrong_status, std::string(move) + " from status " + t.status};
}

bool status_in(const store::Ticket& t, std::initializer_list<const char*> statuses) {
    for (const char* s : statuses)
        if (t.status == s) return true;
    return false;
}

// Sets the milestone the first time it is reached; judges the stage once, when first met.
void reach(std::optional<store::Timestamp>& at, std::optional<bool>& late,
           const std::optional<store::Timestamp>& due, store::Timestamp now) {
    if (!at) at = now;
    if (due && !late) late = now > *due;
}
void reach(std::optional<store::Timestamp>& at, store::Timestamp now) {
    if (!at) at = now;
}

// The stage met at `now` by the current visit (the first, or a reopened job's revisit:
// bot/ticket_stages.h): its time and verdict, each recorded once.
void reach(store::Ticket& t, dialog::Stage s, store::Timestamp now) {
    reach(stage_met(t, s), stage_late(t, s), stage_due(t, s), now);
}

Status check_technician(const store::Ticket& t, std::uint64_t technician_id) {
    if (!t.technician_id || *t.technician_id != technician_id)
        return Error{LifecycleErrc::not_yours, "ticket " + t.number};
    return Ok{};
}

// A waiting quote dropped (rejected, or gone with a hand-over): the price the owner had agreed
// to before it was raised stands; without one, a quote is required again.
void drop_waiting_quote(store::Ticket& t, std::optional<std::uint32_t> agreed_before) {
    if (agreed_before) {
        t.quote_status = store::quote_status::agreed;
        t.quote_cents = *agreed_before;
    } else {
        t.quote_status = store::quote_status::required;
        t.quote_cents.reset();
    }
}

// The owner answers the amount shown; a quote replaced since is not the one answered.
Status check_amount(const store::Ticket& t, std::int64_t cents) {
    if (!t.quote_cents || static_cast<std::int64_t>(*t.quote_cents) != cents)
        return Error{LifecycleErrc::quote_changed, "ticket " + t.number};
    return Ok{};
}

// Work on an off-list paid repair waits for the owner's agreement.
Status check_quote(const store::Ticket& t) {
    if (t.quote_status == store::quote_status::required)
        return Error{LifecycleErrc::quote_required, "ticket " + t.number};
    if (t.quote_status == store::quote_status::pending)
        return Error{LifecycleErrc::quote_pending, "ticket " + t.number};
    if (t.quote_status == store::quote_status::review)
        return Error{LifecycleErrc::quote_in_review, "ticket " + t.number};
    return Ok{};
}

}  // namespace

const std::error_category& lifecycle_category() noexcept {
    static const LifecycleCategory category;
    return category;
}

bool is_open_job_status(std::string_view status) {
    return status == ts::dispatched || status == ts::accepted || status == ts::arrived;
}

bool is_open_job(const store::Ticket& t) {
    return is_open_job_status(t.status);
}

bool needs_quote(const store::Ticket& t) {
    return t.quote_status == store::quote_status::required || quote_waiting(t);
}

bool quote_waiting(const store::Ticket& t) {
    return t.quote_status == store::quote_status::review ||
           t.quote_status == store::quote_status::pending;
}

Result<store::Ticket> accept_job(store::Ticket t, std::uint64_t technician_id, store::Timestamp now) {
    if (auto ok = check_technician(t, technician_id); !ok) return ok.error();
    if (t.status != ts::dispatched) return wrong_status(t, "accept");
    t.status = ts::accepted;
    reach(t, dialog::Stage::accept, now);
    return t;
}

Result<store::Ticket> quote_job(store::Ticket t, std::uint64_t technician_id, std::uint32_t cents,
                                store::Timestamp now, bool review) {
    if (auto ok = check_technician(t, technician_id); !ok) return ok.error();
    if (!status_in(t, {ts::dispatched, ts::accepted, ts::arrived})) return wrong_status(t, "quote");
    if (!needs_quote(t) && t.quote_status != store::quote_status::agreed)
        return Error{LifecycleErrc::not_off_list, "ticket " + t.number};
    // 返修 is not charged again (reopen_job keeps the fee): no new quote to agree to.
    if (t.quote_status == store::quote_status::agreed && t.reopen_count > 0)
        return Error{LifecycleErrc::rework_free, "ticket " + t.number};
    if (t.status == ts::dispatched) {
        t.status = ts::accepted;
        reach(t, dialog::Stage::accept, now);
    }
    t.quote_cents = cents;
    if (review) {  // the supervisor's approval is the quote (approve_quote)
        t.quote_status = store::quote_status::review;
        return t;
    }
    t.quote_status = store::quote_status::pending;
    t.quote_asked_at = now;
    reach(t, dialog::Stage::quote, now);
    return t;
}

Result<store::Ticket> approve_quote(store::Ticket t, std::optional<std::uint32_t> cents,
                                    std::optional<std::int64_t> seen, store::Timestamp now) {
    if (t.quote_status != store::quote_status::review || !is_open_job(t))
        return wrong_status(t, "approve the quote");
    if (seen)
        if (auto ok = check_amount(t, *seen); !ok) return ok.error();
    if (cents) t.quote_cents = *cents;
    t.quote_status = store::quote_status::pending;
    t.quote_asked_at = now;
    reach(t, dialog::Stage::quote, now);
    return t;
}

Result<store::Ticket> reject_quote(store::Ticket t, std::optional<std::uint32_t> agreed_before,
                                   store::Timestamp) {
    if (t.quote_status != store::quote_status::review || !is_open_job(t))
        return wrong_status(t, "reject the quote");
    drop_waiting_quote(t, agreed_before);
    return t;
}

Result<store::Ticket> arrive_job(store::Ticket t, std::uint64_t technician_id, store::Timestamp now) {
    if (auto ok = check_technician(t, technician_id); !ok) return ok.error();
    if (!status_in(t, {ts::dispatched, ts::accepted})) return wrong_status(t, "arrive");
    reach(t, dialog::Stage::accept, now);
    t.status = ts::arrived;
    reach(t, dialog::Stage::arrive, now);
    return t;
}

Result<store::Ticket> finish_job(store::Ticket t, std::uint64_t technician_id,
                                 std::optional<std::uint32_t> fee_cents, std::string note,
                                 store::Timestamp now) {
    if (auto ok = check_technician(t, technician_id); !ok) return ok.error();
    if (!status_in(t, {ts::accepted, ts::arrived})) return wrong_status(t, "finish");
    if (auto ok = check_quote(t); !ok) return ok.error();
    // A 返修 is not charged again: the first visit's fee stands (the same amount resent, or 0, is
    // no new charge).
    if (t.reopen_count > 0 && fee_cents && *fee_cents > 0 && fee_cents != t.fee_cents)
        return Error{LifecycleErrc::rework_free, "ticket " + t.number};
    reach(t, dialog::Stage::arrive, now);
    t.status = ts::done;
    reach(t, dialog::Stage::finish, now);
    if (t.reopen_count == 0) {  // a 返修 keeps the first visit's fee
        if (fee_cents) {
            t.fee_cents = fee_cents;
        } else if (t.quote_status == store::quote_status::agreed && t.quote_cents) {
            t.fee_cents = t.quote_cents;
        }
    }
    t.done_note = std::move(note);
    return t;
}

std::optional<std::uint32_t> agreed_before_raise(const std::vector<store::TicketEvent>& events) {
    std::optional<std::uint32_t> agreed, at_raise;
    auto cents_in = [](const store::TicketEvent& e,
                       const char* key) -> std::optional<std::uint32_t> {
        auto j = nlohmann::json::parse(e.details, nullptr, false);
        if (!j.is_object() || !j.contains(key) || !j[key].is_number_unsigned()) return std::nullopt;
        return j[key].get<std::uint32_t>();
    };
    for (const auto& e : events) {
        if (e.type == "quote_agreed") {
            agreed = cents_in(e, "quote_cents");
        } else if (e.type == "quoted") {
            at_raise = agreed;
        } else if (e.type == "quote_rejected") {
            agreed = cents_in(e, "restored_cents");
        } else if (e.type == "handed_over") {  // a raise dropped with the job: the agreement
            if (auto restored = cents_in(e, "restored_cents")) agreed = restored;
        }
    }
    return at_raise;
}

Result<store::Ticket> hand_over_job(store::Ticket t, std::uint64_t technician_id, store::Timestamp,
                                    std::optional<std::uint32_t> agreed_before) {
    if (auto ok = check_technician(t, technician_id); !ok) return ok.error();
    if (!status_in(t, {ts::dispatched, ts::accepted})) return wrong_status(t, "hand over");
    // Back in the queue (status new) until someone else has it: no longer theirs, it leaves their
    // list and load, a repeated 转单 finds nothing to do, and while nobody can take it the
    // dispatchers see it waiting (the queue note's count, GET /api/tickets?status=new) and give
    // it by hand (POST /api/tickets/{number}/dispatch).
    t.status = ts::new_;
    t.technician_id.reset();
    // A quote not answered yet (in review or put to the owner) was this technician's: whoever
    // takes the job quotes afresh — unless it raised a quote the owner had agreed to, which
    // stands, as does an agreed one (the owner agreed to the desk's price).
    if (quote_waiting(t)) drop_waiting_quote(t, agreed_before);
    return t;
}

Result<store::Ticket> agree_quote(store::Ticket t, std::int64_t cents, store::Timestamp) {
    if (t.quote_status != store::quote_status::pending || !is_open_job(t))
        return wrong_status(t, "agree to the quote");
    if (auto ok = check_amount(t, cents); !ok) return ok.error();
    t.quote_status = store::quote_status::agreed;
    return t;
}

Result<store::Ticket> refuse_quote(store::Ticket t, std::int64_t cents, std::string reason,
                                   store::Timestamp now) {
    if (t.quote_status != store::quote_status::pending || !is_open_job(t))
        return wrong_status(t, "refuse the quote");
    if (auto ok = check_amount(t, cents); !ok) return ok.error();
    t.quote_status = store::quote_status::refused;
    t.status = ts::cancelled;
    t.cancel_reason = reason.empty() ? "业主不同意报价" : "业主不同意报价：" + reason;
    reach(t.at.cancelled, now);
    return t;
}

namespace {

bool owner_may_cancel(std::string_view status, std::uint32_t reopen_count,
                      std::string_view quote_status, bool visited) {
    return (status == ts::new_ || status == ts::dispatched || status == ts::accepted) &&
           reopen_count == 0 &&
           (quote_status == store::quote_status::none ||
            quote_status == store::quote_status::required) &&
           !visited;
}

}  // namespace

bool owner_may_cancel(const store::Ticket& t) {
    return owner_may_cancel(t.status, t.reopen_count, t.quote_status,
                            t.at.arrived.has_value() || t.at.quoted.has_value());
}

bool owner_may_cancel(const store::TicketProgress& t) {
    return owner_may_cancel(t.status, t.reopen_count, t.quote_status, t.visited);
}

Result<store::Ticket> cancel_by_owner(store::Ticket t, store::Timestamp now) {
    if (!owner_may_cancel(t)) return wrong_status(t, "cancel");
    t.status = ts::cancelled;
    t.cancel_reason = "业主取消";
    reach(t.at.cancelled, now);
    return t;
}

Result<store::Ticket> confirm_fixed(store::Ticket t, store::Timestamp now) {
    if (t.status != ts::done) return wrong_status(t, "confirm");
    t.status = ts::confirmed;
    reach(t.at.confirmed, now);
    return t;
}

Result<store::Ticket> rate_job(store::Ticket t, store::Timestamp now) {
    if (!status_in(t, {ts::done, ts::confirmed})) return wrong_status(t, "rate");
    t.status = ts::rated;
    reach(t.at.confirmed, now);
    reach(t.at.rated, now);
    return t;
}

Result<store::Ticket> close_job(store::Ticket t, store::Timestamp now) {
    if (!status_in(t, {ts::done, ts::confirmed, ts::rated})) return wrong_status(t, "close");
    t.status = ts::closed;
    reach(t.at.confirmed, now);
    reach(t.at.closed, now);
    return t;
}

Result<store::Ticket> reopen_job(store::Ticket t, const config::SlaData& sla, store::Timestamp now,
                                 bool emergency) {
    if (!status_in(t, {ts::done, ts::confirmed, ts::rated, ts::closed})) return wrong_status(t, "reopen");
    if (!t.technician_id) return Error{LifecycleErrc::not_yours, "ticket " + t.number + " has no technician"};
    t.status = ts::dispatched;
    // The first visit's finish stays for the figures (store::FirstFinish): the first reopen keeps
    // when it was done and, unless a breach kept it already, the deadline it had.
    if (t.reopen_count == 0) {
        t.first_finish.done = t.at.done;
        if (!t.first_finish.due) t.first_finish.due = t.due.finish;
    }
    t.reopen_count += 1;
    t.at.done.reset();
    t.at.confirmed.reset();
    t.at.rated.reset();
    t.at.closed.reset();
    // The fee charged stays: the rework (返修) of the same fault is not charged again.
    t.done_note.clear();
    // The revisit is accepted and attended in the urgency's limits again, counted from now (a
    // visit booked for the first one is over); the first visit's times and verdicts stay.
    t.revisit = store::Revisit{};
    t.revisit.reopened = now;
    const std::string raised(dialog::to_string(dialog::Urgency::emergency));
    if (emergency && t.urgency != raised) {
        // The first visit's deadlines and verdicts stay in the limits they were set in.
        if (!t.first_urgency) t.first_urgency = t.urgency;
        t.urgency = raised;
    }
    // Each revisited stage's deadline where stage_due keeps it now (the revisit's acceptance and
    // arrival, the one finish), from the reopen, or — a desk counting it from the acceptance or
    // the arrival ([stage_starts]) — from the revisit's, once made (start_stage_clocks); a
    // planned job's rework has no planned date: planned_date_fallback.
    t.due.finish.reset();
    start_stage_clocks(t, sla);
    return t;
}

Result<Reopened> reopen_ticket(sql::Connection& c, const config::SlaData& sla,
                               const config::Notices& notices, std::uint64_t ticket_id,
                               const ReopenRequest& request, store::Timestamp now,
                               const std::function<Status(sql::Connection&)>& with) {
    constexpr int kMaxConflicts = 5;
    for (int attempt = 0; attempt < kMaxConflicts; ++attempt) {
        auto found = store::TicketRepository::find_by_id(c, ticket_id);
        if (!found) return found.error();
        auto reopened = reopen_job(*found, sla, now, request.emergency);
        if (!reopened) return reopened.error();
        const store::Ticket& t = *reopened;

        Reopened out;
        // The technician it goes back to: the one who did the visit reopened (the figures group
        // a reopened ticket by its first visit's, store/stats_repository.cpp).
        const std::string& why = request.why;
        nlohmann::json details = {{"why", why}, {"reopen_count", t.reopen_count}, {"technician_id", *t.technician_id}};
        if (t.urgency != found->urgency) details["urgency"] = {found->urgency, t.urgency};
        nlohmann::json job = {{"event", "job_reopened"},
                              {"number", t.number},
                              {"address", t.address},
                              {"fault_type", t.fault_type},
                              {"urgency", dialog::urgency_word(t.urgency)},
                              {"text", why},
                              {"reopen_count", std::to_string(t.reopen_count)}};
        // The revisit's own deadlines, as a new job's push gives them.
        const auto offset = sla.calendar.utc_offset();
        if (t.revisit.accept_due) job["accept_by"] = local_time_text(*t.revisit.accept_due, offset);
        if (t.revisit.arrive_due) job["arrive_by"] = local_time_text(*t.revisit.arrive_due, offset);
        std::vector<store::NewOutbox> outbox;
        // The job push goes to the technician's WeChat, while they are bound, active and on duty
        // (after 下班 the dispatchers decide: it stays theirs to 接单 when back).
        auto tech = store::bound_technician_of(c, t);
        const bool reachable = tech && store::takes_jobs_now(*tech);
        if (reachable) outbox.push_back({"notify", *tech->openid, job.dump(), std::nullopt});
        // The dispatchers are asked to give it (staff_reopen_unassigned): JobDesk tells them when
        // it is taken after all.
        if (!reachable) details["dispatchers_asked"] = true;

        // Rows written before TicketRepository::update commit with it (its transaction nests as a
        // savepoint of this one) or roll back with it on a conflict, and are written again next round.
        store::Transaction tx(c);
        if (with)
            if (auto written = with(c); !written) return written.error();
        if (!reachable)
            notify_staff(c, StaffRole::dispatcher, t.id, "reopen_unassigned",
                         notices.render("staff_reopen_unassigned", {{"number", t.number},
                                                                    {"fault_type", t.fault_type},
                                                                    {"address", t.address}}),
                         now);
        const bool twice = t.reopen_count == 2;
        ComplaintTold told;  // of the complaint a reopen files
        if (twice || request.serious) {
            store::Complaint complaint;
            complaint.ticket_id = t.id;
            complaint.owner_openid = t.owner_openid;
            complaint.source = "reopen";
            complaint.severity = request.serious ? "serious" : "normal";
            // `why` may be a dispatcher's whole callback note (2,048 characters).
            const std::string text =
                notices.render(twice ? "complaint_reopened_twice" : "complaint_reopened",
                               {{"number", t.number}, {"why", why}});
            complaint.text = std::string(dialog::text::first_chars(text, store::kComplaintTextChars));
            complaint.created_at = now;
            out.complaint = open_complaint(c, complaint, sla, now);
            const auto id = std::to_string(*out.complaint);
            if (twice)
                told.supervisors = notify_staff(
                    c, StaffRole::supervisor, t.id, "reopened_twice",
                    notices.render("staff_reopened_twice", {{"number", t.number},
                                                            {"fault_type", t.fault_type},
                                                            {"address", t.address},
                                                            {"id", id}}),
                    now);
            if (request.serious) {
                const std::string note = notices.render(
                    "staff_reopen_serious", {{"number", t.number},
                                             {"fault_type", t.fault_type},
                                             {"address", t.address},
                                             {"id", id},
                                             {"why", why},
                                             {"owner", owner_contact(c, notices, t.owner_openid)}});
                // The supervisors hear it serious even when the second reopen's note told them too.
                const auto serious = tell_complaint_note(c, t.id, note, /*serious=*/true, now);
                told.supervisors = std::max(told.supervisors, serious.supervisors);
                told.managers = serious.managers;
            }
        }
        auto saved = store::TicketRepository::update(
            c, t, {request.actor, request.actor_role, "reopened", details.dump()}, outbox, now);
        if (!saved) {
            if (saved.code() == store::make_error_code(store::StoreErrc::version_conflict)) continue;
            return saved.error();
        }
        tx.commit();
        if (out.complaint)
            warn_untold("jobs", *out.complaint, told, request.serious,
                        log::Field{"number", t.number});
        out.ticket = std::move(*saved);
        return out;
    }
    return Error{store::StoreErrc::version_conflict, "ticket " + std::to_string(ticket_id) + " kept changing"};
}

}  // namespace repairbot::bot
