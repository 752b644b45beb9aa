#include "bot/http.h"

namespace repairbot::bot {

Response make_response(const Request& req, http::status status, std::string body,
                       std::string_view content_type) {
    Response res{status, req.version()};
    res.set(http::field::server, "repairbot");
    res.set(http::field::content_type, content_type);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

Response json_response(const Request& req, http::status status, std::string json) {
    return make_response(req, status, std::move(json), "application/json; charset=utf-8");
}

std::string_view target_path(std::string_view target) {
    auto q = target.find('?');
    return q == std::string_view::npos ? target : target.substr(0, q);
}

}  // namespace repairbot::bot
