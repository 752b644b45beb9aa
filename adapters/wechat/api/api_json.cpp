#include "adapters/wechat/api/api_json.h"

#include <cctype>

namespace repairbot::wechat::api {
namespace {

using nlohmann::json;

json parse(std::string_view body) { return json::parse(body, nullptr, /*allow_exceptions=*/false); }

Error bad_response(std::string detail) { return Error{ApiErrc::bad_response, std::move(detail)}; }

// WeChat's errcode in an object, 0 when absent; nullopt when present but not an integer.
std::optional<int> errcode_of(const json& j) {
    const auto it = j.find("errcode");
    if (it == j.end()) return 0;
    if (!it->is_number_integer()) return std::nullopt;
    return it->get<int>();
}

std::string errmsg_of(const json& j) {
    const auto it = j.find("errmsg");
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Ok, or the error an object's errcode carries.
Status errcode_status(const json& j) {
    const auto code = errcode_of(j);
    if (!code) return bad_response("errcode is not an integer");
    if (*code != 0) return wechat_error(*code, errmsg_of(j));
    return Ok{};
}

}  // namespace

std::string stable_token_request(std::string_view appid, std::string_view secret, bool force_refresh) {
    return json{{"grant_type", "client_credential"},
                {"appid", appid},
                {"secret", secret},
                {"force_refresh", force_refresh}}
        .dump();
}

std::string template_request(std::string_view openid, std::string_view template_id, std::string_view url,
                             const json& data) {
    json j{{"touser", openid}, {"template_id", template_id}, {"data", data.is_null() ? json::object() : data}};
    if (!url.empty()) j["url"] = url;
    // Replace invalid UTF-8 rather than throw: the text came from users.
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string custom_text_request(std::string_view openid, std::string_view text) {
    return json{{"touser", openid}, {"msgtype", "text"}, {"text", {{"content", text}}}}.dump(
        -1, ' ', false, json::error_handler_t::replace);
}

Error wechat_error(int errcode, std::string_view errmsg) {
    return Error{errcode_error(errcode), std::string(errmsg)};
}

Result<TokenGrant> parse_token_grant(std::string_view body) {
    const json j = parse(body);
    if (!j.is_object()) return bad_response("token answer is not a JSON object");
    if (auto st = errcode_status(j); !st) return st.error();
    const auto token = j.find("access_token");
    if (token == j.end() || !token->is_string() || token->get<std::string>().empty()) {
        return bad_response("token answer without access_token");
    }
    const auto expires = j.find("expires_in");
    if (expires == j.end() || !expires->is_number_integer() || expires->get<std::int64_t>() <= 0) {
        return bad_response("token answer without a positive expires_in");
    }
    return TokenGrant{token->get<std::string>(), std::chrono::seconds{expires->get<std::int64_t>()}};
}

Status parse_errcode(std::string_view body) {
    const json j = parse(body);
    if (!j.is_object()) return bad_response("answer is not a JSON object");
    return errcode_status(j);
}

Result<std::int64_t> parse_template_msgid(std::string_view body) {
    const json j = parse(body);
    if (!j.is_object()) return bad_response("answer is not a JSON object");
    if (auto st = errcode_status(j); !st) return st.error();
    const auto msgid = j.find("msgid");
    if (msgid == j.end() || !msgid->is_number_integer()) return bad_response("template answer without msgid");
    return msgid->get<std::int64_t>();
}

Status check_media_body(std::string_view content_type, std::string_view body) {
    std::string type;
    for (const char c : content_type.substr(0, content_type.find(';'))) {
        if (c != ' ') type += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    bool maybe_json = type == "application/json" || type == "text/json";
    if (!maybe_json && (type.empty() || type == "text/plain")) {
        const std::size_t first = body.find_first_not_of(" \t\r\n");
        maybe_json = first != std::string_view::npos && body[first] == '{';
    }
    if (!maybe_json) return Ok{};
    const json j = parse(body);
    if (!j.is_object()) {
        return type.empty() || type == "text/plain" ? Status{Ok{}} : Status{bad_response("media answer is broken JSON")};
    }
    return errcode_status(j);
}

Status check_http_status(unsigned status) {
    if (status >= 200 && status < 300) return Ok{};
    const std::string detail = "HTTP " + std::to_string(status);
    if (status >= 500 || status == 408 || status == 429) return Error{ApiErrc::server_error, detail};
    return Error{ApiErrc::unexpected_status, detail};
}

}  // namespace repairbot::wechat::api
