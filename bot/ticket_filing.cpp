#include "bot/ticket_filing.h"

#include <algorithm>

#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
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
    const auto ex = co_await asio::this_coro::executor;
    // Runs once this coroutine is suspended. Everything it needs is copied onto its own stack
    // first: once the waiter is queued, a writer on another thread may resume it, and this
    // coroutine's frame (and the initiation's captures) may be gone.
    auto initiate = [self = this, waiting, ex](auto handler) {
        TicketFiling* filing = self;
        auto w = waiting;
        auto executor = ex;
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        // The caller's executor counts the wait as work, so its io_context runs until resumed.
        auto tracked =
            asio::prefer(asio::get_associated_executor(*h, executor), asio::execution::outstanding_work.tracked);
        w->resume = [h, tracked]() mutable { asio::post(tracked, std::move(*h)); };
        if (filing->enqueue(std::move(w))) filing->start_writer(executor);
    };
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(initiate, asio::use_awaitable);
    if (waiting->error) std::rethrow_exception(waiting->error);
    co_return std::move(waiting->filed);
}

bool TicketFiling::enqueue(std::shared_ptr<Waiting> waiting) {
    std::lock_guard lock(queue_->mutex);
    queue_->waiting.push_back(std::move(waiting));
    if (queue_->writers >= kWriters) return false;
    ++queue_->writers;
    return true;
}

void TicketFiling::start_writer(const asio::any_io_executor& ex) {
    try {
        asio::co_spawn(ex, write_groups(queue_), [](const std::exception_ptr& e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                log::error("intake", "filing_writer_failed", {{"error", x.what()}});
            } catch (...) {
                log::error("intake", "filing_writer_failed", {{"error", "unknown"}});
            }
        });
    } catch (...) {
        // Runs inside the caller's initiation, which must not throw (Asio runs it noexcept).
        // With no writer left, whoever waits is told at once instead of waiting for ever.
        const auto error = std::current_exception();
        Group stranded;
        {
            std::lock_guard lock(queue_->mutex);
            if (--queue_->writers == 0) {
                stranded.assign(queue_->waiting.begin(), queue_->waiting.end());
                queue_->waiting.clear();
            }
        }
        for (auto& w : stranded) w->error = error;
        resume_all(stranded);
    }
}

void TicketFiling::resume_all(Group& group) {
    for (auto& w : group) {
        try {
            auto resume = std::move(w->resume);
            if (resume) resume();
        } catch (...) {
            log::error("intake", "filing_resume_failed", {});  // the others are still resumed
        }
    }
}

asio::awaitable<void> TicketFiling::write_groups(std::shared_ptr<Queue> queue) {
    // However this ends — the queue empty, an exception, its io_context destroyed with it
    // suspended — it stops counting as a writer, so later confirmations start one of their own.
    struct Leaving {
        Queue& queue;
        bool counted = true;
        ~Leaving() {
            if (!counted) return;
            std::lock_guard lock(queue.mutex);
            --queue.writers;
        }
    } leaving{*queue};
    for (;;) {
        Group group;
        {
            std::lock_guard lock(queue->mutex);
            while (!queue->waiting.empty() && group.size() < kMaxGroup) {
                group.push_back(std::move(queue->waiting.front()));
                queue->waiting.pop_front();
            }
            if (group.empty()) {
                --queue->writers;  // under the lock that found the queue empty
                leaving.counted = false;
                co_return;
            }
        }
        co_await write(group);
        resume_all(group);
    }
}

asio::awaitable<void> TicketFiling::write(Group& group) {
    if (group.size() > 1) {
        try {
            auto together = [this, &group](sql::Connection& c) { return file_together(c, group); };
            if (co_await mysql_.run(std::move(together))) co_return;
        } catch (...) {
            // MySQL unreachable, retries used up: each would have had it alone.
            for (auto& w : group) w->error = std::current_exception();
            co_return;
        }
        // Not together (a key that has its ticket, a ticket whose rows fail): one by one, as
        // below.
        log::info("intake", "group_filed_one_by_one", {{"tickets", group.size()}});
    }
    // Each its own unit of work with its own retries, as a lone confirmation is — so a repeat
    // finds its ticket and one ticket's error is its own.
    for (auto& w : group) {
        try {
            auto alone = [this, w](sql::Connection& c) { file_one(c, *w); };
            co_await mysql_.run(std::move(alone));
        } catch (...) {
            w->error = std::current_exception();
        }
    }
}

void TicketFiling::bind(Waiting& w, JobsGiven& given) const {
    w.chosen.reset();
    const auto now = w.request.now;
    // A new ticket is inserted already given to a technician when one is free: one transaction
    // for the ticket, its two events and the job push. With nobody free, it is inserted queued
    // for the dispatchers, who are told in the same transaction — or, with queue notes on and no
    // emergency, by the next note (bot/queue_notes.h). The count of open jobs adds the jobs given
    // by filings still in flight in this process (this group's and the other writer's), which
    // the tickets table does not show yet.
    w.request.ticket.complete = [this, &w, &given, now](sql::Connection& conn, store::Ticket& t,
                                                        std::vector<store::NewEvent>& events,
                                                        std::vector<store::NewOutbox>& outbox) {
        // Chosen on a snapshot of the jobs in flight, then taken only if no filing took the
        // same room meanwhile (its job is then in the count, and the choice is made again).
        for (int attempt = 0;; ++attempt) {
            JobsGiven in_flight;
            {
                std::lock_guard lock(queue_->mutex);
                in_flight = queue_->in_flight;
            }
            w.chosen = attempt < 4 ? dispatcher_.choose_for_new(conn, t, &in_flight) : std::nullopt;
            if (!w.chosen) break;
            const auto id = w.chosen->technician.id;
            std::lock_guard lock(queue_->mutex);
            const auto seen = in_flight.contains(id) ? in_flight.at(id) : 0u;
            auto& now_in_flight = queue_->in_flight[id];
            // open_jobs = in the table + in flight when the snapshot was taken.
            if (w.chosen->open_jobs - seen + now_in_flight < w.chosen->technician.capacity) {
                ++now_in_flight;
                break;
            }
            if (now_in_flight == 0) queue_->in_flight.erase(id);
        }
        if (!w.chosen) {
            events.push_back(
                Dispatcher::queued_event({}, "system", "created", dispatcher_.tells_at_once(t)));
            return;
        }
        ++given[w.chosen->technician.id];
        auto assigned = dispatcher_.assign(std::move(t), *w.chosen, "system", "created", now);
        t = std::move(assigned.ticket);
        events.push_back(std::move(assigned.event));
        outbox.push_back(std::move(assigned.push));
    };
    // The dispatchers' note, the photos (the download worker's queue) and the owner's
    // remembered profile commit with the ticket: one commit, and no ticket without its photos.
    // A repeat finds them committed with it.
    w.request.ticket.within = [this, &w](store::SqlBatch& batch, const store::Ticket& t) {
        if (!w.chosen && dispatcher_.tells_at_once(t))
            dispatcher_.tell_dispatchers(batch, t, t.created_at);
        for (const auto& p : w.request.photos) {
            store::Photo photo;
            photo.ticket_id = t.id;
            photo.owner_openid = w.request.owner;
            photo.media_id = p.media_id;
            photo.pic_url = p.pic_url;
            store::PhotoRepository::add_pending(batch, photo, t.created_at);
        }
        if (w.request.profile)
            store::OwnerRepository::remember(batch, *w.request.profile, t.created_at);
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

// The jobs a filing gave, counted as in flight until it returns (committed by then, or not at
// all): from then on the tickets table shows them.
class TicketFiling::InFlight {
  public:
    explicit InFlight(Queue& queue) : queue_(queue) {}
    ~InFlight() {
        std::lock_guard lock(queue_.mutex);
        for (const auto& [technician, jobs] : given) {
            auto it = queue_.in_flight.find(technician);
            if (it == queue_.in_flight.end()) continue;
            it->second -= std::min(it->second, jobs);
            if (it->second == 0) queue_.in_flight.erase(it);
        }
    }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;
    JobsGiven given;

  private:
    Queue& queue_;
};

void TicketFiling::file_one(sql::Connection& c, Waiting& w) const {
    InFlight jobs(*queue_);
    bind(w, jobs.given);
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

bool TicketFiling::file_together(sql::Connection& c, Group& group) const {
    // Run again from the start when MysqlPool retries the unit of work (deadlock, lost link):
    // nothing of the group was committed then.
    InFlight jobs(*queue_);
    std::vector<const store::NewTicket*> tickets;
    tickets.reserve(group.size());
    for (auto& w : group) {
        bind(*w, jobs.given);
        tickets.push_back(&w->request.ticket);
    }
    std::optional<std::vector<store::Ticket>> created;
    try {
        created = store::TicketRepository::create_group(c, tickets);
    } catch (const sql::SQLException& e) {
        // Deadlock, lost link: MysqlPool runs the group again. Anything else is one ticket's
        // fault, found one by one; the group's transaction was rolled back.
        if (store::is_transient_mysql_error(e.getErrorCode())) throw;
        log::warn("intake", "group_failed", {{"tickets", group.size()}, {"error_code", e.getErrorCode()}});
        return false;
    } catch (const std::exception& e) {
        // One ticket's own failure while it was completed (e.g. text that cannot be written):
        // found one by one too.
        log::warn("intake", "group_failed", {{"tickets", group.size()}, {"error", e.what()}});
        return false;
    }
    if (!created) return false;
    ++groups_;
    grouped_tickets_ += group.size();
    for (std::size_t i = 0; i < group.size(); ++i) {
        auto& w = *group[i];
        w.filed.dispatch = as_inserted((*created)[i], w.chosen);
        w.filed.created = store::CreatedTicket{std::move((*created)[i]), true};
    }
    return true;
}

}  // namespace repairbot::bot
