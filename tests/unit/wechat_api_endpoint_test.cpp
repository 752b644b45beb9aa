// The API base URL: https anywhere, plain http only to a loopback simulator; and secrets kept
// out of logged request targets.
#include <gtest/gtest.h>

#include "adapters/wechat/api/endpoint.h"

namespace repairbot::wechat::api {
namespace {

TEST(WechatApiEndpoint, HttpsDefaultsToPort443) {
    auto e = parse_endpoint("https://api.weixin.qq.com");
    ASSERT_TRUE(e) << e.error().message();
    EXPECT_TRUE(e->tls);
    EXPECT_EQ(e->host, "api.weixin.qq.com");
    EXPECT_EQ(e->port, 443);
    EXPECT_EQ(e->path_prefix, "");
}

TEST(WechatApiEndpoint, KeepsPortAndPathPrefix) {
    auto e = parse_endpoint("https://gw.example.com:8443/wx/");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->port, 8443);
    EXPECT_EQ(e->path_prefix, "/wx");
}

TEST(WechatApiEndpoint, PlainHttpOnlyToLoopback) {
    for (const char* ok : {"http://127.0.0.1:18081", "http://localhost:9000", "http://[::1]:9000"}) {
        auto e = parse_endpoint(ok);
        ASSERT_TRUE(e) << ok << ": " << e.error().message();
        EXPECT_FALSE(e->tls);
    }
    EXPECT_EQ(parse_endpoint("http://[::1]:9000")->host, "::1");
    for (const char* bad : {"http://api.weixin.qq.com", "http://10.0.0.1:80", "ftp://x", "api.weixin.qq.com",
                            "https://", "https://h:99999", "https://h/?a=1", "https://u:p@h"}) {
        EXPECT_EQ(parse_endpoint(bad).code(), std::errc::invalid_argument) << bad;
    }
}

TEST(WechatApiEndpoint, RedactsTokensAndSecretsInTargets) {
    EXPECT_EQ(redact_target("/cgi-bin/media/get?access_token=SECRET&media_id=M1"),
              "/cgi-bin/media/get?access_token=***&media_id=M1");
    EXPECT_EQ(redact_target("/cgi-bin/token?grant_type=client_credential&appid=wx&secret=S"),
              "/cgi-bin/token?grant_type=client_credential&appid=wx&secret=***");
    EXPECT_EQ(redact_target("/cgi-bin/stable_token"), "/cgi-bin/stable_token");
}

TEST(WechatApiEndpoint, UrlEncodesQueryValues) {
    EXPECT_EQ(url_encode("a b&c=d/é~"), "a%20b%26c%3Dd%2F%C3%A9~");
}

}  // namespace
}  // namespace repairbot::wechat::api
