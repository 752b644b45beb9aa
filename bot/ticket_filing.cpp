#include "bot/ticket_filing.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cppconn/connection.h>
#include <cppconn/exception.h>

#include "config/log.h"
#include "store/owner_repository.h"
#include "store/photo_repository.h"

namespace repairbot::bot {

namespace asio = boost::asio;

TicketFiling::TicketFiling(store::MysqlPool& mysql, Dispatcher& dispatcher) : mysql_(mysql), dispatcher_(dispatcher) {}

asio::awaitable<TicketFiling::Filed> TicketFiling::file(Request request) {
    auto waiting = std::make_shared<Waiting>();
    waiting->request = std::move(request);
    auto ex = co_await asio::this_coro::executor;
    bool start_writer = false;
    // Queued and its resumption stored in one step under the lock, so the writer cannot resume
    // it before it waits.
    auto enqueue = [&](auto handler) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        // The caller's executor keeps its work counted while the caller waits here.
        auto tracked = asio::prefer(asio::get_associated_executor(*h, ex), asio::execution::outstanding_work.tracked);
        waiting->resume = [h, tracked]() mutable { asio::post(tracked, std::move(*h)); };
        std::lock_guard lock(mutex_);
        queue_.push_back(waiting);
        if (writers_ < kWriters) {
            ++writers_;
            start_writer = true;
        }
    };
    auto initiate = [&](auto handler) {
        enqueue(std::move(handler));
        if (start_writer) asio::co_spawn(ex, write_groups(), asio::detached);
    };
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(initiate, asio::use_awaitable);
    if (waiting->error) std::rethrow_exception(waiting->error);
    co_return std::move(waiting->filed);
}

asio::awaitable<void> TicketFiling::write_groups() {
    for (;;) {
        Group group;
        {
            std::lock_guard lock(mutex_);
            while (!queue_.empty() && group.size() < kMaxGroup) {
                group.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            if (group.empty()) {
                --writers_;
                co_return;
            }
        }
        auto work = [this, &group](sql::Connection& c) { file_group(c, group); };
        std::exception_ptr error;
        try {
            co_await mysql_.run(std::move(work));
        } catch (...) {
            error = std::current_exception();
        }
        for (auto& w : group) {
            if (error) w->error = error;
            auto resume = std::move(w->resume);
            resume();
        }
    }
}

void TicketFiling::bind(Waiting& w, JobsGiven* given) const {
    w.chosen.reset();
    w.queued = false;
    const auto now = w.request.now;
    // A new ticket is inserted already given to a technician when one is free: one transaction
    // for the ticket, its two events and the job push. With nobody free, it is inserted queued
    // for the dispatchers, who are told in the same transaction — or, with queue notes on and no
    // emergency, by the next note (bot/queue_notes.h).
    w.request.ticket.complete = [this, &w, given, now](sql::Connection& conn, store::Ticket& t,
                                                       std::vector<store::NewEvent>& events,
                                                       std::vector<store::NewOutbox>& outbox) {
        w.chosen = dispatcher_.choose_for_new(conn, t, given);
        if (!w.chosen) {
            events.push_back(Dispatcher::queued_event({}, "system", "created"));
            w.queued = true;
            return;
        }
        if (given) ++(*given)[w.chosen->technician.id];
        auto assigned = dispatcher_.assign(std::move(t), *w.chosen, "system", "created", now);
        t = std::move(assigned.ticket);
        events.push_back(std::move(assigned.event));
        outbox.push_back(std::move(assigned.push));
    };
    // The dispatchers' note, the photos (the download worker's queue) and the owner's
    // remembered profile commit with the ticket: one commit, and no ticket without its photos.
    // A repeat finds them committed with it.
    w.request.ticket.within = [this, &w](store::SqlBatch& batch, const store::Ticket& t) {
        if (w.queued && dispatcher_.tells_at_once(t)) Dispatcher::tell_dispatchers(batch, t, t.created_at);
        for (const auto& p : w.request.photos) {
            store::Photo photo;
            photo.ticket_id = t.id;
            photo.owner_openid = w.request.owner;
            photo.media_id = p.media_id;
            photo.pic_url = p.pic_url;
            store::PhotoRepository::add_pending(batch, photo, t.created_at);
        }
        if (w.request.profile) store::OwnerRepository::remember(batch, *w.request.profile, t.created_at);
    };
}

// What a ticket inserted by this filing was dispatched to (complete's choice).
namespace {
DispatchAttempt as_inserted(const store::Ticket& t, const std::optional<store::DispatchCandidate>& chosen) {
    DispatchAttempt out;
    if (chosen)
        out.outcome = {DispatchOutcome::Kind::dispatched, t.number, chosen->technician, t};
    else
        out.outcome = {DispatchOutcome::Kind::queued, t.number, std::nullopt, std::nullopt};
    return out;
}
}  // namespace

void TicketFiling::file_one(sql::Connection& c, Waiting& w) const {
    bind(w, nullptr);
    Filed out;
    auto created = store::TicketRepository::create(c, w.request.ticket);
    if (created && created->created) {
        out.dispatch = as_inserted(created->ticket, w.chosen);
    } else if (created) {
        // A repeat (resend, double tap, this hop retried after its commit): the ticket was
        // inserted dispatched or queued, with its event and notes. Still waiting, it goes to
        // whoever is free now; with nobody free, nothing is recorded (nor told to the
        // dispatchers) a second time.
        out.dispatch = dispatcher_.dispatch_on(c, created->ticket, {}, "system", "created", w.request.now,
                                               /*record_queued=*/false);
    }
    out.created = std::move(created);
    w.filed = std::move(out);
}

void TicketFiling::file_group(sql::Connection& c, Group& group) const {
    // Run again from the start when MysqlPool retries the unit of work (deadlock, lost link).
    for (auto& w : group) {
        w->filed = {};
        w->error = nullptr;
    }
    if (group.size() == 1) {
        file_one(c, *group.front());
        return;
    }
    JobsGiven given;
    std::vector<const store::NewTicket*> tickets;
    tickets.reserve(group.size());
    for (auto& w : group) {
        bind(*w, &given);
        tickets.push_back(&w->request.ticket);
    }
    std::optional<std::vector<store::Ticket>> created;
    try {
        created = store::TicketRepository::create_group(c, tickets);
    } catch (const sql::SQLException& e) {
        // Deadlock, lost link: MysqlPool runs the group again. Anything else is one ticket's
        // fault, found below; the group's transaction was rolled back.
        if (store::is_transient_mysql_error(e.getErrorCode())) throw;
        log::warn("intake", "group_failed", {{"tickets", group.size()}, {"error_code", e.getErrorCode()}});
    }
    if (created) {
        ++groups_;
        grouped_tickets_ += group.size();
        for (std::size_t i = 0; i < group.size(); ++i) {
            auto& w = *group[i];
            w.filed.dispatch = as_inserted((*created)[i], w.chosen);
            w.filed.created = store::CreatedTicket{std::move((*created)[i]), true};
        }
        return;
    }
    // A key of the group has its ticket already, or one ticket failed: each on its own, so the
    // repeat finds its ticket and the others are created. An error of one (but a transient one,
    // which runs the whole group again) is that one's.
    log::info("intake", "group_filed_one_by_one", {{"tickets", group.size()}});
    for (auto& w : group) {
        try {
            file_one(c, *w);
        } catch (const sql::SQLException& e) {
            if (store::is_transient_mysql_error(e.getErrorCode())) throw;
            w->error = std::current_exception();
        }
    }
}

}  // namespace repairbot::bot
