#include "bot/admin_api.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <memory>
#include <set>
#include <system_error>

#include "bot/stats.h"
#include "bot/stats_command.h"
#include "bot/ticket_stages.h"
#include "bot/timer_plan.h"
#include "dialog/sla_policy.h"
#include "store/errors.h"
#include "store/photo_repository.h"
#include "store/technician_repository.h"

namespace repairbot::bot {
namespace {

namespace asio = boost::asio;
namespace chr = std::chrono;
using store::Timestamp;

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

Error invalid(std::string detail) {
    return Error{std::make_error_code(std::errc::invalid_argument), std::move(detail)};
}

const std::set<std::string>& known_statuses() {
    static const std::set<std::string> s{
        store::ticket_status::new_,     store::ticket_status::dispatched,
        store::ticket_status::accepted, store::ticket_status::arrived,
        store::ticket_status::done,     store::ticket_status::confirmed,
        store::ticket_status::rated,    store::ticket_status::closed,
        store::ticket_status::cancelled};
    return s;
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

nlohmann::ordered_json yuan_or_null(const std::optional<std::uint32_t>& cents) {
    if (!cents) return nullptr;
    return static_cast<double>(*cents) / 100.0;
}

using bot::seconds_of;  // beside this overload for times that may be missing
std::optional<chr::sys_seconds> seconds_of(const std::optional<Timestamp>& t) {
    if (!t) return std::nullopt;
    return seconds_of(*t);
}

// The deadline the policy gives a stage of a ticket that has none stored (made before the SLA
// engine stored deadlines, or before start_stage_clocks covered every milestone); nullopt
// while the stage's clock has not started.
std::optional<Timestamp> policy_due(const store::Ticket& t, dialog::Stage stage,
                                    const config::SlaData& sla, Timestamp now) {
    dialog::TicketFacts facts;
    // The figures' stages are the first visit's: in the urgency it had before a reopen raised it.
    facts.urgency = dialog::urgency_from_string(t.first_urgency.value_or(t.urgency))
                        .value_or(dialog::Urgency::normal);
    facts.public_area = t.public_area;
    facts.booked_visit = booked_visit_of(t);
    dialog::Milestones m;
    m.received = seconds_of(t.created_at);
    m.dispatched = seconds_of(t.at.dispatched);
    m.accepted = seconds_of(t.at.accepted);
    m.quoted = seconds_of(t.at.quoted);
    m.arrived = seconds_of(t.at.arrived);
    m.finished = seconds_of(t.at.done);
    for (const auto& s :
         dialog::sla_overview(sla.policy, sla.calendar, facts, m, seconds_of(now))) {
        if (s.stage == stage && s.deadline) return Timestamp{s.deadline->due};
    }
    return std::nullopt;
}

std::optional<Timestamp> stopped_at(const store::Ticket& t) {
    if (t.at.cancelled) return t.at.cancelled;
    return t.at.closed;
}

struct RouteState {
    store::MysqlPool* mysql;
    const config::SlaData* sla;
    std::string token;
    AdminClock clock;

    [[nodiscard]] Timestamp now() const { return chr::time_point_cast<chr::milliseconds>(clock()); }
};


// Free coroutines with by-value parameters: nothing they use lives in a lambda's captures.
asio::awaitable<Response> serve_ticket_list(Request req, std::shared_ptr<const RouteState> state) {
    if (auto refused = refuse_unauthorized(req, state->token)) co_return std::move(*refused);
    auto values = query_values(req.target());
    if (!values) co_return json_error(req, http::status::bad_request, values.error().detail);
    auto filter = parse_ticket_filter(*values, "");
    if (!filter) co_return json_error(req, http::status::bad_request, filter.error().detail);

    auto work = [f = *filter](sql::Connection& c) { return load_ticket_views(c, f); };
    std::vector<TicketView> views = co_await state->mysql->run(std::move(work));
    const Timestamp now = state->now();
    auto out = nlohmann::ordered_json::array();
    for (const auto& v : views) out.push_back(ticket_json(v, *state->sla, now));
    co_return json_response(req, http::status::ok, dump_json(out, -1) + "\n");
}

asio::awaitable<Response> serve_ticket(Request req, std::shared_ptr<const RouteState> state) {
    if (auto refused = refuse_unauthorized(req, state->token)) co_return std::move(*refused);
    constexpr std::string_view prefix = "/api/tickets/";
    const std::string number = percent_decode(target_path(req.target()).substr(prefix.size()));
    // Numbers are short (BX20261121-0007); anything long cannot be one.
    if (number.size() > 32) {
        co_return json_error(req, http::status::not_found, "no ticket with this number");
    }
    auto work = [number](sql::Connection& c) { return load_ticket_view(c, number); };
    Result<TicketView> view = co_await state->mysql->run(std::move(work));
    if (!view) {
        co_return json_error(req, http::status::not_found, "no ticket numbered " + number);
    }
    co_return json_response(req, http::status::ok,
                            dump_json(ticket_json(*view, *state->sla, state->now()), -1) + "\n");
}

}  // namespace

nlohmann::ordered_json time_or_null(const std::optional<Timestamp>& t) {
    if (!t) return nullptr;
    return iso_datetime(*t);
}

Result<std::map<std::string, std::string>> query_values(std::string_view target) {
    std::map<std::string, std::string> out;
    auto q = target.find('?');
    if (q == std::string_view::npos) return out;
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
        auto amp = rest.find('&');
        auto pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (pair.empty()) continue;
        auto eq = pair.find('=');
        auto name = percent_decode(pair.substr(0, eq));
        auto value =
            eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1));
        if (!out.emplace(name, std::move(value)).second)
            return invalid(name + ": given more than once; give each filter once");
    }
    return out;
}

Response json_error(const Request& req, http::status status, std::string_view message) {
    nlohmann::ordered_json body{{"error", message}};
    return json_response(req, status, dump_json(body, -1) + "\n");
}

Result<nlohmann::ordered_json> json_object(std::string_view body, const std::set<std::string>& known) {
    auto j = nlohmann::ordered_json::parse(body, nullptr, false);
    if (j.is_discarded())
        return Error{std::make_error_code(std::errc::invalid_argument),
                     "the body is not valid JSON; send a JSON object with this request's fields"};
    if (!j.is_object())
        return Error{std::make_error_code(std::errc::invalid_argument),
                     "the body must be a JSON object, not " + std::string(j.type_name())};
    for (const auto& [key, value] : j.items()) {
        if (known.count(key)) continue;
        std::string names;
        for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
        return Error{std::make_error_code(std::errc::invalid_argument),
                     key + ": not a field of this request; use " + names};
    }
    return j;
}

std::string ticket_number_in_path(const Request& req, std::string_view suffix) {
    constexpr std::string_view prefix = "/api/tickets/";
    const std::string_view path = target_path(req.target());
    if (!path.starts_with(prefix) || !path.ends_with(suffix) ||
        path.size() < prefix.size() + suffix.size())
        return {};
    auto number = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    if (number.empty() || number.size() > 32) return {};
    for (char c : number)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return {};
    return std::string(number);
}

Response error_response(const Request& req, const Error& e) {
    auto status = http::status::conflict;
    if (e.code == std::errc::invalid_argument) status = http::status::bad_request;
    if (e.code == store::StoreErrc::not_found) status = http::status::not_found;
    if (e.code == std::errc::resource_unavailable_try_again) status = http::status::service_unavailable;
    return json_error(req, status, e.detail.empty() ? e.code.message() : e.detail);
}

std::optional<Response> refuse_unauthorized(const Request& req, std::string_view token) {
    if (token.empty()) {
        return json_error(req, http::status::forbidden,
                          "the admin API is disabled (REPAIRBOT_ADMIN_TOKEN is not set)");
    }
    if (!bearer_token_matches(req[http::field::authorization], token)) {
        auto res = json_error(req, http::status::unauthorized,
                              "a valid 'Authorization: Bearer <admin token>' header is required");
        res.set(http::field::www_authenticate, "Bearer");
        return res;
    }
    return std::nullopt;
}

std::string iso_datetime(Timestamp t) {
    const auto local = chr::floor<chr::seconds>(t) + store::desk_utc_offset;
    const auto day = chr::floor<chr::days>(local);
    const chr::year_month_day ymd{day};
    const chr::hh_mm_ss hms{local - day};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d+08:00",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
    return buf;
}

std::optional<Timestamp> parse_iso_datetime(std::string_view s) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, ms = 0;
    if (s.size() < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 0, 4, y) ||
        !digits(s, 5, 2, mo) || !digits(s, 8, 2, d)) {
        return std::nullopt;
    }
    const chr::year_month_day ymd{chr::year{y}, chr::month{static_cast<unsigned>(mo)},
                                  chr::day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;
    chr::minutes offset = store::desk_utc_offset;
    std::size_t i = 10;
    if (i < s.size()) {
        if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return std::nullopt;
        if (s.size() < i + 6 || !digits(s, i + 1, 2, h) || s[i + 3] != ':' ||
            !digits(s, i + 4, 2, mi)) {
            return std::nullopt;
        }
        i += 6;
        if (i < s.size() && s[i] == ':') {
            if (!digits(s, i + 1, 2, se)) return std::nullopt;
            i += 3;
            if (i < s.size() && s[i] == '.') {
                std::size_t n = 0;
                int scale = 100;
                for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++n) {
                    ms += (s[i] - '0') * scale;
                    scale /= 10;
                }
                if (n == 0 || n > 9) return std::nullopt;
            }
        }
        if (h > 23 || mi > 59 || se > 59) return std::nullopt;
        if (i < s.size()) {
            const char sign = s[i];
            int oh = 0, om = 0;
            if ((sign == 'Z' || sign == 'z') && i + 1 == s.size()) {
                offset = chr::minutes{0};
            } else if ((sign == '+' || sign == '-' || sign == ' ') && s.size() == i + 6 &&
                       digits(s, i + 1, 2, oh) && s[i + 3] == ':' && digits(s, i + 4, 2, om) &&
                       oh <= 14 && om <= 59) {
                offset = chr::minutes{oh * 60 + om} * (sign == '-' ? -1 : 1);
            } else {
                return std::nullopt;
            }
        }
    }
    return Timestamp{chr::sys_days{ymd}} + chr::hours{h} + chr::minutes{mi} + chr::seconds{se} +
           chr::milliseconds{ms} - offset;
}

Result<store::TicketFilter> parse_ticket_filter(const std::map<std::string, std::string>& values,
                                                std::string_view prefix) {
    const std::string p(prefix);
    store::TicketFilter f;
    f.limit = kDefaultTicketListLimit;
    for (const auto& [name, value] : values) {
        if (name == "status") {
            if (!known_statuses().count(value))
                return invalid(p + "status: '" + value +
                               "' is not a status; use one of new, dispatched, accepted, arrived, "
                               "done, confirmed, rated, closed, cancelled");
            f.status = value;
        } else if (name == "urgency") {
            if (!dialog::urgency_from_string(value))
                return invalid(p + "urgency: '" + value +
                               "' is not an urgency; use emergency, normal or planned");
            f.urgency = value;
        } else if (name == "technician") {
            auto id = parse_u64(value);
            if (!id || *id == 0)
                return invalid(p + "technician: '" + value +
                               "' is not a technician id; give the number 'technician list' shows");
            f.technician_id = *id;
        } else if (name == "openid") {
            if (value.empty()) return invalid(p + "openid: empty; give the owner's openid");
            f.owner_openid = value;
        } else if (name == "from" || name == "to") {
            auto t = parse_iso_datetime(value);
            if (!t)
                return invalid(p + name + ": '" + value +
                               "' is not a date; write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS+08:00");
            (name == "from" ? f.from : f.to) = *t;
        } else if (name == "limit") {
            auto n = parse_u64(value);
            if (!n || *n < 1 || *n > kMaxTicketListLimit)
                return invalid(p + "limit: '" + value + "' must be a whole number from 1 to " +
                               std::to_string(kMaxTicketListLimit));
            f.limit = static_cast<std::uint32_t>(*n);
        } else {
            return invalid(p + name +
                           ": unknown filter; use status, urgency, technician, openid, from, to "
                           "or limit");
        }
    }
    if (f.from && f.to && *f.to <= *f.from)
        return invalid(p + "to: must be after " + p + "from (the range is [from, to))");
    return f;
}

store::StatsStageFacts ticket_stage(const store::Ticket& t, dialog::Stage stage) {
    switch (stage) {
        case dialog::Stage::dispatch:
            return {t.due.dispatch, t.at.dispatched, t.late.dispatch};
        case dialog::Stage::accept:
            return {t.due.accept, t.at.accepted, t.late.accept};
        case dialog::Stage::quote:
            return {t.due.quote, t.at.quoted, t.late.quote};
        case dialog::Stage::arrive:
            return {t.due.arrive, t.at.arrived, t.late.arrive};
        case dialog::Stage::finish:
            // The first visit's (store::FirstFinish), whatever a breach or a reopen moved.
            return {t.first_finish.due ? t.first_finish.due : t.due.finish,
                    t.first_finish.done ? t.first_finish.done : t.at.done, t.late.finish};
    }
    return {};
}

namespace {
std::string_view sla_label(const store::StatsStageFacts& facts, const store::Ticket& t,
                           Timestamp now) {
    auto verdict = stage_verdict(facts, now, stopped_at(t));
    if (!verdict) return "pending";
    return dialog::to_string(*verdict);
}
}  // namespace

std::string_view stage_sla_label(const store::Ticket& t, dialog::Stage stage,
                                 const config::SlaData& sla, Timestamp now) {
    auto facts = ticket_stage(t, stage);
    if (!facts.due && !facts.late) facts.due = policy_due(t, stage, sla, now);
    return sla_label(facts, t, now);
}

std::string_view revisit_sla_label(const store::Ticket& t, dialog::Stage stage,
                                   const config::SlaData& sla, Timestamp now) {
    store::StatsStageFacts facts{stage_due(t, stage), stage_met(t, stage), stage_late(t, stage)};
    if (!facts.due && !facts.late) facts.due = revisit_deadline(t, stage, sla);
    return sla_label(facts, t, now);
}

namespace {
// The last reopen's visit: when reopened, accepted and attended again, and per revisited stage
// its deadline and its verdict against it (the figures' verdicts stay the first visit's).
nlohmann::ordered_json revisit_json(const store::Ticket& t, const config::SlaData& sla,
                                    Timestamp now) {
    using J = nlohmann::ordered_json;
    J deadlines = J::object(), verdicts = J::object();
    for (auto stage : revisit_stages) {
        const std::string name(dialog::to_string(stage));
        deadlines[name] = time_or_null(stage_due(t, stage));
        verdicts[name] = std::string(revisit_sla_label(t, stage, sla, now));
    }
    return J{{"reopened", time_or_null(t.revisit.reopened)},
             {"accepted", time_or_null(t.revisit.accepted)},
             {"arrived", time_or_null(t.revisit.arrived)},
             {"deadlines", std::move(deadlines)},
             {"sla", std::move(verdicts)}};
}
}  // namespace

nlohmann::ordered_json ticket_json(const TicketView& view, const config::SlaData& sla,
                                   Timestamp now) {
    using J = nlohmann::ordered_json;
    const store::Ticket& t = view.ticket;
    J j;
    j["number"] = t.number;
    j["status"] = t.status;
    j["urgency"] = t.urgency;
    j["first_urgency"] = t.first_urgency ? J(*t.first_urgency) : J(nullptr);
    j["fault_type"] = t.fault_type;
    j["trade"] = t.trade;
    j["address"] = t.address;
    j["building"] = t.building;
    j["unit"] = t.unit;
    j["room"] = t.room;
    j["area"] = t.area;
    j["public_area"] = t.public_area;
    j["description"] = t.description;
    j["reporter_name"] = t.reporter_name;
    j["phone"] = t.phone;
    j["owner_openid"] = t.owner_openid;
    if (view.technician) {
        j["technician"] = J{{"id", view.technician->id},
                            {"name", view.technician->name},
                            {"phone", view.technician->phone}};
    } else if (t.technician_id) {
        j["technician"] = J{{"id", *t.technician_id}, {"name", nullptr}, {"phone", nullptr}};
    } else {
        j["technician"] = nullptr;
    }
    j["fee"] = yuan_or_null(t.fee_cents);
    j["paid"] = t.paid;
    j["quote"] = yuan_or_null(t.quote_cents);
    j["quote_status"] = t.quote_status;
    j["reopen_count"] = t.reopen_count;
    j["created_at"] = iso_datetime(t.created_at);
    j["updated_at"] = iso_datetime(t.updated_at);
    j["preferred_from"] = time_or_null(t.preferred_from);
    j["preferred_to"] = time_or_null(t.preferred_to);
    j["times"] = J{
        {"received", iso_datetime(t.created_at)},    {"dispatched", time_or_null(t.at.dispatched)},
        {"accepted", time_or_null(t.at.accepted)},   {"arrived", time_or_null(t.at.arrived)},
        {"quoted", time_or_null(t.at.quoted)},       {"done", time_or_null(t.at.done)},
        {"confirmed", time_or_null(t.at.confirmed)}, {"rated", time_or_null(t.at.rated)},
        {"closed", time_or_null(t.at.closed)},       {"cancelled", time_or_null(t.at.cancelled)},
        {"quote_asked", time_or_null(t.quote_asked_at)}};  // the owner last asked about the quote
    J deadlines = J::object();
    J verdicts = J::object();
    for (auto stage : figure_stages) {
        const std::string name(dialog::to_string(stage));
        deadlines[name] = time_or_null(ticket_stage(t, stage).due);
        verdicts[name] = std::string(stage_sla_label(t, stage, sla, now));
    }
    if (t.due.quote || t.late.quote) {  // only paid repairs off the price list
        deadlines["quote"] = time_or_null(t.due.quote);
        verdicts["quote"] = std::string(stage_sla_label(t, dialog::Stage::quote, sla, now));
    }
    j["deadlines"] = std::move(deadlines);
    j["sla"] = std::move(verdicts);
    // The finish deadline standing, when a breach (a new promised finish) or a reopen moved it
    // from the first visit's above.
    j["finish_due_now"] = t.due.finish != ticket_stage(t, dialog::Stage::finish).due
                              ? time_or_null(t.due.finish)
                              : J(nullptr);
    if (t.revisit.reopened) j["revisit"] = revisit_json(t, sla, now);
    // Whom the desk waits for now: the times and verdicts above are the first visit's, so a job
    // handed over after its acceptance shows an acceptance although its technician has none.
    j["awaiting_acceptance"] = stage_pending(t, dialog::Stage::accept)
                                   ? time_or_null(stage_due(t, dialog::Stage::accept))
                                   : J(nullptr);
    j["done_note"] = t.done_note;
    j["materials"] = t.materials;
    j["cancel_reason"] = t.cancel_reason;
    j["push_error"] = t.push_error;
    if (view.photos) {
        J photos = J::array();
        for (const auto& p : *view.photos) {
            photos.push_back(J{{"media_id", p.media_id},
                               {"status", p.status},
                               {"pic_url", p.pic_url},
                               {"stored_path", p.stored_path}});
        }
        j["photos"] = std::move(photos);
    }
    if (view.events) {
        J events = J::array();
        for (const auto& e : *view.events) {
            J detail = J::parse(e.details, nullptr, false);
            if (detail.is_discarded()) detail = e.details;
            events.push_back(J{{"at", iso_datetime(e.at)},
                               {"actor", e.actor},
                               {"actor_role", e.actor_role},
                               {"type", e.type},
                               {"detail", std::move(detail)}});
        }
        j["events"] = std::move(events);
    }
    return j;
}

std::string dump_json(const nlohmann::ordered_json& j, int indent) {
    return j.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Result<TicketView> load_ticket_view(sql::Connection& c, const std::string& number) {
    auto ticket = store::TicketRepository::find_by_number(c, number);
    if (!ticket) return ticket.error();
    TicketView v{std::move(*ticket), std::nullopt, std::nullopt, std::nullopt};
    if (v.ticket.technician_id) {
        auto tech = store::TechnicianRepository::find_by_id(c, *v.ticket.technician_id);
        if (tech) v.technician = std::move(*tech);
    }
    v.photos = store::PhotoRepository::for_ticket(c, v.ticket.id);
    v.events = store::TicketRepository::events(c, v.ticket.id);
    return v;
}

std::vector<TicketView> load_ticket_views(sql::Connection& c, const store::TicketFilter& filter) {
    std::map<std::uint64_t, std::optional<store::Technician>> technicians;
    std::vector<TicketView> out;
    for (auto& t : store::TicketRepository::list(c, filter)) {
        TicketView v{std::move(t), std::nullopt, std::nullopt, std::nullopt};
        if (auto id = v.ticket.technician_id) {
            auto it = technicians.find(*id);
            if (it == technicians.end()) {
                auto tech = store::TechnicianRepository::find_by_id(c, *id);
                it = technicians.emplace(*id, tech ? std::optional(std::move(*tech)) : std::nullopt)
                         .first;
            }
            v.technician = it->second;
        }
        out.push_back(std::move(v));
    }
    return out;
}

void add_admin_routes(Router& router, store::MysqlPool& mysql, const config::SlaData& sla,
                      std::string admin_token, AdminClock clock) {
    auto state = std::make_shared<const RouteState>(
        RouteState{&mysql, &sla, std::move(admin_token), std::move(clock)});
    router.add(http::verb::get, "/api/tickets",
               [state](Request req) { return serve_ticket_list(std::move(req), state); });
    router.add(http::verb::get, "/api/tickets/*",
               [state](Request req) { return serve_ticket(std::move(req), state); });
}

}  // namespace repairbot::bot
