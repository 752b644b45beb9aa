#include "bot/metrics.h"

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <cstdio>
#include <memory>
#include <set>

#include "adapters/wechat/api/errors.h"
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

std::string labels_text(const MetricLabels& labels) {
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

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
    if (bounds_.size() > max_buckets) bounds_.resize(max_buckets);
}

void Histogram::observe(double value) noexcept {
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        if (value <= bounds_[i]) {
            buckets_[i].fetch_add(1, std::memory_order_relaxed);
            break;
        }
    }
    count_.fetch_add(1, std::memory_order_relaxed);
    if (value > 0) sum_micros_.fetch_add(static_cast<std::uint64_t>(value * 1e6 + 0.5), std::memory_order_relaxed);
}

std::uint64_t Histogram::bucket(std::size_t i) const noexcept {
    return i < bounds_.size() ? buckets_[i].load(std::memory_order_relaxed) : 0;
}

std::uint64_t Histogram::count() const noexcept { return count_.load(std::memory_order_relaxed); }

double Histogram::sum() const noexcept {
    return static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
}

const std::vector<double>& Metrics::latency_buckets() {
    static const std::vector<double> bounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0};
    return bounds;
}

const std::vector<double>& Metrics::lag_buckets() {
    static const std::vector<double> bounds{0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600};
    return bounds;
}

Counter& Metrics::counter(const std::string& name, const MetricLabels& labels, const std::string& help) {
    std::lock_guard lock(mutex_);
    auto& family = counters_[name];
    if (family.help.empty()) family.help = help;
    auto& series = family.series[labels];
    if (!series) series = std::make_unique<Counter>();
    return *series;
}

Histogram& Metrics::histogram(const std::string& name, const MetricLabels& labels,
                              const std::vector<double>& bounds, const std::string& help) {
    std::lock_guard lock(mutex_);
    auto& family = histograms_[name];
    if (family.help.empty()) family.help = help;
    auto& series = family.series[labels];
    if (!series) series = std::make_unique<Histogram>(bounds);
    return *series;
}

void Metrics::observe_request(const std::string& route, const std::string& method, int status,
                              double seconds) {
    RequestSeries series;
    {
        std::lock_guard lock(requests_mutex_);
        auto key = std::make_tuple(route, method, status);
        auto it = requests_.find(key);
        if (it == requests_.end()) {
            // First request of this kind: register its series (under the registry's own lock).
            RequestSeries fresh{
                &counter("repairbot_http_requests_total",
                         {{"route", route}, {"method", method}, {"status", std::to_string(status)}},
                         "HTTP requests answered, by route, method and status."),
                &histogram("repairbot_http_request_seconds", {{"route", route}}, latency_buckets(),
                           "Time from the request read to the response ready, by route.")};
            it = requests_.emplace(std::move(key), fresh).first;
        }
        series = it->second;
    }
    series.count->add();
    series.latency->observe(seconds);
}

std::string Metrics::render(const std::vector<GaugeSample>& gauges) const {
    std::string out;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [name, family] : counters_) {
            if (!family.help.empty()) out += "# HELP " + name + " " + family.help + "\n";
            out += "# TYPE " + name + " counter\n";
            for (const auto& [labels, c] : family.series)
                out += name + labels_text(labels) + " " + std::to_string(c->value()) + "\n";
        }
        for (const auto& [name, family] : histograms_) {
            if (!family.help.empty()) out += "# HELP " + name + " " + family.help + "\n";
            out += "# TYPE " + name + " histogram\n";
            for (const auto& [labels, h] : family.series) {
                // count() first: a bucket bumped after it was read must not exceed +Inf.
                const std::uint64_t count = h->count();
                std::uint64_t cumulative = 0;
                for (std::size_t i = 0; i < h->bounds().size(); ++i) {
                    cumulative += h->bucket(i);
                    auto with_le = labels;
                    with_le.emplace_back("le", number(h->bounds()[i]));
                    out += name + "_bucket" + labels_text(with_le) + " " +
                           std::to_string(std::min(cumulative, count)) + "\n";
                }
                auto inf = labels;
                inf.emplace_back("le", "+Inf");
                out += name + "_bucket" + labels_text(inf) + " " + std::to_string(count) + "\n";
                out += name + "_sum" + labels_text(labels) + " " + number(h->sum()) + "\n";
                out += name + "_count" + labels_text(labels) + " " + std::to_string(count) + "\n";
            }
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

std::string api_failure_label(std::error_code code) {
    if (int errcode = wechat::api::wechat_errcode(code)) return std::to_string(errcode);
    if (code.category() == wechat::api::api_category()) {
        switch (static_cast<wechat::api::ApiErrc>(code.value())) {
            case wechat::api::ApiErrc::timeout: return "timeout";
            case wechat::api::ApiErrc::connect_failed:
            case wechat::api::ApiErrc::tls_failed:
            case wechat::api::ApiErrc::transport: return "network";
            case wechat::api::ApiErrc::server_error: return "http_5xx";
            case wechat::api::ApiErrc::unexpected_status: return "http_status";
            case wechat::api::ApiErrc::bad_response: return "bad_response";
            case wechat::api::ApiErrc::body_too_large: return "body_too_large";
            case wechat::api::ApiErrc::token_unavailable: return "token_unavailable";
        }
    }
    return "other";
}

void add_metrics_routes(Router& router, Metrics& metrics, store::MysqlPool& mysql,
                        store::Redis& redis, store::TimerIndex& timers) {
    router.add(http::verb::get, "/metrics",
               [&metrics, &mysql, &redis, &timers](Request req) -> asio::awaitable<Response> {
                   std::vector<GaugeSample> gauges;
                   bool mysql_up = true, redis_up = true;
                   auto work = [](sql::Connection& c) {
                       std::vector<GaugeSample> out;
                       // Each a range of a status index that leaves out the finished history
                       // (closed tickets, sent messages, stored photos): counting that read
                       // whole tables on every scrape. Give-ups (failed) are kept: they are few
                       // and an operator acts on them.
                       for (auto& [status, n] : grouped(c, "SELECT status, COUNT(*) FROM tickets WHERE status "
                                                           "NOT IN ('closed', 'cancelled') GROUP BY status"))
                           out.push_back({"repairbot_tickets", {{"status", status}}, n,
                                          "Tickets not yet closed or cancelled, by status."});
                       for (auto& [status, n] : grouped(c, "SELECT status, COUNT(*) FROM outbox WHERE status "
                                                           "IN ('pending', 'sending', 'failed') GROUP BY status"))
                           out.push_back({"repairbot_outbox_messages", {{"status", status}}, n,
                                          "Outbox rows not sent, by status (pending = backlog, failed = given up)."});
                       for (auto& [status, n] : grouped(c, "SELECT status, COUNT(*) FROM photos WHERE status "
                                                           "IN ('pending', 'failed') GROUP BY status"))
                           out.push_back({"repairbot_photos", {{"status", status}}, n,
                                          "Photos not stored, by status (pending = backlog, failed = given up)."});
                       for (auto& [kind, n] : grouped(c, "SELECT kind, COUNT(*) FROM callbacks WHERE done_at IS NULL "
                                                         "AND due_at < UTC_TIMESTAMP(3) GROUP BY kind"))
                           out.push_back({"repairbot_callbacks_overdue",
                                          {{"kind", kind}},
                                          n,
                                          "Callbacks (回访; kind handover: an owner's 人工) past "
                                          "their due date and not done."});
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
                   const auto pool = mysql.usage();
                   const char* pool_help = "MySQL connection pool: size, open, in use, callers waiting.";
                   gauges.push_back({"repairbot_mysql_pool_connections", {{"state", "size"}}, double(pool.size), pool_help});
                   gauges.push_back({"repairbot_mysql_pool_connections", {{"state", "open"}}, double(pool.open), ""});
                   gauges.push_back({"repairbot_mysql_pool_connections", {{"state", "in_use"}}, double(pool.in_use), ""});
                   gauges.push_back({"repairbot_mysql_pool_connections", {{"state", "waiting"}}, double(pool.waiting), ""});
                   gauges.push_back({"repairbot_redis_connected", {}, redis.connected() ? 1.0 : 0.0,
                                     "Whether the multiplexed Redis connection is up."});
                   gauges.push_back({"repairbot_redis_commands_in_flight", {}, double(redis.in_flight()),
                                     "Redis commands sent and not yet answered (pipelined on one connection)."});
                   co_return make_response(req, http::status::ok, metrics.render(gauges),
                                           "text/plain; version=0.0.4; charset=utf-8");
               });
}

}  // namespace repairbot::bot
