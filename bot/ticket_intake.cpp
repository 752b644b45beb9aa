#include "bot/ticket_intake.h"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <nlohmann/json.hpp>

#include <cstdio>

#include "bot/callback_desk.h"
#include "bot/owner_questions.h"
#include "bot/staff_notice.h"
#include "bot/timer_plan.h"
#include "config/log.h"
#include "store/feedback_repository.h"
#include "store/outbox_repository.h"
#include "store/owner_repository.h"
#include "store/photo_repository.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"
#include "store/transaction.h"

namespace repairbot::bot {

namespace asio = boost::asio;

namespace {

store::Timestamp to_timestamp(std::chrono::sys_seconds t) {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(t);
}

}  // namespace

TicketIntake::TicketIntake(store::MysqlPool& mysql, Dispatcher& dispatcher,
                           const config::SlaData& sla, const config::Notices& notices,
                           const dialog::DialogData& data, const config::PriceList* prices,
                           TicketWatch watch, CallbackWatch callback_watch)
    : mysql_(mysql),
      dispatcher_(dispatcher),
      sla_(sla),
      notices_(notices),
      data_(data),
      prices_(prices),
      watch_(std::move(watch)),
      callback_watch_(std::move(callback_watch)),
      filing_(mysql, dispatcher) {}

store::NewTicket TicketIntake::new_ticket(const dialog::CreateTicket& create) const {
    const auto& r = create.report;
    store::NewTicket nt;
    auto& t = nt.ticket;
    t.idempotency_key = create.idempotency_key;
    t.owner_openid = r.owner_openid;
    t.phone = r.phone;
    t.building = r.address.building;
    t.unit = r.address.unit;
    t.room = r.address.room;
    t.area = r.address.area;
    t.address = dialog::display(r.address);
    t.public_area = r.address.is_public;
    t.fault_type = r.fault_type;
    t.trade = r.trade;
    t.urgency = std::string(dialog::to_string(r.urgency));
    t.description = r.description;
    t.channel = "wechat";
    if (r.preferred_time) {
        t.preferred_from = to_timestamp(r.preferred_time->start);
        t.preferred_to = to_timestamp(r.preferred_time->end);
    }
    t.status = store::ticket_status::new_;
    t.created_at = to_timestamp(r.received_at);

    // Owner-area repairs are paid (有偿维修); one whose fault type is off the price list is quoted
    // and agreed before work (its clock starts where [stage_starts] says; as shipped, at dispatch).
    t.paid = !r.address.is_public;
    const bool off_list = prices_ && prices_->is_off_list(r.fault_type, r.address.is_public);
    t.quote_status = off_list ? store::quote_status::required : store::quote_status::none;
    // The clocks the report starts (as shipped: dispatch, arrival, finish); the dispatch
    // (Dispatcher::assign) starts the others.
    start_stage_clocks(t, sla_);

    nlohmann::json details = {{"channel", "wechat"},
                              {"photos", r.photos.size()},
                              {"emergency", r.emergency},
                              {"urgency", t.urgency}};
    nt.first_event = {r.owner_openid, "owner", "created", details.dump()};
    return nt;
}

std::string TicketIntake::created_text(const store::Ticket& t) const {
    auto urgency = dialog::urgency_from_string(t.urgency).value_or(dialog::Urgency::normal);
    const std::string label = dialog::urgency_label(data_.texts, urgency);
    const auto offset = sla_.calendar.utc_offset();
    if (t.due.arrive && t.due.finish)
        return notices_.render("ticket_created",
                               {{"number", t.number},
                                {"urgency", label},
                                {"arrive_by", local_time_text(*t.due.arrive, offset)},
                                {"finish_by", local_time_text(*t.due.finish, offset)}});
    // A desk counting a deadline from a milestone still ahead (sla.toml [stage_starts]): when
    // its clock starts, in the words of the stage that milestone meets ("接单后开始计时").
    auto when = [&](dialog::Stage stage) {
        if (const auto& due = stage_due(t, stage)) return local_time_text(*due, offset) + "前";
        const auto start = sla_.policy.start_of(stage);
        std::string milestone = "dispatch";
        for (auto s : dialog::all_stages)
            if (dialog::meeting_milestone(s) == start) milestone = dialog::to_string(s);
        return notices_.render("deadline_pending",
                               {{"stage", notices_.render("sla_stage_" + milestone)}});
    };
    return notices_.render("ticket_created_pending", {{"number", t.number},
                                                      {"urgency", label},
                                                      {"arrive_by", when(dialog::Stage::arrive)},
                                                      {"finish_by", when(dialog::Stage::finish)}});
}

namespace {

// What follows the status on a progress line; empty when there is nothing to add.
std::string progress_detail(const config::Notices& notices, const store::TicketProgress& t,
                            std::chrono::minutes utc_offset, store::Timestamp now) {
    if (t.technician.empty()) return {};
    if (t.quote_status == store::quote_status::pending && t.quote_cents)
        return notices.render(
            "progress_detail_quote",
            {{"technician", t.technician}, {"fee", config::yuan_text(*t.quote_cents)}});
    const bool on_site = t.status == store::ticket_status::arrived;
    if (!on_site && t.status != store::ticket_status::accepted) return {};
    const auto& due = on_site ? t.finish_due : t.arrive_due;
    if (!due) return notices.render("progress_detail_technician", {{"technician", t.technician}});
    const char* key = on_site
                          ? (now > *due ? "progress_detail_finish_late" : "progress_detail_finish")
                          : (now > *due ? "progress_detail_arrive_late" : "progress_detail_arrive");
    return notices.render(
        key, {{"technician", t.technician}, {"time", local_time_text(*due, utc_offset)}});
}

}  // namespace

std::string progress_text(const config::Notices& notices,
                          const std::vector<store::TicketProgress>& open,
                          std::chrono::minutes utc_offset, store::Timestamp now) {
    if (open.empty()) return notices.render("progress_none");
    std::string items;
    for (const auto& t : open) {
        if (!items.empty()) items += "\n";
        items += notices.render("progress_item",
                                {{"number", t.number},
                                 {"fault_type", t.fault_type},
                                 {"status", notices.render("status_" + t.status)},
                                 {"detail", progress_detail(notices, t, utc_offset, now)}});
    }
    return notices.render("progress_list", {{"items", items}});
}

asio::awaitable<EffectsResult> TicketIntake::carry_out(std::string openid,
                                                       std::vector<dialog::Effect> effects,
                                                       std::chrono::sys_seconds now) {
    EffectsResult result;
    const char* deferred_notice = "busy";
    bool folded_profile = false;  // remembered along with the ticket it came with
    try {
        for (auto& effect : effects) {
            if (std::holds_alternative<dialog::CreateTicket>(effect)) deferred_notice = "ticket_deferred";
            if (auto* create = std::get_if<dialog::CreateTicket>(&effect)) {
                // The confirmation also remembers the owner's profile: that upsert rides in the
                // same pool hop as the ticket, its photos and its dispatch.
                std::optional<store::Owner> profile;
                for (auto& later : effects)
                    if (auto* remember = std::get_if<dialog::RememberProfile>(&later)) {
                        profile = owner_profile(openid, *remember);
                        folded_profile = true;
                    }
                TicketFiling::Request request{new_ticket(*create), create->report.photos,
                                              create->report.owner_openid, std::move(profile), now};
                auto done = co_await filing_.file(std::move(request));
                auto& created = *done.created;
                if (!created) {
                    log::error("intake", "create_failed", {{"error", created.error().message()}});
                    result.deferred = true;
                    result.deferred_reply = notices_.render(deferred_notice);
                    co_return result;
                }
                const auto& t = created->ticket;
                log::info("intake", created->created ? "ticket_created" : "ticket_repeat",
                          {{"number", t.number}, {"urgency", t.urgency}, {"fault_type", t.fault_type}});
                DispatchOutcome dispatched = std::move(done.dispatch.outcome);
                if (done.dispatch.conflict)  // changed under us (a racing repeat): read it again
                    dispatched = co_await dispatcher_.dispatch(t.id, {}, "system", "created", now);
                else
                    Dispatcher::log_outcome(dispatched, "created");
                // After a conflict, whoever changed the ticket told the timers; `t` is older.
                if (watch_ && (dispatched.ticket || !done.dispatch.conflict))
                    co_await watch_(dispatched.ticket ? *dispatched.ticket : t);
                // The ticket as the dispatch left it: a deadline counted from it is known.
                result.extra_replies.push_back(
                    created_text(dispatched.ticket ? *dispatched.ticket : t));
                // An emergency nobody could take yet: said, not left to "someone is coming".
                if (store::is_emergency(t) && dispatched.kind == DispatchOutcome::Kind::queued)
                    result.extra_replies.push_back(notices_.render("owner_emergency_queued"));
            } else if (std::holds_alternative<dialog::QueryProgress>(effect)) {
                auto work = [openid](sql::Connection& c) {
                    return store::TicketRepository::progress_of_owner(c, openid, 10);
                };
                auto open = co_await mysql_.run(std::move(work));
                if (sessions_) co_await restore_questions_of(openid, open, now);
                result.progress =
                    progress_text(notices_, open, sla_.calendar.utc_offset(),
                                  std::chrono::time_point_cast<std::chrono::milliseconds>(now));
            } else if (auto* attach = std::get_if<dialog::AttachPhotos>(&effect)) {
                co_await attach_photos(openid, *attach, now);
            } else if (auto* remember = std::get_if<dialog::RememberProfile>(&effect)) {
                if (!folded_profile) co_await remember_profile(openid, *remember, now);
            } else if (auto* human = std::get_if<dialog::HandToHuman>(&effect)) {
                if (auto pending = co_await hand_to_human(openid, *human, now))
                    result.extra_replies.push_back(std::move(*pending));
            } else if (auto* complaint = std::get_if<dialog::FileComplaint>(&effect)) {
                co_await file_complaint(openid, *complaint, now);
            }
        }
    } catch (const ServiceUnavailable& e) {
        log::warn("intake", "mysql_unavailable", {{"error", e.what()}});
        result.deferred = true;
        result.deferred_reply = notices_.render(deferred_notice);
        result.extra_replies.clear();
    }
    co_return result;
}

asio::awaitable<void> TicketIntake::attach_photos(std::string openid, dialog::AttachPhotos attach,
                                                  std::chrono::sys_seconds now) {
    auto work = [openid, attach = std::move(attach), at = to_timestamp(now)](sql::Connection& c) {
        auto ticket = store::TicketRepository::find_by_idempotency_key(c, attach.idempotency_key);
        if (!ticket) return std::string{};
        for (const auto& p : attach.photos) {
            store::Photo photo;
            photo.ticket_id = ticket->id;
            photo.owner_openid = openid;
            photo.media_id = p.media_id;
            photo.pic_url = p.pic_url;
            store::PhotoRepository::add_pending(c, photo, at);
        }
        nlohmann::json details = {{"photos", attach.photos.size()}};
        store::TicketRepository::append_event(c, ticket->id, {openid, "owner", "photos_added", details.dump()}, at);
        return ticket->number;
    };
    auto number = co_await mysql_.run(std::move(work));
    log::info("intake", "photos_attached", {{"number", number}});
}

store::Owner TicketIntake::owner_profile(const std::string& openid, const dialog::RememberProfile& remember) {
    store::Owner owner;
    owner.openid = openid;
    owner.phone = remember.phone;
    // Only a home (a room) is worth offering as 同上次; public places are one-off.
    if (remember.last_address && !remember.last_address->is_public && !remember.last_address->room.empty()) {
        owner.building = remember.last_address->building;
        owner.unit = remember.last_address->unit;
        owner.room = remember.last_address->room;
        owner.address = dialog::display(*remember.last_address);
    }
    return owner;
}

asio::awaitable<void> TicketIntake::remember_profile(std::string openid, dialog::RememberProfile remember,
                                                     std::chrono::sys_seconds now) {
    auto work = [owner = owner_profile(openid, remember), at = to_timestamp(now)](sql::Connection& c) {
        store::OwnerRepository::remember(c, owner, at);
    };
    co_await mysql_.run(std::move(work));
}

asio::awaitable<std::optional<std::string>> TicketIntake::hand_to_human(
    std::string openid, dialog::HandToHuman human, std::chrono::sys_seconds now) {
    using Kind = HandoverOpened::Kind;
    struct Handed {
        HandoverOpened opened;
        std::size_t dispatchers = 0, supervisors = 0;
    };
    const auto offset = sla_.calendar.utc_offset();
    // A danger named while a report was being filled (dialog::report_danger), a correction of a
    // report just submitted, a question about a quote: the dispatchers hear its words at once,
    // even with a handover of the owner's already open (it may be about something else).
    const auto reason = human.reason;
    const bool told_at_once = reason != dialog::HandOffReason::owner_asked;
    auto work = [this, openid, offset, told_at_once, reason, words = std::move(human.words),
                 ticket = std::move(human.ticket), draft = std::move(human.draft_summary),
                 at = to_timestamp(now)](sql::Connection& c) {
        Handed out;
        store::Transaction tx(c);
        // A question about a quote: the owner's own ticket, whose quote the note names and whose
        // answer settles the question (JobDesk::settle_enquiry).
        std::optional<store::Ticket> asked_about;
        if (reason == dialog::HandOffReason::enquiry && !ticket.empty()) {
            auto found = store::TicketRepository::find_by_number(c, ticket);
            if (found && found->owner_openid == openid) asked_about = std::move(*found);
        }
        out.opened = open_handover(c, openid, sla_, at,
                                   asked_about ? std::optional{asked_about->id} : std::nullopt);
        // Told when asked; its escalation stands (a danger, a correction, an update, a quote
        // question are told all the same).
        if (out.opened.kind == Kind::pending && !told_at_once) {
            tx.commit();
            return out;
        }
        std::string tickets;  // what the dispatcher can look up; the note goes out without it
        try {
            for (const auto& t : store::TicketRepository::progress_of_owner(c, openid, 5))
                tickets += (tickets.empty() ? "" : "、") + t.number;
        } catch (const sql::SQLException& e) {
            log::warn("intake", "open_tickets_read_failed", {{"error", e.what()}});
        }
        const auto& handover = out.opened.callback;
        // A technician's 人工 (the bot did not understand them): said to be theirs.
        const auto technician = reason == dialog::HandOffReason::owner_asked
                                    ? technician_contact(c, notices_, openid)
                                    : std::nullopt;
        const char* key = technician                                ? "staff_handover_technician"
                          : reason == dialog::HandOffReason::danger ? "staff_handover_danger"
                          : reason == dialog::HandOffReason::correction
                              ? "staff_handover_correction"
                          : reason == dialog::HandOffReason::update  ? "staff_handover_update"
                          : reason == dialog::HandOffReason::enquiry ? "staff_handover_enquiry"
                                                                     : "staff_handover";
        // Who quoted what, for the dispatcher who calls: the amount the owner was shown (a raise
        // under the supervisor's review is not it yet).
        std::string quote;
        if (asked_about && asked_about->quote_cents &&
            asked_about->quote_status == store::quote_status::pending) {
            std::string name;
            if (asked_about->technician_id)
                if (auto tech =
                        store::TechnicianRepository::find_by_id(c, *asked_about->technician_id))
                    name = tech->name;
            quote = notices_.render(
                "staff_handover_enquiry_quote",
                {{"technician", name}, {"fee", config::yuan_text(*asked_about->quote_cents)}});
        }
        const std::string text = notices_.render(
            key, {{"words", words},
                  {"ticket", ticket},
                  {"quote", quote},
                  {"owner", technician ? *technician : owner_contact(c, notices_, openid)},
                  {"technician", technician.value_or("")},
                  {"id", std::to_string(handover.id)},
                  {"due", local_time_text(handover.due_at, offset)},
                  {"again",
                   out.opened.kind == Kind::renewed
                       ? notices_.render("staff_handover_again",
                                         {{"asked", local_time_text(handover.created_at, offset)}})
                       : std::string()},
                  {"tickets", tickets.empty() ? std::string()
                                              : notices_.render("staff_handover_tickets",
                                                                {{"tickets", tickets}})},
                  {"draft", draft.empty()
                                ? std::string()
                                : notices_.render("staff_handover_draft", {{"draft", draft}})}});
        out.dispatchers =
            notify_staff(c, StaffRole::dispatcher, std::nullopt, "handover", text, at);
        // Nobody to answer it: it goes up now, not when its time has passed.
        if (out.dispatchers == 0)
            out.supervisors =
                notify_staff(c, StaffRole::supervisor, std::nullopt, "handover", text, at);
        tx.commit();
        return out;
    };
    auto handed = co_await mysql_.run(std::move(work));
    const auto& handover = handed.opened.callback;
    // Also when nothing changed: a retried filing or a Redis blip may have lost the timer.
    if (callback_watch_) co_await callback_watch_(handover);
    if (handed.opened.kind == Kind::pending && !told_at_once) {
        log::info("intake", "handover_pending", {{"callback", handover.id}});
        co_return notices_.render("handover_pending",
                                  {{"due", local_time_text(handover.due_at, offset)}});
    }
    if (handed.dispatchers == 0)
        log::warn("intake", "no_dispatcher_to_tell",
                  {{"callback", handover.id},
                   {"supervisors_told", handed.supervisors},
                   {"fix", "add one: repairbot technician add ... --dispatcher"}});
    else
        log::info("intake", "handed_to_human",
                  {{"callback", handover.id},
                   {"dispatchers", handed.dispatchers},
                   {"renewed", handed.opened.kind == Kind::renewed}});
    co_return std::nullopt;
}

asio::awaitable<void> TicketIntake::restore_questions_of(
    std::string openid, const std::vector<store::TicketProgress>& open,
    std::chrono::sys_seconds now) {
    // Asked anew from a second on: the 进度 being handled is no answer (dialog/feedback.h).
    const auto asked_at = now + std::chrono::seconds{1};
    std::vector<dialog::Feedback> questions;
    for (const auto& t : open)
        if (auto q = question_waiting(t.status, t.number, t.fee_cents, t.quote_status,
                                      t.quote_cents, asked_at))
            questions.push_back(std::move(*q));
    if (questions.empty()) co_return;
    try {
        if (co_await restore_owner_questions(*sessions_, openid, std::move(questions)))
            log::info("intake", "questions_restored", {});
    } catch (const std::exception& e) {
        log::warn("intake", "session_unavailable", {{"error", e.what()}});
    }
}

asio::awaitable<void> TicketIntake::file_complaint(std::string openid, dialog::FileComplaint complaint,
                                                   std::chrono::sys_seconds now) {
    // Every complaint is called back (回访) within the policy's limit (3 days by default).
    // A serious one (dialog: FaultCatalog::is_serious_complaint) goes to the manager at once too.
    struct Filed {
        std::uint64_t id = 0;
        ComplaintTold told;
    };
    auto work = [this, openid, text = complaint.text, serious = complaint.serious,
                 at = to_timestamp(now)](sql::Connection& c) {
        const std::string owner = owner_contact(c, notices_, openid);
        store::Transaction tx(c);
        store::Complaint record;
        record.owner_openid = openid;
        record.source = "owner";
        record.severity = serious ? "serious" : "normal";
        record.text = text;
        record.created_at = at;
        Filed out;
        out.id = open_complaint(c, record, sla_, at);
        out.told = tell_complaint(c, notices_, out.id, record, owner, at);
        tx.commit();
        return out;
    };
    auto filed = co_await mysql_.run(std::move(work));
    log::info("intake", "complaint_filed",
              {{"complaint", filed.id},
               {"serious", complaint.serious},
               {"supervisors", filed.told.supervisors},
               {"managers", filed.told.managers}});
    warn_untold("intake", filed.id, filed.told, complaint.serious);
}

}  // namespace repairbot::bot
