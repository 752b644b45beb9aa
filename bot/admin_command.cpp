#include "bot/admin_command.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "bot/callback_desk.h"
#include "bot/cli_support.h"
#include "bot/stats_command.h"
#include "bot/ticket_amend.h"
#include "bot/ticket_stages.h"
#include "config/dialog_data.h"
#include "config/log.h"
#include "dialog/phone.h"
#include "dialog/sla_policy.h"
#include "store/errors.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"
#include "store/transaction.h"

namespace repairbot::bot {
namespace {

using Options = std::map<std::string, std::string>;
using store::Timestamp;

constexpr std::string_view kUsage =
    "  technician add --name NAME --phone PHONE --trades 水,电 [--buildings 1,2,3]\n"
    "                 [--capacity 5] [--supervisor] [--dispatcher] [--manager]\n"
    "                 adds a technician; prints a one-time bind code (valid 7 days) alone on\n"
    "                 the last line\n"
    "  technician list [--all]          technicians (--all: disabled ones too)\n"
    "  technician disable ID | enable ID  (disable: lists the jobs still theirs)\n"
    "  technician bind-code ID          a fresh bind code, alone on the last line\n"
    "  technician duty ID on|off\n"
    "  ticket list [--status S] [--urgency U] [--technician ID] [--openid O]\n"
    "              [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--limit N] [--json]\n"
    "                 tickets, newest first (--to not included; limit 1..500, default 100)\n"
    "  ticket show NUMBER [--json]      a ticket: fields, deadlines with SLA verdicts, photos,\n"
    "                 the audit log\n"
    "  ticket amend NUMBER [--address A] [--phone P] [--name N] [--by WHO]\n"
    "                 correct what the owner got wrong (地址错了…); the technician with the job\n"
    "                 is told\n";

Error invalid(std::string detail) {
    return Error{std::make_error_code(std::errc::invalid_argument), std::move(detail)};
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
}

// "水,电" as typed: ASCII commas, full-width commas (，) and 、 all separate; blanks dropped;
// each item once.
std::vector<std::string> split_items(std::string_view raw) {
    // The full-width comma and the enumeration comma (3 bytes each in UTF-8) count as ','.
    std::string text;
    text.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size();) {
        auto rest = raw.substr(i);
        if (rest.starts_with("\xEF\xBC\x8C") || rest.starts_with("\xE3\x80\x81")) {
            text.push_back(',');
            i += 3;
        } else {
            text.push_back(raw[i++]);
        }
    }
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto comma = text.find(',', start);
        auto item = trim(std::string_view(text).substr(
            start, comma == std::string::npos ? std::string::npos : comma - start));
        if (!item.empty() && std::find(out.begin(), out.end(), item) == out.end())
            out.push_back(std::move(item));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (const auto& i : items) {
        if (!out.empty()) out += sep;
        out += i;
    }
    return out;
}

std::string roles_of(const store::Technician& t) {
    std::vector<std::string> roles;
    if (t.is_supervisor) roles.emplace_back("supervisor");
    if (t.is_dispatcher) roles.emplace_back("dispatcher");
    if (t.is_manager) roles.emplace_back("manager");
    return roles.empty() ? "-" : join(roles, ",");
}

std::string yuan(std::optional<std::uint32_t> cents) {
    if (!cents) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%u.%02u 元", *cents / 100, *cents % 100);
    return buf;
}

// ---- the commands ----

// Stores a fresh code for the technician, retrying the (unlikely) clash with an existing one.
// Returns the code, or the store's error.
Result<std::string> store_bind_code(sql::Connection& c, std::uint64_t technician_id,
                                    Timestamp now) {
    for (int attempt = 0;; ++attempt) {
        std::string code = new_bind_code();
        auto added = store::TechnicianRepository::add_bind_code(c, technician_id, code,
                                                                now + kBindCodeValidity, now);
        if (added) return code;
        if (added.code() != store::StoreErrc::duplicate || attempt == 4) return added.error();
    }
}

void print_bind_code(const CommandContext& ctx, const std::string& code) {
    ctx.out << "bind code, valid until " << iso_datetime(ctx.now + kBindCodeValidity)
            << "; the technician sends \"绑定 " << code
            << "\" to the Official Account to link their WeChat:\n"
            << code << "\n";
    ctx.out.flush();
}

int technician_add(const CommandContext& ctx) {
    if (ctx.cl.args.size() > 1)
        return usage_error(ctx, "technician add: unexpected argument '" + ctx.cl.args[1] + "'");
    auto data = config::load_dialog_data(ctx.settings.data_dir);
    if (!data) {
        ctx.err << "repairbot technician: the desk's data files in " << ctx.settings.data_dir
                << " (REPAIRBOT_DATA_DIR) are not valid: " << data.error().detail << "\n";
        return kExitUsage;
    }
    auto tech = technician_from_options(ctx.cl.options, catalog_trades(data->catalog));
    if (!tech) return usage_error(ctx, "technician add: " + tech.error().detail);

    std::string code;
    store::Technician added;
    std::string failure;
    const Timestamp now = ctx.now;
    int rc = with_database(ctx, [&](sql::Connection& c) {
        // The technician and their first code together: never one without the other.
        store::Transaction trx(c);
        auto stored = store::TechnicianRepository::add(c, *tech, now);
        if (!stored) {
            failure = stored.error().message();
            return kExitFailure;
        }
        auto fresh = store_bind_code(c, stored->id, now);
        if (!fresh) {
            failure = fresh.error().message();
            return kExitFailure;
        }
        trx.commit();
        added = std::move(*stored);
        code = std::move(*fresh);
        return kExitOk;
    });
    if (rc != kExitOk) {
        if (!failure.empty()) ctx.err << "repairbot technician add: " << failure << "\n";
        return rc;
    }
    log::info("admin", "technician_added", {{"technician_id", added.id}});
    ctx.out << "technician " << added.id << " added: " << added.name << " " << added.phone
            << ", trades " << join(added.trades, ",") << ", buildings "
            << (added.buildings.empty() ? "all" : join(added.buildings, ",")) << ", capacity "
            << added.capacity << ", roles " << roles_of(added) << "\n";
    print_bind_code(ctx, code);
    return kExitOk;
}

int technician_list(const CommandContext& ctx) {
    if (auto bad = check_options(ctx.cl.options, {"all"}, {"all"}))
        return usage_error(ctx, "technician list: " + *bad);
    if (ctx.cl.args.size() > 1)
        return usage_error(ctx, "technician list: unexpected argument '" + ctx.cl.args[1] + "'");
    const bool all = ctx.cl.options.count("all") > 0;
    std::vector<store::Technician> technicians;
    int rc = with_database(ctx, [&](sql::Connection& c) {
        technicians = store::TechnicianRepository::list(c, !all);
        return kExitOk;
    });
    if (rc != kExitOk) return rc;
    ctx.out << technician_table(technicians);
    ctx.out.flush();
    return kExitOk;
}

// The technician ID in args[1]; a usage error (printed) when missing or not a number.
std::optional<std::uint64_t> technician_id_arg(const CommandContext& ctx, std::string_view verb,
                                               std::size_t max_args) {
    const auto& args = ctx.cl.args;
    if (args.size() < 2 || !parse_id(args[1])) {
        (void)usage_error(ctx, "technician " + std::string(verb) +
                                   ": give the technician's ID (a number; see 'repairbot "
                                   "technician list --all')");
        return std::nullopt;
    }
    if (args.size() > max_args) {
        (void)usage_error(ctx, "technician " + std::string(verb) + ": unexpected argument '" +
                                   args[max_args] + "'");
        return std::nullopt;
    }
    return parse_id(args[1]);
}

// Loads technician `id`, lets `change` edit it, saves it. Prints the outcome.
template <class Change>
int technician_change(const CommandContext& ctx, std::uint64_t id, Change change,
                      std::string_view what, std::string_view done_message) {
    bool missing = false;
    const Timestamp now = ctx.now;
    int rc = with_database(ctx, [&](sql::Connection& c) {
        auto t = store::TechnicianRepository::find_by_id(c, id);
        if (!t) {
            missing = true;
            return kExitFailure;
        }
        change(*t);
        auto saved = store::TechnicianRepository::update(c, *t, now);
        if (!saved) {
            missing = true;
            return kExitFailure;
        }
        return kExitOk;
    });
    if (missing) {
        ctx.err << "repairbot technician: no technician with ID " << id
                << "; see 'repairbot technician list --all'\n";
    }
    if (rc != kExitOk) return rc;
    log::info("admin", "technician_changed", {{"technician_id", id}, {"change", what}});
    ctx.out << "technician " << id << ": " << done_message << "\n";
    return kExitOk;
}

// After a technician is disabled: the jobs still theirs (dispatched, accepted, on site), which
// nobody else does until a dispatcher moves them, and how. Prints nothing when there are none.
// The technician is disabled already: a failure to read their jobs is a warning, not a failed
// command.
int print_jobs_left(const CommandContext& ctx, std::uint64_t id) {
    namespace ts = store::ticket_status;
    constexpr std::uint32_t kMaxListed = 500;  // of each status
    std::vector<store::Ticket> left;
    bool cut = false;
    int rc = with_database(ctx, [&](sql::Connection& c) {
        for (const char* status : {ts::dispatched, ts::accepted, ts::arrived}) {
            store::TicketFilter filter;
            filter.technician_id = id;
            filter.status = status;
            filter.limit = kMaxListed;
            auto some = store::TicketRepository::list(c, filter);
            cut = cut || some.size() == kMaxListed;
            for (auto& t : some) left.push_back(std::move(t));
        }
        return kExitOk;
    });
    if (rc != kExitOk) {
        ctx.err << "repairbot technician: could not list the jobs still theirs; see "
                   "'repairbot ticket list --technician "
                << id << " --status accepted' (and dispatched, arrived)\n";
        return kExitOk;
    }
    if (left.empty()) return kExitOk;
    ctx.out << "still theirs (" << left.size()
            << (cut ? ", the first " + std::to_string(kMaxListed) + " of a status" : "") << "):";
    bool on_site = false;
    for (const auto& t : left) {
        ctx.out << " " << t.number << " " << t.status;
        on_site = on_site || t.status == ts::arrived;
    }
    ctx.out << "\n  give each to someone else: POST /api/tickets/{number}/dispatch ({} for "
               "whoever has room); one not accepted yet also goes elsewhere when its acceptance "
               "time runs out\n";
    if (on_site)
        ctx.out << "  a job on site (arrived) is finished by its technician: enable them again, off "
                   "duty so no new job reaches them, until they reply 完成 (repairbot technician "
                   "enable "
                << id << "; repairbot technician duty " << id << " off)\n";
    return kExitOk;
}

int technician_bind_code(const CommandContext& ctx, std::uint64_t id) {
    std::string code, failure;
    std::optional<store::Technician> tech;
    const Timestamp now = ctx.now;
    int rc = with_database(ctx, [&](sql::Connection& c) {
        auto t = store::TechnicianRepository::find_by_id(c, id);
        if (!t) {
            failure = "no technician with ID " + std::to_string(id) +
                      "; see 'repairbot technician list --all'";
            return kExitFailure;
        }
        if (!t->active) {
            failure = "technician " + std::to_string(id) + " is disabled; run 'repairbot " +
                      "technician enable " + std::to_string(id) + "' first";
            return kExitFailure;
        }
        auto fresh = store_bind_code(c, id, now);
        if (!fresh) {
            failure = fresh.error().message();
            return kExitFailure;
        }
        tech = std::move(*t);
        code = std::move(*fresh);
        return kExitOk;
    });
    if (!failure.empty()) ctx.err << "repairbot technician bind-code: " << failure << "\n";
    if (rc != kExitOk) return rc;
    log::info("admin", "bind_code_issued", {{"technician_id", id}});
    ctx.out << "technician " << id << ": " << tech->name
            << (tech->openid ? " (bound now; binding again moves them to the new WeChat account)"
                             : "")
            << "\n";
    print_bind_code(ctx, code);
    return kExitOk;
}

int run_technician(const CommandContext& ctx) {
    const auto& args = ctx.cl.args;
    const std::string verb = args.empty() ? "" : args[0];
    if (verb == "add") return technician_add(ctx);
    if (verb == "list") return technician_list(ctx);
    if (verb == "disable" || verb == "enable" || verb == "bind-code" || verb == "duty") {
        if (!ctx.cl.options.empty())
            return usage_error(
                ctx, "technician " + verb + ": unknown option --" + ctx.cl.options.begin()->first);
        auto id = technician_id_arg(ctx, verb, verb == "duty" ? 3 : 2);
        if (!id) return kExitUsage;
        if (verb == "bind-code") return technician_bind_code(ctx, *id);
        if (verb == "duty") {
            const std::string state = args.size() > 2 ? args[2] : "";
            if (state != "on" && state != "off")
                return usage_error(ctx, "technician duty: say 'on' or 'off' after the ID");
            const bool on = state == "on";
            return technician_change(
                ctx, *id, [on](store::Technician& t) { t.on_duty = on; },
                on ? "duty_on" : "duty_off", on ? "on duty" : "off duty");
        }
        const bool enable = verb == "enable";
        const int rc = technician_change(
            ctx, *id, [enable](store::Technician& t) { t.active = enable; },
            enable ? "enabled" : "disabled",
            enable ? "enabled" : "disabled (kept for history; gets no new jobs)");
        return rc != kExitOk || enable ? rc : print_jobs_left(ctx, *id);
    }
    return usage_error(ctx, verb.empty() ? "technician: say what to do"
                                         : "technician: unknown command '" + verb + "'");
}

int ticket_list(const CommandContext& ctx) {
    if (ctx.cl.args.size() > 1)
        return usage_error(ctx, "ticket list: unexpected argument '" + ctx.cl.args[1] + "'");
    Options filters = ctx.cl.options;
    const bool json = filters.erase("json") > 0;
    if (json && !ctx.cl.options.at("json").empty())
        return usage_error(ctx, "ticket list: --json takes no value");
    auto filter = parse_ticket_filter(filters, "--");
    if (!filter) return usage_error(ctx, "ticket list: " + filter.error().detail);
    auto sla = load_sla(ctx);
    if (!sla) return kExitUsage;
    std::vector<TicketView> views;
    int rc = with_database(ctx, [&views, f = *filter](sql::Connection& c) {
        views = load_ticket_views(c, f);
        return kExitOk;
    });
    if (rc != kExitOk) return rc;
    if (json) {
        auto array = nlohmann::ordered_json::array();
        for (const auto& v : views) array.push_back(ticket_json(v, *sla, ctx.now));
        ctx.out << dump_json(array, 2) << "\n";
    } else {
        ctx.out << ticket_table(views);
    }
    ctx.out.flush();
    return kExitOk;
}

int ticket_show(const CommandContext& ctx) {
    if (auto bad = check_options(ctx.cl.options, {"json"}, {"json"}))
        return usage_error(ctx, "ticket show: " + *bad);
    if (ctx.cl.args.size() < 2)
        return usage_error(ctx, "ticket show: give the ticket number, e.g. BX20261121-0007");
    if (ctx.cl.args.size() > 2)
        return usage_error(ctx, "ticket show: unexpected argument '" + ctx.cl.args[2] + "'");
    auto sla = load_sla(ctx);
    if (!sla) return kExitUsage;
    const std::string number = ctx.cl.args[1];
    std::optional<TicketView> view;
    int rc = with_database(ctx, [&view, &number](sql::Connection& c) {
        auto v = load_ticket_view(c, number);
        if (!v) return kExitFailure;
        view = std::move(*v);
        return kExitOk;
    });
    if (rc != kExitOk) {
        if (!view) ctx.err << "repairbot ticket show: no ticket numbered " << number << "\n";
        return rc;
    }
    if (ctx.cl.options.count("json"))
        ctx.out << dump_json(ticket_json(*view, *sla, ctx.now), 2) << "\n";
    else
        ctx.out << ticket_report(*view, *sla, ctx.now);
    ctx.out.flush();
    return kExitOk;
}

int ticket_amend(const CommandContext& ctx) {
    if (auto bad = check_options(ctx.cl.options, {"address", "phone", "name", "by"}, {}))
        return usage_error(ctx, "ticket amend: " + *bad);
    if (ctx.cl.args.size() < 2)
        return usage_error(ctx, "ticket amend: give the ticket number, e.g. BX20261121-0007");
    if (ctx.cl.args.size() > 2)
        return usage_error(ctx, "ticket amend: unexpected argument '" + ctx.cl.args[2] + "'");
    const auto& o = ctx.cl.options;
    TicketAmendment amendment;
    if (o.count("address")) amendment.address = o.at("address");
    if (o.count("phone")) amendment.phone = o.at("phone");
    if (o.count("name")) amendment.name = o.at("name");
    if (!amendment.address && !amendment.phone && !amendment.name)
        return usage_error(ctx, "ticket amend: say what to correct: --address, --phone or --name");
    auto by = check_by(o.count("by") ? o.at("by") : "", "--");
    if (!by) return usage_error(ctx, "ticket amend: " + by.error().detail);
    amendment.by = std::move(*by);
    auto data = config::load_dialog_data(ctx.settings.data_dir);
    if (!data) {
        ctx.err << "repairbot ticket amend: the desk's data files in " << ctx.settings.data_dir
                << " (REPAIRBOT_DATA_DIR) are not valid: " << data.error().detail << "\n";
        return kExitUsage;
    }
    auto notices = load_notices(ctx);
    if (!notices) return kExitUsage;
    const std::string number = ctx.cl.args[1];
    std::optional<Result<TicketAmended>> done;
    int rc = with_database(ctx, [&](sql::Connection& c) {
        done.emplace(amend_ticket(c, data->catalog, *notices, number, amendment, ctx.now));
        return kExitOk;
    });
    if (rc != kExitOk) return rc;
    if (!*done) {
        const auto& e = done->error();
        if (e.code == store::StoreErrc::not_found)
            ctx.err << "repairbot ticket amend: no ticket numbered " << number << "\n";
        else if (e.code == std::errc::invalid_argument)
            return usage_error(ctx, "ticket amend: " + e.detail);
        else
            ctx.err << "repairbot ticket amend: " << e.message() << "\n";
        return kExitFailure;
    }
    const auto& amended = **done;
    if (amended.changes.empty()) {
        ctx.out << "ticket " << number << ": nothing to correct (it says so already)\n";
        return kExitOk;
    }
    log::info("admin", "ticket_amended", {{"number", number}, {"changes", amended.changes.size()}});
    ctx.out << "ticket " << number << " corrected:\n";
    for (const auto& line : amended.changes) ctx.out << "  " << line << "\n";
    ctx.out << (amended.technician_told ? "the technician with the job was told\n"
                                        : "no technician to tell (not with anyone on the job)\n");
    if (const auto& elsewhere = amended.technician_elsewhere)
        ctx.out << "note: " << elsewhere->name << " (technician " << elsewhere->id
                << ") does not serve building " << amended.ticket.building
                << "; the job is still theirs. To move it: POST /api/tickets/" << number
                << "/dispatch ({} for whoever has room, or {\"technician_id\": N})\n";
    ctx.out.flush();
    return kExitOk;
}

int run_ticket(const CommandContext& ctx) {
    const std::string verb = ctx.cl.args.empty() ? "" : ctx.cl.args[0];
    if (verb == "list") return ticket_list(ctx);
    if (verb == "show") return ticket_show(ctx);
    if (verb == "amend") return ticket_amend(ctx);
    return usage_error(
        ctx, verb.empty() ? "ticket: say what to do" : "ticket: unknown command '" + verb + "'");
}

}  // namespace

std::string_view admin_usage() {
    return kUsage;
}

std::string bind_code_from_bytes(std::span<const unsigned char> random) {
    static_assert(kBindCodeAlphabet.size() == 32, "one byte's low 5 bits pick a symbol");
    std::string code;
    code.reserve(random.size());
    for (unsigned char b : random) code += kBindCodeAlphabet[b & 0x1F];
    return code;
}

std::string new_bind_code() {
    std::array<unsigned char, kBindCodeLength> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
        throw std::runtime_error("RAND_bytes failed: no bind code could be made");
    return bind_code_from_bytes(bytes);
}

std::vector<std::string> catalog_trades(const dialog::FaultCatalog& catalog) {
    std::vector<std::string> out;
    for (const auto& type : catalog.types()) {
        if (!type.trade.empty() && std::find(out.begin(), out.end(), type.trade) == out.end())
            out.push_back(type.trade);
    }
    return out;
}

Result<store::Technician> technician_from_options(const Options& options,
                                                  const std::vector<std::string>& known_trades) {
    static const std::set<std::string> allowed{"name",     "phone",      "trades",     "buildings",
                                               "capacity", "supervisor", "dispatcher", "manager"};
    static const std::set<std::string> flags{"supervisor", "dispatcher", "manager"};
    if (auto bad = check_options(options, allowed, flags)) return invalid(*bad);
    auto value = [&options](const char* name) -> std::optional<std::string> {
        auto it = options.find(name);
        if (it == options.end()) return std::nullopt;
        return trim(it->second);
    };

    store::Technician t;
    auto name = value("name");
    if (!name || name->empty())
        return invalid(
            "--name is required: the technician's name as owners will see it, e.g. "
            "--name 张师傅");
    if (name->size() > 64) return invalid("--name: at most 64 bytes (about 20 Chinese characters)");
    t.name = *name;

    auto phone = value("phone");
    if (!phone || phone->empty())
        return invalid(
            "--phone is required: the technician's mobile, 11 digits, e.g. "
            "--phone 13800138000");
    if (!dialog::is_valid_mobile(*phone))
        return invalid("--phone: '" + *phone +
                       "' is not a Chinese mobile number; give 11 digits starting 13-19 without "
                       "spaces or +86, e.g. --phone 13800138000");
    t.phone = *phone;

    const std::string known = join(known_trades, ",");
    auto trades = value("trades");
    if (!trades || split_items(*trades).empty())
        return invalid(
            "--trades is required: the trades they take, comma-separated, from the "
            "fault catalog (" +
            known + "), e.g. --trades 水,电");
    for (const auto& trade : split_items(*trades)) {
        if (std::find(known_trades.begin(), known_trades.end(), trade) == known_trades.end())
            return invalid("--trades: '" + trade +
                           "' is not a trade of the fault catalog (faults.toml); use " + known);
        t.trades.push_back(trade);
    }

    if (auto buildings = value("buildings")) {
        t.buildings = split_items(*buildings);
        if (t.buildings.empty())
            return invalid(
                "--buildings: empty; leave it out for every building, or list them, "
                "e.g. --buildings 1,2,3");
        if (store::join_list(t.buildings).size() > 255)
            return invalid("--buildings: the list is too long (255 bytes at most)");
    }

    if (auto capacity = value("capacity")) {
        auto n = parse_id(*capacity);
        if (!n || *n > 50)
            return invalid("--capacity: '" + *capacity +
                           "' must be a whole number from 1 to 50 (open jobs at once)");
        t.capacity = static_cast<std::uint32_t>(*n);
    }
    t.is_supervisor = options.count("supervisor") > 0;
    t.is_dispatcher = options.count("dispatcher") > 0;
    t.is_manager = options.count("manager") > 0;
    return t;
}

std::string technician_table(const std::vector<store::Technician>& technicians) {
    std::vector<std::vector<std::string>> rows{{"ID", "NAME", "PHONE", "TRADES", "BUILDINGS",
                                                "ON DUTY", "CAPACITY", "ROLES", "BOUND", "ACTIVE"}};
    for (const auto& t : technicians) {
        rows.push_back({std::to_string(t.id), t.name, t.phone, join(t.trades, ","),
                        t.buildings.empty() ? "all" : join(t.buildings, ","),
                        t.on_duty ? "yes" : "no", std::to_string(t.capacity), roles_of(t),
                        t.openid ? "yes" : "no", t.active ? "yes" : "no"});
    }
    std::string out = render_table(rows);
    if (technicians.empty()) out += "(no technicians)\n";
    return out;
}

std::string ticket_table(const std::vector<TicketView>& tickets) {
    std::vector<std::vector<std::string>> rows{
        {"NUMBER", "CREATED", "STATUS", "URGENCY", "FAULT", "TECHNICIAN", "ADDRESS"}};
    for (const auto& v : tickets) {
        const auto& t = v.ticket;
        std::string tech = "-";
        if (v.technician)
            tech = std::to_string(v.technician->id) + " " + v.technician->name;
        else if (t.technician_id)
            tech = std::to_string(*t.technician_id);
        rows.push_back({t.number, iso_datetime(t.created_at), t.status, t.urgency, t.fault_type,
                        tech, t.address});
    }
    std::string out = render_table(rows);
    out += tickets.empty() ? "(no tickets)\n"
                           : "(" + std::to_string(tickets.size()) + " tickets, newest first)\n";
    return out;
}

std::string ticket_report(const TicketView& view, const config::SlaData& sla, Timestamp now) {
    const auto& t = view.ticket;
    std::ostringstream o;
    auto field = [&o](std::string_view name, const std::string& value) {
        o << "  " << name << std::string(14 - std::min<std::size_t>(14, name.size()), ' ')
          << (value.empty() ? "-" : value) << "\n";
    };
    o << "ticket " << t.number << "\n";
    field("status", t.status);
    field("urgency", t.first_urgency
                         ? t.urgency + " (raised by a reopen; the first visit's limits: " +
                               *t.first_urgency + ")"
                         : t.urgency);
    field("fault", t.fault_type + (t.trade.empty() ? "" : " (" + t.trade + ")"));
    field("address", t.address);
    field("public area", t.public_area ? "yes" : "no");
    field("description", t.description);
    field("reporter", t.reporter_name);
    field("phone", t.phone);
    field("owner openid", t.owner_openid);
    if (view.technician)
        field("technician", std::to_string(view.technician->id) + " " + view.technician->name +
                                " " + view.technician->phone);
    else
        field("technician", t.technician_id ? std::to_string(*t.technician_id) : "");
    field("fee", yuan(t.fee_cents));
    if (t.quote_cents || t.quote_status != "none")
        field("quote", yuan(t.quote_cents) + " (" + t.quote_status + ")");
    field("reopened", std::to_string(t.reopen_count));
    field("created", iso_datetime(t.created_at));
    if (t.preferred_from)
        field("booked", time_or_dash(t.preferred_from) + " .. " + time_or_dash(t.preferred_to));
    if (!t.done_note.empty()) field("done note", t.done_note);
    if (!t.cancel_reason.empty()) field("cancelled", t.cancel_reason);
    if (!t.push_error.empty()) field("push error", t.push_error);

    o << "stages\n";
    std::vector<std::vector<std::string>> stages{{"  STAGE", "DEADLINE", "MET", "SLA"}};
    for (auto stage : dialog::all_stages) {
        if (stage == dialog::Stage::quote && !t.due.quote && !t.late.quote) continue;
        stages.push_back({"  " + std::string(dialog::to_string(stage)),
                          time_or_dash(ticket_stage(t, stage).due),
                          time_or_dash(ticket_stage(t, stage).met),
                          std::string(stage_sla_label(t, stage, sla, now))});
    }
    o << render_table(stages);
    if (stage_pending(t, dialog::Stage::accept) && stage_met(t, dialog::Stage::accept))
        o << "  (handed over after an acceptance on record: waiting for the technician it is "
             "with now to accept by "
          << time_or_dash(stage_due(t, dialog::Stage::accept)) << ")\n";
    if (t.reopen_count == 0 && t.due.finish != ticket_stage(t, dialog::Stage::finish).due)
        o << "  (finish missed: promised anew by " << time_or_dash(t.due.finish) << ")\n";
    if (t.revisit.reopened) {
        o << "  (the first visit's times and verdicts, as the figures count them; the revisit's "
             "below)\n";
        o << "revisit (返修 " << t.reopen_count << ", reopened " << time_or_dash(t.revisit.reopened)
          << ")\n";
        std::vector<std::vector<std::string>> rows{{"  STAGE", "DEADLINE", "MET", "SLA"}};
        for (auto stage : revisit_stages)
            rows.push_back({"  " + std::string(dialog::to_string(stage)),
                            time_or_dash(stage_due(t, stage)), time_or_dash(stage_met(t, stage)),
                            std::string(revisit_sla_label(t, stage, sla, now))});
        o << render_table(rows);
    }

    o << "photos\n";
    if (!view.photos || view.photos->empty())
        o << "  (none)\n";
    else {
        std::vector<std::vector<std::string>> rows{{"  MEDIA ID", "STATUS", "STORED / PIC URL"}};
        for (const auto& p : *view.photos)
            rows.push_back(
                {"  " + p.media_id, p.status, p.stored_path.empty() ? p.pic_url : p.stored_path});
        o << render_table(rows);
    }

    o << "events\n";
    if (!view.events || view.events->empty())
        o << "  (none)\n";
    else {
        std::vector<std::vector<std::string>> rows{{"  AT", "ACTOR", "TYPE", "DETAIL"}};
        for (const auto& e : *view.events) {
            std::string actor = e.actor + (e.actor_role.empty() ? "" : " (" + e.actor_role + ")");
            rows.push_back(
                {"  " + iso_datetime(e.at), actor, e.type, e.details == "{}" ? "" : e.details});
        }
        o << render_table(rows);
    }
    return o.str();
}

int run_admin(const config::Settings& settings, const CommandLine& cl) {
    return run_admin(settings, cl, system_now(), std::cout, std::cerr);
}

int run_admin(const config::Settings& settings, const CommandLine& cl, Timestamp now,
              std::ostream& out, std::ostream& err) {
    const CommandContext ctx{settings, cl, now, out, err, kUsage, "admin"};
    if (cl.command == "technician") return run_technician(ctx);
    if (cl.command == "ticket") return run_ticket(ctx);
    return usage_error(ctx, "not an admin command");
}

}  // namespace repairbot::bot
