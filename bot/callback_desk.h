// 回访 and 投诉 at the desk (DOMAIN.md "Callbacks and complaints"): which finished repairs get a
// sample callback, queuing it when a ticket is confirmed or closed, marking a callback done (an
// unsatisfied one reopens the ticket or files a complaint), handling a complaint (its callback then
// falls due complaint_callback after the handling). Shared by the CLI (bot/callback_command.h) and
// the admin API (bot/callback_api.h). The pure parts first; the rest blocks on the connection
// given.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "bot/ticket_lifecycle.h"
#include "config/errors.h"
#include "config/log.h"
#include "config/notices.h"
#include "config/sla_data.h"
#include "store/callback_queue_repository.h"
#include "store/records.h"

namespace sql {
class Connection;
}

namespace repairbot::bot {

// ---- the sample ----

// The ticket number's fixed place in 0..99: a hash (FNV-1a, then a 64-bit finalizer, so numbers
// that differ in one digit land far apart). The same number always lands in the same place, on
// every server and every retry. Pure.
[[nodiscard]] unsigned callback_bucket(std::string_view ticket_number);
// True when the finished repair numbered `ticket_number` is in the callback sample:
// callback_bucket < sample_percent (0: none, 100: all). Pure.
[[nodiscard]] bool in_callback_sample(std::string_view ticket_number, int sample_percent);

// Queues the sample callback of a finished repair when the ticket is in the sample: kind
// "sample", dedupe key "sample:<ticket id>", due repair_callback (1 month) after `now`. Call it
// inside the transaction that confirms or closes the ticket. Returns the new callback's id;
// nullopt when the ticket is not in the sample or already has its sample callback (a retry, a
// reopened ticket finished again). Blocking; SQL errors throw.
std::optional<std::uint64_t> queue_repair_callback(sql::Connection& c, const store::Ticket& ticket,
                                                   const config::SlaData& sla,
                                                   store::Timestamp now);

// ---- complaints ----

// Opens `complaint` (an owner's 投诉, a low rating, a second reopen) with its callback: kind
// "complaint", dedupe key complaint_callback_key(id), due complaint_callback (3 d) after `now`,
// the ticket taken from the complaint. Returns the complaint's id. Call it inside the caller's
// transaction (the caller tells whom it concerns). Blocking; SQL errors throw.
std::uint64_t open_complaint(sql::Connection& c, const store::Complaint& complaint,
                             const config::SlaData& sla, store::Timestamp now);

// Tells the supervisors of complaint `id` — staff_complaint with its text (staff_complaint_empty
// when it has none) and `owner`, how to reach the owner — and, when it is serious, the supervisors
// and the managers staff_complaint_serious instead (DOMAIN.md: to the manager at once). Call it
// inside the transaction that opened it. Returns how many of each were told (none is the
// caller's to log, after its commit). Blocking; SQL errors throw.
struct ComplaintTold {
    std::size_t supervisors = 0;
    std::size_t managers = 0;
};
// The note itself: the supervisors hear `note` (event "complaint"), and the managers too when
// `serious`. Every complaint note goes through it (tell_complaint, a low rating, a serious
// reopen, the reminder of an unhandled complaint). Blocking; SQL errors throw.
ComplaintTold tell_complaint_note(sql::Connection& c, std::optional<std::uint64_t> ticket_id,
                                  const std::string& note, bool serious, store::Timestamp now);
ComplaintTold tell_complaint(sql::Connection& c, const config::Notices& notices, std::uint64_t id,
                             const store::Complaint& complaint, const std::string& owner,
                             store::Timestamp now);
// After the commit: warns (`component`, events no_supervisor_to_tell / no_manager_to_tell, with
// the complaint, `about` when given — the ticket or the callback — and the fix) when a note about
// complaint `complaint` reached no supervisor, or, `serious`, no manager.
void warn_untold(std::string_view component, std::uint64_t complaint, const ComplaintTold& told,
                 bool serious, std::optional<log::Field> about = std::nullopt);

// ---- what a callback is about ----

struct CallbackSubject {
    // notices' callback_what_*: 工单X, 投诉N（工单X）, 投诉N, 人工服务请求N, 回访N
    std::string what;
    std::string owner_openid;  // whom it concerns: the ticket's owner, the complainant, the
                               // handover's owner; "" when the rows name nobody
    std::string contact;       // how the staff reach them (ticket_contact, else owner_contact)
};

// The subject of callback `cb`; `ticket` is the ticket it is about when the caller has read it
// (nullopt: none, or not found). Reads the complaint of a complaint callback about no ticket and
// the owner's details. Blocking; SQL errors throw.
[[nodiscard]] CallbackSubject callback_subject(sql::Connection& c, const config::Notices& notices,
                                               const store::Callback& cb,
                                               const std::optional<store::Ticket>& ticket);

// ---- handovers (人工) ----

// What open_handover did.
struct HandoverOpened {
    enum class Kind {
        opened,   // a new handover: the staff are to be told
        renewed,  // the owner's open one was past its due time: due again from now, to be told
                  // again
        pending,  // the owner's open one is still within its time: nothing changed
    };
    store::Callback callback;  // the owner's open handover, as saved
    Kind kind = Kind::opened;
};

// An owner asked for a person (人工, DOMAIN.md: "an enquiry the bot cannot answer goes to a human
// within 10 min"): a callback of kind "handover" about the owner (no dedupe key), due
// follow_ups.escalation (10 min) after `now`. A dispatcher records it done once they have
// answered (mark_callback_done; a handover reopens nothing); at its due time the SLA timers tell
// the supervisors (bot/sla_timers.h). One open handover per owner (the table's rule): asking
// again while it is within its time changes nothing; asking again after it (nobody recorded an
// answer) makes it due follow_ups.escalation from `now` again, its first request kept
// (created_at). `enquiry_ticket`: the handover is a question about that ticket's quote (报价咨询),
// which the owner's answer to the quote settles (settle_quote_enquiry); a handover already open
// that a plain 人工 or a question about another quote joins is no longer settled so. Call it
// inside the caller's transaction. Blocking; SQL errors throw.
HandoverOpened open_handover(sql::Connection& c, const std::string& owner_openid,
                             const config::SlaData& sla, store::Timestamp now,
                             std::optional<std::uint64_t> enquiry_ticket = std::nullopt);

// The owner agreed to the quote of ticket `ticket_id`: their open handover, when it is only a
// question about that quote, is recorded done by "bot" with `notes` and returned (the caller
// tells the dispatchers nobody need call); nullopt otherwise. Reads without a lock first (most
// answers come with no question open) and then writes the row by its id. Call it inside the
// caller's transaction. Blocking; SQL errors throw.
std::optional<store::Callback> settle_quote_enquiry(sql::Connection& c,
                                                    const std::string& owner_openid,
                                                    std::uint64_t ticket_id,
                                                    const std::string& notes, store::Timestamp now);

// ---- closing a rated ticket ----

// DOMAIN.md: rated → callback → closed. In one transaction: `with` first (e.g. recording the
// callback that was the ticket's last; its error aborts with nothing written), then ticket
// `ticket_id` is closed, with the audit event `event`, when it is rated, no callback about it
// is still open and no complaint about it is still unhandled (status open: handle_complaint
// closes it then). Only a version conflict (someone saved the ticket meanwhile) is retried, all of
// it again, up to 5 attempts. Returns the closed ticket as saved, or nullopt when the ticket stays
// as it is (not rated, a callback still open, no such ticket: `with`'s rows commit alone).
// Errors: `with`'s, or the store's (StoreErrc::version_conflict when it kept changing). Must not
// be called inside another transaction. Blocking.
[[nodiscard]] Result<std::optional<store::Ticket>> close_rated_ticket(
    sql::Connection& c, std::uint64_t ticket_id, const store::NewEvent& event,
    store::Timestamp now, const std::function<Status(sql::Connection&)>& with = {});

// ---- marking a callback done ----

inline constexpr std::size_t kMaxNotesChars = 2048;  // callbacks.notes, complaints.resolution
inline constexpr std::size_t kMaxByChars = 64;       // callbacks.done_by, complaints.handled_by

// What the dispatcher reports after calling.
struct CallbackReport {
    std::string outcome;  // satisfied | unsatisfied | unreachable
    std::string notes;
    std::string by;       // who called; "dispatcher" when empty
    bool reopen = false;  // only with unsatisfied: reopen the ticket (返修)
    // Only with unsatisfied: what the owner said is serious (harm, damage, an outside body): the
    // complaint it files is serious, and the manager is told at once.
    bool serious = false;
};

// Checks a report from outside (CLI options, a JSON body): a known outcome, reopen and serious
// only with unsatisfied, notes and by valid UTF-8 within their columns (kMaxNotesChars,
// kMaxByChars). Fails with std::errc::invalid_argument and a detail naming the field, the value and
// the fix; `prefix` is how a field is shown ("--" for the CLI, "" for the API). Fills by when
// empty. Pure.
[[nodiscard]] Result<CallbackReport> check_callback_report(CallbackReport report,
                                                           std::string_view prefix);
// The same checks for a complaint's handling: resolution required, both within their columns.
[[nodiscard]] Result<std::string> check_resolution(std::string resolution, std::string_view prefix);
[[nodiscard]] Result<std::string> check_by(std::string by, std::string_view prefix);

// What mark_callback_done did.
struct CallbackDone {
    store::CallbackEntry callback;                // as saved
    std::optional<Reopened> reopened;             // when the report asked for it
    std::optional<store::Ticket> closed;          // the rated ticket it closed, as saved
    std::optional<std::uint64_t> complaint;       // the complaint an unsatisfied one filed
    std::optional<std::uint64_t> reminded;        // the unhandled complaint it reminded of
    std::optional<store::Callback> complaint_callback;  // the filed complaint's callback, saved
};

// Records the (checked) report on callback `id`. Unsatisfied (DOMAIN.md: "件件有着落"):
//  * with reopen, the callback's ticket (its own or its complaint's) is reopened through
//    reopen_ticket (actor "callback", role "dispatcher", callback_unsatisfied's words with the
//    notes as why, the report's serious); a handled complaint whose callback this is is closed
//    (the reopen carries on); a reopen that cannot happen is refused with nothing written;
//  * without, a complaint is filed (source "callback", severity from the report, text
//    complaint_callback naming the callback's subject and the notes, the subject's owner and
//    ticket) with its callback, and told (tell_complaint): the owner is still unhappy and
//    somebody must act, so a rated ticket stays open until that complaint is called back. A
//    complaint's own callback closes that complaint when it was handled (the new one carries
//    on); when it is still open (unhandled) nothing is filed: the supervisors (and, serious, the
//    managers) are reminded of it (staff_complaint_still_open, CallbackDone::reminded).
// Satisfied closes a handled complaint whose callback this is (结案); unreachable leaves it.
// `notices` words all of it and must be given for an unsatisfied report: without it one is
// refused with std::errc::invalid_argument. Errors: StoreErrc::not_found (no such callback),
// StoreErrc::invalid_state (already done; or asking to reopen a callback about no ticket), a
// LifecycleErrc from reopen_job (e.g. wrong_status for a ticket still being worked on). The
// report commits in one transaction with all it causes: the reopen; or the complaint; or,
// satisfied or unreachable, closing the ticket when it is rated and this was its last open
// callback (close_rated_ticket) — about a complaint not handled yet, the supervisors are asked to
// record its handling instead (CallbackDone::reminded; the ticket waits for it). Blocking.
[[nodiscard]] Result<CallbackDone> mark_callback_done(
    sql::Connection& c, const config::SlaData& sla, const config::Notices* notices,
    std::uint64_t id, const CallbackReport& report, store::Timestamp now);

// ---- handling a complaint ----

struct ComplaintHandled {
    store::ComplaintEntry complaint;         // as saved, with its callback
    std::optional<store::Callback> callback;  // that callback as saved (nullopt: it has none)
    std::optional<store::Ticket> ticket_closed;  // its rated ticket, closed with the handling
};

// Records the handling of complaint `id` (status handled) and makes its callback due
// complaint_callback (3 d) after `now`, in one transaction: the callback filed with the
// complaint moves to the new date, or one is queued when it has none. One already done before the
// handling is left as it is: the owner satisfied then, the complaint is closed with the handling
// (and its ticket, rated and with no other callback open, closes with it: close_rated_ticket);
// unsatisfied or unreached, a second callback is queued for after it. Errors:
// StoreErrc::not_found; StoreErrc::invalid_state when already handled or closed. Must not be
// called inside another transaction. Blocking.
[[nodiscard]] Result<ComplaintHandled> handle_complaint(sql::Connection& c,
                                                        const config::SlaData& sla,
                                                        std::uint64_t id, const std::string& by,
                                                        const std::string& resolution,
                                                        store::Timestamp now);

}  // namespace repairbot::bot
