// The JSON bodies of the WeChat API calls repairbot makes: building requests and reading
// answers, with WeChat's errcode/errmsg turned into typed errors (errors.h). Pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/wechat/api/errors.h"
#include "config/errors.h"

namespace repairbot::wechat::api {

// An access token as WeChat grants it.
struct TokenGrant {
    std::string access_token;
    std::chrono::seconds expires_in{0};
};

// {"grant_type":"client_credential","appid":..,"secret":..,"force_refresh":..}
[[nodiscard]] std::string stable_token_request(std::string_view appid, std::string_view secret, bool force_refresh);
// {"touser":..,"template_id":..,"url":.. (only when not empty),"data":..}
[[nodiscard]] std::string template_request(std::string_view openid, std::string_view template_id,
                                           std::string_view url, const nlohmann::json& data);
// {"touser":..,"msgtype":"text","text":{"content":..}}
[[nodiscard]] std::string custom_text_request(std::string_view openid, std::string_view text);

// The error WeChat's `errcode` (non-zero) and `errmsg` describe: errcode_error(errcode) with the
// errmsg as detail.
[[nodiscard]] Error wechat_error(int errcode, std::string_view errmsg);

// The body of /cgi-bin/token or /cgi-bin/stable_token. Fails with WeChat's errcode when the body
// carries a non-zero one, else ApiErrc::bad_response when it is not JSON, the token is missing or
// empty, or expires_in is not a positive number.
[[nodiscard]] Result<TokenGrant> parse_token_grant(std::string_view body);

// A body that is only {"errcode":..,"errmsg":..}: Ok for errcode 0 (or absent, with an object);
// WeChat's errcode otherwise; ApiErrc::bad_response when it is not a JSON object.
[[nodiscard]] Status parse_errcode(std::string_view body);

// The body of template/send: its msgid. Fails as parse_errcode(), and with
// ApiErrc::bad_response when errcode is 0 but msgid is missing or not an integer.
[[nodiscard]] Result<std::int64_t> parse_template_msgid(std::string_view body);

// media/get answers the file itself, or a JSON error with HTTP 200. Ok when `body` is the file
// (or a JSON answer without a non-zero errcode, e.g. a video's {"video_url":..}); WeChat's
// errcode when it is a JSON error. Judged by the content type and, when that is absent or
// text/plain, by the body starting like a JSON object.
[[nodiscard]] Status check_media_body(std::string_view content_type, std::string_view body);

// Ok for 2xx; ApiErrc::server_error for 5xx, 408 and 429; ApiErrc::unexpected_status for any
// other status. The detail names the status.
[[nodiscard]] Status check_http_status(unsigned status);

}  // namespace repairbot::wechat::api
