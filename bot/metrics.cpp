#include "bot/metrics.h"

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <cstdio>
#include <memory>
#include <set>

#include "config/log.h"

namespace repairbot::bot {

namespace asio = boost::asio;

namespace {

std::string escape_label(const std::string& v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

std::string labels_text(const std::vector<std::pair<std::string, std::string>>& labels) {
    if (labels.empty()) return {};
    std::string out = "{";
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (i) out += ",";
        out += labels[i].first + "=\"" + escape_label(labels[i].second) + "\"";
    }
    return out + "}";
}

// (label value, count) rows of a GROUP BY query. Blocking.
std::vector<std::pair<std::string, double>> grouped(sql::Connection& c, const char* query) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery(query));
    std::vector<std::pair<std::string, double>> out;
    while (rs->next()) out.emplace_back(rs->getString(1), static_cast<double>(rs->getUInt64(2)));
    return out;
}

}  // namespace

void Metrics::observe_request(const std::string& route, const std::string& method, int status,
                              double seconds) {
    std::lock_guard lock(mutex_);
    ++requests_[{route, method, status}];
    auto& h = latency_[route];
    for (std::size_t i = 0; i < latency_buckets.size(); ++i) {
        if (seconds <= latency_buckets[i]) {
            ++h.buckets[i];
            break;
        }
    }
    ++h.count;
    h.sum += seconds;
}

std::string Metrics::render(const std::vector<GaugeSample>& gauges) const {
    std::string out;
    {
        std::lock_guard lock(mutex_);
        out += "# HELP repairbot_http_requests_total HTTP requests answered, by route, method and status.\n";
        out += "# TYPE repairbot_http_requests_total counter\n";
        for (const auto& [key, n] : requests_) {
            const auto& [route, method, status] = key;
            out += "repairbot_http_requests_total" +
                   labels_text({{"route", route}, {"method", method}, {"status", std::to_string(status)}}) +
                   " " + std::to_string(n) + "\n";
        }
        out += "# HELP repairbot_http_request_seconds Time from the request read to the response ready, by route.\n";
        out += "# TYPE repairbot_http_request_seconds histogram\n";
        for (const auto& [route, h] : latency_) {
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i < latency_buckets.size(); ++i) {
                cumulative += h.buckets[i];
                out += "repairbot_http_request_seconds_bucket" +
                       labels_text({{"route", route}, {"le", number(latency_buckets[i])}}) + " " +
                       std::to_string(cumulative) + "\n";
            }
            out += "repairbot_http_request_seconds_bucket" + labels_text({{"route", route}, {"le", "+Inf"}}) +
                   " " + std::to_string(h.count) + "\n";
            out += "repairbot_http_request_seconds_sum" + labels_text({{"route", route}}) + " " + number(h.sum) + "\n";
            out += "repairbot_http_request_seconds_count" + labels_text({{"route", route}}) + " " +
                   std::to_string(h.count) + "\n";
        }
    }
    std::set<std::string> described;
    for (const auto& g : gauges) {
        if (described.insert(g.name).second) {
            if (!g.help.empty()) out += "# HELP " + g.name + " " + g.help + "\n";
            out += "# TYPE " + g.name + " gauge\n";
        }
        out += g.name + labels_text(g.labels) + " " + number(g.value) + "\n";
    }
    return out;
}

void add_metrics_routes(Router& router, Metrics& metrics, store::MysqlPool& mysql,
                        store::TimerIndex& timers) {
    router.add(http::verb::get, "/metrics",
               [&metrics, &mysql, &timers](Request req) -> asio::awaitable<Response> {
                   std::vector<GaugeSample> gauges;
                   bool mysql_up = true, redis_up = true;
                   auto work = [](sql::Connection& c) {
                       std::vector<GaugeSample> out;
                       for (auto& [status, n] : grouped(c, "SELECT status, COUNT(*) FROM tickets GROUP BY status"))
                           out.push_back({"repairbot_tickets", {{"status", status}}, n, "Tickets by status."});
                       for (auto& [status, n] : grouped(c, "SELECT status, COUNT(*) FROM outbox GROUP BY status"))
                           out.push_back({"repairbot_outbox_messages", {{"status", status}}, n,
                                          "Outbox rows by status (pending = backlog, failed = given up)."});
                       for (auto& [status, n] : grouped(c, "SELECT status, COUNT(*) FROM photos GROUP BY status"))
                           out.push_back({"repairbot_photos", {{"status", status}}, n, "Photos by download status."});
                       for (auto& [kind, n] : grouped(c, "SELECT kind, COUNT(*) FROM callbacks WHERE done_at IS NULL "
                                                         "AND due_at < UTC_TIMESTAMP(3) GROUP BY kind"))
                           out.push_back({"repairbot_callbacks_overdue", {{"kind", kind}}, n,
                                          "Callbacks (回访) past their due date and not done."});
                       return out;
                   };
                   try {
                       gauges = co_await mysql.run(std::move(work));
                   } catch (const std::exception& e) {
                       mysql_up = false;
                       log::warn("metrics", "mysql_unavailable", {{"error", e.what()}});
                   }
                   try {
                       auto waiting = co_await timers.size();
                       gauges.push_back({"repairbot_sla_timers", {}, static_cast<double>(waiting),
                                         "SLA and follow-up timers waiting or in flight."});
                   } catch (const std::exception& e) {
                       redis_up = false;
                       log::warn("metrics", "redis_unavailable", {{"error", e.what()}});
                   }
                   gauges.push_back({"repairbot_up", {{"dependency", "mysql"}}, mysql_up ? 1.0 : 0.0,
                                     "Whether the dependency answered this scrape."});
                   gauges.push_back({"repairbot_up", {{"dependency", "redis"}}, redis_up ? 1.0 : 0.0, ""});
                   co_return make_response(req, http::status::ok, metrics.render(gauges),
                                           "text/plain; version=0.0.4; charset=utf-8");
               });
}

}  // namespace repairbot::bot
