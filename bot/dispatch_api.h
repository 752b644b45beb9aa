// POST /api/tickets/{number}/dispatch: a dispatcher's 派单 by hand, for the tickets the bot could
// not give to anyone (the dispatcher queue: nobody free, handed over, not accepted in time) and
// for giving a job not accepted yet, or accepted and not on site yet (a technician off sick or
// disabled), to someone else (bot/dispatch.h Dispatcher::dispatch_by_hand).
#pragma once

#include <string>

#include "bot/admin_api.h"
#include "bot/dispatch.h"
#include "bot/router.h"

namespace repairbot::bot {

// The body of POST /api/tickets/{number}/dispatch: empty or a JSON object with technician_id
// (a positive integer; absent or null: whoever the bot would choose) and by (who dispatches, a
// string up to 64 characters, recorded in the audit log; default "admin"). Anything else fails
// with std::errc::invalid_argument naming the field and the fix. Never throws. Pure.
struct HandDispatch {
    std::optional<std::uint64_t> technician_id;
    std::string by = "admin";
};
[[nodiscard]] Result<HandDispatch> parse_hand_dispatch_body(std::string_view body);

// Adds POST /api/tickets/{number}/dispatch. Needs `Authorization: Bearer <admin_token>` (401 /
// 403 as the other admin routes). 200 {number, status, technician_id} once dispatched (or with
// that technician already); 400 {"error"} for a bad body, 404 for an unknown ticket or
// technician, 409 for a ticket whose status cannot be dispatched, a technician who cannot take
// it or nobody free. `watch` hears the dispatched ticket (the SLA timers) before the answer.
// `dispatcher` must outlive the router.
void add_dispatch_routes(Router& router, Dispatcher& dispatcher, std::string admin_token, AdminClock clock,
                         TicketWatch watch);

}  // namespace repairbot::bot
