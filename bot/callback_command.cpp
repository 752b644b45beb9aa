#include "bot/callback_command.h"

#include <iostream>
#include <map>
#include <optional>

#include "bot/admin_api.h"
#include "bot/callback_api.h"
#include "bot/callback_desk.h"
#include "bot/cli_support.h"
#include "bot/stats_command.h"
#include "config/log.h"
#include "config/sla_data.h"
#include "store/errors.h"

namespace repairbot::bot {
namespace {

using Options = std::map<std::string, std::string>;
using store::Timestamp;

constexpr std::string_view kUsage =
    "  callback list [--open | --done] [--kind complaint|sample|handover] [--limit N] [--json]\n"
    "                 the callback queue (回访; handover: an owner who asked for a person), due "
    "first\n"
    "  callback done ID --outcome satisfied|unsatisfied|unreachable [--notes TEXT] [--by NAME]\n"
    "                [--reopen] [--serious]   records the call; unsatisfied files a complaint,\n"
    "                 or with --reopen reopens the ticket (返修) for its technician; --serious\n"
    "                 (harm, damage, an outside body) tells the manager at once\n"
    "  complaint list [--status open|handled|closed] [--limit N] [--json]\n"
    "                 complaints (投诉), newest first, with their callback's due date\n"
    "  complaint handle ID --resolution TEXT [--by NAME]\n"
    "                 records the handling; the callback falls due 3 days later (sla.toml)\n";

std::string or_dash(const std::optional<std::string>& s) {
    return s && !s->empty() ? *s : "-";
}

std::string or_dash(const std::string& s) {
    return s.empty() ? "-" : s;
}

// The one line a stored text takes in a table.
std::string one_line(std::string s) {
    for (auto& ch : s)
        if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
    return s.empty() ? "-" : s;
}

Options filter_values(const Options& options) {
    Options values;
    for (const auto& [name, value] : options) {
        if (name == "json") continue;
        if (name == "open") values["open"] = "1";
        else if (name == "done") values["open"] = "0";
        else values[name] = value;
    }
    return values;
}

// The ID in args[1]; a usage error (printed) when missing or not a number.
std::optional<std::uint64_t> id_arg(const CommandContext& ctx, std::string_view what) {
    const auto& args = ctx.cl.args;
    const std::string verb = ctx.cl.command + " " + args[0];
    if (args.size() < 2 || !parse_id(args[1])) {
        (void)usage_error(ctx, verb + ": give the " + std::string(what) +
                                   "'s ID (a number; see 'repairbot " + ctx.cl.command +
                                   " list')");
        return std::nullopt;
    }
    if (args.size() > 2) {
        (void)usage_error(ctx, verb + ": unexpected argument '" + args[2] + "'");
        return std::nullopt;
    }
    return parse_id(args[1]);
}

int callback_list(const CommandContext& ctx) {
    if (auto bad = check_options(ctx.cl.options, {"open", "done", "kind", "limit", "json"},
                                 {"open", "done", "json"}))
        return usage_error(ctx, "callback list: " + *bad);
    if (ctx.cl.options.count("open") && ctx.cl.options.count("done"))
        return usage_error(ctx, "callback list: give --open or --done, not both");
    if (ctx.cl.args.size() > 1)
        return usage_error(ctx, "callback list: unexpected argument '" + ctx.cl.args[1] + "'");
    auto filter = parse_callback_filter(filter_values(ctx.cl.options), "--");
    if (!filter) return usage_error(ctx, "callback list: " + filter.error().detail);
    std::vector<store::CallbackEntry> rows;
    int rc = with_database(ctx, [&](sql::Connection& c) {
        rows = store::CallbackQueueRepository::callbacks(c, *filter);
        return kExitOk;
    });
    if (rc != kExitOk) return rc;
    if (ctx.cl.options.count("json")) {
        auto out = nlohmann::ordered_json::array();
        for (const auto& r : rows) out.push_back(callback_json(r));
        ctx.out << dump_json(out, 2) << "\n";
    } else {
        ctx.out << callback_table(rows);
    }
    ctx.out.flush();
    return kExitOk;
}

int callback_done(const CommandContext& ctx) {
    if (auto bad = check_options(ctx.cl.options, {"outcome", "notes", "by", "reopen", "serious"},
                                 {"reopen", "serious"}))
        return usage_error(ctx, "callback done: " + *bad);
    auto id = id_arg(ctx, "callback");
    if (!id) return kExitUsage;
    const auto& o = ctx.cl.options;
    if (!o.count("outcome"))
        return usage_error(ctx,
                           "callback done: --outcome is required; give satisfied, unsatisfied "
                           "or unreachable");
    CallbackReport report{o.at("outcome"), o.count("notes") ? o.at("notes") : "",
                          o.count("by") ? o.at("by") : "", o.count("reopen") > 0,
                          o.count("serious") > 0};
    auto checked = check_callback_report(std::move(report), "--");
    if (!checked) return usage_error(ctx, "callback done: " + checked.error().detail);
    auto sla = load_sla(ctx);
    if (!sla) return kExitUsage;
    // An unsatisfied call's reopen or complaint is worded by them; nothing else needs them.
    std::optional<config::Notices> notices;
    if (checked->outcome == "unsatisfied" && !(notices = load_notices(ctx))) return kExitUsage;

    std::optional<Result<CallbackDone>> done;
    const Timestamp now = ctx.now;
    int rc = with_database(ctx, [&](sql::Connection& c) {
        done.emplace(
            mark_callback_done(c, *sla, notices ? &*notices : nullptr, *id, *checked, now));
        return kExitOk;
    });
    if (rc != kExitOk) return rc;
    if (!*done) {
        const auto& e = done->error();
        if (e.code == store::StoreErrc::not_found)
            ctx.err << "repairbot callback done: no callback with ID " << *id
                    << " (see 'repairbot callback list')\n";
        else
            ctx.err << "repairbot callback done: " << e.message() << "\n";
        return kExitFailure;
    }
    const auto& cb = (*done)->callback;
    log::info("callbacks", "callback_done",
              {{"callback", *id},
               {"outcome", checked->outcome},
               {"reopen", checked->reopen},
               {"serious", checked->serious}});
    ctx.out << "callback " << *id << " done: " << checked->outcome << ", by " << checked->by
            << (cb.ticket_number ? ", ticket " + *cb.ticket_number : std::string()) << "\n";
    if (const auto& r = (*done)->reopened) {
        ctx.out << "ticket " << r->ticket.number << " reopened (返修 " << r->ticket.reopen_count
                << "), back with its technician";
        if (r->complaint)
            ctx.out << "; complaint " << *r->complaint << " opened"
                    << (r->ticket.reopen_count == 2 ? " (second reopen)" : "");
        ctx.out << "\n";
    }
    if (const auto& complaint = (*done)->complaint)
        ctx.out << "complaint " << *complaint << " opened"
                << (checked->serious ? " (serious: the manager is told)" : "")
                << "; it is called back in its turn (repairbot complaint list)\n";
    if (const auto& reminded = (*done)->reminded)
        ctx.out << "complaint " << *reminded
                << " is not handled yet: the supervisors are reminded (repairbot complaint handle "
                << *reminded << ")\n";
    ctx.out.flush();
    return kExitOk;
}

int complaint_list(const CommandContext& ctx) {
    if (auto bad = check_options(ctx.cl.options, {"status", "limit", "json"}, {"json"}))
        return usage_error(ctx, "complaint list: " + *bad);
    if (ctx.cl.args.size() > 1)
        return usage_error(ctx, "complaint list: unexpected argument '" + ctx.cl.args[1] + "'");
    auto filter = parse_complaint_filter(filter_values(ctx.cl.options), "--");
    if (!filter) return usage_error(ctx, "complaint list: " + filter.error().detail);
    std::vector<store::ComplaintEntry> rows;
    int rc = with_database(ctx, [&](sql::Connection& c) {
        rows = store::CallbackQueueRepository::complaints(c, filter->status, filter->limit);
        return kExitOk;
    });
    if (rc != kExitOk) return rc;
    if (ctx.cl.options.count("json")) {
        auto out = nlohmann::ordered_json::array();
        for (const auto& r : rows) out.push_back(complaint_json(r));
        ctx.out << dump_json(out, 2) << "\n";
    } else {
        ctx.out << complaint_table(rows);
    }
    ctx.out.flush();
    return kExitOk;
}

int complaint_handle(const CommandContext& ctx) {
    if (auto bad = check_options(ctx.cl.options, {"resolution", "by"}, {}))
        return usage_error(ctx, "complaint handle: " + *bad);
    auto id = id_arg(ctx, "complaint");
    if (!id) return kExitUsage;
    const auto& o = ctx.cl.options;
    auto resolution = check_resolution(o.count("resolution") ? o.at("resolution") : "", "--");
    if (!resolution) return usage_error(ctx, "complaint handle: " + resolution.error().detail);
    auto by = check_by(o.count("by") ? o.at("by") : "", "--");
    if (!by) return usage_error(ctx, "complaint handle: " + by.error().detail);
    auto sla = load_sla(ctx);
    if (!sla) return kExitUsage;

    std::optional<Result<ComplaintHandled>> handled;
    const Timestamp now = ctx.now;
    int rc = with_database(ctx, [&](sql::Connection& c) {
        handled.emplace(handle_complaint(c, *sla, *id, *by, *resolution, now));
        return kExitOk;
    });
    if (rc != kExitOk) return rc;
    if (!*handled) {
        const auto& e = handled->error();
        if (e.code == store::StoreErrc::not_found)
            ctx.err << "repairbot complaint handle: no complaint with ID " << *id
                    << " (see 'repairbot complaint list')\n";
        else
            ctx.err << "repairbot complaint handle: " << e.message() << "\n";
        return kExitFailure;
    }
    const auto& c = (*handled)->complaint;
    log::info("callbacks", "complaint_handled", {{"complaint", *id}});
    ctx.out << "complaint " << *id << " handled by " << *by;
    if (c.callback_id && c.callback_due_at && !c.callback_done_at)
        ctx.out << "; callback " << *c.callback_id << " due " << iso_datetime(*c.callback_due_at);
    if (const auto& closed = (*handled)->ticket_closed)
        ctx.out << "; ticket " << closed->number << " closed (nothing left to call back)";
    ctx.out << "\n";
    ctx.out.flush();
    return kExitOk;
}

}  // namespace

std::string_view callback_usage() {
    return kUsage;
}

namespace {
// A handover's owner as a dispatcher can call them: name and phone, the openid when the desk
// knows neither; "" for other callbacks.
std::string owner_cell(const store::CallbackEntry& r) {
    if (!r.callback.owner_openid) return "";
    std::string who = r.owner_name.value_or("");
    if (r.owner_phone && !r.owner_phone->empty()) who += (who.empty() ? "" : " ") + *r.owner_phone;
    return " " + (who.empty() ? *r.callback.owner_openid : who);
}
}  // namespace

std::string callback_table(const std::vector<store::CallbackEntry>& rows) {
    std::vector<std::vector<std::string>> table{
        {"ID", "TICKET", "KIND", "DUE", "DONE", "OUTCOME", "BY", "NOTES"}};
    for (const auto& r : rows) {
        const auto& c = r.callback;
        table.push_back({std::to_string(c.id), or_dash(r.ticket_number),
                         c.kind + (c.complaint_id ? " #" + std::to_string(*c.complaint_id) : "") +
                             (r.enquiry_ticket_number ? " 报价咨询 " + *r.enquiry_ticket_number
                                                      : std::string()) +
                             owner_cell(r),
                         iso_datetime(c.due_at), time_or_dash(c.done_at), or_dash(c.outcome),
                         or_dash(c.done_by), one_line(c.notes)});
    }
    return render_table(table);
}

std::string complaint_table(const std::vector<store::ComplaintEntry>& rows) {
    std::vector<std::vector<std::string>> table{{"ID", "TICKET", "SOURCE", "SEVERITY", "STATUS",
                                                 "CREATED", "REMINDED", "CALLBACK DUE", "TEXT"}};
    for (const auto& r : rows) {
        const auto& c = r.complaint;
        std::string callback = time_or_dash(r.callback_due_at);
        if (r.callback_done_at) callback = "done " + iso_datetime(*r.callback_done_at);
        std::string reminded = "-";
        if (c.reminders && c.reminded_at)
            reminded = std::to_string(c.reminders) + "x, last " + iso_datetime(*c.reminded_at);
        table.push_back({std::to_string(c.id), or_dash(r.ticket_number), c.source, c.severity,
                         c.status, iso_datetime(c.created_at), reminded, callback,
                         one_line(c.text)});
    }
    return render_table(table);
}

int run_callback_desk(const config::Settings& settings, const CommandLine& cl) {
    return run_callback_desk(settings, cl, system_now(), std::cout, std::cerr);
}

int run_callback_desk(const config::Settings& settings, const CommandLine& cl, Timestamp now,
                      std::ostream& out, std::ostream& err) {
    const CommandContext ctx{settings, cl, now, out, err, kUsage, "callbacks"};
    const std::string verb = cl.args.empty() ? "" : cl.args[0];
    if (cl.command == "callback") {
        if (verb == "list") return callback_list(ctx);
        if (verb == "done") return callback_done(ctx);
    } else if (cl.command == "complaint") {
        if (verb == "list") return complaint_list(ctx);
        if (verb == "handle") return complaint_handle(ctx);
    } else {
        return usage_error(ctx, "not a callback or complaint command");
    }
    return usage_error(ctx, verb.empty() ? "give a verb" : "unknown verb '" + verb + "'");
}

}  // namespace repairbot::bot
