// The /metrics exposition (bot/metrics.h): Prometheus text format 0.0.4 with cumulative
// histogram buckets, counters keyed by route pattern, escaped label values.
#include "bot/metrics.h"

#include "adapters/wechat/api/errors.h"

#include <gtest/gtest.h>

namespace repairbot::bot {
namespace {

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(Metrics, CountsRequestsByRouteMethodAndStatus) {
    Metrics m;
    m.observe_request("/wechat", "POST", 200, 0.003);
    m.observe_request("/wechat", "POST", 200, 0.02);
    m.observe_request("/wechat", "POST", 403, 0.001);
    auto text = m.render({});
    EXPECT_TRUE(has_line(text, "# TYPE repairbot_http_requests_total counter")) << text;
    EXPECT_TRUE(has_line(text, R"(repairbot_http_requests_total{route="/wechat",method="POST",status="200"} 2)")) << text;
    EXPECT_TRUE(has_line(text, R"(repairbot_http_requests_total{route="/wechat",method="POST",status="403"} 1)")) << text;
}

TEST(Metrics, HistogramBucketsAreCumulativeWithSumAndCount) {
    Metrics m;
    m.observe_request("/api/tickets/*", "GET", 200, 0.004);  // <= 0.005
    m.observe_request("/api/tickets/*", "GET", 200, 0.04);   // <= 0.05
    m.observe_request("/api/tickets/*", "GET", 200, 9.0);    // only +Inf
    auto text = m.render({});
    EXPECT_TRUE(has_line(text, R"(repairbot_http_request_seconds_bucket{route="/api/tickets/*",le="0.005"} 1)")) << text;
    EXPECT_TRUE(has_line(text, R"(repairbot_http_request_seconds_bucket{route="/api/tickets/*",le="0.05"} 2)")) << text;
    EXPECT_TRUE(has_line(text, R"(repairbot_http_request_seconds_bucket{route="/api/tickets/*",le="5"} 2)")) << text;
    EXPECT_NE(text.find(R"(le="+Inf"} 3)"), std::string::npos) << text;
    EXPECT_TRUE(has_line(text, R"(repairbot_http_request_seconds_count{route="/api/tickets/*"} 3)")) << text;
    EXPECT_TRUE(has_line(text, R"(repairbot_http_request_seconds_sum{route="/api/tickets/*"} 9.044)")) << text;
}

TEST(Metrics, GaugesGetOneTypeLineAndEscapedLabels) {
    Metrics m;
    auto text = m.render({{"repairbot_tickets", {{"status", "done"}}, 3, "Tickets by status."},
                          {"repairbot_tickets", {{"status", "a\"b\\c\nd"}}, 1, "Tickets by status."}});
    EXPECT_TRUE(has_line(text, "# HELP repairbot_tickets Tickets by status.")) << text;
    EXPECT_EQ(text.find("# TYPE repairbot_tickets gauge"), text.rfind("# TYPE repairbot_tickets gauge"));
    EXPECT_TRUE(has_line(text, R"(repairbot_tickets{status="done"} 3)")) << text;
    EXPECT_TRUE(has_line(text, R"(repairbot_tickets{status="a\"b\\c\nd"} 1)")) << text;
}

TEST(Metrics, CountersKeepOneSeriesPerLabelSetAndStableReferences) {
    Metrics m;
    Counter& answered = m.counter("repairbot_webhook_dedupe_hits_total", {{"state", "answered"}}, "Resends.");
    answered.add();
    m.counter("repairbot_webhook_dedupe_hits_total", {{"state", "in_progress"}}).add(2);
    m.counter("repairbot_webhook_dedupe_hits_total", {{"state", "answered"}}).add();
    EXPECT_EQ(&answered, &m.counter("repairbot_webhook_dedupe_hits_total", {{"state", "answered"}}));
    auto text = m.render({});
    EXPECT_TRUE(has_line(text, "# HELP repairbot_webhook_dedupe_hits_total Resends.")) << text;
    EXPECT_TRUE(has_line(text, "# TYPE repairbot_webhook_dedupe_hits_total counter")) << text;
    EXPECT_TRUE(has_line(text, R"(repairbot_webhook_dedupe_hits_total{state="answered"} 2)")) << text;
    EXPECT_TRUE(has_line(text, R"(repairbot_webhook_dedupe_hits_total{state="in_progress"} 2)")) << text;
    EXPECT_EQ(text.find("# TYPE repairbot_webhook_dedupe_hits_total"),
              text.rfind("# TYPE repairbot_webhook_dedupe_hits_total"));
}

TEST(Metrics, UnlabelledHistogramWithItsOwnBuckets) {
    Metrics m;
    auto& lag = m.histogram("repairbot_sla_timer_lag_seconds", {}, Metrics::lag_buckets(), "Lag.");
    lag.observe(0.05);   // <= 0.1
    lag.observe(3.0);    // <= 5
    lag.observe(7200);   // only +Inf
    auto text = m.render({});
    EXPECT_TRUE(has_line(text, "# TYPE repairbot_sla_timer_lag_seconds histogram")) << text;
    EXPECT_TRUE(has_line(text, R"(repairbot_sla_timer_lag_seconds_bucket{le="0.1"} 1)")) << text;
    EXPECT_TRUE(has_line(text, R"(repairbot_sla_timer_lag_seconds_bucket{le="2"} 1)")) << text;
    EXPECT_TRUE(has_line(text, R"(repairbot_sla_timer_lag_seconds_bucket{le="5"} 2)")) << text;
    EXPECT_TRUE(has_line(text, R"(repairbot_sla_timer_lag_seconds_bucket{le="3600"} 2)")) << text;
    EXPECT_TRUE(has_line(text, R"(repairbot_sla_timer_lag_seconds_bucket{le="+Inf"} 3)")) << text;
    EXPECT_TRUE(has_line(text, "repairbot_sla_timer_lag_seconds_sum 7203.05")) << text;
    EXPECT_TRUE(has_line(text, "repairbot_sla_timer_lag_seconds_count 3")) << text;
}

TEST(Metrics, ApiFailuresAreLabelledByWechatErrcodeOrByWhatFailedOnTheWay) {
    namespace api = wechat::api;
    EXPECT_EQ(api_failure_label(api::errcode_error(45009)), "45009");
    EXPECT_EQ(api_failure_label(api::errcode_error(-1)), "-1");
    EXPECT_EQ(api_failure_label(api::make_error_code(api::ApiErrc::timeout)), "timeout");
    EXPECT_EQ(api_failure_label(api::make_error_code(api::ApiErrc::server_error)), "http_5xx");
    EXPECT_EQ(api_failure_label(api::make_error_code(api::ApiErrc::transport)), "network");
    EXPECT_EQ(api_failure_label(std::make_error_code(std::errc::io_error)), "other");
}

}  // namespace
}  // namespace repairbot::bot
