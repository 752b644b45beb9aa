#include "bot/template_receipts.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "config/log.h"
#include "dialog/text.h"
#include "store/outbox_repository.h"
#include "store/ticket_repository.h"
#include "store/transaction.h"

namespace repairbot::bot {

namespace {

constexpr std::size_t kStatusColumn = 64;  // outbox.receipt_status
// How long a receipt waits for its push to be marked sent, and how often it looks again.
constexpr std::chrono::milliseconds kMarkWait{3000};
constexpr std::chrono::milliseconds kMarkPoll{200};

// The receipt recorded; nullopt when its row is not found yet while a push to `recipient` is
// still being sent (WeChat can report before the worker has marked the row with the msgid).
std::optional<ReceiptOutcome> record(sql::Connection& c, std::int64_t msgid,
                                     const std::string& recipient, const std::string& status,
                                     store::Timestamp at) {
    store::Transaction trx(c);
    auto row = store::OutboxRepository::find_by_wechat_msgid(c, msgid);  // locks the row
    if (!row) {
        if (store::OutboxRepository::sending_to(c, recipient)) return std::nullopt;
        return ReceiptOutcome::unknown_msgid;
    }
    if (row->receipt_status == status) return ReceiptOutcome::repeated;
    store::OutboxRepository::record_receipt(c, row->id, status, at);
    if (!is_delivery_failure(status)) {
        trx.commit();
        return ReceiptOutcome::delivered;
    }
    if (row->ticket_id) {
        const std::string error = status + " (" + row->recipient + ")";
        if (store::OutboxRepository::record_push_error(c, *row->ticket_id, error, at)) {
            nlohmann::json details{{"status", status},
                                   {"recipient", row->recipient},
                                   {"msgid", msgid},
                                   {"outbox_id", row->id}};
            store::TicketRepository::append_event(
                c, *row->ticket_id,
                store::NewEvent{"wechat", "system", "push_failed", details.dump()}, at);
        }
    }
    trx.commit();
    return ReceiptOutcome::push_failed;
}

}  // namespace

bool is_delivery_failure(std::string_view status) {
    return status != "success";
}

boost::asio::awaitable<ReceiptOutcome> record_template_receipt(store::MysqlPool& mysql,
                                                               std::int64_t msgid,
                                                               std::string recipient,
                                                               std::string received_status,
                                                               std::chrono::sys_seconds now) {
    // As the row keeps it: valid UTF-8 (MariaDB refuses anything else, and the receipt would be
    // lost on every resend), at most the column's characters (so a repeat compares equal).
    const std::string status(
        dialog::text::first_chars(dialog::text::to_valid_utf8(received_status), kStatusColumn));
    const store::Timestamp at = std::chrono::time_point_cast<std::chrono::milliseconds>(now);
    auto work = [msgid, &recipient, &status, at](sql::Connection& c) {
        return record(c, msgid, recipient, status, at);
    };
    const auto give_up = std::chrono::steady_clock::now() + kMarkWait;
    boost::asio::steady_timer pause(co_await boost::asio::this_coro::executor);
    std::optional<ReceiptOutcome> recorded = co_await mysql.run(work);
    while (!recorded && std::chrono::steady_clock::now() < give_up) {
        pause.expires_after(kMarkPoll);
        co_await pause.async_wait(boost::asio::use_awaitable);
        recorded = co_await mysql.run(work);
    }
    const ReceiptOutcome outcome = recorded.value_or(ReceiptOutcome::unknown_msgid);
    switch (outcome) {
        case ReceiptOutcome::unknown_msgid:
            log::warn("receipts", "unknown_msgid", {{"msgid", msgid}, {"status", status}});
            break;
        case ReceiptOutcome::push_failed:
            log::warn("receipts", "push_failed", {{"msgid", msgid}, {"status", status}});
            break;
        case ReceiptOutcome::repeated:
            log::debug("receipts", "repeated", {{"msgid", msgid}, {"status", status}});
            break;
        case ReceiptOutcome::delivered:
            log::debug("receipts", "delivered", {{"msgid", msgid}});
            break;
    }
    co_return outcome;
}

}  // namespace repairbot::bot
