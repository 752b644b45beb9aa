// GET /metrics in Prometheus's text format (version 0.0.4): what the process counts itself
// plus gauges read at scrape time.
//
// Counted in the process (families registered by name on first use, label sets created on
// first use; after that a Counter/Histogram reference is stable for the Metrics' lifetime and
// add()/observe() are lock-free atomics, so a component looks its series up once and keeps the
// reference, or looks it up per event when a label varies — a map lookup under one mutex):
//   repairbot_http_requests_total{route,method,status}      HttpServer, every answered request
//   repairbot_http_request_seconds{route}                    HttpServer, request latency
//   repairbot_webhook_dedupe_hits_total{state}               WebhookEndpoint: a resend answered
//                                                            from the store / still in progress
//   repairbot_webhook_refused_total{reason}                  WebhookEndpoint: 400/403/413
//   repairbot_webhook_degraded_replies_total                 WebhookEndpoint: MySQL/Redis down
//   repairbot_dialogue_outcomes_total{outcome}               Conversation: what each message did
//   repairbot_sla_timers_fired_total{result}                 SlaTimers
//   repairbot_sla_timer_lag_seconds                          SlaTimers: fired minus due
//   repairbot_outbox_sent_total{channel}                     OutboxWorker
//   repairbot_outbox_send_failures_total{errcode}            OutboxWorker: WeChat's errcode, or
//                                                            timeout / http_5xx / network / ...
// Read at scrape time (add_metrics_routes): tickets, outbox, photos by status, overdue
// callbacks, SLA timers waiting, MySQL pool and Redis connection use, repairbot_up.
// The route is served on the bot's listener; the nginx sample does not expose it (scrape it on
// the private address).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "bot/router.h"
#include "store/mysql_pool.h"
#include "store/redis.h"
#include "store/timer_index.h"

namespace repairbot::bot {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// One gauge sample: name{labels} value.
struct GaugeSample {
    std::string name;
    MetricLabels labels;
    double value = 0;
    std::string help;  // "# HELP" text, printed once per name
};

// A count that only grows. Thread-safe, lock-free.
class Counter {
public:
    void add(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

// Observations in fixed buckets (upper bounds, +Inf implied), with their sum and count.
// Thread-safe, lock-free; a snapshot taken while others observe may be off by one in flight.
class Histogram {
public:
    static constexpr std::size_t max_buckets = 16;
    explicit Histogram(std::vector<double> bounds);  // ascending; at most max_buckets
    void observe(double value) noexcept;

    [[nodiscard]] const std::vector<double>& bounds() const { return bounds_; }
    [[nodiscard]] std::uint64_t bucket(std::size_t i) const noexcept;  // not cumulative
    [[nodiscard]] std::uint64_t count() const noexcept;
    [[nodiscard]] double sum() const noexcept;

private:
    std::vector<double> bounds_;
    std::array<std::atomic<std::uint64_t>, max_buckets> buckets_{};
    std::atomic<std::uint64_t> count_{0};
    std::atomic<std::uint64_t> sum_micros_{0};  // the sum in millionths, so it can be atomic
};

class Metrics {
public:
    // Upper bounds (seconds) of the latency histograms' buckets; +Inf is implied.
    static const std::vector<double>& latency_buckets();
    // Upper bounds (seconds) for lags of background work (timers): from 100 ms to an hour.
    static const std::vector<double>& lag_buckets();

    // The counter `name{labels}`, created at zero on first use. `help` is kept from the first
    // call that gives one. The reference stays valid as long as the Metrics.
    Counter& counter(const std::string& name, const MetricLabels& labels = {},
                     const std::string& help = {});
    // The histogram `name{labels}` with `bounds`, created empty on first use (later calls'
    // bounds are ignored). The reference stays valid as long as the Metrics.
    Histogram& histogram(const std::string& name, const MetricLabels& labels,
                         const std::vector<double>& bounds, const std::string& help = {});

    // Counts one answered request. `route` is the router's pattern ("/api/tickets/*"), never
    // the raw path, so the series stay few.
    void observe_request(const std::string& route, const std::string& method, int status,
                         double seconds);

    // The exposition text: counters, then histograms, then `gauges`, each family once with its
    // HELP and TYPE, series in label order. Label values are escaped (\\, \", \n).
    [[nodiscard]] std::string render(const std::vector<GaugeSample>& gauges) const;

private:
    template <class Series>
    struct Family {
        std::string help;
        std::map<MetricLabels, std::unique_ptr<Series>> series;
    };
    mutable std::mutex mutex_;
    std::map<std::string, Family<Counter>> counters_;
    std::map<std::string, Family<Histogram>> histograms_;

    // observe_request's series by (route, method, status), so a request costs one lookup and
    // two atomic adds, not the registry's label-set construction. Its own lock: it calls
    // counter()/histogram() (which take mutex_) when it meets a new kind of request.
    struct RequestSeries {
        Counter* count = nullptr;
        Histogram* latency = nullptr;
    };
    std::mutex requests_mutex_;
    std::map<std::tuple<std::string, std::string, int>, RequestSeries> requests_;
};

// Adds GET /metrics: the process's counts and the scrape-time gauges. A MySQL or Redis that
// does not answer leaves its gauges out and sets repairbot_up{dependency=...} to 0.
void add_metrics_routes(Router& router, Metrics& metrics, store::MysqlPool& mysql,
                        store::Redis& redis, store::TimerIndex& timers);

// The errcode label of a failed WeChat API call: WeChat's own errcode ("45009", "-1") when it
// answered one, else what went wrong on the way ("timeout", "http_5xx", "network", ...).
[[nodiscard]] std::string api_failure_label(std::error_code code);

}  // namespace repairbot::bot
