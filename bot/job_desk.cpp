#include "bot/job_desk.h"

#include <cppconn/connection.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "bot/callback_desk.h"
#include "bot/owner_questions.h"
#include "bot/staff_notice.h"
#include "bot/template_receipts.h"
#include "bot/ticket_lifecycle.h"
#include "bot/timer_plan.h"
#include "config/log.h"
#include "dialog/feedback.h"
#include "dialog/money.h"
#include "dialog/session_codec.h"
#include "dialog/sla_policy.h"
#include "store/deadline_queries.h"
#include "store/errors.h"
#include "store/feedback_repository.h"
#include "store/photo_repository.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"
#include "store/transaction.h"

namespace repairbot::bot {

namespace asio = boost::asio;
namespace ts = store::ticket_status;

namespace {

constexpr int kMaxSessionAttempts = 8;

bool status_in(const store::Ticket& t, std::initializer_list<const char*> statuses) {
    return std::any_of(statuses.begin(), statuses.end(), [&](const char* s) { return t.status == s; });
}

// `t` as the technician's chat sees it at `now`; `texts` and `sla` word when to be there — for a
// job not accepted yet whose arrival clock starts at the acceptance, as accepting it now would
// set it (the 接单 reply says it).
dialog::TechnicianJob job_of(const store::Ticket& t, const dialog::ReplyTexts& texts,
                             const config::SlaData& sla, std::chrono::sys_seconds now) {
    dialog::TechnicianJob job;
    job.ticket_number = t.number;
    job.status = t.status == ts::arrived    ? dialog::JobStatus::arrived
                 : t.status == ts::accepted ? dialog::JobStatus::accepted
                                            : dialog::JobStatus::dispatched;
    job.address = t.address;
    job.fault_type = t.fault_type;
    job.emergency = t.urgency == "emergency";
    job.off_list = t.quote_status != store::quote_status::none;
    job.quote = quote_waiting(t)                                ? dialog::QuoteState::pending
                : t.quote_status == store::quote_status::agreed ? dialog::QuoteState::agreed
                                                                : dialog::QuoteState::none;
    job.phone = t.phone;
    // Not accepted yet (this visit, or a reopened job's revisit) on a desk counting the arrival
    // from the acceptance: the arrival deadline the acceptance would start, as if accepted now.
    if (t.status == ts::dispatched && !stage_met(t, dialog::Stage::accept) &&
        !stage_due(t, dialog::Stage::arrive)) {
        store::Ticket accepted_now = t;
        const auto at = std::chrono::time_point_cast<std::chrono::milliseconds>(now);
        stage_met(accepted_now, dialog::Stage::accept) = at;
        start_stage_clocks(accepted_now, sla);
        job.visit = visit_text(accepted_now, texts, sla, at);
    } else {
        job.visit =
            visit_text(t, texts, sla, std::chrono::time_point_cast<std::chrono::milliseconds>(now));
    }
    return job;
}

// The technician's next step when the lifecycle refused a move for the quote (finish_job and
// quote_job say which); nullopt for every other refusal.
std::optional<dialog::TextId> quote_refusal_text(std::error_code refused) {
    if (refused == LifecycleErrc::quote_required) return dialog::TextId::tech_quote_needed;
    if (refused == LifecycleErrc::quote_pending || refused == LifecycleErrc::quote_in_review)
        return dialog::TextId::tech_quote_waiting;
    if (refused == LifecycleErrc::not_off_list) return dialog::TextId::tech_quote_not_needed;
    if (refused == LifecycleErrc::rework_free) return dialog::TextId::tech_rework_free;
    return std::nullopt;
}

// The quotes a supervisor's chat lists for review at most (oldest first).
constexpr std::uint32_t kReviewsShown = 20;

// True when the dispatchers were asked about the ticket's dispatch — a note of this very ticket
// (a dispatch_queued event that "told" them: an accept time-out with nobody else free, an
// emergency nobody could take; a reopen its technician could not be pushed, "dispatchers_asked")
// — and have not acted since: the system's own dispatches after it (the queue's retry, an accept
// time-out's) pass them by; a dispatcher's hand dispatch, a 转单, an acceptance or an arrival
// since end it. The ticket's row is locked first and the events read as committed, so a note
// being written this moment is waited for and seen. Blocking, inside the caller's transaction.
bool dispatchers_chasing(sql::Connection& c, std::uint64_t ticket_id) {
    store::DeadlineQueries::lock_ticket(c, ticket_id);
    static const std::vector<std::string> kTrail{"dispatch_queued", "dispatched", "handed_over",
                                                 "reopened",        "accepted",   "arrived"};
    for (const auto& e : store::TicketRepository::latest_events(c, ticket_id, kTrail)) {
        if (e.type == "dispatched" && e.actor_role != "dispatcher") continue;
        if (e.type != "dispatch_queued" && e.type != "reopened") return false;
        const auto details = nlohmann::json::parse(e.details, nullptr, false);
        if (!details.is_object()) return false;
        if (e.type == "reopened") return details.value("dispatchers_asked", false);
        // Before "told" was written, only an accept time-out's queueing told them every time.
        return details.value("told", details.value("reason", std::string()) == "accept_timeout");
    }
    return false;
}

}  // namespace

void JobDesk::tell_dispatchers_taken(sql::Connection& c, const store::Ticket& after,
                                     const std::string& technician, store::Timestamp now) const {
    if (!dispatchers_chasing(c, after.id)) return;
    notify_staff(
        c, StaffRole::dispatcher, after.id, "accepted_after_queue",
        notices_.render("staff_accepted_after_queue", {{"urgency", urgent_mark(notices_, after)},
                                                       {"number", after.number},
                                                       {"fault_type", after.fault_type},
                                                       {"address", after.address},
                                                       {"technician", technician}}),
        now);
}

JobDesk::JobDesk(store::MysqlPool& mysql, store::SessionStore& sessions, Dispatcher& dispatcher,
                 const config::SlaData& sla, const config::PriceList& prices,
                 const config::Notices& notices, const dialog::DialogData& data, TicketWatch watch)
    : mysql_(mysql),
      sessions_(sessions),
      dispatcher_(dispatcher),
      sla_(sla),
      prices_(prices),
      notices_(notices),
      data_(data),
      watch_(std::move(watch)) {}

bool JobDesk::handles(const dialog::Effect& effect) {
    return std::visit(
        [](const auto& e) {
            using T = std::decay_t<decltype(e)>;
            return std::is_same_v<T, dialog::BindTechnician> ||
                   std::is_same_v<T, dialog::AcceptJob> || std::is_same_v<T, dialog::ArriveJob> ||
                   std::is_same_v<T, dialog::FinishJob> || std::is_same_v<T, dialog::QuoteJob> ||
                   std::is_same_v<T, dialog::HandOverJob> || std::is_same_v<T, dialog::ListJobs> ||
                   std::is_same_v<T, dialog::ConfirmFixed> ||
                   std::is_same_v<T, dialog::ReportNotFixed> ||
                   std::is_same_v<T, dialog::RateService> ||
                   std::is_same_v<T, dialog::AgreeQuote> ||
                   std::is_same_v<T, dialog::RefuseQuote> ||
                   std::is_same_v<T, dialog::AttachJobPhoto> ||
                   std::is_same_v<T, dialog::ApproveQuote> ||
                   std::is_same_v<T, dialog::RejectQuote> ||
                   std::is_same_v<T, dialog::CancelTicket> || std::is_same_v<T, dialog::SetDuty>;
        },
        effect);
}

asio::awaitable<std::optional<dialog::TechnicianView>> JobDesk::technician_of(
    std::string openid, std::chrono::sys_seconds now) {
    auto work = [openid, now, texts = &data_.texts,
                 sla = &sla_](sql::Connection& c) -> std::optional<dialog::TechnicianView> {
        auto tech = active_technician(c, openid);
        if (!tech) return std::nullopt;
        dialog::TechnicianView view;
        view.id = std::to_string(tech->id);
        view.name = tech->name;
        view.supervisor = tech->is_supervisor;
        view.on_duty = tech->on_duty;
        if (tech->is_supervisor) {
            std::map<std::uint64_t, std::string> names;  // who quoted
            auto waiting = store::TicketRepository::quotes_in_review(c, kReviewsShown + 1);
            view.more_quotes_to_review = waiting.size() > kReviewsShown;
            if (view.more_quotes_to_review) waiting.resize(kReviewsShown);
            for (const auto& t : waiting) {
                std::string& name = names[t.technician_id.value_or(0)];
                if (name.empty() && t.technician_id)
                    if (auto who = store::TechnicianRepository::find_by_id(c, *t.technician_id))
                        name = who->name;
                view.quotes_to_review.push_back(
                    {t.number, t.address, t.fault_type, name, static_cast<std::int64_t>(t.quote_cents.value_or(0))});
            }
        }
        store::TicketFilter filter;
        filter.technician_id = tech->id;
        filter.open_only = true;
        filter.limit = 50;
        auto tickets = store::TicketRepository::list(c, filter);
        std::reverse(tickets.begin(), tickets.end());  // oldest first: the chat numbers them so
        for (const auto& t : tickets)
            if (is_open_job(t)) view.open_jobs.push_back(job_of(t, *texts, *sla, now));
        return view;
    };
    co_return co_await mysql_.run(std::move(work));
}

asio::awaitable<EffectsResult> JobDesk::carry_out(std::string openid, std::vector<dialog::Effect> effects,
                                                  std::chrono::sys_seconds now) {
    EffectsResult result;
    auto at = std::chrono::time_point_cast<std::chrono::milliseconds>(now);
    try {
        for (const auto& effect : effects) {
            if (!handles(effect)) continue;
            co_await apply(openid, effect, at, result);
        }
    } catch (const ServiceUnavailable& e) {
        log::warn("jobs", "mysql_unavailable", {{"error", e.what()}});
        result.deferred = true;
        result.deferred_reply = notices_.render("busy");
        result.extra_replies.clear();
        result.replace_replies.reset();
    }
    co_return result;
}

namespace {

std::string opt_text(const std::optional<store::Timestamp>& t, const config::SlaData& sla) {
    return t ? local_time_text(*t, sla.calendar.utc_offset()) : std::string("尽快");
}

}  // namespace

asio::awaitable<void> JobDesk::record_push_receipt(std::uint64_t msg_id, std::string recipient,
                                                   std::string status, std::chrono::sys_seconds now) {
    (void)co_await record_template_receipt(mysql_, static_cast<std::int64_t>(msg_id), std::move(recipient),
                                           std::move(status), now);
}

asio::awaitable<void> JobDesk::cancel_for_owner(std::string openid, std::string number,
                                                store::Timestamp now, EffectsResult& result) {
    if (number.empty()) {
        // Which of their tickets they can call off, and how: a bare 取消 cancels nothing.
        auto work = [openid](sql::Connection& c) {
            return store::TicketRepository::progress_of_owner(c, openid, 10);
        };
        const auto open = co_await mysql_.run(std::move(work));
        std::string lines;
        std::string first;
        for (const auto& t : open) {
            if (!owner_may_cancel(t)) continue;
            if (first.empty()) first = t.number;
            lines += (lines.empty() ? "" : "\n") + t.number + " " + t.fault_type + "（" +
                     notices_.render("status_" + t.status) + "）";
        }
        // Open tickets none of which can be called off here are not "nothing open".
        result.extra_replies.push_back(
            !first.empty()
                ? notices_.render("owner_cancel_which", {{"tickets", lines}, {"number", first}})
            : open.empty() ? data_.texts.get(dialog::TextId::nothing_to_cancel)
                           : notices_.render("owner_cancel_none"));
        co_return;
    }
    MoveFn move = [now](const store::Ticket& t, Moved&) { return cancel_by_owner(t, now); };
    AlreadyFn already = [](const store::Ticket& t) {
        return t.status == ts::cancelled && t.cancel_reason == "业主取消";
    };
    ComposeFn compose = [this](sql::Connection& c, const store::Ticket&, const store::Ticket& after,
                               store::NewEvent& event, std::vector<store::NewOutbox>& outbox) {
        event.details = nlohmann::json{{"reason", after.cancel_reason}}.dump();
        // The technician with the job is told not to come.
        auto tech = after.technician_id ? store::bound_technician_of(c, after) : std::nullopt;
        if (!tech || !tech->openid) return;
        nlohmann::json notice = {
            {"event", "job_cancelled"},
            {"number", after.number},
            {"address", after.address},
            {"text", notices_.render("job_cancelled_by_owner",
                                     {{"number", after.number}, {"address", after.address}})}};
        outbox.push_back({"notify", *tech->openid, notice.dump(), std::nullopt});
    };
    Moved m = co_await owners_move(openid, number, "cancelled", move, already, compose, now);
    if (m.saved || m.already) {
        co_await watch(m.saved);
        result.extra_replies.push_back(
            notices_.render("owner_ticket_cancelled", {{"number", number}}));
        co_return;
    }
    // Not theirs is told as not found: another owner's ticket says nothing of itself.
    if (!m.ticket || m.ticket->owner_openid != openid) {
        result.extra_replies.push_back(
            notices_.render("owner_cancel_unknown", {{"number", number}}));
        co_return;
    }
    // Still cancellable as found: the move failed for another reason (changed under us again and
    // again): how it stands now, and to look again — not "too late".
    if (owner_may_cancel(*m.ticket)) {
        result.extra_replies.push_back(moved_text(m, number));
        co_return;
    }
    if (m.ticket->reopen_count > 0) {
        result.extra_replies.push_back(
            notices_.render("owner_cancel_rework", {{"number", number}}));
        co_return;
    }
    result.extra_replies.push_back(notices_.render(
        "owner_cancel_too_late",
        {{"number", number}, {"status", notices_.render("status_" + m.ticket->status)}}));
}

namespace {

// A note about an owner's 报价咨询 to the dispatchers, and to the supervisors too when they were
// told nobody had answered it (`overdue_told`) or there is no dispatcher.
void tell_desk_of_enquiry(sql::Connection& c, std::uint64_t ticket_id, const char* event,
                          const std::string& text, bool overdue_told, store::Timestamp now) {
    const auto told = notify_staff(c, StaffRole::dispatcher, ticket_id, event, text, now);
    if (told == 0 || overdue_told)
        notify_staff(c, StaffRole::supervisor, ticket_id, event, text, now);
}

}  // namespace

void JobDesk::settle_enquiry(sql::Connection& c, const store::Ticket& after, const char* answer,
                             store::Timestamp now) const {
    const std::string said = notices_.render(
        answer,
        {{"ticket", after.number}, {"fee", config::yuan_text(after.quote_cents.value_or(0))}});
    auto settled = settle_quote_enquiry(c, after.owner_openid, after.id, said, now);
    if (!settled) return;
    const std::string text = notices_.render(
        "staff_handover_enquiry_settled", {{"answer", said}, {"id", std::to_string(settled->id)}});
    tell_desk_of_enquiry(c, after.id, "handover_settled", text,
                         settled->overdue_told_for.has_value(), now);
    log::info("jobs", "enquiry_settled", {{"callback", settled->id}, {"number", after.number}});
}

bool JobDesk::tell_enquiry_refused(sql::Connection& c, const store::Ticket& after,
                                   std::int64_t cents, const std::string& why,
                                   store::Timestamp now) const {
    auto open = store::FeedbackRepository::open_handover(c, after.owner_openid);
    if (!open || open->enquiry_ticket_id != after.id) return false;
    const std::string text =
        notices_.render("staff_handover_enquiry_refused", {{"ticket", after.number},
                                                           {"fee", config::yuan_text(cents)},
                                                           {"reason", why},
                                                           {"id", std::to_string(open->id)}});
    tell_desk_of_enquiry(c, after.id, "handover_enquiry_refused", text,
                         open->overdue_told_for.has_value(), now);
    return true;
}

asio::awaitable<void> JobDesk::watch(const std::optional<store::Ticket>& saved) {
    if (saved && watch_) co_await watch_(*saved);
}

std::string JobDesk::moved_text(const Moved& m, const std::string& number) const {
    if (!m.ticket) return notices_.render("job_not_found", {{"number", number}});
    return notices_.render(
        "job_changed",
        {{"number", number}, {"status", notices_.render("status_" + m.ticket->status)}});
}

std::string JobDesk::refused_text(const Moved& m, const std::string& number) const {
    if (auto id = quote_refusal_text(m.refused))
        return data_.texts.render(*id, {{"ticket", number}});
    return moved_text(m, number);
}

asio::awaitable<dialog::Session> JobDesk::ticket_owner_session(std::string number) {
    auto work = [number](sql::Connection& c) {
        auto t = store::TicketRepository::find_by_number(c, number);
        return t ? t->owner_openid : std::string{};
    };
    auto owner = co_await mysql_.run(std::move(work));
    if (owner.empty()) co_return dialog::Session{};
    auto session = co_await read_owner_session(sessions_, owner);
    co_return session ? std::move(*session) : dialog::Session{};
}

asio::awaitable<void> JobDesk::ask_owner(std::string owner_openid, std::string number,
                                         std::optional<std::int64_t> fee_cents,
                                         std::optional<std::int64_t> quote_cents,
                                         std::chrono::sys_seconds now, bool only_if_missing) {
    OwnerSessionChange ask =
        [&](std::optional<dialog::Session> stored) -> std::optional<dialog::Session> {
        dialog::Session session = stored ? std::move(*stored) : dialog::Session{};
        // Asked already: any question about the ticket for a confirmation (a rating under way
        // must not be reset), the quote of this very amount for a quote.
        const auto asked = [&](const dialog::Feedback& f) {
            if (f.ticket_number != number) return false;
            if (!quote_cents) return true;
            const bool about_quote =
                f.step == dialog::FeedbackStep::quote || f.step == dialog::FeedbackStep::refuse_reason;
            return about_quote && f.cents == quote_cents;
        };
        if (only_if_missing && std::any_of(session.feedback.begin(), session.feedback.end(), asked))
            return std::nullopt;
        return quote_cents
                   ? dialog::begin_quote_approval(std::move(session), number, *quote_cents, now)
                   : dialog::begin_confirmation(std::move(session), number, fee_cents, now);
    };
    if (co_await change_owner_session(sessions_, owner_openid, std::move(ask), kMaxSessionAttempts))
        co_return;
    log::warn("jobs", "owner_session_contended", {{"number", number}});
}

asio::awaitable<void> JobDesk::apply(std::string openid, const dialog::Effect& effect,
                                     store::Timestamp now, EffectsResult& result) {
    const auto& texts = data_.texts;
    auto refuse = [&](std::string text) { result.replace_replies = std::move(text); };
    auto not_technician_text = [&] { return texts.get(dialog::TextId::tech_not_bound); };
    const auto sla = &sla_;
    if (co_await apply_quote(openid, effect, now, result)) co_return;

    if (const auto* bind = std::get_if<dialog::BindTechnician>(&effect)) {
        auto work = [code = bind->code, openid, now](sql::Connection& c) -> Result<store::Technician> {
            auto bound = store::TechnicianRepository::bind(c, code, openid, now);
            if (bound) return bound;
            // A resent 绑定 (the code is used by now) from the openid it bound: still a success.
            if (auto already = active_technician(c, openid)) return std::move(*already);
            return bound;
        };
        auto bound = co_await mysql_.run(std::move(work));
        if (bound) {
            log::info("jobs", "technician_bound", {{"technician", bound->id}});
            refuse(texts.render(dialog::TextId::bind_ok, {{"name", bound->name}}));
        } else {
            log::info("jobs", "bind_refused", {{"error", bound.error().message()}});
            refuse(texts.get(dialog::TextId::bind_failed));
        }
        co_return;
    }

    if (const auto* accept = std::get_if<dialog::AcceptJob>(&effect)) {
        const std::string number = accept->ticket_number;
        auto work = [number, openid, now, sla, this](sql::Connection& c) {
            const auto tech = active_technician(c, openid);
            if (!tech) return Moved{};  // refusal text chosen by the caller
            MoveFn move = [&](const store::Ticket& t, Moved& m) {
                auto moved = accept_job(t, m.technician->id, now);
                if (moved) start_stage_clocks(*moved, *sla);  // a desk's clocks from the acceptance
                return moved;
            };
            AlreadyFn already = [&](const store::Ticket& t) {
                return status_in(t, {ts::accepted, ts::arrived}) && t.technician_id == tech->id;
            };
            ComposeFn compose = [&](sql::Connection& c, const store::Ticket&,
                                    const store::Ticket& after, store::NewEvent& event,
                                    std::vector<store::NewOutbox>& outbox) {
                tell_dispatchers_taken(c, after, tech->name, now);
                event = {openid, "technician", "accepted",
                         nlohmann::json{{"technician_id", tech->id}, {"late", met_late(after, dialog::Stage::accept)}}.dump()};
                // Accepted after the arrival's deadline went by: the owner is not given a time
                // already past ("预计13:43前到场" at 13:45), but told it is on its way.
                const auto arrive_due = stage_due(after, dialog::Stage::arrive);
                const bool overdue = arrive_due && *arrive_due <= now;
                nlohmann::json notice = {{"event", "job_accepted"},
                                         {"number", after.number},
                                         {"technician", tech->name},
                                         {"technician_phone", tech->phone},
                                         {"arrive_by", overdue ? notices_.render("arrive_soon")
                                                               : opt_text(arrive_due, *sla)}};
                notice["text"] =
                    notices_.render(overdue ? "owner_job_accepted_overdue" : "owner_job_accepted",
                                    {{"number", after.number},
                                     {"technician", tech->name},
                                     {"technician_phone", tech->phone},
                                     {"arrive_by", notice["arrive_by"].get<std::string>()}});
                outbox.push_back({"notify", after.owner_openid, notice.dump(), std::nullopt});
            };
            return save_move(c, number, tech, move, already, compose, now);
        };
        Moved m = co_await mysql_.run(std::move(work));
        if (!m.technician) co_return refuse(not_technician_text());
        if (!m.saved && !m.already) co_return refuse(moved_text(m, number));
        co_await watch(m.saved);
        co_return;
    }

    if (const auto* arrive = std::get_if<dialog::ArriveJob>(&effect)) {
        const std::string number = arrive->ticket_number;
        auto work = [number, openid, now, this](sql::Connection& c) {
            const auto tech = active_technician(c, openid);
            if (!tech) return Moved{};  // refusal text chosen by the caller
            MoveFn move = [&](const store::Ticket& t, Moved& m) {
                auto moved = arrive_job(t, m.technician->id, now);
                if (moved) start_stage_clocks(*moved, sla_);  // a desk's finish from the arrival
                return moved;
            };
            AlreadyFn already = [&](const store::Ticket& t) {
                return t.status == ts::arrived && t.technician_id == tech->id;
            };
            ComposeFn compose = [&](sql::Connection& c, const store::Ticket& before,
                                    const store::Ticket& after, store::NewEvent& event,
                                    std::vector<store::NewOutbox>& outbox) {
                // On site without a 接单 first: the acceptance too.
                if (before.status == ts::dispatched)
                    tell_dispatchers_taken(c, after, tech->name, now);
                event = {openid, "technician", "arrived",
                         nlohmann::json{{"late", met_late(after, dialog::Stage::arrive)}}.dump()};
                nlohmann::json notice = {{"event", "job_arrived"}, {"number", after.number},
                                         {"technician", tech->name}};
                notice["text"] = notices_.render("owner_job_arrived",
                                                 {{"number", after.number}, {"technician", tech->name}});
                outbox.push_back({"notify", after.owner_openid, notice.dump(), std::nullopt});
            };
            return save_move(c, number, tech, move, already, compose, now);
        };
        Moved m = co_await mysql_.run(std::move(work));
        if (!m.technician) co_return refuse(not_technician_text());
        if (!m.saved && !m.already) co_return refuse(refused_text(m, number));
        co_await watch(m.saved);
        co_return;
    }

    if (const auto* finish = std::get_if<dialog::FinishJob>(&effect)) {
        const std::string number = finish->ticket_number;
        std::optional<std::uint32_t> fee;
        if (finish->fee_cents) fee = static_cast<std::uint32_t>(*finish->fee_cents);
        // The owner's session as it stands: the pushed question is the one the owner's next
        // answer will be read against (an earlier pending question comes first).
        dialog::Session snapshot = co_await ticket_owner_session(number);
        std::string fee_refusal;
        auto work = [number, openid, now, fee, note = finish->note, snapshot, &fee_refusal, this](sql::Connection& c) {
            const auto tech = active_technician(c, openid);
            if (!tech) return Moved{};  // refusal text chosen by the caller
            MoveFn move = [&](const store::Ticket& t, Moved& m) -> Result<store::Ticket> {
                if (fee && t.technician_id == m.technician->id) {
                    auto check = prices_.check_fee(t.fault_type, t.public_area, *fee);
                    using V = config::FeeVerdict;
                    if (check.verdict == V::over_maximum) {
                        fee_refusal = notices_.render("fee_over_list", {{"number", t.number},
                                                                        {"fee", config::yuan_text(*fee)},
                                                                        {"fault_type", t.fault_type},
                                                                        {"max", config::yuan_text(check.max_cents)}});
                    } else if (check.verdict == V::must_be_free && *fee > 0) {
                        fee_refusal = notices_.render("fee_must_be_free", {{"number", t.number}});
                    } else if (check.verdict == V::off_list && t.quote_cents && *fee > *t.quote_cents) {
                        fee_refusal = notices_.render("fee_over_quote", {{"number", t.number},
                                                                         {"fee", config::yuan_text(*fee)},
                                                                         {"quote", config::yuan_text(*t.quote_cents)}});
                    }
                    if (!fee_refusal.empty()) return Error{LifecycleErrc::wrong_status, "fee refused"};
                }
                // Stages met here with an implicit arrival stay unjudged (start_stage_clocks).
                return finish_job(t, m.technician->id, fee, note, now);
            };
            AlreadyFn already = [&](const store::Ticket& t) {
                return status_in(t, {ts::done, ts::confirmed, ts::rated, ts::closed}) &&
                       t.technician_id == tech->id && t.at.done && *t.at.done >= now - std::chrono::minutes(10);
            };
            ComposeFn compose = [&](sql::Connection&, const store::Ticket&, const store::Ticket& after,
                                    store::NewEvent& event, std::vector<store::NewOutbox>& outbox) {
                nlohmann::json details = {{"late", met_late(after, dialog::Stage::finish)}};
                if (after.fee_cents) details["fee_cents"] = *after.fee_cents;
                if (!after.done_note.empty()) details["note"] = after.done_note;
                event = {openid, "technician", "done", details.dump()};
                // A 返修's fee was the first visit's, paid then: the owner is not asked about it
                // again.
                std::optional<std::int64_t> fee_of;
                if (after.fee_cents && after.reopen_count == 0) fee_of = *after.fee_cents;
                auto asked = dialog::begin_confirmation(snapshot, after.number, fee_of, seconds_of(now));
                // The owner's next answer goes to the question asked first: when that is an
                // earlier ticket's, the push says this one is done too, then asks that one.
                std::string text = dialog::feedback_question(asked, data_.texts);
                if (!asked.feedback.empty() && asked.feedback.front().ticket_number != after.number)
                    text = notices_.render("owner_job_done_behind", {{"number", after.number}}) +
                           "\n" + text;
                nlohmann::json notice = {{"event", "job_done"},
                                         {"number", after.number},
                                         {"fee", fee_of ? config::yuan_text(*fee_of) : "无"},
                                         {"text", std::move(text)}};
                outbox.push_back({"notify", after.owner_openid, notice.dump(), std::nullopt});
            };
            return save_move(c, number, tech, move, already, compose, now);
        };
        Moved m = co_await mysql_.run(std::move(work));
        if (!m.technician) co_return refuse(not_technician_text());
        if (!m.saved && !m.already) {
            if (!fee_refusal.empty()) co_return refuse(fee_refusal);
            co_return refuse(refused_text(m, number));
        }
        // Also on a repeat while the ticket waits for the owner: an earlier try may have
        // committed the move but not reached the owner's session (Redis was down).
        const auto& finished = m.saved ? m.saved : m.ticket;
        if (finished && (m.saved || finished->status == ts::done)) {
            std::optional<std::int64_t> fee_of;
            if (finished->fee_cents && finished->reopen_count == 0) fee_of = *finished->fee_cents;
            co_await ask_owner(finished->owner_openid, number, fee_of, std::nullopt, seconds_of(now),
                               /*only_if_missing=*/!m.saved);
            if (m.saved) log::info("jobs", "done", {{"number", number}});
        }
        co_await watch(m.saved);
        co_return;
    }

    if (const auto* hand = std::get_if<dialog::HandOverJob>(&effect)) {
        const std::string number = hand->ticket_number;
        // Set by the move's transaction (the last run's, when a conflict made it run again).
        std::vector<std::uint64_t> handed;  // who handed it over before: not given back to them
        bool quote_withdrawn = false;       // the owner had been asked to agree to a quote
        auto work = [number, openid, now, reason = hand->reason, &handed, &quote_withdrawn,
                     this](sql::Connection& c) {
            const auto tech = active_technician(c, openid);
            if (!tech) return Moved{};  // refusal text chosen by the caller
            std::optional<std::uint32_t> agreed;  // a raise dropped: the price that stands
            MoveFn move = [&](const store::Ticket& t, Moved& m) {
                agreed.reset();
                if (quote_waiting(t)) agreed = agreed_before_raise(store::TicketRepository::events(c, t.id));
                return hand_over_job(t, m.technician->id, now, agreed);
            };
            // Handed over already (a re-run, a resend): the ticket is no longer the sender's.
            AlreadyFn already = [&](const store::Ticket& t) {
                return t.technician_id != tech->id && (is_open_job(t) || t.status == ts::new_);
            };
            ComposeFn compose = [&](sql::Connection& conn, const store::Ticket& before, const store::Ticket& after,
                                    store::NewEvent& event, std::vector<store::NewOutbox>& outbox) {
                nlohmann::json details = {{"reason", reason}, {"technician_id", tech->id}};
                if (agreed) details["restored_cents"] = *agreed;  // as a rejected raise records it
                event = {openid, "technician", "handed_over", details.dump()};
                // Read with the move, not after its commit: a re-run then would find the move
                // made and return before the re-dispatch.
                handed = handed_over_by(conn, before.id);
                quote_withdrawn = before.quote_status == store::quote_status::pending;
                // The owner was told this technician accepted (a quote implies it) and when to
                // expect them: told now that someone else is being found, and what became of a
                // quote they were asked about (the reason stays with the desk).
                if (auto told = owner_handover_notice(notices_, before, after, tech->name))
                    outbox.push_back(std::move(*told));
            };
            return save_move(c, number, tech, move, already, compose, now);
        };
        Moved m = co_await mysql_.run(std::move(work));
        if (!m.technician) co_return refuse(not_technician_text());
        if (m.already) co_return;
        if (!m.saved) co_return refuse(moved_text(m, number));
        // The quote question is gone with the quote: the owner's next message is no answer to it.
        if (quote_withdrawn && !co_await drop_owner_questions(sessions_, m.saved->owner_openid, m.saved->number))
            log::warn("jobs", "owner_session_contended", {{"number", number}});
        std::vector<std::uint64_t> excluded = std::move(handed);
        excluded.push_back(m.technician->id);
        auto outcome = co_await dispatcher_.dispatch(m.saved->id, excluded, openid, "handover", seconds_of(now));
        co_await watch(outcome.ticket ? outcome.ticket : m.saved);
        co_return;
    }

    if (const auto* photo = std::get_if<dialog::AttachJobPhoto>(&effect)) {
        const std::string number = photo->ticket_number;
        // The photo is kept on the ticket only while it is the sender's open job; the photo worker
        // downloads it like an owner's (photos.owner_openid is whoever sent it).
        auto work = [number, openid, now, sent = photo->photo](sql::Connection& c) {
            Moved m;
            m.technician = active_technician(c, openid);
            if (!m.technician) return m;
            store::Transaction tx(c);
            if (auto found = store::TicketRepository::find_by_number(c, number)) m.ticket = std::move(*found);
            if (!m.ticket || m.ticket->technician_id != m.technician->id || !is_open_job(*m.ticket)) return m;
            store::Photo p;
            p.ticket_id = m.ticket->id;
            p.owner_openid = openid;
            p.media_id = sent.media_id;
            p.pic_url = sent.pic_url;
            store::PhotoRepository::add_pending(c, p, now);
            store::TicketRepository::append_event(
                c, m.ticket->id, {openid, "technician", "photos_added", nlohmann::json{{"photos", 1}}.dump()}, now);
            tx.commit();
            m.saved = m.ticket;
            return m;
        };
        Moved m = co_await mysql_.run(std::move(work));
        if (!m.technician) co_return refuse(not_technician_text());
        if (!m.saved) co_return refuse(moved_text(m, number));
        log::info("jobs", "job_photo_attached", {{"number", number}});
        co_return;
    }

    if (std::holds_alternative<dialog::ListJobs>(effect)) co_return;  // the chat listed them

    if (const auto* duty = std::get_if<dialog::SetDuty>(&effect)) {
        // Only the flag: an admin's change of anything else meanwhile stands. Dispatch reads it
        // with every choice (TechnicianRepository::candidates), so the next ticket already sees it.
        auto work = [openid, on = duty->on,
                     now](sql::Connection& c) -> std::optional<std::uint64_t> {
            auto tech = active_technician(c, openid);
            if (!tech) return std::nullopt;
            store::TechnicianRepository::set_on_duty(c, tech->id, on, now);
            return tech->id;
        };
        auto id = co_await mysql_.run(std::move(work));
        if (!id) co_return refuse(not_technician_text());
        log::info("jobs", duty->on ? "on_duty" : "off_duty", {{"technician_id", *id}});
        co_return;
    }

    // The owner's answers: the ticket must be theirs.
    if (const auto* fixed = std::get_if<dialog::ConfirmFixed>(&effect)) {
        const std::string number = fixed->ticket_number;
        MoveFn move = [now](const store::Ticket& t, Moved&) { return confirm_fixed(t, now); };
        AlreadyFn already = [](const store::Ticket& t) { return status_in(t, {ts::confirmed, ts::rated, ts::closed}); };
        // A share of finished repairs is called back (回访), chosen with the confirmation.
        ComposeFn compose = [sla, now](sql::Connection& c, const store::Ticket&, const store::Ticket& after,
                                       store::NewEvent&, std::vector<store::NewOutbox>&) {
            (void)queue_repair_callback(c, after, *sla, now);
        };
        Moved m = co_await owners_move(openid, number, "confirmed", move, already, compose, now);
        if (!m.saved && !m.already) co_return refuse(moved_text(m, number));
        co_await watch(m.saved);
        co_return;
    }

    if (const auto* not_fixed = std::get_if<dialog::ReportNotFixed>(&effect)) {
        const std::string number = not_fixed->ticket_number;
        // 没修好 with words naming harm or damage is a serious complaint too (DOMAIN.md: to the
        // manager at once), as a low rating's comment is.
        ReopenRequest request{openid, "owner", not_fixed->text.empty() ? "没修好" : not_fixed->text,
                              data_.catalog.is_serious_complaint(not_fixed->text),
                              !not_fixed->emergency.empty()};
        auto work = [number, openid, now, request = std::move(request), sla,
                     notices = &notices_](sql::Connection& c) {
            Moved out;
            auto t = store::TicketRepository::find_by_number(c, number);
            if (!t || t->owner_openid != openid) return out;
            out.ticket = *t;
            if (is_open_job(*t) && t->reopen_count > 0) {
                out.already = true;  // reopened already (a retried answer)
                return out;
            }
            auto reopened = reopen_ticket(c, *sla, *notices, t->id, request, now);
            if (reopened) out.saved = reopened->ticket;
            return out;
        };
        Moved m = co_await mysql_.run(std::move(work));
        if (!m.saved && !m.already) co_return refuse(moved_text(m, number));
        co_await watch(m.saved);
        co_return;
    }

    if (const auto* cancel = std::get_if<dialog::CancelTicket>(&effect)) {
        co_await cancel_for_owner(openid, cancel->ticket_number, now, result);
        co_return;
    }

    if (const auto* rate = std::get_if<dialog::RateService>(&effect)) {
        const std::string number = rate->ticket_number;
        const int score = rate->score;
        const std::string comment = rate->comment;
        MoveFn move = [now](const store::Ticket& t, Moved&) { return rate_job(t, now); };
        AlreadyFn already = [](const store::Ticket& t) { return status_in(t, {ts::rated, ts::closed}) && t.at.rated; };
        // The complaint a low rating files and whom its note reached, for the warning after the
        // commit (set by the last attempt of the unit of work; read after it is done).
        struct Filed {
            std::uint64_t id = 0;
            bool serious = false;
            ComplaintTold told;
        };
        auto filed = std::make_shared<std::optional<Filed>>();
        ComposeFn compose = [=, this](sql::Connection& c, const store::Ticket&, const store::Ticket& after,
                                store::NewEvent& event, std::vector<store::NewOutbox>&) {
            event.details = nlohmann::json{{"score", score}, {"comment", comment}}.dump();
            store::Rating rating;
            rating.ticket_id = after.id;
            rating.round = after.reopen_count;
            rating.owner_openid = openid;
            rating.score = static_cast<std::uint32_t>(score);
            rating.comment = comment;
            rating.created_at = now;
            (void)store::FeedbackRepository::add_rating(c, rating);
            filed->reset();
            if (score <= 2) {
                // A low rating becomes a complaint for the supervisor, called back within the
                // policy's limit; a one-star rating, or a comment the catalog calls serious
                // (受伤, 赔偿 …), goes to the manager at once.
                const bool serious = score == 1 || data_.catalog.is_serious_complaint(comment);
                store::Complaint complaint;
                complaint.ticket_id = after.id;
                complaint.owner_openid = openid;
                complaint.source = "low_rating";
                complaint.severity = serious ? "serious" : "normal";
                // An owner who would not say why ("不说了"): the callback is to ask, and both the
                // complaint and its note say so rather than end on an empty colon.
                const std::string words =
                    comment.empty() ? notices_.render("low_rating_unexplained") : comment;
                complaint.text = std::to_string(score) + "星：" + words;
                complaint.created_at = now;
                auto id = open_complaint(c, complaint, *sla, now);
                std::string text =
                    notices_.render("low_rating_complaint", {{"number", after.number},
                                                             {"score", std::to_string(score)},
                                                             {"comment", words},
                                                             {"complaint", std::to_string(id)}});
                *filed = Filed{id, serious, tell_complaint_note(c, after.id, text, serious, now)};
            }
        };
        Moved m = co_await owners_move(openid, number, "rated", move, already, compose, now);
        if (!m.saved && !m.already) co_return refuse(moved_text(m, number));
        if (m.saved && *filed)
            warn_untold("jobs", (*filed)->id, (*filed)->told, (*filed)->serious,
                        log::Field{"number", number});
        if (m.saved) {
            // Rated and nothing left to call back: the ticket closes (回访 first otherwise).
            auto close_work = [id = m.saved->id, now](sql::Connection& c) {
                return close_rated_ticket(c, id, {"system", "system", "closed", "{}"}, now);
            };
            auto closed = co_await mysql_.run(std::move(close_work));
            if (!closed)
                log::warn("jobs", "close_failed", {{"number", number}, {"error", closed.error().message()}});
            co_await watch(closed && *closed ? *closed : m.saved);
        }
        co_return;
    }
}

}  // namespace repairbot::bot
