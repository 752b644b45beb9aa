// A dispatcher's correction of a filed ticket (更正): the address, the reporter's phone or name
// the owner got wrong ("地址错了，是5栋502" comes to the dispatchers as a correction,
// staff_handover_correction) — an emergency is filed and dispatched the moment it has an address
// and a phone, so a slip can only be put right after. Over the admin API
// (POST /api/tickets/{number}/amend) and the CLI (repairbot ticket amend).
//   * The address is read as the owner's chat reads one (dialog::find_address: 5栋2单元502,
//     5-2-502, 5栋电梯厅 …) and must be whole; the public-area flag follows it, and so does
//     whether the repair is paid while no quote is asked for and nothing charged. The deadlines and
//     the technician stay (a dispatcher moves the job by hand when the building is another's). The
//     phone must be a mobile (dialog::is_valid_mobile).
//   * One compare-and-set save with an audit event "amended" naming each change (before, after)
//     and who made it. A ticket closed or cancelled is not amended (invalid_state).
//   * The technician who has the job (dispatched, accepted, arrived) is told what changed
//     (notices.toml job_amended, push event job_amended) in the same transaction.
//   * The owner's remembered profile (同上次) follows where it held the old value (a home, not a
//     public area).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "bot/admin_api.h"
#include "bot/router.h"
#include "config/errors.h"
#include "config/notices.h"
#include "dialog/catalog.h"
#include "store/mysql_pool.h"
#include "store/records.h"

namespace sql {
class Connection;
}

namespace repairbot::bot {

// What to change; nullopt leaves it as it is.
struct TicketAmendment {
    std::optional<std::string> address;  // as an owner writes it: 5栋2单元502, 5栋电梯厅
    std::optional<std::string> phone;    // 11 digits of a mobile (spaces and dashes allowed)
    std::optional<std::string> name;     // the reporter's name, 1 to 32 characters
    std::string by = "admin";            // who amends, for the audit log (1 to 64 characters)
};

// The body of POST /api/tickets/{number}/amend: a JSON object with address, phone, name (strings,
// at least one of them) and by; anything else fails with std::errc::invalid_argument naming the
// field and the fix. Checks shapes only (amend_ticket reads the address). Never throws. Pure.
[[nodiscard]] Result<TicketAmendment> parse_amendment_body(std::string_view body);

// What amend_ticket did.
struct TicketAmended {
    store::Ticket ticket;              // as saved (or as found when nothing changed)
    std::vector<std::string> changes;  // "地址：5栋520 → 5栋502", in the desk's words; empty: none
    bool technician_told = false;  // the job's technician was sent the change
    // The job's technician, when the new address is in a building they do not serve (their
    // buildings, as dispatch matches them): the job stays theirs, the dispatcher moves it by hand.
    struct Technician {
        std::uint64_t id = 0;
        std::string name;
    };
    std::optional<Technician> technician_elsewhere;
};

// Amends ticket `number` (see the top of this file). Errors: StoreErrc::not_found (no such
// ticket), std::errc::invalid_argument (an address that is not whole, a phone that is not a
// mobile, a name too long — each naming the value and the fix), StoreErrc::invalid_state (closed
// or cancelled), StoreErrc::version_conflict after repeated concurrent saves. Blocking; SQL
// errors throw.
[[nodiscard]] Result<TicketAmended> amend_ticket(
    sql::Connection& c, const dialog::FaultCatalog& catalog, const config::Notices& notices,
    const std::string& number, const TicketAmendment& amendment, store::Timestamp now);

// Adds POST /api/tickets/{number}/amend. Needs `Authorization: Bearer <admin_token>` (401 / 403
// as the other admin routes). 200 {number, changes (array of strings), technician_told, and when
// the job's technician does not serve the new building technician_serves_building: false and a
// hint naming them and how to move the job}; 400
// {"error"} for a bad body or value, 404 for an unknown ticket, 409 for a closed or cancelled
// one. The catalog and notices must outlive the router.
void add_amend_routes(Router& router, store::MysqlPool& mysql, const dialog::FaultCatalog& catalog,
                      const config::Notices& notices, std::string admin_token, AdminClock clock);

}  // namespace repairbot::bot
