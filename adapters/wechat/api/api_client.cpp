#include "adapters/wechat/api/api_client.h"

#include "adapters/wechat/api/api_json.h"
#include "config/log.h"

namespace repairbot::wechat::api {
namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

Status json_errcode(const HttpResponse& res) { return parse_errcode(res.body); }

Status media_errcode(const HttpResponse& res) { return check_media_body(res.content_type, res.body); }

// filename="x.jpg" (or filename=x.jpg) from a Content-Disposition value; "" when absent.
std::string filename_of(std::string_view disposition) {
    const std::size_t at = disposition.find("filename=");
    if (at == std::string_view::npos) return {};
    std::string_view v = disposition.substr(at + 9);
    if (!v.empty() && v.front() == '"') {
        v.remove_prefix(1);
        return std::string(v.substr(0, v.find('"')));
    }
    return std::string(v.substr(0, v.find(';')));
}

}  // namespace

ApiClient::ApiClient(ApiClientOptions options, TokenStore& store)
    : options_(std::move(options)),
      http_(options_.endpoint, options_.http),
      tokens_(http_, store, options_.token) {}

asio::awaitable<Result<HttpResponse>> ApiClient::call(http::verb method, std::string path, std::string query,
                                                      std::string body, std::size_t limit, BodyCheck check) {
    auto token = co_await tokens_.token();
    if (!token) co_return token.error();
    for (int attempt = 0;; ++attempt) {
        HttpRequest req;
        req.method = method;
        req.target = path + "?access_token=" + url_encode(token->token) + query;
        req.body = body;
        req.body_limit = limit;
        auto res = co_await http_.send(std::move(req));
        if (!res) co_return res.error();
        if (auto st = check_http_status(res->status); !st) {
            log::warn("wechat.api", "call_failed", {{"path", path}, {"error", st.error().message()}});
            co_return st.error();
        }
        Status st = check(*res);
        if (st) co_return res;
        if (is_token_error(st.code()) && attempt == 0) {
            log::info("wechat.api", "token_refused", {{"path", path}, {"errcode", wechat_errcode(st.code())}});
            token = co_await tokens_.replace(*token);
            if (!token) co_return token.error();
            continue;
        }
        log::warn("wechat.api", "call_failed",
                  {{"path", path}, {"errcode", wechat_errcode(st.code())}, {"error", st.error().message()}});
        co_return st.error();
    }
}

asio::awaitable<Result<std::int64_t>> ApiClient::send_template(std::string openid, std::string template_id,
                                                               std::string url, nlohmann::json data) {
    auto res = co_await call(http::verb::post, "/cgi-bin/message/template/send", "",
                             template_request(openid, template_id, url, data), options_.json_body_limit,
                             &json_errcode);
    if (!res) co_return res.error();
    co_return parse_template_msgid(res->body);
}

asio::awaitable<Status> ApiClient::send_custom_text(std::string openid, std::string text) {
    auto res = co_await call(http::verb::post, "/cgi-bin/message/custom/send", "", custom_text_request(openid, text),
                             options_.json_body_limit, &json_errcode);
    if (!res) co_return res.error();
    co_return Ok{};
}

asio::awaitable<Result<Media>> ApiClient::get_media(std::string media_id) {
    auto res = co_await call(http::verb::get, "/cgi-bin/media/get", "&media_id=" + url_encode(media_id), "",
                             options_.media_body_limit, &media_errcode);
    if (!res) co_return res.error();
    co_return Media{std::move(res->body), std::move(res->content_type), filename_of(res->content_disposition)};
}

asio::awaitable<Result<AccessToken>> ApiClient::access_token() { co_return co_await tokens_.token(); }

}  // namespace repairbot::wechat::api
