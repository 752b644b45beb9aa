#include "bot/job_desk.h"

#include <cppconn/connection.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "bot/callback_desk.h"
#include "bot/staff_notice.h"
#include "bot/template_receipts.h"
#include "bot/ticket_lifecycle.h"
#include "bot/timer_plan.h"
#include "config/log.h"
#include "dialog/feedback.h"
#include "dialog/money.h"
#include "dialog/session_codec.h"
#include "dialog/sla_policy.h"
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

constexpr int kMaxConflicts = 5;
constexpr int kMaxSessionAttempts = 8;

std::chrono::sys_seconds seconds_of(store::Timestamp t) {
    return std::chrono::floor<std::chrono::seconds>(t);
}

bool status_in(const store::Ticket& t, std::initializer_list<const char*> statuses) {
    return std::any_of(statuses.begin(), statuses.end(), [&](const char* s) { return t.status == s; });
}

dialog::TechnicianJob job_of(const store::Ticket& t) {
    dialog::TechnicianJob job;
    job.ticket_number = t.number;
    job.status = t.status == ts::arrived    ? dialog::JobStatus::arrived
                 : t.status == ts::accepted ? dialog::JobStatus::accepted
                                            : dialog::JobStatus::dispatched;
    job.address = t.address;
    job.fault_type = t.fault_type;
    job.off_list = t.quote_status != store::quote_status::none;
    const bool waiting =
        t.quote_status == store::quote_status::pending || t.quote_status == store::quote_status::review;
    job.quote = waiting                                         ? dialog::QuoteState::pending
                : t.quote_status == store::quote_status::agreed ? dialog::QuoteState::agreed
                                                                : dialog::QuoteState::none;
    return job;
}

// The sender as an active, bound technician; nullopt for anyone else. Blocking.
std::optional<store::Technician> active_technician(sql::Connection& c, const std::string& openid) {
    auto tech = store::TechnicianRepository::find_by_openid(c, openid);
    if (!tech || !tech->active) return std::nullopt;
    return std::move(*tech);
}

// The outcome of one move, computed on the MySQL thread.
struct Moved {
    std::optional<store::Ticket> saved;  // the move was saved
    bool already = false;                // the ticket had made this move before: nothing to do
    std::error_code refused;             // why the move was refused (a LifecycleErrc mostly)
    std::optional<store::Technician> technician;
    std::optional<store::Ticket> ticket;  // as found
};

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

// The owner's question about a quote of `cents` on `after`, as a push: the question the owner's
// chat will read the next answer against (an earlier pending question comes first).
store::NewOutbox quote_request(const dialog::Session& owner_session, const store::Ticket& after, std::uint32_t cents,
                               store::Timestamp now, const dialog::ReplyTexts& texts) {
    auto asked = dialog::begin_quote_approval(owner_session, after.number, cents, seconds_of(now));
    nlohmann::json notice = {{"event", "quote_request"},
                             {"number", after.number},
                             {"fee", config::yuan_text(cents)},
                             {"text", dialog::feedback_question(asked, texts)}};
    return {"notify", after.owner_openid, notice.dump(), std::nullopt};
}

// The price the owner had agreed to when the quote now under review was made (a raise of an
// agreed quote), replayed from the audit log: the owner's agreement sets the price in force, a
// rejected raise sets it to what it restored (nothing when it restored nothing), and a quote
// (a raise, or a correction of one still in review) leaves it in force until the owner agrees
// to another. nullopt: none.
std::optional<std::uint32_t> agreed_before_raise(const std::vector<store::TicketEvent>& events) {
    std::optional<std::uint32_t> agreed, at_raise;
    auto cents_in = [](const store::TicketEvent& e, const char* key) -> std::optional<std::uint32_t> {
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
        }
    }
    return at_raise;
}

// The amount to ask the owner about again when the owner answered a quote since replaced.
std::optional<std::int64_t> replaced_quote(const Moved& m) {
    if (m.refused != LifecycleErrc::quote_changed || !m.ticket || !m.ticket->quote_cents ||
        m.ticket->quote_status != store::quote_status::pending)
        return std::nullopt;
    return *m.ticket->quote_cents;
}

using MoveFn = std::function<Result<store::Ticket>(const store::Ticket&, Moved&)>;
using AlreadyFn = std::function<bool(const store::Ticket&)>;
// Fills in the audit event and the outbox rows of a move; may write rows that must commit
// with it (they do: they share the move's transaction, update() nesting as a savepoint).
using ComposeFn = std::function<void(sql::Connection&, const store::Ticket& before,
                                     const store::Ticket& after, store::NewEvent&,
                                     std::vector<store::NewOutbox>&)>;

}  // namespace

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
            return std::is_same_v<T, dialog::BindTechnician> || std::is_same_v<T, dialog::AcceptJob> ||
                   std::is_same_v<T, dialog::ArriveJob> || std::is_same_v<T, dialog::FinishJob> ||
                   std::is_same_v<T, dialog::QuoteJob> || std::is_same_v<T, dialog::HandOverJob> ||
                   std::is_same_v<T, dialog::ListJobs> || std::is_same_v<T, dialog::ConfirmFixed> ||
                   std::is_same_v<T, dialog::ReportNotFixed> || std::is_same_v<T, dialog::RateService> ||
                   std::is_same_v<T, dialog::AgreeQuote> || std::is_same_v<T, dialog::RefuseQuote> ||
                   std::is_same_v<T, dialog::AttachJobPhoto> || std::is_same_v<T, dialog::ApproveQuote> ||
                   std::is_same_v<T, dialog::RejectQuote>;
        },
        effect);
}

asio::awaitable<std::optional<dialog::TechnicianView>> JobDesk::technician_of(std::string openid) {
    auto work = [openid](sql::Connection& c) -> std::optional<dialog::TechnicianView> {
        auto tech = active_technician(c, openid);
        if (!tech) return std::nullopt;
        dialog::TechnicianView view;
        view.id = std::to_string(tech->id);
        view.name = tech->name;
        view.supervisor = tech->is_supervisor;
        if (tech->is_supervisor) {
            std::map<std::uint64_t, std::string> names;  // who quoted
            auto waiting = store::TicketRepository::quotes_in_review(c, kReviewsShown + 1);
            view.more_quotes_to_review = waiting.size() > kReviewsShown;
            if (view.more_quotes_to_review) waiting.resize(kReviewsShown);
            for (const auto& t : waiting) {
                std::string& name = names[t.technician_id.value_or(0)];
                if (name.empty() && t.technician_id)
                    if (auto who = store::TechnicianRepository::find_by_id(c, *t.technician_id)) name = who->name;
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
            if (is_open_job(t)) view.open_jobs.push_back(job_of(t));
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

// Loads the ticket, applies the move, saves it with its event and outbox rows; retried on a
// concurrent change. `technician`: the sender of a technician's command (nullopt for owners).
Moved save_move(sql::Connection& c, const std::string& number,
                const std::optional<store::Technician>& technician, const MoveFn& move,
                const AlreadyFn& already, const ComposeFn& compose, store::Timestamp at) {
    Moved out;
    out.technician = technician;
    for (int attempt = 0; attempt < kMaxConflicts; ++attempt) {
        auto found = store::TicketRepository::find_by_number(c, number);
        if (!found) return out;
        out.ticket = *found;
        if (already(*found)) {
            out.already = true;
            return out;
        }
        auto moved = move(*found, out);
        if (!moved) {
            out.refused = moved.error().code;
            return out;
        }
        store::NewEvent event;
        std::vector<store::NewOutbox> outbox;
        store::Transaction tx(c);
        compose(c, *found, *moved, event, outbox);
        auto saved = store::TicketRepository::update(c, *moved, event, outbox, at);
        if (!saved) {
            if (saved.code() == store::make_error_code(store::StoreErrc::version_conflict)) continue;
            out.refused = saved.code();
            return out;
        }
        tx.commit();
        out.saved = std::move(*saved);
        return out;
    }
    out.refused = store::make_error_code(store::StoreErrc::version_conflict);
    return out;
}

std::string opt_text(const std::optional<store::Timestamp>& t, const config::SlaData& sla) {
    return t ? local_time_text(*t, sla.calendar.utc_offset()) : std::string("尽快");
}

}  // namespace

asio::awaitable<void> JobDesk::record_push_receipt(std::uint64_t msg_id, std::string recipient,
                                                   std::string status, std::chrono::sys_seconds now) {
    (void)co_await record_template_receipt(mysql_, static_cast<std::int64_t>(msg_id), std::move(recipient),
                                           std::move(status), now);
}

asio::awaitable<void> JobDesk::watch(const std::optional<store::Ticket>& saved) {
    if (saved && watch_) co_await watch_(*saved);
}

asio::awaitable<dialog::Session> JobDesk::ticket_owner_session(std::string number) {
    auto work = [number](sql::Connection& c) {
        auto t = store::TicketRepository::find_by_number(c, number);
        return t ? t->owner_openid : std::string{};
    };
    auto owner = co_await mysql_.run(std::move(work));
    if (owner.empty()) co_return dialog::Session{};
    auto stored = co_await sessions_.load(owner);
    if (stored.version != 0)
        if (auto decoded = dialog::decode(stored.data)) co_return std::move(*decoded);
    co_return dialog::Session{};
}

asio::awaitable<void> JobDesk::ask_owner(std::string owner_openid, std::string number,
                                         std::optional<std::int64_t> fee_cents,
                                         std::optional<std::int64_t> quote_cents,
                                         std::chrono::sys_seconds now, bool only_if_missing) {
    for (int attempt = 1; attempt <= kMaxSessionAttempts; ++attempt) {
        auto stored = co_await sessions_.load(owner_openid);
        dialog::Session session;
        if (stored.version != 0)
            if (auto decoded = dialog::decode(stored.data)) session = std::move(*decoded);
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
            co_return;
        session = quote_cents ? dialog::begin_quote_approval(std::move(session), number, *quote_cents, now)
                              : dialog::begin_confirmation(std::move(session), number, fee_cents, now);
        auto saved = co_await sessions_.save(owner_openid, stored.version, dialog::encode(session));
        if (saved) co_return;
    }
    log::warn("jobs", "owner_session_contended", {{"number", number}});
}

asio::awaitable<void> JobDesk::apply(std::string openid, const dialog::Effect& effect,
                                     store::Timestamp now, EffectsResult& result) {
    const auto& texts = data_.texts;
    auto refuse = [&](std::string text) { result.replace_replies = std::move(text); };
    auto changed_text = [&](const Moved& m, const std::string& number) {
        if (!m.ticket) return notices_.render("job_not_found", {{"number", number}});
        return notices_.render("job_changed", {{"number", number},
                                               {"status", notices_.render("status_" + m.ticket->status)}});
    };
    // An owner's answer to a quote that was refused: the new amount when the quote changed.
    auto owners_quote_refusal = [&](const Moved& m, const std::string& number) {
        if (m.ticket && m.ticket->quote_status == store::quote_status::review && is_open_job(*m.ticket))
            return notices_.render("owner_quote_in_review", {{"number", number}});
        if (m.refused == LifecycleErrc::quote_changed && m.ticket && m.ticket->quote_cents)
            return notices_.render(
                "owner_quote_changed",
                {{"number", number}, {"fee", config::yuan_text(*m.ticket->quote_cents)}});
        return changed_text(m, number);
    };
    // A supervisor's 核准 / 驳回 refused: the quote is no longer waiting for review.
    auto review_refusal = [&](const Moved& m, const std::string& number) {
        if (m.refused == LifecycleErrc::quote_changed && m.ticket && m.ticket->quote_cents)
            return notices_.render("review_quote_changed",
                                   {{"number", number}, {"fee", config::yuan_text(*m.ticket->quote_cents)}});
        if (m.ticket && is_open_job(*m.ticket))
            return texts.render(dialog::TextId::review_not_waiting, {{"ticket", number}});
        return changed_text(m, number);
    };
    auto not_technician_text = [&] { return texts.get(dialog::TextId::tech_not_bound); };
    // A refused move: what to do about the quote when that was why, else how the ticket changed.
    auto refusal_text = [&](const Moved& m, const std::string& number) {
        if (auto id = quote_refusal_text(m.refused)) return texts.render(*id, {{"ticket", number}});
        return changed_text(m, number);
    };
    const auto sla = &sla_;

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
                return accept_job(t, m.technician->id, now);
            };
            AlreadyFn already = [&](const store::Ticket& t) {
                return status_in(t, {ts::accepted, ts::arrived}) && t.technician_id == tech->id;
            };
            ComposeFn compose = [&](sql::Connection&, const store::Ticket&, const store::Ticket& after,
                                    store::NewEvent& event, std::vector<store::NewOutbox>& outbox) {
                event = {openid, "technician", "accepted",
                         nlohmann::json{{"technician_id", tech->id}, {"late", after.late.accept.value_or(false)}}.dump()};
                nlohmann::json notice = {
                    {"event", "job_accepted"}, {"number", after.number}, {"technician", tech->name},
                    {"technician_phone", tech->phone}, {"arrive_by", opt_text(after.due.arrive, *sla)}};
                notice["text"] = notices_.render("owner_job_accepted",
                                                 {{"number", after.number}, {"technician", tech->name},
                                                  {"technician_phone", tech->phone},
                                                  {"arrive_by", notice["arrive_by"].get<std::string>()}});
                outbox.push_back({"notify", after.owner_openid, notice.dump(), std::nullopt});
            };
            return save_move(c, number, tech, move, already, compose, now);
        };
        Moved m = co_await mysql_.run(std::move(work));
        if (!m.technician) co_return refuse(not_technician_text());
        if (!m.saved && !m.already) co_return refuse(changed_text(m, number));
        co_await watch(m.saved);
        co_return;
    }

    if (const auto* arrive = std::get_if<dialog::ArriveJob>(&effect)) {
        const std::string number = arrive->ticket_number;
        auto work = [number, openid, now, this](sql::Connection& c) {
            const auto tech = active_technician(c, openid);
            if (!tech) return Moved{};  // refusal text chosen by the caller
            MoveFn move = [&](const store::Ticket& t, Moved& m) { return arrive_job(t, m.technician->id, now); };
            AlreadyFn already = [&](const store::Ticket& t) {
                return t.status == ts::arrived && t.technician_id == tech->id;
            };
            ComposeFn compose = [&](sql::Connection&, const store::Ticket&, const store::Ticket& after,
                                    store::NewEvent& event, std::vector<store::NewOutbox>& outbox) {
                event = {openid, "technician", "arrived",
                         nlohmann::json{{"late", after.late.arrive.value_or(false)}}.dump()};
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
        if (!m.saved && !m.already) co_return refuse(refusal_text(m, number));
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
                return finish_job(t, m.technician->id, fee, note, now);
            };
            AlreadyFn already = [&](const store::Ticket& t) {
                return status_in(t, {ts::done, ts::confirmed, ts::rated, ts::closed}) &&
                       t.technician_id == tech->id && t.at.done && *t.at.done >= now - std::chrono::minutes(10);
            };
            ComposeFn compose = [&](sql::Connection&, const store::Ticket&, const store::Ticket& after,
                                    store::NewEvent& event, std::vector<store::NewOutbox>& outbox) {
                nlohmann::json details = {{"late", after.late.finish.value_or(false)}};
                if (after.fee_cents) details["fee_cents"] = *after.fee_cents;
                if (!after.done_note.empty()) details["note"] = after.done_note;
                event = {openid, "technician", "done", details.dump()};
                std::optional<std::int64_t> fee_of;
                if (after.fee_cents) fee_of = *after.fee_cents;
                auto asked = dialog::begin_confirmation(snapshot, after.number, fee_of, seconds_of(now));
                nlohmann::json notice = {{"event", "job_done"}, {"number", after.number},
                                         {"fee", after.fee_cents ? config::yuan_text(*after.fee_cents) : "无"},
                                         {"text", dialog::feedback_question(asked, data_.texts)}};
                outbox.push_back({"notify", after.owner_openid, notice.dump(), std::nullopt});
            };
            return save_move(c, number, tech, move, already, compose, now);
        };
        Moved m = co_await mysql_.run(std::move(work));
        if (!m.technician) co_return refuse(not_technician_text());
        if (!m.saved && !m.already) {
            if (!fee_refusal.empty()) co_return refuse(fee_refusal);
            co_return refuse(refusal_text(m, number));
        }
        // Also on a repeat while the ticket waits for the owner: an earlier try may have
        // committed the move but not reached the owner's session (Redis was down).
        const auto& finished = m.saved ? m.saved : m.ticket;
        if (finished && (m.saved || finished->status == ts::done)) {
            std::optional<std::int64_t> fee_of;
            if (finished->fee_cents) fee_of = *finished->fee_cents;
            co_await ask_owner(finished->owner_openid, number, fee_of, std::nullopt, seconds_of(now),
                               /*only_if_missing=*/!m.saved);
            if (m.saved) log::info("jobs", "done", {{"number", number}});
        }
        co_await watch(m.saved);
        co_return;
    }

    if (const auto* quote = std::get_if<dialog::QuoteJob>(&effect)) {
        const std::string number = quote->ticket_number;
        const auto cents = static_cast<std::uint32_t>(quote->cents);
        dialog::Session snapshot = co_await ticket_owner_session(number);
        auto work = [number, openid, now, cents, snapshot, this](sql::Connection& c) {
            const auto tech = active_technician(c, openid);
            if (!tech) return Moved{};  // refusal text chosen by the caller
            // DOMAIN.md: a supervisor reviews paid-repair quotes. With none bound, the quote goes
            // to the owner as it is (and the operators are told to bind one).
            const bool review = store::TechnicianRepository::supervisor_bound(c);
            MoveFn move = [&](const store::Ticket& t, Moved& m) {
                return quote_job(t, m.technician->id, cents, now, review);
            };
            // The same amount again: nothing new for the supervisor or the owner.
            AlreadyFn already = [&](const store::Ticket& t) {
                return t.technician_id == tech->id && t.quote_cents == cents &&
                       (t.quote_status == store::quote_status::review ||
                        t.quote_status == store::quote_status::pending ||
                        t.quote_status == store::quote_status::agreed);
            };
            ComposeFn compose = [&](sql::Connection& conn, const store::Ticket&, const store::Ticket& after,
                                    store::NewEvent& event, std::vector<store::NewOutbox>& outbox) {
                event = {openid, "technician", "quoted",
                         nlohmann::json{{"quote_cents", cents}, {"review", review}}.dump()};
                if (!review) {
                    outbox.push_back(quote_request(snapshot, after, cents, now, data_.texts));
                    return;
                }
                std::string text = notices_.render("quote_review", {{"number", after.number},
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
        if (!m.saved && !m.already) co_return refuse(refusal_text(m, number));
        const auto& quoted = m.saved ? m.saved : m.ticket;
        if (quoted && quoted->quote_status == store::quote_status::review) {
            co_await watch(m.saved);
            co_return refuse(notices_.render("tech_quote_in_review",
                                             {{"number", number}, {"fee", config::yuan_text(cents)}}));
        }
        if (m.saved) log::warn("jobs", "quote_unreviewed",
                               {{"number", number},
                                {"fix", "bind a supervisor (is_supervisor, active, WeChat openid) to review quotes"}});
        const bool still_asked =
            m.already && m.ticket && m.ticket->quote_status == store::quote_status::pending;
        if (m.saved || still_asked)
            co_await ask_owner((m.saved ? m.saved : m.ticket)->owner_openid, number, std::nullopt, cents,
                               seconds_of(now), /*only_if_missing=*/!m.saved);
        co_await watch(m.saved);
        co_return;
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
            MoveFn move = [&](const store::Ticket& t, Moved&) { return approve_quote(t, own, seen, now); };
            // Approved already (a retry after a failure): on to the owner, at this amount.
            AlreadyFn already = [&](const store::Ticket& t) {
                if (t.quote_status != store::quote_status::pending) return false;
                if (own) return t.quote_cents == own;
                return !seen || (t.quote_cents && static_cast<std::int64_t>(*t.quote_cents) == *seen);
            };
            ComposeFn compose = [&](sql::Connection& conn, const store::Ticket& before, const store::Ticket& after,
                                    store::NewEvent& event, std::vector<store::NewOutbox>& outbox) {
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
                        {"event", "quote_approved"}, {"number", after.number}, {"fee", fee},
                        {"text", notices_.render("tech_quote_approved", {{"number", after.number}, {"fee", fee}})}};
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
            co_await ask_owner(approved->owner_openid, number, std::nullopt, *approved->quote_cents, seconds_of(now),
                               /*only_if_missing=*/!m.saved);
        co_await watch(m.saved);
        co_return;
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
            ComposeFn compose = [&](sql::Connection& conn, const store::Ticket& before, const store::Ticket& after,
                                    store::NewEvent& event, std::vector<store::NewOutbox>& outbox) {
                const std::string fee = config::yuan_text(before.quote_cents.value_or(0));
                nlohmann::json details = {{"quoted_cents", before.quote_cents.value_or(0)},
                                          {"reason", reason},
                                          {"supervisor", supervisor->name}};
                if (restored) details["restored_cents"] = *restored;
                event = {openid, "supervisor", "quote_rejected", details.dump()};
                if (auto tech = store::bound_technician_of(conn, after)) {
                    const std::string agreed = restored ? config::yuan_text(*restored) : std::string();
                    nlohmann::json notice = {
                        {"event", "quote_rejected"}, {"number", after.number}, {"fee", fee}, {"reason", reason},
                        {"text", notices_.render(restored ? "tech_quote_raise_rejected" : "tech_quote_rejected",
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
        co_return;
    }

    if (const auto* hand = std::get_if<dialog::HandOverJob>(&effect)) {
        const std::string number = hand->ticket_number;
        auto work = [number, openid, now, reason = hand->reason](sql::Connection& c) {
            const auto tech = active_technician(c, openid);
            if (!tech) return Moved{};  // refusal text chosen by the caller
            MoveFn move = [&](const store::Ticket& t, Moved& m) { return hand_over_job(t, m.technician->id, now); };
            // Handed over already (a re-run, a resend): the ticket is no longer the sender's.
            AlreadyFn already = [&](const store::Ticket& t) {
                return t.technician_id != tech->id && (is_open_job(t) || t.status == ts::new_);
            };
            ComposeFn compose = [&](sql::Connection&, const store::Ticket&, const store::Ticket&,
                                    store::NewEvent& event, std::vector<store::NewOutbox>&) {
                event = {openid, "technician", "handed_over",
                         nlohmann::json{{"reason", reason}, {"technician_id", tech->id}}.dump()};
            };
            return save_move(c, number, tech, move, already, compose, now);
        };
        Moved m = co_await mysql_.run(std::move(work));
        if (!m.technician) co_return refuse(not_technician_text());
        if (m.already) co_return;
        if (!m.saved) co_return refuse(changed_text(m, number));
        std::vector<std::uint64_t> excluded{m.technician->id};
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
        if (!m.saved) co_return refuse(changed_text(m, number));
        log::info("jobs", "job_photo_attached", {{"number", number}});
        co_return;
    }

    if (std::holds_alternative<dialog::ListJobs>(effect)) co_return;  // the chat listed them

    // The owner's answers: the ticket must be theirs.
    auto owners_move = [&](const std::string& number, const char* event_type, MoveFn move,
                           AlreadyFn already, ComposeFn extra) -> asio::awaitable<Moved> {
        auto work = [=](sql::Connection& c) {
            AlreadyFn owned_already = [&](const store::Ticket& t) { return t.owner_openid == openid && already(t); };
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
    };

    if (const auto* fixed = std::get_if<dialog::ConfirmFixed>(&effect)) {
        const std::string number = fixed->ticket_number;
        MoveFn move = [now](const store::Ticket& t, Moved&) { return confirm_fixed(t, now); };
        AlreadyFn already = [](const store::Ticket& t) { return status_in(t, {ts::confirmed, ts::rated, ts::closed}); };
        // A share of finished repairs is called back (回访), chosen with the confirmation.
        ComposeFn compose = [sla, now](sql::Connection& c, const store::Ticket&, const store::Ticket& after,
                                       store::NewEvent&, std::vector<store::NewOutbox>&) {
            (void)queue_repair_callback(c, after, *sla, now);
        };
        Moved m = co_await owners_move(number, "confirmed", move, already, compose);
        if (!m.saved && !m.already) co_return refuse(changed_text(m, number));
        co_await watch(m.saved);
        co_return;
    }

    if (const auto* not_fixed = std::get_if<dialog::ReportNotFixed>(&effect)) {
        const std::string number = not_fixed->ticket_number;
        auto work = [number, openid, now, text = not_fixed->text, sla](sql::Connection& c) {
            Moved out;
            auto t = store::TicketRepository::find_by_number(c, number);
            if (!t || t->owner_openid != openid) return out;
            out.ticket = *t;
            if (is_open_job(*t) && t->reopen_count > 0) {
                out.already = true;  // reopened already (a retried answer)
                return out;
            }
            auto reopened = reopen_ticket(c, *sla, t->id, openid, "owner", text.empty() ? "业主反馈没修好" : text, now);
            if (reopened) out.saved = reopened->ticket;
            return out;
        };
        Moved m = co_await mysql_.run(std::move(work));
        if (!m.saved && !m.already) co_return refuse(changed_text(m, number));
        co_await watch(m.saved);
        co_return;
    }

    if (const auto* rate = std::get_if<dialog::RateService>(&effect)) {
        const std::string number = rate->ticket_number;
        const int score = rate->score;
        const std::string comment = rate->comment;
        MoveFn move = [now](const store::Ticket& t, Moved&) { return rate_job(t, now); };
        AlreadyFn already = [](const store::Ticket& t) { return status_in(t, {ts::rated, ts::closed}) && t.at.rated; };
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
            if (score <= 2) {
                // A low rating becomes a complaint for the supervisor, called back within the
                // policy's limit; a one-star rating is serious and goes to the manager at once.
                store::Complaint complaint;
                complaint.ticket_id = after.id;
                complaint.owner_openid = openid;
                complaint.source = "low_rating";
                complaint.severity = score == 1 ? "serious" : "normal";
                complaint.text = std::to_string(score) + "星：" + comment;
                complaint.created_at = now;
                auto id = open_complaint(c, complaint, *sla, now);
                std::string text = notices_.render("low_rating_complaint",
                                                   {{"number", after.number}, {"score", std::to_string(score)},
                                                    {"comment", comment}, {"complaint", std::to_string(id)}});
                notify_staff(c, StaffRole::supervisor, after.id, "complaint", text, now);
                if (score == 1) notify_staff(c, StaffRole::manager, after.id, "complaint", text, now);
            }
        };
        Moved m = co_await owners_move(number, "rated", move, already, compose);
        if (!m.saved && !m.already) co_return refuse(changed_text(m, number));
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
        ComposeFn compose = [this](sql::Connection& c, const store::Ticket&, const store::Ticket& after,
                                   store::NewEvent& event, std::vector<store::NewOutbox>& outbox) {
            event.details = nlohmann::json{{"quote_cents", after.quote_cents.value_or(0)}}.dump();
            auto tech = store::bound_technician_of(c, after);
            if (!tech) return;
            std::string fee = config::yuan_text(after.quote_cents.value_or(0));
            nlohmann::json notice = {{"event", "quote_agreed"}, {"number", after.number}, {"fee", fee},
                                     {"text", notices_.render("tech_quote_agreed", {{"number", after.number}, {"fee", fee}})}};
            outbox.push_back({"notify", *tech->openid, notice.dump(), std::nullopt});
        };
        Moved m = co_await owners_move(number, "quote_agreed", move, already, compose);
        if (!m.saved && !m.already) {
            // Asked again, as of just after this message: a re-run of this turn (the session
            // changed under it) meets the new question, it does not answer it (dialog/feedback.h).
            if (auto cents_now = replaced_quote(m))
                co_await ask_owner(openid, number, std::nullopt, *cents_now, seconds_of(now) + std::chrono::seconds{1},
                                   /*only_if_missing=*/true);
            co_return refuse(owners_quote_refusal(m, number));
        }
        co_await watch(m.saved);
        co_return;
    }

    if (const auto* refuse_q = std::get_if<dialog::RefuseQuote>(&effect)) {
        const std::string number = refuse_q->ticket_number;
        const std::string reason = refuse_q->reason;
        const std::int64_t cents = refuse_q->cents;
        MoveFn move = [now, reason, cents](const store::Ticket& t, Moved&) {
            return refuse_quote(t, cents, reason, now);
        };
        AlreadyFn already = [](const store::Ticket& t) { return t.quote_status == store::quote_status::refused; };
        ComposeFn compose = [this, reason](sql::Connection& c, const store::Ticket&, const store::Ticket& after,
                                           store::NewEvent& event, std::vector<store::NewOutbox>& outbox) {
            event.details = nlohmann::json{{"reason", reason}}.dump();
            auto tech = store::bound_technician_of(c, after);
            if (!tech) return;
            std::string why = reason.empty() ? "未说明原因" : reason;
            nlohmann::json notice = {{"event", "quote_refused"}, {"number", after.number}, {"reason", why},
                                     {"text", notices_.render("tech_quote_refused", {{"number", after.number}, {"reason", why}})}};
            outbox.push_back({"notify", *tech->openid, notice.dump(), std::nullopt});
        };
        Moved m = co_await owners_move(number, "quote_refused", move, already, compose);
        if (!m.saved && !m.already) {
            // Asked again, as of just after this message: a re-run of this turn (the session
            // changed under it) meets the new question, it does not answer it (dialog/feedback.h).
            if (auto cents_now = replaced_quote(m))
                co_await ask_owner(openid, number, std::nullopt, *cents_now, seconds_of(now) + std::chrono::seconds{1},
                                   /*only_if_missing=*/true);
            co_return refuse(owners_quote_refusal(m, number));
        }
        co_await watch(m.saved);
        co_return;
    }
}

}  // namespace repairbot::bot
