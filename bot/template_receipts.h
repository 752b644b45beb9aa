// WeChat's delivery receipts of template messages (the TEMPLATESENDJOBFINISH event): a push that
// did not reach its recipient ("failed:user block", "failed: system failed") is recorded on the
// ticket it announced — push_error and a "push_failed" audit event — so the desk sees who was
// never told. Every receipt is kept on its outbox row, which makes a repeated event a no-op.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "store/mysql_pool.h"

namespace repairbot::bot {

// True for every Status but "success" (WeChat's spelling of the failures varies). Pure.
[[nodiscard]] bool is_delivery_failure(std::string_view status);

// What record_template_receipt did with a receipt.
enum class ReceiptOutcome {
    delivered = 0,  // "success": kept on the outbox row
    push_failed,    // recorded on the ticket (or only on the row when it has no ticket)
    repeated,       // the same receipt was recorded before: nothing changed
    unknown_msgid,  // no outbox row was sent with this msgid: logged, ignored
};

// Records the receipt `status` of template message `msgid` to `recipient` (the event's
// FromUserName) at `now`, the status made valid UTF-8 and cut to the row's 64 characters first:
// on its outbox row, and when the push failed, in the same transaction, on the row's ticket
// (push_error = "<status> (<recipient>)" and a "push_failed" event with status, recipient, msgid
// and outbox row). A receipt can arrive before the worker has marked its row sent: while no row
// has the msgid and a push to `recipient` is still being sent, it looks again every 200 ms for
// up to 3 s (within WeChat's 5) before calling the msgid unknown. Idempotent. Runs its SQL on
// the blocking pool and resumes on the caller's executor; throws ServiceUnavailable when MySQL
// cannot be reached (the webhook answers an error and WeChat resends the event).
boost::asio::awaitable<ReceiptOutcome> record_template_receipt(store::MysqlPool& mysql,
                                                               std::int64_t msgid,
                                                               std::string recipient,
                                                               std::string status,
                                                               std::chrono::sys_seconds now);

}  // namespace repairbot::bot
