#include "bot/callback_desk.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <system_error>

#include "bot/staff_notice.h"
#include "config/log.h"
#include "dialog/sla_policy.h"
#include "dialog/text.h"
#include "store/errors.h"
#include "store/feedback_repository.h"
#include "store/ticket_repository.h"
#include "store/transaction.h"

namespace repairbot::bot {
namespace {

namespace chr = std::chrono;
using store::Timestamp;

Error invalid(std::string detail) {
    return Error{std::make_error_code(std::errc::invalid_argument), std::move(detail)};
}

// Characters of valid UTF-8 text; nullopt when it is not valid UTF-8 (MariaDB would refuse it).
std::optional<std::size_t> utf8_chars(std::string_view s) {
    if (!dialog::text::is_valid_utf8(s)) return std::nullopt;
    return dialog::text::length_in_chars(s);
}

Status check_text(std::string_view text, std::string_view name, std::size_t max_chars) {
    auto chars = utf8_chars(text);
    if (!chars) return invalid(std::string(name) + ": is not valid UTF-8 text; send it as UTF-8");
    if (*chars > max_chars)
        return invalid(std::string(name) + ": " + std::to_string(*chars) +
                       " characters is too long; keep it within " + std::to_string(max_chars));
    return Ok{};
}

Timestamp follow_up(const config::SlaData& sla, dialog::FollowUp f, Timestamp from) {
    auto due = dialog::follow_up_due(sla.policy, sla.calendar, f, chr::floor<chr::seconds>(from));
    return chr::time_point_cast<chr::milliseconds>(due);
}

}  // namespace

unsigned callback_bucket(std::string_view ticket_number) {
    std::uint64_t h = 14695981039346656037ull;  // FNV-1a 64
    for (unsigned char ch : ticket_number) {
        h ^= ch;
        h *= 1099511628211ull;
    }
    // The murmur3 finalizer: every input bit reaches the low bits the modulo reads.
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return static_cast<unsigned>(h % 100);
}

bool in_callback_sample(std::string_view ticket_number, int sample_percent) {
    if (sample_percent <= 0) return false;
    return static_cast<int>(callback_bucket(ticket_number)) < sample_percent;
}

std::uint64_t open_complaint(sql::Connection& c, const store::Complaint& complaint,
                             const config::SlaData& sla, Timestamp now) {
    const auto id = store::FeedbackRepository::add_complaint(c, complaint);
    store::Callback callback;
    callback.ticket_id = complaint.ticket_id;
    callback.complaint_id = id;
    callback.kind = "complaint";
    callback.due_at = follow_up(sla, dialog::FollowUp::complaint_callback, now);
    callback.created_at = now;
    (void)store::FeedbackRepository::add_callback(c, callback, store::complaint_callback_key(id));
    return id;
}

ComplaintTold tell_complaint(sql::Connection& c, const config::Notices& notices, std::uint64_t id,
                             const store::Complaint& complaint, const std::string& owner,
                             Timestamp now) {
    const bool serious = complaint.severity == "serious";
    const std::string note =
        notices.render(serious ? "staff_complaint_serious" : "staff_complaint",
                       {{"id", std::to_string(id)},
                        {"text", complaint.text.empty() ? notices.render("staff_complaint_empty")
                                                        : complaint.text},
                        {"owner", owner}});
    return tell_complaint_note(c, complaint.ticket_id, note, serious, now);
}

ComplaintTold tell_complaint_note(sql::Connection& c, std::optional<std::uint64_t> ticket_id,
                                  const std::string& note, bool serious, Timestamp now) {
    ComplaintTold told;
    told.supervisors = notify_staff(c, StaffRole::supervisor, ticket_id, "complaint", note, now);
    if (serious)
        told.managers = notify_staff(c, StaffRole::manager, ticket_id, "complaint", note, now);
    return told;
}

void warn_untold(std::string_view component, std::uint64_t complaint, const ComplaintTold& told,
                 bool serious, std::optional<log::Field> about) {
    auto warn = [&](std::string_view event, const char* fix) {
        if (about)
            log::warn(component, event, {*about, {"complaint", complaint}, {"fix", fix}});
        else
            log::warn(component, event, {{"complaint", complaint}, {"fix", fix}});
    };
    if (told.supervisors == 0)
        warn("no_supervisor_to_tell", "add one: repairbot technician add ... --supervisor");
    if (serious && told.managers == 0)
        warn("no_manager_to_tell", "add one: repairbot technician add ... --manager");
}

CallbackSubject callback_subject(sql::Connection& c, const config::Notices& notices,
                                 const store::Callback& cb,
                                 const std::optional<store::Ticket>& ticket) {
    CallbackSubject out;
    const std::string complaint = cb.complaint_id ? std::to_string(*cb.complaint_id) : "";
    if (ticket) {
        out.what = complaint.empty()
                       ? notices.render("callback_what_ticket", {{"number", ticket->number}})
                       : notices.render("callback_what_complaint_ticket",
                                        {{"complaint", complaint}, {"number", ticket->number}});
        out.owner_openid = ticket->owner_openid;
        out.contact = ticket_contact(*ticket, notices);
        return out;
    }
    if (cb.complaint_id) {
        out.what = notices.render("callback_what_complaint", {{"complaint", complaint}});
        if (auto filed = store::FeedbackRepository::find_complaint(c, *cb.complaint_id))
            out.owner_openid = filed->owner_openid;
    } else {
        out.what =
            notices.render(cb.kind == "handover" ? "callback_what_handover" : "callback_what",
                           {{"id", std::to_string(cb.id)}});
        out.owner_openid = cb.owner_openid.value_or("");
    }
    out.contact = out.owner_openid.empty() ? notices.render("staff_owner_unknown")
                                           : owner_contact(c, notices, out.owner_openid);
    return out;
}

HandoverOpened open_handover(sql::Connection& c, const std::string& owner_openid,
                             const config::SlaData& sla, Timestamp now,
                             std::optional<std::uint64_t> enquiry_ticket) {
    using Kind = HandoverOpened::Kind;
    store::Callback callback;
    callback.owner_openid = owner_openid;
    callback.enquiry_ticket_id = enquiry_ticket;
    callback.kind = "handover";
    callback.due_at = follow_up(sla, dialog::FollowUp::escalation, now);
    callback.created_at = now;
    if (auto added = store::FeedbackRepository::add_callback(c, callback, std::nullopt)) {
        callback.id = *added;
        return {std::move(callback), Kind::opened};
    }
    // The owner has one open (the insert waited for any other transaction filing it).
    auto open = store::FeedbackRepository::lock_open_handover(c, owner_openid);
    if (!open)
        throw std::runtime_error("callbacks: no open handover of the owner after a duplicate");
    if (open->enquiry_ticket_id && open->enquiry_ticket_id != enquiry_ticket) {
        store::FeedbackRepository::forget_enquiry(c, open->id);
        open->enquiry_ticket_id.reset();
    }
    if (open->due_at > now) return {std::move(*open), Kind::pending};
    open->due_at = callback.due_at;
    store::FeedbackRepository::move_callback_due(c, open->id, open->due_at);
    return {std::move(*open), Kind::renewed};
}

std::optional<store::Callback> settle_quote_enquiry(sql::Connection& c,
                                                    const std::string& owner_openid,
                                                    std::uint64_t ticket_id,
                                                    const std::string& notes, Timestamp now) {
    auto open = store::FeedbackRepository::open_handover(c, owner_openid);
    if (!open || open->enquiry_ticket_id != ticket_id) return std::nullopt;
    if (!store::FeedbackRepository::settle_enquiry(c, open->id, ticket_id, "bot", notes, now))
        return std::nullopt;  // answered, or joined by something else, meanwhile
    open->done_at = now;
    open->done_by = "bot";
    open->notes = notes;
    return open;
}

std::optional<std::uint64_t> queue_repair_callback(sql::Connection& c, const store::Ticket& ticket,
                                                   const config::SlaData& sla, Timestamp now) {
    if (!in_callback_sample(ticket.number, sla.callbacks.sample_percent)) return std::nullopt;
    store::Callback cb;
    cb.ticket_id = ticket.id;
    cb.kind = "sample";
    cb.due_at = follow_up(sla, dialog::FollowUp::repair_callback, now);
    cb.created_at = now;
    auto added = store::FeedbackRepository::add_callback(c, cb, store::sample_callback_key(ticket.id));
    if (!added) return std::nullopt;  // duplicate: this ticket's sample callback exists
    return *added;
}

Result<CallbackReport> check_callback_report(CallbackReport report, std::string_view prefix) {
    const std::string p(prefix);
    if (report.outcome != "satisfied" && report.outcome != "unsatisfied" &&
        report.outcome != "unreachable") {
        return invalid(p + "outcome: '" + report.outcome +
                       "' is not an outcome; use satisfied, unsatisfied or unreachable");
    }
    if (report.serious && report.outcome != "unsatisfied") {
        return invalid(p + "serious: only an unsatisfied callback files a complaint (outcome is " +
                       report.outcome + "); leave " + p + "serious out or record unsatisfied");
    }
    if (report.reopen && report.outcome != "unsatisfied") {
        return invalid(p + "reopen: only an unsatisfied callback reopens the ticket (outcome is " +
                       report.outcome + "); leave " + p + "reopen out or record unsatisfied");
    }
    if (auto ok = check_text(report.notes, p + "notes", kMaxNotesChars); !ok) return ok.error();
    auto by = check_by(std::move(report.by), prefix);
    if (!by) return by.error();
    report.by = std::move(*by);
    return report;
}

Result<std::string> check_resolution(std::string resolution, std::string_view prefix) {
    const std::string name = std::string(prefix) + "resolution";
    if (resolution.find_first_not_of(" \t\r\n") == std::string::npos)
        return invalid(name + ": is required; say how the complaint was handled");
    if (auto ok = check_text(resolution, name, kMaxNotesChars); !ok) return ok.error();
    return resolution;
}

Result<std::string> check_by(std::string by, std::string_view prefix) {
    if (auto ok = check_text(by, std::string(prefix) + "by", kMaxByChars); !ok) return ok.error();
    if (by.empty()) by = "dispatcher";
    return by;
}

namespace {

// The ticket closed (not yet saved) when it is rated, no callback about it is open and no
// complaint about it waits to be handled; nullopt otherwise. Reads inside the caller's
// transaction.
std::optional<store::Ticket> closable_rated(sql::Connection& c, std::uint64_t ticket_id,
                                            Timestamp now) {
    if (store::FeedbackRepository::open_callbacks_for_ticket(c, ticket_id) > 0) return std::nullopt;
    // An owner called (unreached, or satisfied with the call) before their complaint was handled
    // still waits for its handling, and usually a callback after it: the ticket stays rated.
    if (store::FeedbackRepository::open_complaints_for_ticket(c, ticket_id) > 0)
        return std::nullopt;
    auto t = store::TicketRepository::find_by_id(c, ticket_id);
    if (!t || t->status != store::ticket_status::rated) return std::nullopt;
    auto closed = close_job(std::move(*t), now);
    if (!closed) return std::nullopt;
    return std::move(*closed);
}

}  // namespace

Result<std::optional<store::Ticket>> close_rated_ticket(
    sql::Connection& c, std::uint64_t ticket_id, const store::NewEvent& event, Timestamp now,
    const std::function<Status(sql::Connection&)>& with) {
    constexpr int kMaxConflicts = 5;
    for (int attempt = 1;; ++attempt) {
        store::Transaction tx(c);
        if (with)
            if (auto written = with(c); !written) return written.error();
        auto closed = closable_rated(c, ticket_id, now);
        if (!closed) {
            tx.commit();
            return std::optional<store::Ticket>{};
        }
        // `with`'s rows commit together with the close, or roll back with a conflict.
        auto saved = store::TicketRepository::update(c, *closed, event, {}, now);
        if (saved) {
            tx.commit();
            return std::optional<store::Ticket>{std::move(*saved)};
        }
        if (saved.code() != store::make_error_code(store::StoreErrc::version_conflict) ||
            attempt >= kMaxConflicts)
            return saved.error();
    }
}

namespace {

// What an unsatisfied callback without rework leads to, written on `c` inside the caller's
// transaction after the report (mark_callback_done): a still-open complaint of its own is
// reminded of, anything else becomes a complaint of source "callback" (a handled complaint of
// its own closed: the new one carries on). Fills out.complaint or out.reminded.
ComplaintTold follow_unsatisfied(sql::Connection& c, const config::SlaData& sla,
                                 const config::Notices& notices, const store::CallbackEntry& found,
                                 const CallbackReport& report, const std::string& why,
                                 Timestamp now, CallbackDone& out) {
    std::optional<store::Ticket> ticket;
    if (found.ticket_id)
        if (auto t = store::TicketRepository::find_by_id(c, *found.ticket_id))
            ticket = std::move(*t);
    const auto subject = callback_subject(c, notices, found.callback, ticket);
    std::optional<store::Complaint> about;
    if (found.callback.complaint_id)
        if (auto x = store::FeedbackRepository::find_complaint(c, *found.callback.complaint_id))
            about = std::move(*x);
    if (about && about->status == "open") {
        const std::string note =
            notices.render("staff_complaint_still_open",
                           {{"id", std::to_string(about->id)},
                            {"notes", report.notes.empty() ? notices.render("staff_complaint_empty")
                                                           : report.notes},
                            {"owner", subject.contact}});
        out.reminded = about->id;
        // The call found it serious (harm, damage): the complaint is recorded so, as its note says.
        if (report.serious) (void)store::FeedbackRepository::make_serious(c, about->id);
        return tell_complaint_note(c, about->ticket_id, note, report.serious, now);
    }
    // A handled complaint called back unsatisfied is closed: the new one carries on.
    if (about) (void)store::FeedbackRepository::close_complaint(c, about->id);
    store::Complaint complaint;
    complaint.ticket_id = found.ticket_id;
    complaint.owner_openid = subject.owner_openid;
    complaint.source = "callback";
    complaint.severity = report.serious ? "serious" : "normal";
    complaint.text = std::string(dialog::text::first_chars(
        notices.render("complaint_callback", {{"what", subject.what}, {"why", why}}),
        store::kComplaintTextChars));
    complaint.created_at = now;
    out.complaint = open_complaint(c, complaint, sla, now);
    return tell_complaint(c, notices, *out.complaint, complaint, subject.contact, now);
}

// A complaint's callback made (satisfied, or the owner unreached) before the complaint's handling
// was recorded: its ticket waits for that handling (closable_rated), which no timer asks for —
// the supervisors are told now to record it. Fills out.reminded; nothing for any other callback
// (told nobody then).
ComplaintTold remind_unhandled(sql::Connection& c, const config::Notices& notices,
                               const store::CallbackEntry& found, const CallbackReport& report,
                               Timestamp now, CallbackDone& out) {
    if (!found.callback.complaint_id) return {};
    auto about = store::FeedbackRepository::find_complaint(c, *found.callback.complaint_id);
    if (!about || about->status != "open") return {};
    std::optional<store::Ticket> ticket;
    if (found.ticket_id)
        if (auto t = store::TicketRepository::find_by_id(c, *found.ticket_id))
            ticket = std::move(*t);
    const auto subject = callback_subject(c, notices, found.callback, ticket);
    const std::string note = notices.render(
        report.outcome == "satisfied" ? "staff_complaint_heard_unhandled"
                                      : "staff_complaint_unreached_unhandled",
        {{"id", std::to_string(about->id)},
         {"notes", report.notes.empty() ? notices.render("staff_complaint_empty") : report.notes},
         {"owner", subject.contact}});
    out.reminded = about->id;
    return tell_complaint_note(c, about->ticket_id, note, /*serious=*/false, now);
}

}  // namespace

Result<CallbackDone> mark_callback_done(sql::Connection& c, const config::SlaData& sla,
                                        const config::Notices* notices, std::uint64_t id,
                                        const CallbackReport& report, Timestamp now) {
    auto found = store::CallbackQueueRepository::find_callback(c, id);
    if (!found) return found.error();
    if (found->callback.done_at) {
        return Error{store::StoreErrc::invalid_state,
                     "callback " + std::to_string(id) + " was done already (" +
                         found->callback.outcome.value_or("-") + ", by " +
                         found->callback.done_by + ")"};
    }
    if (report.reopen && !found->ticket_id) {
        return Error{store::StoreErrc::invalid_state,
                     "callback " + std::to_string(id) +
                         " concerns no ticket, so there is nothing to reopen; record it without "
                         "reopen"};
    }
    // The UPDATE only takes an open callback: of two dispatchers, one wins, the other hears
    // invalid_state, and only the winner reopens. The report commits with what follows it (the
    // reopen, or closing a rated ticket) in one transaction, so a retried unit of work (deadlock,
    // lost link) finds the callback still open and does it all again.
    auto complete = [&](sql::Connection& conn) -> Status {
        return store::FeedbackRepository::complete_callback(conn, id, report.by, report.outcome,
                                                            report.notes, now);
    };
    CallbackDone out;
    out.callback = *found;
    const bool unsatisfied = report.outcome == "unsatisfied";
    if (unsatisfied && !notices)
        return invalid("unsatisfied: the desk's notices were not loaded to word the complaint");
    const std::string why =
        !unsatisfied           ? std::string()
        : report.notes.empty() ? notices->render("callback_unsatisfied_bare")
                               : notices->render("callback_unsatisfied", {{"notes", report.notes}});
    if (report.reopen) {
        // reopen_ticket refuses a ticket that cannot be reopened (still being worked on,
        // cancelled) before `complete` runs: nothing is recorded then.
        // A handled complaint whose callback asks for the rework is closed: the reopen carries on.
        auto complete_closing = [&](sql::Connection& conn) -> Status {
            if (auto done = complete(conn); !done) return done.error();
            if (found->callback.complaint_id)
                (void)store::FeedbackRepository::close_complaint(conn,
                                                                 *found->callback.complaint_id);
            return Ok{};
        };
        auto reopened =
            reopen_ticket(c, sla, *notices, *found->ticket_id,
                          {"callback", "dispatcher", why, report.serious}, now, complete_closing);
        if (!reopened) return reopened.error();
        out.reopened = std::move(*reopened);
    } else if (!unsatisfied) {
        // A complaint's callback after its handling, the owner satisfied: the complaint is closed
        // (结案). Unreachable leaves it handled: nobody has heard the owner.
        ComplaintTold reminded_told;
        auto record = [&](sql::Connection& conn) -> Status {
            if (auto done = complete(conn); !done) return done.error();
            if (report.outcome == "satisfied" && found->callback.complaint_id)
                (void)store::FeedbackRepository::close_complaint(conn,
                                                                 *found->callback.complaint_id);
            // Reset per attempt: a retried transaction tells (and fills out.reminded) anew.
            out.reminded.reset();
            if (notices) reminded_told = remind_unhandled(conn, *notices, *found, report, now, out);
            return Ok{};
        };
        if (found->ticket_id) {
            nlohmann::json details = {{"callback", id}, {"outcome", report.outcome}};
            auto closed = close_rated_ticket(c, *found->ticket_id,
                                             {report.by, "dispatcher", "closed", details.dump()},
                                             now, record);
            if (!closed) return closed.error();
            out.closed = std::move(*closed);
        } else {
            store::Transaction tx(c);
            if (auto done = record(c); !done) return done.error();
            tx.commit();
        }
        if (out.reminded)
            warn_untold("callbacks", *out.reminded, reminded_told, false,
                        log::Field{"callback", id});
    } else {
        // Unsatisfied and no rework: the owner's grievance becomes a complaint, told to the
        // supervisors and called back in its turn (DOMAIN.md: low ratings and "not fixed" become
        // complaints; 件件有着落) — the ticket cannot close while that callback is open, so no
        // close is tried. A complaint still unhandled files no second one: the supervisors are
        // reminded of it. One transaction with the report.
        store::Transaction tx(c);
        if (auto done = complete(c); !done) return done.error();
        const auto told = follow_unsatisfied(c, sla, *notices, *found, report, why, now, out);
        tx.commit();
        warn_untold("callbacks", out.complaint ? *out.complaint : *out.reminded, told,
                    report.serious, log::Field{"callback", id});
    }
    auto saved = store::CallbackQueueRepository::find_callback(c, id);
    if (saved) out.callback = std::move(*saved);
    if (out.complaint)
        if (auto filed = store::CallbackQueueRepository::find_complaint(c, *out.complaint);
            filed && filed->callback_id)
            if (auto entry = store::CallbackQueueRepository::find_callback(c, *filed->callback_id))
                out.complaint_callback = std::move(entry->callback);
    return out;
}

Result<ComplaintHandled> handle_complaint(sql::Connection& c, const config::SlaData& sla,
                                          std::uint64_t id, const std::string& by,
                                          const std::string& resolution, Timestamp now) {
    // Which ticket it concerns (a complaint's never changes), for closing it with the handling.
    auto filed = store::FeedbackRepository::find_complaint(c, id);
    if (!filed) return filed.error();
    std::optional<ComplaintHandled> out;
    auto handle = [&](sql::Connection& conn) -> Status {
        auto complaint = store::FeedbackRepository::find_complaint(conn, id);
        if (!complaint) return complaint.error();
        if (complaint->status != "open") {
            return Error{store::StoreErrc::invalid_state,
                         "complaint " + std::to_string(id) + " is " + complaint->status +
                             " already (by " + complaint->handled_by + ")"};
        }
        auto handled = store::FeedbackRepository::handle_complaint(conn, id, by, resolution, now);
        if (!handled) return handled.error();
        // DOMAIN.md: complaints are called back within 3 days of being handled.
        const auto due = follow_up(sla, dialog::FollowUp::complaint_callback, now);
        auto scheduled =
            store::CallbackQueueRepository::schedule_complaint_callback(conn, *complaint, due, now);
        // A callback made before the handling stays as it was. The owner satisfied then has been
        // heard: the complaint is closed with its handling. Unsatisfied or unreached, they are
        // called back after it too (schedule_complaint_callback queues a second one).
        if (!scheduled && scheduled.code() != store::StoreErrc::invalid_state)
            return scheduled.error();
        auto saved = store::CallbackQueueRepository::find_complaint(conn, id);
        if (!saved) return saved.error();
        std::optional<store::Callback> callback;
        if (saved->callback_id)
            if (auto entry =
                    store::CallbackQueueRepository::find_callback(conn, *saved->callback_id))
                callback = std::move(entry->callback);
        // invalid_state is that satisfied callback, read under lock (`callback` above is a plain
        // read, which may predate a report that just committed).
        if (!scheduled && store::FeedbackRepository::close_complaint(conn, id))
            saved->complaint.status = "closed";
        out = ComplaintHandled{std::move(*saved), std::move(callback), std::nullopt};
        return Ok{};
    };
    if (filed->ticket_id) {
        // A rated ticket that waited for this handling closes with it when nothing is left to
        // call back (the owner was satisfied before it); otherwise the callback closes it.
        nlohmann::json details = {{"complaint", id}};
        auto closed = close_rated_ticket(c, *filed->ticket_id,
                                         {by, "dispatcher", "closed", details.dump()}, now, handle);
        if (!closed) return closed.error();
        out->ticket_closed = std::move(*closed);
    } else {
        store::Transaction tx(c);
        if (auto done = handle(c); !done) return done.error();
        tx.commit();
    }
    return std::move(*out);
}

}  // namespace repairbot::bot
