#include "bot/queue_notes.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

#include "bot/staff_notice.h"
#include "bot/timer_plan.h"
#include "config/errors.h"
#include "config/log.h"
#include "store/transaction.h"

namespace repairbot::bot {

namespace asio = boost::asio;

namespace {
constexpr const char* kNote = store::kDispatchersNote;
constexpr std::chrono::seconds kDeadlinesEvery{60};  // the longest deadlines near wait for a note
}  // namespace

namespace {

std::string fresh_text(const config::Notices& notices, const store::WaitingQueue& queue) {
    std::string items;
    for (const auto& t : queue.newest) {
        if (!items.empty()) items += "；";
        items += notices.render("queue_note_item",
                                {{"number", t.number}, {"fault_type", t.fault_type}, {"address", t.address}});
    }
    const std::string emergencies =
        queue.fresh_emergencies > 0
            ? notices.render("queue_note_emergencies", {{"count", std::to_string(queue.fresh_emergencies)}})
            : std::string();
    return notices.render("queue_note", {{"fresh", std::to_string(queue.fresh)},
                                         {"emergencies", emergencies},
                                         {"waiting", std::to_string(queue.waiting)},
                                         {"items", items}});
}

std::string deadlines_text(const config::Notices& notices, const store::NearDeadlines& near,
                           std::chrono::minutes utc_offset) {
    std::string items;
    for (std::size_t i = 0; i < near.nearest.size(); ++i) {
        const auto& t = near.nearest[i];
        if (!items.empty()) items += "；";
        items += notices.render("queue_note_deadline_item",
                                {{"number", t.number},
                                 {"fault_type", t.fault_type},
                                 {"address", t.address},
                                 {"due", local_time_text(near.nearest_due.at(i), utc_offset)}});
    }
    return notices.render("queue_note_deadlines", {{"count", std::to_string(near.count)}, {"items", items}});
}

}  // namespace

std::string queue_note_text(const config::Notices& notices, const store::WaitingQueue& queue,
                            const store::NearDeadlines& near, std::chrono::minutes utc_offset) {
    std::string text;
    if (queue.fresh > 0) text = fresh_text(notices, queue);
    if (near.count > 0) {
        if (!text.empty()) text += "\n";
        text += deadlines_text(notices, near, utc_offset);
    }
    return text;
}

QueueNotes::QueueNotes(store::MysqlPool& mysql, const config::Notices& notices, QueueNotesOptions options,
                       Clock clock)
    : mysql_(mysql), notices_(notices), options_(std::move(options)), clock_(std::move(clock)) {}

asio::awaitable<std::size_t> QueueNotes::tell_due() {
    struct Pass {
        std::size_t told = 0;
        store::WaitingQueue queue;
        store::NearDeadlines near;
    };
    const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(clock_());
    auto work = [this, now](sql::Connection& c) {
        Pass out;
        store::Transaction tx(c);
        auto mark = store::QueueNoteRepository::lock(c, kNote);
        // Deadlines near are told at least once a minute, however long `every` is: a normal
        // ticket's warning comes 2 minutes before its breach.
        const auto since = mark.sent_at ? now - *mark.sent_at : std::chrono::milliseconds::max();
        if (since < std::min<std::chrono::milliseconds>(options_.every, kDeadlinesEvery)) return out;  // rolls back
        out.near = store::QueueNoteRepository::near_deadlines(c, now, options_.listed);
        if (since < options_.every && out.near.count == 0) return out;  // not due for new tickets alone
        out.queue = store::QueueNoteRepository::waiting(c, mark.told_through_id, options_.listed);
        if (out.queue.fresh == 0 && out.near.count == 0) {
            // Deadlines recorded for tickets someone has taken since: nothing to tell of them.
            if (out.near.through_seq > 0) {
                store::QueueNoteRepository::forget_near_deadlines(c, out.near.through_seq);
                tx.commit();
            }
            return out;
        }
        out.told = notify_staff(c, StaffRole::dispatcher, std::nullopt, "queue_note",
                                queue_note_text(notices_, out.queue, out.near, options_.utc_offset), now);
        // Nobody to tell: the tickets and their deadlines stay for the first note someone can
        // read, and the warning below comes once per `every` (a minute while deadlines wait).
        store::QueueNoteRepository::record(c, kNote, out.told > 0 ? std::max(out.queue.newest_id, mark.told_through_id)
                                                                  : mark.told_through_id,
                                           now);
        if (out.told > 0) store::QueueNoteRepository::forget_near_deadlines(c, out.near.through_seq);
        tx.commit();
        return out;
    };
    auto pass = co_await mysql_.run(std::move(work));
    if (pass.queue.fresh > 0 || pass.near.count > 0) {
        if (pass.told == 0)
            log::warn("queue_note", "nobody_to_tell",
                      {{"fresh", pass.queue.fresh}, {"waiting", pass.queue.waiting},
                       {"deadlines_near", pass.near.count},
                       {"fix", "bind a dispatcher (is_dispatcher, active, WeChat openid) in the admin API"}});
        else
            log::info("queue_note", "sent", {{"fresh", pass.queue.fresh},
                                             {"emergencies", pass.queue.fresh_emergencies},
                                             {"waiting", pass.queue.waiting},
                                             {"deadlines_near", pass.near.count},
                                             {"dispatchers", pass.told}});
    }
    co_return pass.told;
}

asio::awaitable<void> QueueNotes::run() {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    log::info("queue_note", "started", {{"every_s", options_.every.count()}});
    while (!stopping_) {
        try {
            (void)co_await tell_due();
        } catch (const ServiceUnavailable& e) {
            log::warn("queue_note", "mysql_unavailable", {{"error", e.what()}});
        } catch (const std::exception& e) {
            log::error("queue_note", "pass_failed", {{"error", e.what()}});
        }
        if (stopping_) break;
        timer.expires_after(options_.poll);
        boost::system::error_code ignored;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    log::info("queue_note", "stopped", {});
}

}  // namespace repairbot::bot
