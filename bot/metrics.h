// GET /metrics in Prometheus's text format (version 0.0.4): what the process counts itself
// (HTTP requests by route, method and status; request latency histograms by route) plus gauges
// read at scrape time from MySQL and Redis (tickets by status, outbox and photo backlogs, SLA
// timers waiting). Counting is thread-safe and cheap (one mutex, no allocation on the hot path
// once a series exists). The route is served on the bot's listener; the nginx sample does not
// expose it (scrape it on the private address).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "bot/router.h"
#include "store/mysql_pool.h"
#include "store/timer_index.h"

namespace repairbot::bot {

// One gauge sample: name{labels} value.
struct GaugeSample {
    std::string name;
    std::vector<std::pair<std::string, std::string>> labels;
    double value = 0;
    std::string help;  // "# HELP" text, printed once per name
};

class Metrics {
public:
    // Upper bounds (seconds) of the latency histogram's buckets; +Inf is implied.
    static constexpr std::array<double, 10> latency_buckets{0.005, 0.01, 0.025, 0.05, 0.1,
                                                            0.25,  0.5,  1.0,   2.5,  5.0};

    // Counts one answered request. `route` is the router's pattern ("/api/tickets/*"), never
    // the raw path, so the series stay few.
    void observe_request(const std::string& route, const std::string& method, int status,
                         double seconds);

    // The exposition text of the counters and histograms, then of `gauges`. Label values are
    // escaped (\\, \", \n). Pure apart from reading the counts.
    [[nodiscard]] std::string render(const std::vector<GaugeSample>& gauges) const;

private:
    struct Histogram {
        std::array<std::uint64_t, latency_buckets.size()> buckets{};  // not cumulative
        std::uint64_t count = 0;
        double sum = 0;
    };
    mutable std::mutex mutex_;
    std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
    std::map<std::string, Histogram> latency_;
};

// Adds GET /metrics: the process's counts and the scrape-time gauges. A MySQL or Redis that
// does not answer leaves its gauges out and sets repairbot_up{dependency=...} to 0.
void add_metrics_routes(Router& router, Metrics& metrics, store::MysqlPool& mysql,
                        store::TimerIndex& timers);

}  // namespace repairbot::bot
