#include "bot/ticket_amend.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include <memory>

#include "bot/callback_desk.h"
#include "dialog/address.h"
#include "dialog/phone.h"
#include "dialog/text.h"
#include "store/errors.h"
#include "store/owner_repository.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"
#include "store/transaction.h"

namespace repairbot::bot {
namespace {

namespace asio = boost::asio;
using J = nlohmann::ordered_json;
using store::Timestamp;

constexpr std::size_t kMaxNameChars = 32;     // owners.name / tickets.reporter_name hold 64 bytes+
constexpr std::size_t kMaxAddressChars = 64;  // far more than any address an owner types

Error invalid(std::string detail) {
    return Error{std::make_error_code(std::errc::invalid_argument), std::move(detail)};
}

// The string field `name` of `j`, when present and not null.
Result<std::optional<std::string>> string_field(const J& j, const char* name) {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) return std::optional<std::string>{};
    if (!it->is_string())
        return invalid(std::string(name) + ": must be a string, not " + it->type_name());
    return std::optional<std::string>{it->get<std::string>()};
}

struct Place {
    dialog::Address address;
    std::string shown;  // dialog::display
};

// The whole address `text` names, read as the owner's chat reads one.
Result<Place> read_address(std::string_view text, const dialog::FaultCatalog& catalog) {
    if (!dialog::text::is_valid_utf8(text) ||
        dialog::text::length_in_chars(text) > kMaxAddressChars)
        return invalid("address: must be valid UTF-8 of at most " +
                       std::to_string(kMaxAddressChars) + " characters, e.g. 5栋2单元502");
    const std::string normalized = dialog::text::normalize(text);
    auto found = dialog::find_address(normalized, catalog);
    if (!found || !found->complete)
        return invalid("address: '" + std::string(text) +
                       "' is not a whole address; give the building and room (5栋2单元502, "
                       "5-2-502) or a public area (5栋电梯厅, 地下车库)");
    return Place{found->address, dialog::display(found->address)};
}

// A mobile's 11 digits, written with spaces or dashes, +86 or not.
Result<std::string> read_phone(std::string_view text) {
    std::string digits;
    bool only_digits = true;
    for (char c : text) {
        if (c >= '0' && c <= '9')
            digits.push_back(c);
        else if (c != ' ' && c != '-' && !(c == '+' && digits.empty()))
            only_digits = false;
    }
    if (digits.size() == 13 && digits.starts_with("86")) digits.erase(0, 2);
    if (!only_digits || !dialog::is_valid_mobile(digits))
        return invalid("phone: '" + std::string(text) +
                       "' is not a mobile number; give its 11 digits, e.g. 13912345678");
    return digits;
}

Result<std::string> read_name(std::string_view text) {
    const auto trimmed = dialog::text::trim_original(text);
    if (!dialog::text::is_valid_utf8(trimmed) || trimmed.empty() ||
        dialog::text::length_in_chars(trimmed) > kMaxNameChars)
        return invalid("name: must be 1 to " + std::to_string(kMaxNameChars) +
                       " characters of valid UTF-8, e.g. 张女士");
    return std::string(trimmed);
}

bool is_job_with_technician(const store::Ticket& t) {
    namespace s = store::ticket_status;
    return t.technician_id &&
           (t.status == s::dispatched || t.status == s::accepted || t.status == s::arrived);
}

}  // namespace

Result<TicketAmendment> parse_amendment_body(std::string_view body) {
    auto j = json_object(body, {"address", "phone", "name", "by"});
    if (!j) return j.error();
    TicketAmendment out;
    auto address = string_field(*j, "address");
    if (!address) return address.error();
    auto phone = string_field(*j, "phone");
    if (!phone) return phone.error();
    auto name = string_field(*j, "name");
    if (!name) return name.error();
    auto by = string_field(*j, "by");
    if (!by) return by.error();
    out.address = std::move(*address);
    out.phone = std::move(*phone);
    out.name = std::move(*name);
    if (!out.address && !out.phone && !out.name)
        return invalid(
            "say what to correct: address, phone or name (e.g. {\"address\": "
            "\"5栋2单元502\"})");
    auto checked = check_by(by->value_or(""), "");
    if (!checked) return checked.error();
    out.by = std::move(*checked);
    return out;
}

Result<TicketAmended> amend_ticket(sql::Connection& c, const dialog::FaultCatalog& catalog,
                                   const config::Notices& notices, const std::string& number,
                                   const TicketAmendment& amendment, Timestamp now) {
    std::optional<Place> place;
    if (amendment.address) {
        auto read = read_address(*amendment.address, catalog);
        if (!read) return read.error();
        place = std::move(*read);
    }
    std::optional<std::string> phone, name;
    if (amendment.phone) {
        auto read = read_phone(*amendment.phone);
        if (!read) return read.error();
        phone = std::move(*read);
    }
    if (amendment.name) {
        auto read = read_name(*amendment.name);
        if (!read) return read.error();
        name = std::move(*read);
    }
    constexpr int kMaxConflicts = 5;
    for (int attempt = 1;; ++attempt) {
        auto found = store::TicketRepository::find_by_number(c, number);
        if (!found) return found.error();
        const store::Ticket before = *found;
        if (before.status == store::ticket_status::closed ||
            before.status == store::ticket_status::cancelled)
            return Error{store::StoreErrc::invalid_state,
                         "ticket " + number + " is " + before.status +
                             ": a closed or cancelled ticket is not corrected"};
        store::Ticket after = before;
        TicketAmended out;
        J changes = J::object();
        auto note = [&](const char* field, const char* label, const std::string& was,
                        const std::string& now_is) {
            out.changes.push_back(std::string(label) + "：" + (was.empty() ? "（无）" : was) +
                                  " → " + now_is);
            changes[field] = {{"before", was}, {"after", now_is}};
        };
        if (place && place->shown != before.address) {
            note("address", "地址", before.address, place->shown);
            after.building = place->address.building;
            after.unit = place->address.unit;
            after.room = place->address.room;
            after.area = place->address.area;
            after.address = place->shown;
            after.public_area = place->address.is_public;
            // Public areas are repaired free (DOMAIN.md), a home's paid: while no quote is asked
            // for and nothing charged, the move decides (a fee off the price list is then quoted
            // at 完成, as for any paid repair). A quote under way keeps its course and deadline.
            if (before.quote_status == store::quote_status::none && !before.fee_cents)
                after.paid = !after.public_area;
        }
        if (phone && *phone != before.phone) {
            note("phone", "电话", before.phone, *phone);
            after.phone = *phone;
        }
        if (name && *name != before.reporter_name) {
            note("name", "联系人", before.reporter_name, *name);
            after.reporter_name = *name;
        }
        if (out.changes.empty()) {
            out.ticket = before;
            return out;
        }
        std::vector<store::NewOutbox> outbox;
        std::string changed_text;
        for (const auto& line : out.changes)
            changed_text += (changed_text.empty() ? "" : "；") + line;
        if (is_job_with_technician(before)) {
            const auto tech = store::bound_technician_of(c, before);
            if (tech && tech->openid) {
                const std::string text = notices.render(
                    "job_amended", {{"number", before.number}, {"changes", changed_text}});
                J notice = {{"event", "job_amended"},
                            {"number", before.number},
                            {"address", after.address},
                            {"text", text}};
                outbox.push_back({"notify", *tech->openid, notice.dump(), std::nullopt});
                out.technician_told = true;
            }
            // Moved out of the buildings the technician serves (as dispatch matches them): the
            // job stays theirs — they may be on their way — and the dispatcher is told to move it.
            const auto serves = [&after](const std::string& b) {  // FIND_IN_SET's collation
                return std::equal(b.begin(), b.end(), after.building.begin(), after.building.end(),
                                  [](char x, char y) {
                                      return std::tolower(static_cast<unsigned char>(x)) ==
                                             std::tolower(static_cast<unsigned char>(y));
                                  });
            };
            if (tech && place && after.building != before.building && !after.building.empty() &&
                !tech->buildings.empty() &&
                std::none_of(tech->buildings.begin(), tech->buildings.end(), serves)) {
                out.technician_elsewhere = TicketAmended::Technician{tech->id, tech->name};
            }
        }
        J details = {{"changes", changes}, {"technician_told", out.technician_told}};
        if (out.technician_elsewhere) details["technician_serves_building"] = false;
        store::Transaction tx(c);
        auto saved = store::TicketRepository::update(
            c, after, {amendment.by, "dispatcher", "amended", details.dump()}, outbox, now);
        if (!saved) {
            if (saved.code() != store::make_error_code(store::StoreErrc::version_conflict) ||
                attempt >= kMaxConflicts)
                return saved.error();
            continue;
        }
        // The owner's remembered profile (同上次) follows where it held the slip.
        if (auto owner = store::OwnerRepository::find_by_openid(c, before.owner_openid)) {
            store::Owner profile;
            profile.openid = owner->openid;
            bool remember = false;
            if (place && !place->address.is_public && owner->address == before.address) {
                profile.building = place->address.building;
                profile.unit = place->address.unit;
                profile.room = place->address.room;
                profile.address = place->shown;
                remember = true;
            }
            if (phone && owner->phone == before.phone) {
                profile.phone = *phone;
                remember = true;
            }
            if (remember) store::OwnerRepository::remember(c, profile, now);
        }
        tx.commit();
        out.ticket = std::move(*saved);
        return out;
    }
}

namespace {

struct RouteState {
    store::MysqlPool* mysql;
    const dialog::FaultCatalog* catalog;
    const config::Notices* notices;
    std::string token;
    AdminClock clock;
};

asio::awaitable<Response> serve_amend(Request req, std::shared_ptr<const RouteState> state) {
    if (auto refused = refuse_unauthorized(req, state->token)) co_return std::move(*refused);
    const std::string number = ticket_number_in_path(req, "/amend");
    if (number.empty())
        co_return json_error(req, http::status::bad_request,
                             "the ticket number in the path must be like BX20261121-0007 "
                             "(POST /api/tickets/{number}/amend)");
    auto body = parse_amendment_body(req.body());
    if (!body) co_return json_error(req, http::status::bad_request, body.error().detail);
    const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(state->clock());
    auto work = [state, number, amendment = std::move(*body), now](sql::Connection& c) {
        return amend_ticket(c, *state->catalog, *state->notices, number, amendment, now);
    };
    Result<TicketAmended> done = co_await state->mysql->run(std::move(work));
    if (!done) co_return error_response(req, done.error());
    J out{{"number", done->ticket.number},
          {"address", done->ticket.address},
          {"changes", done->changes},
          {"technician_told", done->technician_told}};
    if (const auto& elsewhere = done->technician_elsewhere) {
        out["technician_serves_building"] = false;
        out["hint"] = elsewhere->name + " (technician " + std::to_string(elsewhere->id) +
                      ") does not serve building " + done->ticket.building +
                      ": to move the job, POST /api/tickets/" + done->ticket.number +
                      "/dispatch ({} for whoever has room, or {\"technician_id\": N})";
    }
    co_return json_response(req, http::status::ok, dump_json(out, -1) + "\n");
}

}  // namespace

void add_amend_routes(Router& router, store::MysqlPool& mysql, const dialog::FaultCatalog& catalog,
                      const config::Notices& notices, std::string admin_token, AdminClock clock) {
    auto state = std::make_shared<const RouteState>(
        RouteState{&mysql, &catalog, &notices, std::move(admin_token), std::move(clock)});
    router.add(http::verb::post, "/api/tickets/*/amend",
               [state](Request req) { return serve_amend(std::move(req), state); });
}

}  // namespace repairbot::bot
