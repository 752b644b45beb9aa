// What the outbox does with each WeChat API failure: refresh, back off, switch to a template,
// give up. Table-driven over errcodes and transport failures.
#include <gtest/gtest.h>


#include "adapters/wechat/api/errors.h"
#include "store/errors.h"

namespace repairbot::wechat::api {
namespace {

struct Case {
    std::error_code code;
    ApiFailure expected;
};

TEST(WechatApiErrors, ClassifiesEveryFailureIntoOneClass) {
    const std::vector<Case> cases{
        {errcode_error(40001), ApiFailure::token_invalid},
        {errcode_error(40014), ApiFailure::token_invalid},
        {errcode_error(42001), ApiFailure::token_invalid},
        {errcode_error(45009), ApiFailure::retryable},
        {errcode_error(-1), ApiFailure::retryable},
        {errcode_error(45015), ApiFailure::outside_window},
        {errcode_error(45047), ApiFailure::outside_window},
        {errcode_error(43004), ApiFailure::unsubscribed},
        {errcode_error(40037), ApiFailure::permanent},
        {errcode_error(40003), ApiFailure::permanent},
        {errcode_error(40007), ApiFailure::permanent},
        {ApiErrc::timeout, ApiFailure::retryable},
        {ApiErrc::connect_failed, ApiFailure::retryable},
        {ApiErrc::transport, ApiFailure::retryable},
        {ApiErrc::server_error, ApiFailure::retryable},
        {ApiErrc::token_unavailable, ApiFailure::retryable},
        {ApiErrc::unexpected_status, ApiFailure::permanent},
        {ApiErrc::bad_response, ApiFailure::permanent},
        {ApiErrc::body_too_large, ApiFailure::permanent},
        {store::StoreErrc::redis_unavailable, ApiFailure::retryable},
        {std::make_error_code(std::errc::connection_refused), ApiFailure::retryable},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(classify(c.code), c.expected) << c.code.category().name() << " " << c.code.value();
        EXPECT_TRUE(c.code == c.expected) << c.code.value();
    }
}

TEST(WechatApiErrors, TokenInvalidAlsoCountsAsRetryable) {
    EXPECT_TRUE(errcode_error(40001) == ApiFailure::retryable);
    EXPECT_TRUE(errcode_error(40001) == ApiFailure::token_invalid);
    EXPECT_FALSE(errcode_error(45009) == ApiFailure::token_invalid);
    EXPECT_FALSE(errcode_error(45015) == ApiFailure::retryable);
}

TEST(WechatApiErrors, NamedErrcodesAreTheErrcodesThemselves) {
    EXPECT_EQ(std::error_code(WechatErrc::outside_response_window), errcode_error(45015));
    EXPECT_EQ(std::error_code(WechatErrc::user_unsubscribed), errcode_error(43004));
    EXPECT_EQ(wechat_errcode(errcode_error(45015)), 45015);
    EXPECT_EQ(wechat_errcode(ApiErrc::timeout), 0);
    EXPECT_FALSE(errcode_error(0));
    EXPECT_TRUE(is_token_error(WechatErrc::access_token_expired));
    EXPECT_FALSE(is_token_error(ApiErrc::timeout));
    EXPECT_NE(errcode_error(40037).message().find("40037"), std::string::npos);
}

}  // namespace
}  // namespace repairbot::wechat::api
