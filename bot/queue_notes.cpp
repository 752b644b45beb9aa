#include "bot/queue_notes.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "bot/staff_notice.h"
#include "config/errors.h"
#include "config/log.h"
#include "store/transaction.h"

namespace repairbot::bot {

namespace asio = boost::asio;

namespace {
constexpr const char* kNote = "dispatchers";  // queue_notes.name of this note
}  // namespace

std::string queue_note_text(const config::Notices& notices, const store::WaitingQueue& queue) {
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

QueueNotes::QueueNotes(store::MysqlPool& mysql, const config::Notices& notices, QueueNotesOptions options,
                       Clock clock)
    : mysql_(mysql), notices_(notices), options_(std::move(options)), clock_(std::move(clock)) {}

asio::awaitable<std::size_t> QueueNotes::tell_due() {
    struct Pass {
        std::size_t told = 0;
        store::WaitingQueue queue;
    };
    const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(clock_());
    auto work = [this, now](sql::Connection& c) {
        Pass out;
        store::Transaction tx(c);
        auto mark = store::QueueNoteRepository::lock(c, kNote);
        if (mark.sent_at && now - *mark.sent_at < options_.every) return out;  // rolls back: nothing written
        out.queue = store::QueueNoteRepository::waiting(c, mark.told_through_id, options_.listed);
        if (out.queue.fresh == 0) return out;
        out.told = notify_staff(c, StaffRole::dispatcher, std::nullopt, "queue_note",
                                queue_note_text(notices_, out.queue), now);
        // Nobody to tell: the tickets stay "new" for the first note someone can read, and the
        // warning below comes once per `every`.
        store::QueueNoteRepository::record(c, kNote, out.told > 0 ? out.queue.newest_id : mark.told_through_id,
                                           now);
        tx.commit();
        return out;
    };
    auto pass = co_await mysql_.run(std::move(work));
    if (pass.queue.fresh > 0) {
        if (pass.told == 0)
            log::warn("queue_note", "nobody_to_tell",
                      {{"fresh", pass.queue.fresh}, {"waiting", pass.queue.waiting},
                       {"fix", "bind a dispatcher (is_dispatcher, active, WeChat openid) in the admin API"}});
        else
            log::info("queue_note", "sent", {{"fresh", pass.queue.fresh},
                                             {"emergencies", pass.queue.fresh_emergencies},
                                             {"waiting", pass.queue.waiting},
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
