// The WeChat Official Account API calls repairbot makes: template and customer-service messages
// and media download, each with the shared access token, one transparent retry after a token
// refusal, and a typed error (errors.h) that tells the outbox what to do next.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

#include "adapters/wechat/api/endpoint.h"
#include "adapters/wechat/api/http_client.h"
#include "adapters/wechat/api/token_provider.h"
#include "adapters/wechat/api/token_store.h"
#include "config/errors.h"

namespace repairbot::wechat::api {

struct ApiClientOptions {
    Endpoint endpoint;          // parse_endpoint(settings.wechat.api_base)
    HttpClientOptions http;
    TokenOptions token;         // appid, secret, refresh timing
    std::size_t json_body_limit = 2 * 1024 * 1024;    // answers of the JSON calls
    std::size_t media_body_limit = 10 * 1024 * 1024;  // a downloaded file (WeChat images: <= 10 MB)
};

// A file from media/get.
struct Media {
    std::string bytes;
    std::string content_type;  // as WeChat sent it, e.g. "image/jpeg"
    std::string filename;      // from Content-Disposition, or ""
};

class ApiClient {
public:
    // Keeps a reference to `store` (must outlive the client). Connects nothing yet. Throws
    // std::runtime_error only when TLS cannot be set up (see HttpClient). Destroy it before the
    // execution context its calls ran on.
    ApiClient(ApiClientOptions options, TokenStore& store);
    ApiClient(const ApiClient&) = delete;
    ApiClient& operator=(const ApiClient&) = delete;

    // Every call below runs on the caller's executor, may run concurrently with the others, and
    // never throws for WeChat or network trouble. When WeChat refuses the token (40001, 40014,
    // 42001), the token is dropped (only if no other process replaced it), a fresh one is
    // fetched and the call is made once more; a second refusal is returned. Errors:
    //  - WeChat's errcode (wechat_errcode_category, detail = errmsg): classify() says
    //    retryable (45009, -1), outside_window (45015, 45047), unsubscribed (43004), ...
    //  - ApiErrc: timeout, connect_failed, tls_failed, transport, server_error (5xx),
    //    unexpected_status, bad_response, body_too_large, token_unavailable.

    // POST /cgi-bin/message/template/send: `data` is the template's {"field":{"value":..}}
    // object; `url` is omitted when empty. Returns WeChat's msgid (matched later by the
    // TEMPLATESENDJOBFINISH event).
    boost::asio::awaitable<Result<std::int64_t>> send_template(std::string openid, std::string template_id,
                                                               std::string url, nlohmann::json data);

    // POST /cgi-bin/message/custom/send with a text message. Only inside the 48-hour window
    // after the user's last message: outside it, fails with WechatErrc::outside_response_window
    // (ApiFailure::outside_window), and the caller sends a template instead.
    boost::asio::awaitable<Status> send_custom_text(std::string openid, std::string text);

    // GET /cgi-bin/media/get: the file of `media_id`. A JSON error body (HTTP 200 with
    // {"errcode":40007,..}) is an error; a file over media_body_limit is ApiErrc::body_too_large
    // (permanent). A video's JSON answer ({"video_url":..}) is returned as is, content type JSON.
    boost::asio::awaitable<Result<Media>> get_media(std::string media_id);

    // The current access token (fetching one if needed), for diagnostics such as /readyz.
    // Fails as TokenProvider::token(). Never log what it returns.
    boost::asio::awaitable<Result<AccessToken>> access_token();

private:
    // Judges a 2xx answer: Ok, or the error its body carries.
    using BodyCheck = Status (*)(const HttpResponse&);
    boost::asio::awaitable<Result<HttpResponse>> call(boost::beast::http::verb method, std::string path,
                                                      std::string query, std::string body, std::size_t limit,
                                                      BodyCheck check);

    ApiClientOptions options_;
    HttpClient http_;
    TokenProvider tokens_;
};

}  // namespace repairbot::wechat::api
