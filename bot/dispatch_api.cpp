#include "bot/dispatch_api.h"

#include <memory>

#include "dialog/text.h"

namespace repairbot::bot {
namespace {

namespace asio = boost::asio;
using J = nlohmann::ordered_json;

constexpr std::size_t kMaxByChars = 64;

Error invalid(std::string detail) {
    return Error{std::make_error_code(std::errc::invalid_argument), std::move(detail)};
}

struct RouteState {
    Dispatcher* dispatcher;
    std::string token;
    AdminClock clock;
    TicketWatch watch;
};

asio::awaitable<Response> serve_dispatch(Request req, std::shared_ptr<const RouteState> state) {
    if (auto refused = refuse_unauthorized(req, state->token)) co_return std::move(*refused);
    const std::string number = ticket_number_in_path(req, "/dispatch");
    if (number.empty())
        co_return json_error(req, http::status::bad_request,
                             "the ticket number in the path must be like BX20261121-0007 "
                             "(POST /api/tickets/{number}/dispatch)");
    auto body = parse_hand_dispatch_body(req.body());
    if (!body) co_return json_error(req, http::status::bad_request, body.error().detail);
    const auto now = std::chrono::floor<std::chrono::seconds>(state->clock());
    Result<store::Ticket> done =
        co_await state->dispatcher->dispatch_by_hand(number, body->technician_id, body->by, now);
    if (!done) co_return error_response(req, done.error());
    if (state->watch) co_await state->watch(*done);
    J out{{"number", done->number},
          {"status", done->status},
          {"technician_id", done->technician_id ? J(*done->technician_id) : J(nullptr)}};
    co_return json_response(req, http::status::ok, dump_json(out, -1) + "\n");
}

}  // namespace

Result<HandDispatch> parse_hand_dispatch_body(std::string_view body) {
    HandDispatch out;
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return out;
    auto j = json_object(body, {"technician_id", "by"});
    if (!j) return j.error();
    if (auto it = j->find("technician_id"); it != j->end() && !it->is_null()) {
        if (!it->is_number_unsigned() || it->get<std::uint64_t>() == 0)
            return invalid("technician_id: must be a technician's id, a positive integer (repairbot technician "
                           "list), or null for whoever the bot would choose");
        out.technician_id = it->get<std::uint64_t>();
    }
    if (auto it = j->find("by"); it != j->end() && !it->is_null()) {
        if (!it->is_string()) return invalid(std::string("by: must be a string, not ") + it->type_name());
        auto by = it->get<std::string>();
        if (!dialog::text::is_valid_utf8(by) || by.empty() || dialog::text::length_in_chars(by) > kMaxByChars)
            return invalid("by: must be 1 to " + std::to_string(kMaxByChars) +
                           " characters of valid UTF-8 naming who dispatches");
        out.by = std::move(by);
    }
    return out;
}

void add_dispatch_routes(Router& router, Dispatcher& dispatcher, std::string admin_token, AdminClock clock,
                         TicketWatch watch) {
    auto state = std::make_shared<const RouteState>(
        RouteState{&dispatcher, std::move(admin_token), std::move(clock), std::move(watch)});
    router.add(http::verb::post, "/api/tickets/*/dispatch",
               [state](Request req) { return serve_dispatch(std::move(req), state); });
}

}  // namespace repairbot::bot
