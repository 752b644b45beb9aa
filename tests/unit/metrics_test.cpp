// The /metrics exposition (bot/metrics.h): Prometheus text format 0.0.4 with cumulative
// histogram buckets, counters keyed by route pattern, escaped label values.
#include "bot/metrics.h"

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

}  // namespace
}  // namespace repairbot::bot
