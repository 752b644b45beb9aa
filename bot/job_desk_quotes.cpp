// The job desk's quotes (bot/job_desk.h): a technician's 报价, a supervisor's 核准 / 驳回 of it,
// and the owner's 同意 / 不同意 — the paid-repair side of the lifecycle (bot/ticket_lifecycle.h).
#include "bot/job_desk.h"

#include <cppconn/connection.h>
#include <nlohmann/json.hpp>

#include "bot/job_moves.h"
#include "bot/staff_notice.h"
#include "bot/ticket_lifecycle.h"
#include "bot/timer_plan.h"
#include "config/log.h"
#include "config/price_list.h"
#include "dialog/feedback.h"
#include "dialog/money.h"
#include "store/feedback_repository.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"

namespace repairbot::bot {

namespace asio = boost::asio;

namespace {

// The owner's question about a quote of `cents` on `after`, as a push: the question the owner's
// chat will read the next answer against (an earlier pending question comes first).
store::NewOutbox quote_request(const dialog::Session& owner_session, const store::Ticket& after,
                               std::uint32_t cents, store::Timestamp now,
                               const dialog::ReplyTexts& texts) {
    auto asked = dialog::begin_quote_approval(owner_session, after.number, cents, seconds_of(now));
    nlohmann::json notice = {{"event", "quote_request"},
                             {"number", after.number},
                             {"fee", config::yuan_text(cents)},
                             {"text", dialog::feedback_question(asked, texts)}};
    return {"notify", after.owner_openid, notice.dump(), std::nullopt};
}

// The amount to ask the owner about again when the owner answered a quote since replaced.
std::optional<std::int64_t> replaced_quote(const Moved& m) {
    if (m.refused != LifecycleErrc::quote_changed || !m.ticket || !m.ticket->quote_cents ||
        m.ticket->quote_status != store::quote_status::pending)
        return std::nullopt;
    return *m.ticket->quote_cents;
}

}  // namespace

asio::awaitable<Moved> JobDesk::owners_move(std::string openid, std::string number,
                                            std::string event_type, MoveFn move, AlreadyFn already,
                                            ComposeFn extra, store::Timestamp now) {
    auto work = [=](sql::Connection& c) {
        AlreadyFn owned_already = [&](const store::Ticket& t) {
            return t.owner_openid == openid && already(t);
        };
        MoveFn owned_move = [&](const store::Ticket& t, Moved& m) -> Result<store::Ticket> {
            if (t.owner_openid != openid) return Error{LifecycleErrc::not_yours, "not the owner"};
            return move(t, m);
        };
        ComposeFn compose = [&](sql::Connection& conn, const store::Ticket& before,
                                const store::Ticket& after, store::NewEvent& event,
                                std::vector<store::NewOutbox>& outbox) {
            event = {openid, "owner", event_type, "{}"};
            if (extra) extra(conn, before, after, event, outbox);
        };
        return save_move(c, number, std::nullopt, owned_move, owned_already, compose, now);
    };
    co_return co_await mysql_.run(std::move(work));
}

asio::awaitable<bool> JobDesk::apply_quote(std::string openid, const dialog::Effect& effect,
                                           store::Timestamp now, EffectsResult& result) {
    const auto& texts = data_.texts;
    auto refuse = [&](std::string text) {
        result.replace_replies = std::move(text);
        return true;
    };
    auto not_technician_text = [&] { return texts.get(dialog::TextId::tech_not_bound); };
    // An owner's answer to a quote that was refused: the new amount when the quote changed.
    auto owners_quote_refusal = [&](const Moved& m, const std::string& number) {
        if (m.ticket && m.ticket->quote_status == store::quote_status::review &&
            is_open_job(*m.ticket))
            return notices_.render("owner_quote_in_review", {{"number", number}});
        if (m.refused == LifecycleErrc::quote_changed && m.ticket && m.ticket->quote_cents)
            return notices_.render(
                "owner_quote_changed",
                {{"number", number}, {"fee", config::yuan_text(*m.ticket->quote_cents)}});
        return moved_text(m, number);
    };
    // A supervisor's 核准 / 驳回 refused: the quote is no longer waiting for review.
    auto review_refusal = [&](const Moved& m, const std::string& number) {
        if (m.refused == LifecycleErrc::quote_changed && m.ticket && m.ticket->quote_cents)
            return notices_.render(
                "review_quote_changed",
                {{"number", number}, {"fee", config::yuan_text(*m.ticket->quote_cents)}});
        if (m.ticket && is_open_job(*m.ticket))
            return texts.render(dialog::TextId::review_not_waiting, {{"ticket", number}});
        return moved_text(m, number);
    };

    if (const auto* quote = std::get_if<dialog::QuoteJob>(&effect)) {
        const std::string number = quote->ticket_number;
        const auto cents = static_cast<std::uint32_t>(quote->cents);
        dialog::Session snapshot = co_await ticket_owner_session(number);
        auto work = [number, openid, now, cents, snapshot, this](sql::Connection& c) {
            const auto tech = active_technician(c, openid);
            if (!tech) return Moved{};  // refusal text chosen by the caller
            // DOMAIN.md: a supervisor reviews paid-repair quotes. With none bound, the quote goes
            // to the owner as it is (and the operators are told to bind one); a supervisor's own
            // quote (on a job they do themselves) is the supervisor's quote, put to the owner.
            const bool review =
                !tech->is_supervisor && store::TechnicianRepository::supervisor_bound(c);
            MoveFn move = [&](const store::Ticket& t, Moved& m) {
                auto moved = quote_job(t, m.technician->id, cents, now, review);
                if (moved) start_stage_clocks(*moved, sla_);  // an implicit acceptance's clocks
                return moved;
            };
            // The same amount again: nothing new for the supervisor or the owner.
            AlreadyFn already = [&](const store::Ticket& t) {
                return t.technician_id == tech->id && t.quote_cents == cents &&
                       (t.quote_status == store::quote_status::review ||
                        t.quote_status == store::quote_status::pending ||
                        t.quote_status == store::quote_status::agreed);
            };
            ComposeFn compose = [&](sql::Connection& conn, const store::Ticket&,
                                    const store::Ticket& after, store::NewEvent& event,
                                    std::vector<store::NewOutbox>& outbox) {
                event = {openid, "technician", "quoted",
                         nlohmann::json{{"quote_cents", cents}, {"review", review}}.dump()};
                if (!review) {
                    outbox.push_back(quote_request(snapshot, after, cents, now, data_.texts));
                    return;
                }
                std::string text =
                    notices_.render("quote_review", {{"number", after.number},
                                                     {"address", after.address},
                                                     {"fault_type", after.fault_type},
                                                     {"technician", tech->name},
                                                     {"fee", config::yuan_text(cents)}});
                notify_staff(conn, StaffRole::supervisor, after.id, "quote_review", text, now);
            };
            return save_move(c, number, tech, move, already, compose, now);
        };
        Moved m = co_await mysql_.run(std::move(work));
        if (!m.technician) co_return refuse(not_technician_text());
        if (!m.saved && !m.already) co_return refuse(refused_text(m, number));
        const auto& quoted = m.saved ? m.saved : m.ticket;
        if (quoted && quoted->quote_status == store::quote_status::review) {
            co_await watch(m.saved);
            co_return refuse(notices_.render(
                "tech_quote_in_review", {{"number", number}, {"fee", config::yuan_text(cents)}}));
        }
        if (m.saved && !m.technician->is_supervisor)
            log::warn(
                "jobs", "quote_unreviewed",
                {{"number", number},
                 {"fix",
                  "bind a supervisor (is_supervisor, active, WeChat openid) to review quotes"}});
        const bool still_asked =
            m.already && m.ticket && m.ticket->quote_status == store::quote_status::pending;
        if (m.saved || still_asked)
            co_await ask_owner((m.saved ? m.saved : m.ticket)->owner_openid, number, std::nullopt,
                               cents, seconds_of(now), /*only_if_missing=*/!m.saved);
        co_await watch(m.saved);
        co_return true;
    }

    // A supervisor's review of a quote: 核准 puts it to the owner, 驳回 sends it back.
    if (const auto* approve = std::get_if<dialog::ApproveQuote>(&effect)) {
        const std::string number = approve->ticket_number;
        if (approve->cents && (*approve->cents < 0 || *approve->cents > dialog::kMaxCents))
            co_return refuse(texts.get(dialog::TextId::tech_quote_invalid));
        std::optional<std::uint32_t> own;
        if (approve->cents) own = static_cast<std::uint32_t>(*approve->cents);
        dialog::Session snapshot = co_await ticket_owner_session(number);
        const auto seen = approve->seen_cents;
        auto work = [number, openid, now, own, seen, snapshot, this](sql::Connection& c) {
            const auto supervisor = active_technician(c, openid);
            if (!supervisor || !supervisor->is_supervisor) return Moved{};
            MoveFn move = [&](const store::Ticket& t, Moved&) {
                return approve_quote(t, own, seen, now);
            };
            // Approved already (a retry after a failure): on to the owner, at this amount.
            AlreadyFn already = [&](const store::Ticket& t) {
                if (t.quote_status != store::quote_status::pending) return false;
                if (own) return t.quote_cents == own;
                return !seen ||
                       (t.quote_cents && static_cast<std::int64_t>(*t.quote_cents) == *seen);
            };
            ComposeFn compose = [&](sql::Connection& conn, const store::Ticket& before,
                                    const store::Ticket& after, store::NewEvent& event,
                                    std::vector<store::NewOutbox>& outbox) {
                const auto cents = after.quote_cents.value_or(0);
                event = {openid, "supervisor", "quote_approved",
                         nlohmann::json{{"quote_cents", cents},
                                        {"quoted_cents", before.quote_cents.value_or(0)},
                                        {"supervisor", supervisor->name}}
                             .dump()};
                outbox.push_back(quote_request(snapshot, after, cents, now, data_.texts));
                if (auto tech = store::bound_technician_of(conn, after)) {
                    std::string fee = config::yuan_text(cents);
                    nlohmann::json notice = {
                        {"event", "quote_approved"},
                        {"number", after.number},
                        {"fee", fee},
                        {"text", notices_.render("tech_quote_approved",
                                                 {{"number", after.number}, {"fee", fee}})}};
                    outbox.push_back({"notify", *tech->openid, notice.dump(), std::nullopt});
                }
            };
            return save_move(c, number, supervisor, move, already, compose, now);
        };
        Moved m = co_await mysql_.run(std::move(work));
        if (!m.technician) co_return refuse(texts.get(dialog::TextId::review_not_supervisor));
        if (!m.saved && !m.already) co_return refuse(review_refusal(m, number));
        const auto& approved = m.saved ? m.saved : m.ticket;
        if (approved && approved->quote_cents)
            co_await ask_owner(approved->owner_openid, number, std::nullopt, *approved->quote_cents,
                               seconds_of(now),
                               /*only_if_missing=*/!m.saved);
        co_await watch(m.saved);
        co_return true;
    }

    if (const auto* reject = std::get_if<dialog::RejectQuote>(&effect)) {
        const std::string number = reject->ticket_number;
        const std::string reason = reject->reason;
        auto work = [number, openid, now, reason, this](sql::Connection& c) {
            const auto supervisor = active_technician(c, openid);
            if (!supervisor || !supervisor->is_supervisor) return Moved{};
            std::optional<std::uint32_t> restored;
            MoveFn move = [&](const store::Ticket& t, Moved&) {
                restored = agreed_before_raise(store::TicketRepository::events(c, t.id));
                return reject_quote(t, restored, now);
            };
            AlreadyFn already = [](const store::Ticket&) { return false; };
            ComposeFn compose = [&](sql::Connection& conn, const store::Ticket& before,
                                    const store::Ticket& after, store::NewEvent& event,
                                    std::vector<store::NewOutbox>& outbox) {
                const std::string fee = config::yuan_text(before.quote_cents.value_or(0));
                nlohmann::json details = {{"quoted_cents", before.quote_cents.value_or(0)},
                                          {"reason", reason},
                                          {"supervisor", supervisor->name}};
                if (restored) details["restored_cents"] = *restored;
                event = {openid, "supervisor", "quote_rejected", details.dump()};
                if (auto tech = store::bound_technician_of(conn, after)) {
                    const std::string agreed =
                        restored ? config::yuan_text(*restored) : std::string();
                    nlohmann::json notice = {
                        {"event", "quote_rejected"},
                        {"number", after.number},
                        {"fee", fee},
                        {"reason", reason},
                        {"text", notices_.render(
                                     restored ? "tech_quote_raise_rejected" : "tech_quote_rejected",
                                     {{"number", after.number},
                                      {"fee", fee},
                                      {"reason", reason},
                                      {"agreed", agreed}})}};
                    outbox.push_back({"notify", *tech->openid, notice.dump(), std::nullopt});
                }
            };
            return save_move(c, number, supervisor, move, already, compose, now);
        };
        Moved m = co_await mysql_.run(std::move(work));
        if (!m.technician) co_return refuse(texts.get(dialog::TextId::review_not_supervisor));
        if (!m.saved) co_return refuse(review_refusal(m, number));
        co_await watch(m.saved);
        co_return true;
    }

    if (const auto* agree = std::get_if<dialog::AgreeQuote>(&effect)) {
        const std::string number = agree->ticket_number;
        const std::int64_t cents = agree->cents;
        MoveFn move = [now, cents](const store::Ticket& t, Moved&) {
            return agree_quote(t, cents, now);
        };
        AlreadyFn already = [cents](const store::Ticket& t) {
            return t.quote_status == store::quote_status::agreed && t.quote_cents &&
                   static_cast<std::int64_t>(*t.quote_cents) == cents;
        };
        ComposeFn compose = [this, now](sql::Connection& c, const store::Ticket&,
                                        const store::Ticket& after, store::NewEvent& event,
                                        std::vector<store::NewOutbox>& outbox) {
            event.details = nlohmann::json{{"quote_cents", after.quote_cents.value_or(0)}}.dump();
            settle_enquiry(c, after, "enquiry_answer_agreed", now);
            auto tech = store::bound_technician_of(c, after);
            if (!tech) return;
            std::string fee = config::yuan_text(after.quote_cents.value_or(0));
            nlohmann::json notice = {
                {"event", "quote_agreed"},
                {"number", after.number},
                {"fee", fee},
                {"text",
                 notices_.render("tech_quote_agreed", {{"number", after.number}, {"fee", fee}})}};
            outbox.push_back({"notify", *tech->openid, notice.dump(), std::nullopt});
        };
        Moved m = co_await owners_move(openid, number, "quote_agreed", move, already, compose, now);
        if (!m.saved && !m.already) {
            // Asked again, as of just after this message: a re-run of this turn (the session
            // changed under it) meets the new question, it does not answer it (dialog/feedback.h).
            if (auto cents_now = replaced_quote(m))
                co_await ask_owner(openid, number, std::nullopt, *cents_now,
                                   seconds_of(now) + std::chrono::seconds{1},
                                   /*only_if_missing=*/true);
            co_return refuse(owners_quote_refusal(m, number));
        }
        co_await watch(m.saved);
        co_return true;
    }

    if (const auto* refuse_q = std::get_if<dialog::RefuseQuote>(&effect)) {
        const std::string number = refuse_q->ticket_number;
        const std::string reason = refuse_q->reason;
        const std::int64_t cents = refuse_q->cents;
        MoveFn move = [now, reason, cents](const store::Ticket& t, Moved&) {
            return refuse_quote(t, cents, reason, now);
        };
        AlreadyFn already = [](const store::Ticket& t) {
            return t.quote_status == store::quote_status::refused;
        };
        // A question about the quote stays for the desk (after 不同意 the call-out fee may be
        // it), told what became of the ticket; the owner hears it stands.
        bool enquiry_stands = false;
        ComposeFn compose = [this, reason, cents, now, &enquiry_stands](
                                sql::Connection& c, const store::Ticket&,
                                const store::Ticket& after, store::NewEvent& event,
                                std::vector<store::NewOutbox>& outbox) {
            event.details = nlohmann::json{{"reason", reason}}.dump();
            std::string why = reason.empty() ? "未说明原因" : reason;
            enquiry_stands = tell_enquiry_refused(c, after, cents, why, now);
            auto tech = store::bound_technician_of(c, after);
            if (!tech) return;
            nlohmann::json notice = {
                {"event", "quote_refused"},
                {"number", after.number},
                {"reason", why},
                {"text", notices_.render("tech_quote_refused",
                                         {{"number", after.number}, {"reason", why}})}};
            outbox.push_back({"notify", *tech->openid, notice.dump(), std::nullopt});
        };
        Moved m =
            co_await owners_move(openid, number, "quote_refused", move, already, compose, now);
        if (!m.saved && !m.already) {
            // Asked again, as of just after this message: a re-run of this turn (the session
            // changed under it) meets the new question, it does not answer it (dialog/feedback.h).
            if (auto cents_now = replaced_quote(m))
                co_await ask_owner(openid, number, std::nullopt, *cents_now,
                                   seconds_of(now) + std::chrono::seconds{1},
                                   /*only_if_missing=*/true);
            co_return refuse(owners_quote_refusal(m, number));
        }
        // Refused already (this turn re-run after its session's save lost a race): the question
        // is read again, so the reply that goes out still says it stands.
        if (m.already && m.ticket) {
            auto work = [openid, id = m.ticket->id](sql::Connection& c) {
                auto open = store::FeedbackRepository::open_handover(c, openid);
                return open && open->enquiry_ticket_id == id;
            };
            enquiry_stands = co_await mysql_.run(std::move(work));
        }
        if ((m.saved || m.already) && enquiry_stands)
            result.extra_replies.push_back(
                notices_.render("owner_enquiry_still_open", {{"number", number}}));
        co_await watch(m.saved);
        co_return true;
    }
    co_return false;
}

}  // namespace repairbot::bot
