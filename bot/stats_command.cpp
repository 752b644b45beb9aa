#include "bot/stats_command.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>
#include <iostream>
#include <memory>
#include <optional>
#include <set>

#include "bot/admin_api.h"
#include "bot/cli_support.h"
#include "bot/missed_deadlines.h"
#include "bot/stats.h"
#include "store/stats_repository.h"

namespace repairbot::bot {
namespace {

namespace asio = boost::asio;
using Digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

constexpr std::string_view kUsage =
    "  stats --month YYYY-MM | --from YYYY-MM-DD --to YYYY-MM-DD (--to not included)\n"
    "        [--missed] [--csv | --json]\n";

Digest sha256(std::string_view s) {
    Digest d{};
    SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d.data());
    return d;
}

bool ieq(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

// The credential of "Bearer <token>", spaces around it trimmed; nullopt for another scheme.
std::optional<std::string_view> bearer_credential(std::string_view header) {
    while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) header.remove_prefix(1);
    constexpr std::string_view scheme = "bearer";
    if (header.size() <= scheme.size() || !ieq(header.substr(0, scheme.size()), scheme) ||
        (header[scheme.size()] != ' ' && header[scheme.size()] != '\t'))
        return std::nullopt;
    header.remove_prefix(scheme.size());
    while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) header.remove_prefix(1);
    while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) header.remove_suffix(1);
    return header;
}

bool digest_matches(std::string_view authorization, const Digest& expected) {
    auto credential = bearer_credential(authorization);
    // Hashing first makes the comparison fixed-length: neither the token's content nor its
    // length shows in the time taken.
    const Digest presented = sha256(credential.value_or(""));
    const bool same = CRYPTO_memcmp(presented.data(), expected.data(), expected.size()) == 0;
    return credential.has_value() && !credential->empty() && same;
}

std::optional<std::string_view> opt_view(const std::optional<std::string>& s) {
    if (!s) return std::nullopt;
    return std::string_view(*s);
}

struct RouteState {
    store::MysqlPool* mysql;
    std::string token;
    StatsClock now;
};

// A free coroutine with by-value parameters: nothing it uses lives in a lambda's captures.
// `missed`: the late list (bot/missed_deadlines.h) instead of the figures.
asio::awaitable<Response> serve_stats(Request req, std::shared_ptr<const RouteState> state, bool missed) {
    if (auto refused = refuse_unauthorized(req, state->token)) co_return std::move(*refused);
    // The admin routes' query parsing: a parameter given twice is refused, not guessed at.
    auto values = query_values(req.target());
    if (!values) co_return json_error(req, http::status::bad_request, values.error().detail);
    const auto value_of = [&values](const char* name) -> std::optional<std::string> {
        auto it = values->find(name);
        if (it == values->end()) return std::nullopt;
        return it->second;
    };
    auto month = value_of("month");
    auto from = value_of("from");
    auto to = value_of("to");
    if (!month && !from && !to) {
        co_return json_error(req, http::status::bad_request,
                             std::string("the month is required: ") +
                                 (missed ? "/api/stats/missed" : "/api/stats") + "?month=YYYY-MM (e.g. 2026-11)");
    }
    auto range = parse_stats_range(opt_view(month), opt_view(from), opt_view(to));
    if (!range) co_return json_error(req, http::status::bad_request, range.error().code.message());

    const store::Timestamp now = state->now();
    const store::StatsWindow window = stats_window(*range, now);
    auto work = [window](sql::Connection& c) { return store::StatsRepository::fetch(c, window); };
    store::StatsRows rows = co_await state->mysql->run(std::move(work));
    auto body = missed ? to_json(missed_deadlines(*range, now, rows)) : to_json(compute_stats(*range, now, rows));
    co_return json_response(req, http::status::ok, dump_json(body, -1) + "\n");
}

bool is_flag_set(const CommandLine& cl, const std::string& name) { return cl.options.count(name) > 0; }

}  // namespace

store::Timestamp system_now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

bool bearer_token_matches(std::string_view authorization, std::string_view token) {
    if (token.empty()) return false;
    return digest_matches(authorization, sha256(token));
}

int run_stats(const config::Settings& settings, const CommandLine& cl) {
    return run_stats(settings, cl, system_now(), std::cout, std::cerr);
}

int run_stats(const config::Settings& settings, const CommandLine& cl, store::Timestamp now,
              std::ostream& out, std::ostream& err) {
    static const std::set<std::string> known{"month", "from", "to", "csv", "json", "missed"};
    for (const auto& [name, value] : cl.options) {
        if (!known.count(name)) {
            err << "stats: unknown option --" << name
                << "; use --month YYYY-MM or --from YYYY-MM-DD --to YYYY-MM-DD, and --missed, --csv "
                   "or --json\n";
            return kExitUsage;
        }
        if ((name == "csv" || name == "json" || name == "missed") && !value.empty()) {
            err << "stats: --" << name << " takes no value (got \"" << value
                << "\"); write the month as --month YYYY-MM\n";
            return kExitUsage;
        }
    }
    if (!cl.args.empty()) {
        err << "stats: unexpected argument \"" << cl.args.front()
            << "\"; write the month as --month YYYY-MM\n";
        return kExitUsage;
    }
    if (is_flag_set(cl, "csv") && is_flag_set(cl, "json")) {
        err << "stats: choose one of --csv and --json\n";
        return kExitUsage;
    }
    auto option = [&cl](const char* name) -> std::optional<std::string_view> {
        auto it = cl.options.find(name);
        if (it == cl.options.end()) return std::nullopt;
        return std::string_view(it->second);
    };
    auto range = parse_stats_range(option("month"), option("from"), option("to"));
    if (!range) {
        err << "stats: " << range.error().message()
            << "\nusage: repairbot stats --month YYYY-MM | --from YYYY-MM-DD --to YYYY-MM-DD "
               "(--to not included) [--missed] [--csv | --json]\n";
        return kExitUsage;
    }

    const store::StatsWindow window = stats_window(*range, now);
    store::StatsRows rows;
    const CommandContext ctx{settings, cl, now, out, err, kUsage, "stats"};
    const int rc = with_database(ctx, [&rows, &window](sql::Connection& c) {
        rows = store::StatsRepository::fetch(c, window);
        return kExitOk;
    });
    if (rc != kExitOk) return rc;

    auto print = [&](const auto& report) {
        if (is_flag_set(cl, "json")) out << dump_json(to_json(report), 2) << "\n";
        else if (is_flag_set(cl, "csv")) out << to_csv(report);
        else out << to_table(report);
    };
    if (is_flag_set(cl, "missed")) print(missed_deadlines(*range, now, rows));
    else print(compute_stats(*range, now, rows));
    out.flush();
    return kExitOk;
}

void add_stats_routes(Router& router, store::MysqlPool& mysql, std::string admin_token) {
    add_stats_routes(router, mysql, std::move(admin_token), system_now);
}

void add_stats_routes(Router& router, store::MysqlPool& mysql, std::string admin_token,
                      StatsClock now) {
    auto state = std::make_shared<const RouteState>(
        RouteState{&mysql, std::move(admin_token), std::move(now)});
    router.add(http::verb::get, "/api/stats",
               [state](Request req) { return serve_stats(std::move(req), state, false); });
    router.add(http::verb::get, "/api/stats/missed",
               [state](Request req) { return serve_stats(std::move(req), state, true); });
}

}  // namespace repairbot::bot
