// The WeChat API's JSON bodies: requests as WeChat documents them, answers turned into values
// or typed errors (errcode, errmsg), media error bodies told apart from files.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "adapters/wechat/api/api_json.h"

namespace repairbot::wechat::api {
namespace {

using nlohmann::json;

TEST(WechatApiJson, StableTokenRequestCarriesCredentialsAndForceFlag) {
    const json j = json::parse(stable_token_request("wxAPP", "s3cret", true));
    EXPECT_EQ(j["grant_type"], "client_credential");
    EXPECT_EQ(j["appid"], "wxAPP");
    EXPECT_EQ(j["secret"], "s3cret");
    EXPECT_EQ(j["force_refresh"], true);
    EXPECT_EQ(json::parse(stable_token_request("a", "b", false))["force_refresh"], false);
}

TEST(WechatApiJson, TemplateRequestOmitsAnEmptyUrl) {
    const json data{{"number", {{"value", "R2025-0001"}}}};
    const json with = json::parse(template_request("oOPEN", "TPL", "https://x/t/1", data));
    EXPECT_EQ(with["touser"], "oOPEN");
    EXPECT_EQ(with["template_id"], "TPL");
    EXPECT_EQ(with["url"], "https://x/t/1");
    EXPECT_EQ(with["data"], data);
    const json without = json::parse(template_request("oOPEN", "TPL", "", data));
    EXPECT_FALSE(without.contains("url"));
    EXPECT_TRUE(json::parse(template_request("o", "T", "", nullptr))["data"].is_object());
}

TEST(WechatApiJson, CustomTextRequestSurvivesInvalidUtf8) {
    const json j = json::parse(custom_text_request("oOPEN", "维修 \xff done"));
    EXPECT_EQ(j["msgtype"], "text");
    EXPECT_EQ(j["touser"], "oOPEN");
    EXPECT_TRUE(j["text"]["content"].get<std::string>().starts_with("维修 "));
}

TEST(WechatApiJson, TokenGrantParsesTokenAndLifetime) {
    auto g = parse_token_grant(R"({"access_token":"ACCESS","expires_in":7200})");
    ASSERT_TRUE(g) << g.error().message();
    EXPECT_EQ(g->access_token, "ACCESS");
    EXPECT_EQ(g->expires_in, std::chrono::seconds(7200));
}

TEST(WechatApiJson, TokenGrantErrorsCarryErrcodeAndErrmsg) {
    auto g = parse_token_grant(R"({"errcode":40125,"errmsg":"invalid appsecret rid: 1"})");
    ASSERT_FALSE(g);
    EXPECT_EQ(wechat_errcode(g.code()), 40125);
    EXPECT_EQ(g.error().detail, "invalid appsecret rid: 1");
    EXPECT_EQ(g.code(), ApiFailure::permanent);
}

TEST(WechatApiJson, TokenGrantRejectsMalformedAnswers) {
    for (const char* body : {"", "not json", "[]", R"({"expires_in":7200})", R"({"access_token":"","expires_in":7200})",
                             R"({"access_token":"A"})", R"({"access_token":"A","expires_in":0})",
                             R"({"access_token":"A","expires_in":"7200"})", R"({"errcode":"x"})"}) {
        auto g = parse_token_grant(body);
        ASSERT_FALSE(g) << body;
        EXPECT_EQ(g.code(), ApiErrc::bad_response) << body;
    }
}

TEST(WechatApiJson, ErrcodeZeroOrAbsentIsOk) {
    EXPECT_TRUE(parse_errcode(R"({"errcode":0,"errmsg":"ok"})"));
    EXPECT_TRUE(parse_errcode(R"({})"));
    EXPECT_EQ(parse_errcode("<html>").code(), ApiErrc::bad_response);
    auto st = parse_errcode(R"({"errcode":45015,"errmsg":"response out of time limit"})");
    EXPECT_EQ(st.code(), WechatErrc::outside_response_window);
    EXPECT_EQ(st.error().detail, "response out of time limit");
}

TEST(WechatApiJson, TemplateAnswerGivesTheMsgid) {
    auto id = parse_template_msgid(R"({"errcode":0,"errmsg":"ok","msgid":2000000001})");
    ASSERT_TRUE(id);
    EXPECT_EQ(*id, 2000000001);
    EXPECT_EQ(parse_template_msgid(R"({"errcode":0,"errmsg":"ok"})").code(), ApiErrc::bad_response);
    EXPECT_EQ(parse_template_msgid(R"({"errcode":40037,"errmsg":"invalid template_id"})").code(),
              errcode_error(40037));
}

TEST(WechatApiJson, MediaJsonErrorBodyIsAnError) {
    const std::string error = R"({"errcode":40007,"errmsg":"invalid media_id"})";
    EXPECT_EQ(check_media_body("application/json; charset=utf-8", error).code(), WechatErrc::invalid_media_id);
    EXPECT_EQ(check_media_body("text/plain", error).code(), WechatErrc::invalid_media_id);
    EXPECT_EQ(check_media_body("", "  " + error).code(), WechatErrc::invalid_media_id);
}

TEST(WechatApiJson, MediaFilesAndVideoAnswersAreOk) {
    EXPECT_TRUE(check_media_body("image/jpeg", "\xff\xd8\xff{\"errcode\":1}"));
    EXPECT_TRUE(check_media_body("image/jpeg", R"({"errcode":40007})"));  // a file is a file
    EXPECT_TRUE(check_media_body("application/json", R"({"video_url":"http://v"})"));
    EXPECT_TRUE(check_media_body("text/plain", "plain words"));
    EXPECT_EQ(check_media_body("application/json", "{broken").code(), ApiErrc::bad_response);
}

TEST(WechatApiJson, HttpStatusesMapToRetryableOrPermanent) {
    EXPECT_TRUE(check_http_status(200));
    EXPECT_EQ(check_http_status(500).code(), ApiErrc::server_error);
    EXPECT_EQ(check_http_status(503).code(), ApiFailure::retryable);
    EXPECT_EQ(check_http_status(429).code(), ApiFailure::retryable);
    EXPECT_EQ(check_http_status(404).code(), ApiErrc::unexpected_status);
    EXPECT_EQ(check_http_status(404).code(), ApiFailure::permanent);
    EXPECT_EQ(check_http_status(500).error().detail, "HTTP 500");
}

}  // namespace
}  // namespace repairbot::wechat::api
