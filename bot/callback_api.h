// The dispatchers' callback (回访) and complaint (投诉) queue over the admin API:
//   GET  /api/callbacks               query: open=1|0, kind=complaint|sample|handover, limit=1..500
//   POST /api/callbacks/{id}/done     body: {"outcome", "notes"?, "by"?, "reopen"?, "serious"?}
//   GET  /api/complaints              query: status=open|handled|closed, limit=1..500
//   POST /api/complaints/{id}/handle  body: {"resolution", "by"?}
// with the JSON shapes the CLI's --json shares. The rules live in bot/callback_desk.h. What the
// routes save is told to the SLA timers at once (CallbackRouteWatch).
#pragma once

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "bot/admin_api.h"
#include "bot/callback_desk.h"
#include "bot/dispatch.h"
#include "bot/router.h"
#include "config/errors.h"
#include "config/sla_data.h"
#include "store/callback_queue_repository.h"
#include "store/mysql_pool.h"

namespace repairbot::bot {

// Who hears what the routes saved, before the answer goes out: `ticket` of a ticket reopened or
// closed (SlaTimers::track), `callback` of a callback done or moved to a new due time
// (SlaTimers::track_callback). Either may be empty; both must not throw.
struct CallbackRouteWatch {
    TicketWatch ticket;
    CallbackWatch callback;
};

inline constexpr std::uint32_t kMaxQueueListLimit = 500;
inline constexpr std::uint32_t kDefaultQueueListLimit = 200;

// {id, ticket (number or null), kind, complaint (id or null), owner (a handover's: {openid, name,
// phone}, the name and phone as the desk knows them, "" when not; else null), due_at, done_at (or
// null), outcome (or null), notes, done_by}; times iso_datetime. Pure.
[[nodiscard]] nlohmann::ordered_json callback_json(const store::CallbackEntry& e);
// {id, ticket (number or null), source, severity, text, status, created_at, handled_at,
// handled_by, resolution, reminders (how often the staff were reminded it waits for its
// handling), reminded_at (the last time), callback_id, callback_due_at, callback_done_at} (null
// where none). Pure.
[[nodiscard]] nlohmann::ordered_json complaint_json(const store::ComplaintEntry& e);

// The callback filter from named values (query parameters, or CLI options without "--"):
// open ("1"/"0"; the CLI's --open/--done arrive as open=1/0), kind (complaint|sample|handover),
// limit (1..500, default 200). Fails with std::errc::invalid_argument, the detail naming the
// parameter (shown after `prefix`), the value and the fix; an unknown name too. Pure.
[[nodiscard]] Result<store::CallbackFilter> parse_callback_filter(
    const std::map<std::string, std::string>& values, std::string_view prefix);
// The complaint list's status ("" = all; open|handled|closed) and limit, as above. Pure.
struct ComplaintFilter {
    std::string status;
    std::uint32_t limit = kDefaultQueueListLimit;
};
[[nodiscard]] Result<ComplaintFilter> parse_complaint_filter(
    const std::map<std::string, std::string>& values, std::string_view prefix);

// The body of POST /api/callbacks/{id}/done: a JSON object with outcome (string, required),
// notes (string), by (string), reopen (bool), serious (bool), checked by check_callback_report.
// Anything else (not JSON, not an object, a wrong type, an unknown key) fails with
// std::errc::invalid_argument and a detail naming the field and the fix. Never throws. Pure.
[[nodiscard]] Result<CallbackReport> parse_callback_done_body(std::string_view body);
// The body of POST /api/complaints/{id}/handle: {resolution (required), by}; as above. Pure.
struct ComplaintHandling {
    std::string resolution;
    std::string by;
};
[[nodiscard]] Result<ComplaintHandling> parse_complaint_handle_body(std::string_view body);

// Adds the four routes. All need `Authorization: Bearer <admin_token>`: 401 {"error"} with
// WWW-Authenticate without it or with a wrong one, 403 when admin_token is empty. 400 {"error"}
// for a bad filter, id or body (naming the field); 404 for an unknown id; 409 for a callback
// already done, a complaint already handled, or a reopen the ticket's state refuses. A done
// callback answers 200 with callback_json plus "reopened" ({ticket, status, reopen_count,
// complaint}) when it reopened the ticket, "complaint_filed" (its id) when an unsatisfied one
// filed a complaint, "complaint_reminded" when it reminded the supervisors of its unhandled one; a
// handled complaint answers 200 with complaint_json. Handlers query through MysqlPool::run (an
// unreachable database becomes the router's 503). The POST paths have "*" in the middle
// ("/api/callbacks/*/done"): the router must match a
// "*" segment anywhere. `mysql`, `sla` and `notices` (an unsatisfied call's wording) must outlive
// the router; `watch` hears each change before the handler answers.
void add_callback_routes(Router& router, store::MysqlPool& mysql, const config::SlaData& sla,
                         const config::Notices& notices, std::string admin_token, AdminClock clock,
                         CallbackRouteWatch watch = {});

}  // namespace repairbot::bot
