#include "bot/dispatch.h"

#include <cppconn/connection.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <utility>

#include "bot/admin_api.h"
#include "bot/owner_questions.h"
#include "bot/staff_notice.h"
#include "bot/ticket_lifecycle.h"
#include "bot/timer_plan.h"
#include "config/log.h"
#include "config/price_list.h"
#include "dialog/sla_policy.h"
#include "store/deadline_queries.h"
#include "store/errors.h"
#include "store/outbox_repository.h"
#include "store/ticket_repository.h"
#include "store/transaction.h"

namespace repairbot::bot {

namespace asio = boost::asio;

std::optional<store::DispatchCandidate> choose_technician(
    const std::vector<store::DispatchCandidate>& candidates,
    const std::vector<std::uint64_t>& excluded) {
    for (const auto& c : candidates) {
        if (!store::is_bound(c.technician)) continue;
        if (std::find(excluded.begin(), excluded.end(), c.technician.id) != excluded.end()) continue;
        if (c.open_jobs >= c.technician.capacity) continue;
        return c;
    }
    return std::nullopt;
}

std::string NoRoomMemo::key(const std::string& trade, const std::string& building) {
    std::string k;
    k.reserve(trade.size() + building.size() + 1);
    k += trade;
    k += '\x1f';  // neither a trade nor a building holds it
    k += building;
    return k;
}

bool NoRoomMemo::nobody_free(const std::string& trade, const std::string& building, Clock::time_point now) const {
    std::lock_guard lock(mutex_);
    if (hold_.count() <= 0) return false;
    auto it = full_since_.find(key(trade, building));
    return it != full_since_.end() && now >= it->second && now - it->second < hold_;
}

std::uint64_t NoRoomMemo::generation() const {
    std::lock_guard lock(mutex_);
    return generation_;
}

void NoRoomMemo::note_nobody_free(const std::string& trade, const std::string& building, std::uint64_t generation,
                                  Clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (hold_.count() <= 0 || generation != generation_) return;
    if (full_since_.size() >= 4096) full_since_.clear();
    full_since_[key(trade, building)] = now;
}

void NoRoomMemo::room_seen(const std::string& trade, const std::string& building) {
    std::lock_guard lock(mutex_);
    full_since_.erase(key(trade, building));
}

void NoRoomMemo::forget() {
    std::lock_guard lock(mutex_);
    ++generation_;
    full_since_.clear();
}

void NoRoomMemo::set_hold(std::chrono::milliseconds hold) {
    std::lock_guard lock(mutex_);
    hold_ = hold;
    ++generation_;
    full_since_.clear();
}

std::vector<store::DispatchCandidate> counting_jobs_given(std::vector<store::DispatchCandidate> candidates,
                                                          const JobsGiven& given) {
    if (given.empty()) return candidates;
    std::erase_if(candidates, [&](store::DispatchCandidate& d) {
        if (auto it = given.find(d.technician.id); it != given.end()) d.open_jobs += it->second;
        return d.open_jobs >= d.technician.capacity;
    });
    std::sort(candidates.begin(), candidates.end(), store::offered_before);
    return candidates;
}

std::optional<store::DispatchCandidate> Dispatcher::choose_for_new(sql::Connection& c, const store::Ticket& t,
                                                                  const JobsGiven* given) const {
    // An emergency is always counted: rare, and its limits are minutes.
    if (!store::is_emergency(t) && no_room_.nobody_free(t.trade, t.building)) return std::nullopt;
    const auto generation = no_room_.generation();
    auto candidates = store::TechnicianRepository::candidates(c, t.trade, t.building);
    std::optional<store::DispatchCandidate> chosen;
    if (given && !given->empty()) {
        chosen = choose_technician(counting_jobs_given(candidates, *given), {});
        // Room taken only by tickets not committed yet (a group may still be filed one by one,
        // or fail): queued, but not remembered as nobody free.
        if (!chosen && choose_technician(candidates, {})) return std::nullopt;
    } else {
        chosen = choose_technician(candidates, {});
    }
    if (!chosen)
        no_room_.note_nobody_free(t.trade, t.building, generation);
    else
        no_room_.room_seen(t.trade, t.building);  // e.g. an emergency's count found someone
    return chosen;
}

void Dispatcher::ticket_saved(const store::Ticket& t) const {
    namespace st = store::ticket_status;
    if (t.status == st::done || t.status == st::confirmed || t.status == st::rated || t.status == st::closed ||
        t.status == st::cancelled)
        no_room_.forget();
}

namespace {

constexpr int kMaxConflicts = 5;

// The job push, as a semantic notification: the outbox sender turns it into a template
// message (ids and field names from config) or, inside the 48-hour window, a text.
nlohmann::json job_payload(const store::Ticket& t, const dialog::ReplyTexts* texts,
                           const config::SlaData& sla, store::Timestamp now) {
    const auto& calendar = sla.calendar;
    std::string urgency = t.urgency;
    if (auto u = dialog::urgency_from_string(t.urgency); texts && u) urgency = dialog::urgency_label(*texts, *u);
    nlohmann::json p = {{"event", "job_assigned"},
                        {"number", t.number},
                        {"address", t.address},
                        {"fault_type", t.fault_type},
                        {"urgency", urgency},
                        {"description", t.description},
                        {"phone", t.phone}};
    // As the technician reads them: "11月21日 14:30" in the desk's time.
    auto local = [&](store::Timestamp at) {
        return local_time_text(at, calendar.utc_offset());
    };
    if (auto due = stage_due(t, dialog::Stage::accept)) p["accept_by"] = local(*due);
    if (auto due = stage_due(t, dialog::Stage::arrive)) p["arrive_by"] = local(*due);
    // When to be there, the owner's booked time first (push.toml: {visit}); whom to ask for.
    p["visit"] = texts ? visit_text(t, *texts, sla, now) : std::string();
    p["contact"] = t.reporter_name.empty() ? t.phone : t.reporter_name + " " + t.phone;
    return p;
}

}  // namespace

std::string urgent_mark(const config::Notices& notices, const store::Ticket& t) {
    return store::is_emergency(t) ? notices.render("dispatch_urgent_mark") : std::string();
}

Dispatcher::Dispatcher(store::MysqlPool& mysql, const config::SlaData& sla,
                       const config::Notices& notices, const dialog::ReplyTexts* texts)
    : mysql_(mysql), sla_(sla), notices_(notices), texts_(texts) {}

Assignment Dispatcher::assign(store::Ticket t, const store::DispatchCandidate& chosen, const std::string& actor,
                              const std::string& reason, std::chrono::sys_seconds now) const {
    const auto at = std::chrono::time_point_cast<std::chrono::milliseconds>(now);
    const auto& tech = chosen.technician;
    t.status = store::ticket_status::dispatched;
    t.technician_id = tech.id;
    if (!t.at.dispatched) {
        t.at.dispatched = at;
        if (t.due.dispatch && !t.late.dispatch) t.late.dispatch = at > *t.due.dispatch;
    }
    // A fresh acceptance window for this technician (a reopened job's: the revisit's).
    if (auto d = dialog::deadline_for(sla_.policy, sla_.calendar, ticket_facts(t),
                                      dialog::Stage::accept, now))
        stage_due(t, dialog::Stage::accept) = std::chrono::time_point_cast<std::chrono::milliseconds>(d->due);
    // The clocks the first dispatch starts: a paid repair off the price list is quoted within its
    // limit of it; a desk may count the arrival or the finish from it too.
    start_stage_clocks(t, sla_);
    nlohmann::json details = {{"technician_id", tech.id}, {"technician", tech.name},
                              {"open_jobs", chosen.open_jobs}, {"reason", reason}};
    Assignment out;
    out.push = {"notify", tech.openid.value_or(""), job_payload(t, texts_, sla_, at).dump(),
                std::nullopt};
    out.event = {actor, "system", "dispatched", details.dump()};
    out.ticket = std::move(t);
    return out;
}

store::NewEvent Dispatcher::queued_event(const std::vector<std::uint64_t>& excluded,
                                         const std::string& actor, const std::string& reason,
                                         bool told) {
    nlohmann::json details = {{"reason", reason},
                              {"why", "no technician available"},
                              {"excluded", excluded},
                              {"told", told}};
    return {actor, "system", "dispatch_queued", details.dump()};
}

namespace {
// The technician `before` was with, told it went to `to` (when it did and a text is at hand):
// an outbox row added to `outbox`. Blocking, on the dispatch's connection.
void tell_taken_away(sql::Connection& c, const store::Ticket& before, std::uint64_t to,
                     const dialog::ReplyTexts* texts, std::vector<store::NewOutbox>& outbox) {
    if (!texts || !before.technician_id || *before.technician_id == to) return;
    auto from = store::TechnicianRepository::find_by_id(c, *before.technician_id);
    if (!from || !from->openid) return;
    nlohmann::json notice = {{"event", "job_reassigned"}, {"number", before.number}, {"address", before.address}};
    notice["text"] = texts->render(dialog::TextId::tech_job_reassigned,
                                   {{"ticket", before.number}, {"address", before.address}});
    outbox.push_back({"notify", *from->openid, notice.dump(), std::nullopt});
}

// The technicians who handed a ticket over (转单) and, with `timeouts`, those who let it time
// out unaccepted, from its audit log `events`. Pure.
std::vector<std::uint64_t> gave_it_back(const std::vector<store::TicketEvent>& events, bool timeouts) {
    std::vector<std::uint64_t> out;
    for (const auto& e : events) {
        const bool handed = e.type == "handed_over";
        const bool timed_out = timeouts && e.type == "sla_breach";
        if (!handed && !timed_out) continue;
        auto details = nlohmann::json::parse(e.details, nullptr, false);
        if (!details.is_object() || (timed_out && details.value("stage", "") != "accept")) continue;
        if (auto tech = details.find("technician_id");
            tech != details.end() && tech->is_number_unsigned())
            out.push_back(tech->get<std::uint64_t>());
    }
    return out;
}

std::string nobody_free_text(const config::Notices& notices, const store::Ticket& t) {
    return notices.render("staff_dispatch_queued", {{"urgency", urgent_mark(notices, t)},
                                                    {"number", t.number},
                                                    {"fault_type", t.fault_type},
                                                    {"address", t.address}});
}
}  // namespace

std::optional<store::NewOutbox> owner_handover_notice(const config::Notices& notices,
                                                      const store::Ticket& before,
                                                      const store::Ticket& after,
                                                      const std::string& technician) {
    if (before.status != store::ticket_status::accepted) return std::nullopt;
    const bool quote_withdrawn = before.quote_status == store::quote_status::pending;
    const std::string fee = config::yuan_text(before.quote_cents.value_or(0));
    const std::string kept = config::yuan_text(after.quote_cents.value_or(0));
    const char* key = !quote_withdrawn ? "owner_job_handed_over"
                      : after.quote_status == store::quote_status::agreed
                          ? "owner_job_handed_over_raise"
                          : "owner_job_handed_over_quote";
    nlohmann::json notice = {
        {"event", "job_handed_over"}, {"number", after.number}, {"technician", technician}};
    notice["text"] = notices.render(
        key,
        {{"number", after.number}, {"technician", technician}, {"fee", fee}, {"agreed", kept}});
    return store::NewOutbox{"notify", after.owner_openid, notice.dump(), std::nullopt};
}

std::vector<std::uint64_t> handed_over_by(const std::vector<store::TicketEvent>& events) {
    return gave_it_back(events, /*timeouts=*/false);
}

std::vector<std::uint64_t> handed_over_by(sql::Connection& c, std::uint64_t ticket_id) {
    return handed_over_by(store::TicketRepository::events(c, ticket_id));
}

void Dispatcher::tell_dispatchers(sql::Connection& c, const store::Ticket& t,
                                  store::Timestamp at) const {
    notify_staff(c, StaffRole::dispatcher, t.id, "dispatch_queued", nobody_free_text(notices_, t),
                 at);
}

void Dispatcher::tell_dispatchers(store::SqlBatch& batch, const store::Ticket& t,
                                  store::Timestamp at) const {
    notify_staff(batch, StaffRole::dispatcher, t.id, "dispatch_queued",
                 nobody_free_text(notices_, t), at);
}

DispatchAttempt Dispatcher::dispatch_on(sql::Connection& c, store::Ticket t,
                                        const std::vector<std::uint64_t>& excluded,
                                        const std::string& actor, const std::string& reason,
                                        std::chrono::sys_seconds now, bool record_queued,
                                        std::optional<std::uint64_t> taken_from) const {
    const auto at = std::chrono::time_point_cast<std::chrono::milliseconds>(now);
    DispatchAttempt result;
    result.outcome.ticket_number = t.number;
    // A dispatched ticket is taken only from the technician the caller names (the accept
    // timeout's): given meanwhile to someone else (a dispatcher's hand), it stays theirs.
    const auto waiting = [&taken_from](const store::Ticket& ticket) {
        return ticket.status == store::ticket_status::new_ ||
               (ticket.status == store::ticket_status::dispatched && taken_from &&
                ticket.technician_id == taken_from);
    };
    if (!waiting(t)) {
        result.outcome.kind = DispatchOutcome::Kind::not_needed;
        return result;
    }
    auto chosen = choose_technician(store::TechnicianRepository::candidates(c, t.trade, t.building), excluded);
    if (!chosen) {
        result.outcome.kind = DispatchOutcome::Kind::queued;
        if (!record_queued) return result;
        store::Transaction tx(c);
        // As committed now, its row locked: a 接单 that came in meanwhile stands (nothing to
        // chase), and one coming next waits for this note (JobDesk tells the desk it is taken).
        store::DeadlineQueries::lock_ticket(c, t.id);
        auto fresh = store::TicketRepository::find_by_id(c, t.id);
        if (!fresh || !waiting(*fresh)) {
            result.outcome.kind = DispatchOutcome::Kind::not_needed;
            return result;
        }
        t = std::move(*fresh);
        store::TicketRepository::append_event(
            c, t.id, queued_event(excluded, actor, reason, /*told=*/true), at);
        // Still with the technician who let it time out: the note says so and whom to call —
        // when they can still accept it (active, on duty, on WeChat); else only 请人工派单.
        std::optional<store::Technician> left_with;
        if (t.status == store::ticket_status::dispatched && t.technician_id)
            if (auto found = store::TechnicianRepository::find_by_id(c, *t.technician_id);
                found && store::takes_jobs_now(*found))
                left_with = std::move(*found);
        if (left_with)
            notify_staff(c, StaffRole::dispatcher, t.id, "dispatch_queued",
                         notices_.render("staff_accept_timeout_queued",
                                         {{"urgency", urgent_mark(notices_, t)},
                                          {"number", t.number},
                                          {"fault_type", t.fault_type},
                                          {"address", t.address},
                                          {"technician", left_with->name},
                                          {"phone", left_with->phone.empty()
                                                        ? std::string()
                                                        : "（" + left_with->phone + "）"}}),
                         at);
        else
            tell_dispatchers(c, t, at);
        tx.commit();
        return result;
    }
    auto saved = give(c, std::move(t), *chosen, actor, "system", reason, now);
    if (!saved) {
        result.conflict = saved.code() == store::make_error_code(store::StoreErrc::version_conflict);
        return result;
    }
    result.outcome.kind = DispatchOutcome::Kind::dispatched;
    result.outcome.technician = chosen->technician;
    result.outcome.ticket = std::move(*saved);
    return result;
}

Result<store::Ticket> Dispatcher::give(sql::Connection& c, store::Ticket t,
                                       const store::DispatchCandidate& chosen,
                                       const std::string& actor, const std::string& actor_role,
                                       const std::string& reason, std::chrono::sys_seconds now,
                                       std::vector<store::NewOutbox> outbox) const {
    tell_taken_away(c, t, chosen.technician.id, texts_, outbox);
    auto given = assign(std::move(t), chosen, actor, reason, now);
    given.event.actor_role = actor_role;
    outbox.insert(outbox.begin(), std::move(given.push));
    return store::TicketRepository::update(c, given.ticket, given.event, outbox,
                                           std::chrono::time_point_cast<std::chrono::milliseconds>(now));
}

asio::awaitable<Result<store::Ticket>> Dispatcher::dispatch_by_hand(std::string number,
                                                                   std::optional<std::uint64_t> technician_id,
                                                                   std::string actor, std::chrono::sys_seconds now) {
    namespace ts = store::ticket_status;
    struct Try {
        Result<store::Ticket> result;
        bool conflict = false;
        std::optional<std::uint64_t> taken_from = std::nullopt;  // an accepted job taken off them
        bool quote_withdrawn = false;  // … with a quote the owner had been asked about
    };
    const auto refused = [](std::errc code, std::string detail) {
        return Try{Error{std::make_error_code(code), std::move(detail)}, false};
    };
    const auto at = std::chrono::time_point_cast<std::chrono::milliseconds>(now);
    for (int attempt = 0; attempt < kMaxConflicts; ++attempt) {
        auto work = [&](sql::Connection& c) -> Try {
            auto found = store::TicketRepository::find_by_number(c, number);
            if (!found)
                return Try{Error{store::make_error_code(store::StoreErrc::not_found),
                                 "no ticket numbered " + number + "; see repairbot ticket list --status new"},
                           false};
            store::Ticket t = std::move(*found);
            if (t.status != ts::new_ && t.status != ts::dispatched && t.status != ts::accepted)
                return refused(
                    std::errc::operation_not_permitted,
                    "ticket " + number + " is " + t.status +
                        ": only a ticket waiting for a technician (new), not accepted yet "
                        "(dispatched) "
                        "or accepted and not on site yet (accepted) is dispatched by hand" +
                        (t.status == ts::arrived
                             ? std::string(
                                   "; its technician is on site and finishes it (完成) — one "
                                   "disabled since can be enabled again to do so (repairbot "
                                   "technician enable ") +
                                   std::to_string(t.technician_id.value_or(0)) + ")"
                             : std::string()));
            std::optional<std::vector<store::TicketEvent>> events;  // read once, when needed
            const auto history = [&]() -> const std::vector<store::TicketEvent>& {
                if (!events) events = store::TicketRepository::events(c, t.id);
                return *events;
            };
            std::optional<store::DispatchCandidate> chosen;
            if (technician_id) {
                auto tech = store::TechnicianRepository::find_by_id(c, *technician_id);
                if (!tech)
                    return Try{Error{store::make_error_code(store::StoreErrc::not_found),
                                     "no technician " + std::to_string(*technician_id) +
                                         "; see repairbot technician list"},
                               false};
                if (!tech->active)
                    return refused(std::errc::operation_not_permitted,
                                   "technician " + std::to_string(tech->id) + " (" + tech->name +
                                       ") is disabled; enable them (repairbot technician enable " +
                                       std::to_string(tech->id) + ") or choose another");
                if (!tech->openid)
                    return refused(std::errc::operation_not_permitted,
                                   "technician " + std::to_string(tech->id) + " (" + tech->name +
                                       ") is not bound to WeChat, so no job push would reach them; give them a "
                                       "bind code (repairbot technician bind-code " +
                                       std::to_string(tech->id) + ") or choose another");
                if (t.technician_id == tech->id) return Try{std::move(t), false};  // theirs already
                chosen = store::DispatchCandidate{*tech, 0};
            } else {
                std::vector<std::uint64_t> excluded = gave_it_back(history(), /*timeouts=*/true);
                if (t.technician_id) excluded.push_back(*t.technician_id);
                chosen = choose_technician(store::TechnicianRepository::candidates(c, t.trade, t.building), excluded);
                if (!chosen)
                    return refused(std::errc::operation_not_permitted,
                                   "nobody of trade " + t.trade + " serving building " + t.building +
                                       " is on duty, bound and has room for ticket " + number +
                                       "; name one with technician_id");
            }
            if (t.status != ts::accepted) {
                auto saved = give(c, std::move(t), *chosen, actor, "dispatcher", "by_hand", now);
                if (!saved)
                    return Try{
                        saved.error(),
                        saved.code() == store::make_error_code(store::StoreErrc::version_conflict)};
                return Try{std::move(*saved), false};
            }
            // Accepted: taken off its technician as their 转单 would, then given, in one
            // transaction.
            const store::Ticket before = t;
            const std::uint64_t from =
                before.technician_id.value_or(0);  // 0: hand_over_job refuses
            std::optional<std::uint32_t> agreed;   // a raise withdrawn: the price that stands
            if (quote_waiting(before)) agreed = agreed_before_raise(history());
            auto handed = hand_over_job(before, from, at, agreed);
            if (!handed) return Try{handed.error(), false};
            nlohmann::json details = {{"reason", "by_hand"}, {"technician_id", from}};
            if (agreed) details["restored_cents"] = *agreed;  // as the technician's 转单 records it
            std::vector<store::NewOutbox> outbox;
            tell_taken_away(c, before, chosen->technician.id, texts_, outbox);
            if (owner_sessions_) {
                auto was_with = store::TechnicianRepository::find_by_id(c, from);
                if (auto told = owner_handover_notice(notices_, before, *handed,
                                                      was_with ? was_with->name : std::string()))
                    outbox.push_back(std::move(*told));
            }
            store::Transaction tx(c);
            store::TicketRepository::append_event(
                c, before.id, {actor, "dispatcher", "handed_over", details.dump()}, at);
            auto saved = give(c, std::move(*handed), *chosen, actor, "dispatcher", "by_hand", now,
                              std::move(outbox));
            if (!saved)
                return Try{saved.error(), saved.code() == store::make_error_code(
                                                              store::StoreErrc::version_conflict)};
            tx.commit();
            return Try{std::move(*saved), false, from,
                       before.quote_status == store::quote_status::pending};
        };
        Try tried = co_await mysql_.run(std::move(work));
        if (tried.conflict) continue;
        if (tried.result) {
            log::info("dispatch", "dispatched_by_hand",
                      {{"number", number},
                       {"technician", tried.result->technician_id.value_or(0)},
                       {"taken_from", tried.taken_from.value_or(0)},
                       {"actor", actor}});
            // The quote question went with the quote: the owner's next message is no answer to it.
            if (tried.quote_withdrawn && owner_sessions_ &&
                !co_await drop_owner_questions(*owner_sessions_, tried.result->owner_openid,
                                               tried.result->number))
                log::warn("dispatch", "owner_session_contended", {{"number", number}});
        }
        co_return std::move(tried.result);
    }
    co_return Error{std::make_error_code(std::errc::resource_unavailable_try_again),
                    "ticket " + number + " kept changing while it was being dispatched; try again"};
}

asio::awaitable<std::vector<store::Ticket>> Dispatcher::dispatch_waiting(std::uint32_t max,
                                                                       std::chrono::sys_seconds now) {
    auto work = [this, max, now](sql::Connection& c) {
        std::vector<store::Ticket> given;
        // One ticket of each trade and building: one candidates count an area a pass.
        for (auto& t : store::TicketRepository::next_waiting(c, max)) {
            auto attempt = dispatch_on(c, std::move(t), {}, "system", "queue_retry", now, /*record_queued=*/false);
            if (attempt.outcome.kind != DispatchOutcome::Kind::dispatched) continue;  // nobody, or taken meanwhile
            log_outcome(attempt.outcome, "queue_retry");
            given.push_back(std::move(*attempt.outcome.ticket));
        }
        return given;
    };
    co_return co_await mysql_.run(std::move(work));
}

void Dispatcher::log_outcome(const DispatchOutcome& o, const std::string& reason) {
    if (o.kind == DispatchOutcome::Kind::dispatched)
        log::info("dispatch", "dispatched", {{"number", o.ticket_number}, {"technician", o.technician->id}, {"reason", reason}});
    else if (o.kind == DispatchOutcome::Kind::queued)
        log::warn("dispatch", "queued", {{"number", o.ticket_number}, {"reason", reason}});
}

asio::awaitable<DispatchOutcome> Dispatcher::dispatch(std::uint64_t ticket_id,
                                                      std::vector<std::uint64_t> excluded,
                                                      std::string actor, std::string reason,
                                                      std::chrono::sys_seconds now,
                                                      std::optional<std::uint64_t> taken_from) {
    for (int attempt = 0; attempt < kMaxConflicts; ++attempt) {
        auto work = [this, ticket_id, excluded, actor, reason, now, taken_from](sql::Connection& c) {
            auto found = store::TicketRepository::find_by_id(c, ticket_id);
            if (!found) return DispatchAttempt{{DispatchOutcome::Kind::not_needed, {}, std::nullopt, std::nullopt}, false};
            return dispatch_on(c, std::move(*found), excluded, actor, reason, now, /*record_queued=*/true, taken_from);
        };
        DispatchAttempt result = co_await mysql_.run(std::move(work));
        if (result.conflict) continue;
        log_outcome(result.outcome, reason);
        co_return result.outcome;
    }
    log::warn("dispatch", "contended", {{"ticket", ticket_id}});
    co_return DispatchOutcome{DispatchOutcome::Kind::not_needed, {}, std::nullopt, std::nullopt};
}

}  // namespace repairbot::bot
