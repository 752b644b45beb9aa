// The admin API over tickets (GET /api/tickets, GET /api/tickets/{number}) and what the admin CLI
// shares with it: the one JSON shape of a ticket, ISO-8601 times with offset, list filters.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bot/router.h"
#include "config/errors.h"
#include "config/sla_data.h"
#include "dialog/sla_policy.h"
#include "store/mysql_pool.h"
#include "store/records.h"
#include "store/stats_repository.h"
#include "store/ticket_repository.h"

namespace repairbot::bot {

// The clock the SLA verdicts are read at (tests pass a fixed one).
using AdminClock = std::function<std::chrono::system_clock::time_point()>;

// The most tickets one list answers with (GET /api/tickets?limit=, `ticket list --limit`).
inline constexpr std::uint32_t kMaxTicketListLimit = 500;
inline constexpr std::uint32_t kDefaultTicketListLimit = 100;

// "2026-11-21T12:05:06+08:00": the desk's local time (UTC+8) with its offset, whole seconds
// (milliseconds are dropped, not rounded). Pure.
[[nodiscard]] std::string iso_datetime(store::Timestamp t);

// Reads "YYYY-MM-DD" (00:00 local time of that day) or "YYYY-MM-DDTHH:MM[:SS[.fff]]" followed by
// "Z", "+HH:MM"/"-HH:MM" or nothing (local time, UTC+8). A space may stand for the 'T', and for
// the '+' of the offset (an unencoded '+' in a query string arrives as a space). nullopt when
// malformed or not a real date. Pure.
[[nodiscard]] std::optional<store::Timestamp> parse_iso_datetime(std::string_view text);

// Builds the ticket filter from named values (query parameters or CLI options without "--"):
// status, urgency, technician (id), openid, from, to ([from, to), dates or date-times as
// parse_iso_datetime reads them), limit (1..500, default 100). `prefix` is how a name is shown
// in errors ("--" for the CLI, "" for the API). Fails with std::errc::invalid_argument and a
// detail that names the parameter, the value and the fix; an unknown name is an error too. Pure.
[[nodiscard]] Result<store::TicketFilter> parse_ticket_filter(
    const std::map<std::string, std::string>& values, std::string_view prefix);

// A ticket with what its JSON shows besides its own columns. Absent (nullopt) photos or events
// leave their keys out (ticket lists); a ticket_id without a technician record shows null.
struct TicketView {
    store::Ticket ticket;
    std::optional<store::Technician> technician;
    std::optional<std::vector<store::Photo>> photos;
    std::optional<std::vector<store::TicketEvent>> events;
};

// One stage of `t` as stored: its deadline, when it was met (dispatched_at, accepted_at,
// quoted_at, arrived_at, done_at), the verdict the SLA engine recorded — the first visit's, as
// the figures count it: the finish's deadline and time are store::FirstFinish's once a breach or
// a reopen (返修) moved them. Pure.
[[nodiscard]] store::StatsStageFacts ticket_stage(const store::Ticket& t, dialog::Stage stage);

// "on_time", "late" or "pending" for one stage of `t` at `now`: the verdict the SLA engine
// recorded (*_late) when there is one; else, with a stored deadline, the desk's judgement as the
// figures make it (bot/stats.h stage_verdict: met by the deadline = on time, met after it or
// still unmet past it = late, else pending); else, for a ticket without stored deadlines, the
// verdict of dialog::sla_overview under `sla`'s policy. Pure.
[[nodiscard]] std::string_view stage_sla_label(const store::Ticket& t, dialog::Stage stage,
                                               const config::SlaData& sla, store::Timestamp now);

// "on_time", "late" or "pending" for a stage a reopened job goes through again
// (bot/ticket_stages.h revisiting: accept, arrive, finish): the revisit's verdict when recorded,
// else its acceptance, arrival or finish against its deadline, judged as stage_verdict judges —
// one met without a deadline (a desk counting it from a milestone the technician skipped: 到达
// without 接单) against the policy's (bot/timer_plan.h revisit_deadline). Pure.
[[nodiscard]] std::string_view revisit_sla_label(const store::Ticket& t, dialog::Stage stage,
                                                 const config::SlaData& sla, store::Timestamp now);

// The one JSON shape of a ticket, for GET /api/tickets[/{number}] and `ticket list|show --json`:
// number, status, urgency, fault_type, trade, address, building, unit, room, area, public_area,
// description, reporter_name, phone, owner_openid, technician ({id, name, phone} or null), fee
// (yuan, or null), quote (yuan, or null), quote_status, paid, reopen_count, created_at, updated_at,
// preferred_from/to, times (per milestone, null where not reached), deadlines ({dispatch, accept,
// arrive, finish}, null where none; the first visit's, as ticket_stage gives them: the finish
// as first set, missed or not), sla (per stage, stage_sla_label: the first visit's, as the
// figures count it), finish_due_now (the finish deadline standing when a breach's new promised
// finish or a reopen moved it from deadlines.finish, else null), for a reopened job
// revisit ({reopened, accepted, arrived, deadlines and sla: {accept, arrive, finish}} — the last
// reopen's visit, its own deadlines and its verdicts against them), awaiting_acceptance (the
// deadline of the acceptance the job waits for from its technician — status dispatched, also
// after a hand-over whose first acceptance `times` keeps — else null), done_note, materials,
// cancel_reason, push_error, and when present photos ([{media_id, status, pic_url, stored_path}])
// and events ([{at, actor, actor_role, type, detail}], detail as parsed JSON). Every time is
// iso_datetime. Pure.
[[nodiscard]] nlohmann::ordered_json ticket_json(const TicketView& view, const config::SlaData& sla,
                                                 store::Timestamp now);

// The admin routes' shared request plumbing (this file's routes and bot/callback_api.h's):
// `iso_datetime(t)`, or null. Pure.
[[nodiscard]] nlohmann::ordered_json time_or_null(const std::optional<store::Timestamp>& t);
// Every name=value pair of the target's query string, percent-decoded; a name given twice is an
// error (invalid_argument naming it). Pure.
[[nodiscard]] Result<std::map<std::string, std::string>> query_values(std::string_view target);
// The {number} of "/api/tickets/{number}<suffix>" (letters, digits and '-', at most 32), or ""
// when the path is not so. Pure.
[[nodiscard]] std::string ticket_number_in_path(const Request& req, std::string_view suffix);
// `{"error": message}` with `status`. Pure.
[[nodiscard]] Response json_error(const Request& req, http::status status, std::string_view message);
// The request body as a JSON object whose keys are all in `known`; else invalid_argument naming
// what is wrong (not JSON, not an object, an unknown key with the known ones). Never throws. Pure.
[[nodiscard]] Result<nlohmann::ordered_json> json_object(std::string_view body,
                                                         const std::set<std::string>& known);
// A refused request as {"error": e.detail}: 400 for invalid_argument, 404 for
// StoreErrc::not_found, 503 for resource_unavailable_try_again (contended: send it again), 409
// for anything else (a state that does not allow it). Pure.
[[nodiscard]] Response error_response(const Request& req, const Error& e);
// nullopt when `req` carries `Authorization: Bearer <token>` (bearer_token_matches, constant
// time); else the refusal: 403 when `token` is empty (the admin API is off), 401 with
// WWW-Authenticate: Bearer otherwise. Pure.
[[nodiscard]] std::optional<Response> refuse_unauthorized(const Request& req, std::string_view token);

// Serializes JSON built from database text: invalid UTF-8 is replaced, never thrown. Pure.
[[nodiscard]] std::string dump_json(const nlohmann::ordered_json& j, int indent);

// Loads one ticket with its technician, photos and events. Blocking (run it inside
// MysqlPool::run / run_sync). StoreErrc::not_found for an unknown number; SQL errors throw.
[[nodiscard]] Result<TicketView> load_ticket_view(sql::Connection& c, const std::string& number);

// Loads the tickets `filter` selects (newest first) with their technicians; photos and events
// are left out. Blocking, like load_ticket_view. Never fails (an empty list).
[[nodiscard]] std::vector<TicketView> load_ticket_views(sql::Connection& c,
                                                        const store::TicketFilter& filter);

// Adds GET /api/tickets (query: status, urgency, technician, openid, from, to, limit; a JSON
// array of ticket_json without photos and events) and GET /api/tickets/{number} (ticket_json
// with photos and events). Both need `Authorization: Bearer <admin_token>` (bot/stats_command.h
// bearer_token_matches): 401 {"error"} with WWW-Authenticate without it or with a wrong one, 403
// when admin_token is empty (the admin API is off). 400 {"error"} naming the parameter for a bad
// filter, 404 {"error"} for an unknown number. Handlers run on the caller's executor and query
// through MysqlPool::run; an unreachable database becomes the router's 503. `mysql` and `sla`
// must outlive the router.
void add_admin_routes(Router& router, store::MysqlPool& mysql, const config::SlaData& sla,
                      std::string admin_token, AdminClock clock);

}  // namespace repairbot::bot
