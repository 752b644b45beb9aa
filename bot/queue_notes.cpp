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

// `key` with {count} and {items}: the tickets as `item_key` with their deadlines and the stages
// whose they are, joined by "；".
std::string deadlines_text(const config::Notices& notices, const char* key, const char* item_key,
                           std::uint64_t count, const std::vector<store::DeadlineTicket>& tickets,
                           std::chrono::minutes utc_offset) {
    std::string items;
    for (const auto& [t, due, stage] : tickets) {
        if (!items.empty()) items += "；";
        items += notices.render(item_key, {{"number", t.number},
                                           {"fault_type", t.fault_type},
                                           {"address", t.address},
                                           {"stage", notices.render("sla_stage_" + stage)},
                                           {"due", local_time_text(due, utc_offset)}});
    }
    return notices.render(key, {{"count", std::to_string(count)}, {"items", items}});
}

}  // namespace

std::string queue_note_text(const config::Notices& notices, const store::WaitingQueue& queue,
                            const store::NearDeadlines& near, std::chrono::minutes utc_offset,
                            bool supervisors_told) {
    std::string text;
    auto line = [&text](std::string more) {
        if (!text.empty()) text += "\n";
        text += more;
    };
    if (queue.fresh > 0) line(fresh_text(notices, queue));
    if (near.count > 0)
        line(deadlines_text(notices, "queue_note_deadlines", "queue_note_deadline_item", near.count, near.nearest,
                            utc_offset));
    if (near.late > 0)
        line(deadlines_text(notices, supervisors_told ? "queue_note_late" : "queue_note_late_unreported",
                            "queue_note_late_item", near.late, near.latest, utc_offset));
    return text;
}

std::string late_digest_text(const config::Notices& notices, const store::NearDeadlines& near,
                             std::chrono::minutes utc_offset) {
    if (near.late == 0) return {};
    return deadlines_text(notices, "queue_note_late_supervisors", "queue_note_late_item", near.late, near.latest,
                          utc_offset);
}

QueueNotes::QueueNotes(store::MysqlPool& mysql, const config::Notices& notices, QueueNotesOptions options,
                       Clock clock)
    : mysql_(mysql), notices_(notices), options_(std::move(options)), clock_(std::move(clock)) {}

asio::awaitable<std::size_t> QueueNotes::tell_due() {
    struct Pass {
        std::size_t told = 0;
        std::size_t supervisors = 0;
        store::WaitingQueue queue;
        store::NearDeadlines near;
    };
    auto work = [this](sql::Connection& c) {
        Pass out;
        store::Transaction tx(c);
        auto mark = store::QueueNoteRepository::lock(c, kNote);
        // After the lock, which waits for warnings and breaches being saved: their times are
        // before this one.
        const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(clock_());
        // Deadlines near are told at least once a minute, however long `every` is: a normal
        // ticket's warning comes 2 minutes before its breach.
        const auto since = mark.sent_at ? now - *mark.sent_at : std::chrono::milliseconds::max();
        if (since < std::min<std::chrono::milliseconds>(options_.every, kDeadlinesEvery)) return out;  // rolls back
        out.near = store::QueueNoteRepository::near_deadlines(c, now, options_.listed);
        const bool deadlines = out.near.count > 0 || out.near.late > 0;
        if (since < options_.every && !deadlines) return out;  // not due for new tickets alone
        out.queue = store::QueueNoteRepository::waiting(c, mark.told_through_id, options_.listed);
        if (out.queue.fresh == 0 && !deadlines) {
            // Deadlines recorded for tickets someone has taken since: nothing to tell of them.
            if (out.near.through_seq > 0) {
                store::QueueNoteRepository::forget_near_deadlines(c, out.near.through_seq);
                tx.commit();
            }
            return out;
        }
        // The breaches are the supervisors' too (DOMAIN.md: escalated to the supervisor), in a
        // digest of their own; the dispatchers' note says whether they were told.
        if (out.near.late > 0)
            out.supervisors = notify_staff(c, StaffRole::supervisor, std::nullopt, "queue_note_late",
                                           late_digest_text(notices_, out.near, options_.utc_offset), now);
        out.told = notify_staff(c, StaffRole::dispatcher, std::nullopt, "queue_note",
                                queue_note_text(notices_, out.queue, out.near, options_.utc_offset,
                                                out.supervisors > 0),
                                now);
        // Nobody to tell: the tickets and their deadlines stay for the first note someone can
        // read, and the warning below comes once per `every` (a minute while deadlines wait).
        store::QueueNoteRepository::record(c, kNote, out.told > 0 ? std::max(out.queue.newest_id, mark.told_through_id)
                                                                  : mark.told_through_id,
                                           now);
        if (out.told > 0)
            store::QueueNoteRepository::forget_near_deadlines(c, out.near.through_seq);
        else if (out.supervisors > 0)  // the breaches went up; the warnings wait for a dispatcher
            store::QueueNoteRepository::forget_near_deadlines(c, out.near.through_seq, /*only_late=*/true);
        tx.commit();
        return out;
    };
    auto pass = co_await mysql_.run(std::move(work));
    if (pass.near.late > 0 && pass.supervisors == 0)
        log::warn("sla", "nobody_to_escalate_to",
                  {{"late", pass.near.late},
                   {"fix", "bind a supervisor (is_supervisor, active, WeChat openid) in the admin API"}});
    if (pass.queue.fresh > 0 || pass.near.count > 0 || pass.near.late > 0) {
        if (pass.told == 0)
            log::warn("queue_note", "nobody_to_tell",
                      {{"fresh", pass.queue.fresh}, {"waiting", pass.queue.waiting},
                       {"deadlines_near", pass.near.count}, {"late", pass.near.late},
                       {"supervisors", pass.supervisors},
                       {"fix", "bind a dispatcher (is_dispatcher, active, WeChat openid) in the admin API"}});
        else
            log::info("queue_note", "sent", {{"fresh", pass.queue.fresh},
                                             {"emergencies", pass.queue.fresh_emergencies},
                                             {"waiting", pass.queue.waiting},
                                             {"deadlines_near", pass.near.count},
                                             {"late", pass.near.late},
                                             {"dispatchers", pass.told},
                                             {"supervisors", pass.supervisors}});
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
