#include "bot/callback_api.h"

#include <charconv>
#include <memory>
#include <optional>
#include <set>
#include <system_error>

#include "store/errors.h"
#include "store/feedback_repository.h"

namespace repairbot::bot {
namespace {

namespace asio = boost::asio;
namespace chr = std::chrono;
using J = nlohmann::ordered_json;
using store::Timestamp;

Error invalid(std::string detail) {
    return Error{std::make_error_code(std::errc::invalid_argument), std::move(detail)};
}

template <class T>
J or_null(const std::optional<T>& v) {
    if (!v) return nullptr;
    return *v;
}

std::optional<std::uint64_t> parse_id(std::string_view s) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || v == 0) return std::nullopt;
    return v;
}

Result<std::uint32_t> parse_limit(const std::map<std::string, std::string>& values,
                                  const std::string& prefix) {
    auto it = values.find("limit");
    if (it == values.end()) return kDefaultQueueListLimit;
    auto n = parse_id(it->second);
    if (!n || *n > kMaxQueueListLimit)
        return invalid(prefix + "limit: '" + it->second + "' is not a number from 1 to " +
                       std::to_string(kMaxQueueListLimit) + "; give one in that range");
    return static_cast<std::uint32_t>(*n);
}

// The body as a JSON object with only `known` keys, or why not.
// A string field: absent = "" (or an error when required), null = absent.
Result<std::string> string_field(const J& j, const char* key, bool required) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        if (required) return invalid(std::string(key) + ": is required; add it as a string");
        return std::string{};
    }
    if (!it->is_string())
        return invalid(std::string(key) + ": must be a string, not " + it->type_name());
    return it->get<std::string>();
}

// The answer a domain error of the desk gets.
struct RouteState {
    store::MysqlPool* mysql;
    const config::SlaData* sla;
    const config::Notices* notices;
    std::string token;
    AdminClock clock;
    CallbackRouteWatch watch;

    [[nodiscard]] Timestamp now() const { return chr::time_point_cast<chr::milliseconds>(clock()); }
};

// The {id} of "/api/<what>/{id}/<verb>".
std::optional<std::uint64_t> path_id(const Request& req, std::string_view prefix) {
    auto path = target_path(req.target());
    if (!path.starts_with(prefix)) return std::nullopt;
    auto rest = path.substr(prefix.size());
    return parse_id(rest.substr(0, rest.find('/')));
}

// Free coroutines with by-value parameters: nothing they use lives in a lambda's captures.
asio::awaitable<Response> serve_callback_list(Request req, std::shared_ptr<const RouteState> state) {
    if (auto refused = refuse_unauthorized(req, state->token)) co_return std::move(*refused);
    auto values = query_values(req.target());
    if (!values) co_return json_error(req, http::status::bad_request, values.error().detail);
    auto filter = parse_callback_filter(*values, "");
    if (!filter) co_return json_error(req, http::status::bad_request, filter.error().detail);
    auto work = [f = *filter](sql::Connection& c) {
        return store::CallbackQueueRepository::callbacks(c, f);
    };
    std::vector<store::CallbackEntry> rows = co_await state->mysql->run(std::move(work));
    auto out = J::array();
    for (const auto& r : rows) out.push_back(callback_json(r));
    co_return json_response(req, http::status::ok, dump_json(out, -1) + "\n");
}

asio::awaitable<Response> serve_callback_done(Request req, std::shared_ptr<const RouteState> state) {
    if (auto refused = refuse_unauthorized(req, state->token)) co_return std::move(*refused);
    auto id = path_id(req, "/api/callbacks/");
    if (!id) {
        co_return json_error(req, http::status::bad_request,
                             "the callback id in the path must be a number (GET /api/callbacks)");
    }
    auto report = parse_callback_done_body(req.body());
    if (!report) co_return json_error(req, http::status::bad_request, report.error().detail);
    auto work = [sla = state->sla, notices = state->notices, id = *id, r = *report,
                 now = state->now()](sql::Connection& c) {
        return mark_callback_done(c, *sla, notices, id, r, now);
    };
    Result<CallbackDone> done = co_await state->mysql->run(std::move(work));
    if (!done) co_return error_response(req, done.error());
    // The timers follow at once: the done callback's goes, a reopened ticket's deadlines start,
    // a closed one's reminders stop.
    if (state->watch.callback) {
        co_await state->watch.callback(done->callback.callback);
        if (done->complaint_callback) co_await state->watch.callback(*done->complaint_callback);
    }
    if (state->watch.ticket) {
        if (done->reopened) co_await state->watch.ticket(done->reopened->ticket);
        if (done->closed) co_await state->watch.ticket(*done->closed);
    }
    J body = callback_json(done->callback);
    if (done->reopened) {
        const auto& t = done->reopened->ticket;
        body["reopened"] = J{{"ticket", t.number},
                             {"status", t.status},
                             {"reopen_count", t.reopen_count},
                             {"complaint", or_null(done->reopened->complaint)}};
    }
    // "complaint" is the callback's own (callback_json); these are what recording it caused.
    if (done->complaint) body["complaint_filed"] = *done->complaint;
    if (done->reminded) body["complaint_reminded"] = *done->reminded;
    co_return json_response(req, http::status::ok, dump_json(body, -1) + "\n");
}

asio::awaitable<Response> serve_complaint_list(Request req,
                                               std::shared_ptr<const RouteState> state) {
    if (auto refused = refuse_unauthorized(req, state->token)) co_return std::move(*refused);
    auto values = query_values(req.target());
    if (!values) co_return json_error(req, http::status::bad_request, values.error().detail);
    auto filter = parse_complaint_filter(*values, "");
    if (!filter) co_return json_error(req, http::status::bad_request, filter.error().detail);
    auto work = [f = *filter](sql::Connection& c) {
        return store::CallbackQueueRepository::complaints(c, f.status, f.limit);
    };
    std::vector<store::ComplaintEntry> rows = co_await state->mysql->run(std::move(work));
    auto out = J::array();
    for (const auto& r : rows) out.push_back(complaint_json(r));
    co_return json_response(req, http::status::ok, dump_json(out, -1) + "\n");
}

asio::awaitable<Response> serve_complaint_handle(Request req,
                                                 std::shared_ptr<const RouteState> state) {
    if (auto refused = refuse_unauthorized(req, state->token)) co_return std::move(*refused);
    auto id = path_id(req, "/api/complaints/");
    if (!id) {
        co_return json_error(req, http::status::bad_request,
                             "the complaint id in the path must be a number (GET /api/complaints)");
    }
    auto handling = parse_complaint_handle_body(req.body());
    if (!handling) co_return json_error(req, http::status::bad_request, handling.error().detail);
    auto work = [sla = state->sla, id = *id, h = *handling, now = state->now()](sql::Connection& c) {
        return handle_complaint(c, *sla, id, h.by, h.resolution, now);
    };
    Result<ComplaintHandled> handled = co_await state->mysql->run(std::move(work));
    if (!handled) co_return error_response(req, handled.error());
    if (state->watch.callback && handled->callback)
        co_await state->watch.callback(*handled->callback);
    if (state->watch.ticket && handled->ticket_closed)
        co_await state->watch.ticket(*handled->ticket_closed);
    J body = complaint_json(handled->complaint);
    // The rated ticket that waited for this handling, closed with it (nothing left to call back).
    if (handled->ticket_closed) body["ticket_closed"] = handled->ticket_closed->number;
    co_return json_response(req, http::status::ok, dump_json(body, -1) + "\n");
}

}  // namespace

J callback_json(const store::CallbackEntry& e) {
    const auto& c = e.callback;
    return J{{"id", c.id},
             {"ticket", or_null(e.ticket_number)},
             {"enquiry_ticket", or_null(e.enquiry_ticket_number)},
             {"kind", c.kind},
             {"complaint", or_null(c.complaint_id)},
             {"owner", c.owner_openid ? J{{"openid", *c.owner_openid},
                                          {"name", e.owner_name.value_or("")},
                                          {"phone", e.owner_phone.value_or("")}}
                                      : J(nullptr)},
             {"due_at", iso_datetime(c.due_at)},
             {"done_at", time_or_null(c.done_at)},
             {"outcome", or_null(c.outcome)},
             {"notes", c.notes},
             {"done_by", c.done_by}};
}

J complaint_json(const store::ComplaintEntry& e) {
    const auto& c = e.complaint;
    return J{{"id", c.id},
             {"ticket", or_null(e.ticket_number)},
             {"source", c.source},
             {"severity", c.severity},
             {"text", c.text},
             {"status", c.status},
             {"created_at", iso_datetime(c.created_at)},
             {"handled_at", time_or_null(c.handled_at)},
             {"handled_by", c.handled_by},
             {"resolution", c.resolution},
             {"reminders", c.reminders},
             {"reminded_at", time_or_null(c.reminded_at)},
             {"callback_id", or_null(e.callback_id)},
             {"callback_due_at", time_or_null(e.callback_due_at)},
             {"callback_done_at", time_or_null(e.callback_done_at)}};
}

Result<store::CallbackFilter> parse_callback_filter(const std::map<std::string, std::string>& values,
                                                    std::string_view prefix) {
    const std::string p(prefix);
    store::CallbackFilter f;
    for (const auto& [name, value] : values) {
        if (name == "open") {
            if (value != "1" && value != "0")
                return invalid(p + "open: '" + value +
                               "' is not 1 or 0; use open=1 for the open callbacks, open=0 for "
                               "the done ones");
            f.done = value == "0";
        } else if (name == "kind") {
            if (value != "complaint" && value != "sample" && value != "handover")
                return invalid(p + "kind: '" + value +
                               "' is not a kind; use complaint, sample or handover");
            f.kind = value;
        } else if (name != "limit") {
            return invalid(p + name + ": not a filter of the callback list; use " + p + "open, " +
                           p + "kind or " + p + "limit");
        }
    }
    auto limit = parse_limit(values, p);
    if (!limit) return limit.error();
    f.limit = *limit;
    return f;
}

Result<ComplaintFilter> parse_complaint_filter(const std::map<std::string, std::string>& values,
                                               std::string_view prefix) {
    const std::string p(prefix);
    ComplaintFilter f;
    for (const auto& [name, value] : values) {
        if (name == "status") {
            if (value != "open" && value != "handled" && value != "closed")
                return invalid(p + "status: '" + value +
                               "' is not a complaint status; use open, handled or closed");
            f.status = value;
        } else if (name != "limit") {
            return invalid(p + name + ": not a filter of the complaint list; use " + p +
                           "status or " + p + "limit");
        }
    }
    auto limit = parse_limit(values, p);
    if (!limit) return limit.error();
    f.limit = *limit;
    return f;
}

Result<CallbackReport> parse_callback_done_body(std::string_view body) {
    auto j = json_object(body, {"outcome", "notes", "by", "reopen", "serious"});
    if (!j) return j.error();
    CallbackReport r;
    auto outcome = string_field(*j, "outcome", true);
    if (!outcome) return outcome.error();
    r.outcome = std::move(*outcome);
    auto notes = string_field(*j, "notes", false);
    if (!notes) return notes.error();
    r.notes = std::move(*notes);
    auto by = string_field(*j, "by", false);
    if (!by) return by.error();
    r.by = std::move(*by);
    for (auto [name, flag] : {std::pair{"reopen", &r.reopen}, std::pair{"serious", &r.serious}}) {
        auto it = j->find(name);
        if (it == j->end() || it->is_null()) continue;
        if (!it->is_boolean())
            return invalid(std::string(name) + ": must be true or false, not " + it->type_name());
        *flag = it->get<bool>();
    }
    return check_callback_report(std::move(r), "");
}

Result<ComplaintHandling> parse_complaint_handle_body(std::string_view body) {
    auto j = json_object(body, {"resolution", "by"});
    if (!j) return j.error();
    auto resolution = string_field(*j, "resolution", true);
    if (!resolution) return resolution.error();
    auto checked = check_resolution(std::move(*resolution), "");
    if (!checked) return checked.error();
    auto by = string_field(*j, "by", false);
    if (!by) return by.error();
    auto by_checked = check_by(std::move(*by), "");
    if (!by_checked) return by_checked.error();
    return ComplaintHandling{std::move(*checked), std::move(*by_checked)};
}

void add_callback_routes(Router& router, store::MysqlPool& mysql, const config::SlaData& sla,
                         const config::Notices& notices, std::string admin_token, AdminClock clock,
                         CallbackRouteWatch watch) {
    auto state = std::make_shared<const RouteState>(RouteState{
        &mysql, &sla, &notices, std::move(admin_token), std::move(clock), std::move(watch)});
    router.add(http::verb::get, "/api/callbacks",
               [state](Request req) { return serve_callback_list(std::move(req), state); });
    router.add(http::verb::post, "/api/callbacks/*/done",
               [state](Request req) { return serve_callback_done(std::move(req), state); });
    router.add(http::verb::get, "/api/complaints",
               [state](Request req) { return serve_complaint_list(std::move(req), state); });
    router.add(http::verb::post, "/api/complaints/*/handle",
               [state](Request req) { return serve_complaint_handle(std::move(req), state); });
}

}  // namespace repairbot::bot
