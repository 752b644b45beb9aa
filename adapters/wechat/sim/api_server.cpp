#include "adapters/wechat/sim/api_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>

namespace repairbot::wechat::sim {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using nlohmann::json;

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The percent-decoded value of `key` in `query`, or "" when absent.
std::string query_param(std::string_view query, std::string_view key) {
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        const std::size_t eq = pair.find('=');
        if (pair.substr(0, eq) != key) continue;
        const std::string_view raw = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        std::string out;
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] == '%' && i + 2 < raw.size() && hex_value(raw[i + 1]) >= 0 &&
                hex_value(raw[i + 2]) >= 0) {
                out += static_cast<char>(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2]));
                i += 2;
            } else {
                out += raw[i] == '+' ? ' ' : raw[i];
            }
        }
        return out;
    }
    return {};
}

ApiResponse json_response(const json& j, int status = 200) {
    return ApiResponse{status, "application/json; charset=utf-8", j.dump(), {}, {}};
}

ApiResponse error_response(int errcode) {
    return json_response({{"errcode", errcode}, {"errmsg", errmsg_for(errcode)}});
}

// What a gateway in front of the API answers when the backend is in trouble: HTML, no JSON.
ApiResponse gateway_error(int status) {
    const std::string line = std::to_string(status) + " " +
                             (status == 502 ? "Bad Gateway" : status == 503 ? "Service Unavailable"
                              : status == 504 ? "Gateway Time-out" : "Internal Server Error");
    return ApiResponse{status, "text/html", "<html><head><title>" + line + "</title></head><body><center><h1>" +
                                                line + "</h1></center></body></html>",
                       {}, {}};
}

asio::awaitable<void> serve_connection(ApiServer* server, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    beast::error_code ec;
    for (;;) {
        stream.expires_after(std::chrono::seconds(30));
        http::request_parser<http::string_body> parser;
        parser.body_limit(16 * 1024 * 1024);
        co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        const auto& req = parser.get();
        const ApiResponse answer =
            server->handle(std::string_view(req.method_string()), std::string_view(req.target()), req.body());
        if (answer.delay.count() > 0) {
            // A slow backend: hold this connection only; the caller usually gives up first.
            stream.expires_after(answer.delay + std::chrono::seconds(30));
            asio::steady_timer hold(stream.get_executor(), answer.delay);
            co_await hold.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        http::response<http::string_body> res{static_cast<http::status>(answer.status), req.version()};
        res.set(http::field::server, "wechat-sim");
        res.set(http::field::content_type, answer.content_type);
        if (!answer.content_disposition.empty()) {
            res.set(http::field::content_disposition, answer.content_disposition);
        }
        res.keep_alive(req.keep_alive());
        res.body() = answer.body;
        res.prepare_payload();
        co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
        if (ec || !res.keep_alive()) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

asio::awaitable<void> accept_loop(ApiServer* server, tcp::acceptor* acceptor) {
    for (;;) {
        beast::error_code ec;
        tcp::socket socket = co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
        if (ec) continue;
        asio::co_spawn(acceptor->get_executor(), serve_connection(server, std::move(socket)),
                       asio::detached);
    }
}

}  // namespace

struct ApiServer::Runtime {
    asio::io_context ioc{1};
    tcp::acceptor acceptor{ioc};
    std::thread thread;
};

std::string errmsg_for(int errcode) {
    switch (errcode) {
        case 0: return "ok";
        case -1: return "system error";
        case 40001: return "invalid credential, access_token is invalid or not latest";
        case 40002: return "invalid grant_type";
        case 40003: return "invalid openid";
        case 40007: return "invalid media_id";
        case 40008: return "invalid message type";
        case 40013: return "invalid appid";
        case 40037: return "invalid template_id";
        case 40066: return "invalid url";
        case 40125: return "invalid appsecret";
        case 41001: return "access_token missing";
        case 42001: return "access_token expired";
        case 43002: return "require POST method";
        case 43004: return "require subscribe";
        case 45009: return "reach max api daily quota limit";
        case 45015: return "response out of time limit or subscription is canceled";
        case 45047: return "out of response count limit";
        case 47001: return "data format error";
        default: return "simulated error " + std::to_string(errcode);
    }
}

ApiServer::ApiServer(ApiServerOptions options) : options_(std::move(options)) {}

ApiServer::~ApiServer() { stop(); }

Result<std::uint16_t> ApiServer::start() {
    if (runtime_) return port_;
    auto rt = std::make_unique<Runtime>();
    beast::error_code ec;
    const auto address = asio::ip::make_address(options_.listen_host, ec);
    if (ec) return Error{ec, "listen host"};
    const tcp::endpoint endpoint{address, options_.listen_port};
    if (rt->acceptor.open(endpoint.protocol(), ec); ec) return Error{ec, "open"};
    if (rt->acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) return Error{ec, "reuse_address"};
    if (rt->acceptor.bind(endpoint, ec); ec) return Error{ec, "bind " + options_.listen_host};
    if (rt->acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) return Error{ec, "listen"};
    port_ = rt->acceptor.local_endpoint().port();
    asio::co_spawn(rt->ioc, accept_loop(this, &rt->acceptor), asio::detached);
    rt->thread = std::thread([ioc = &rt->ioc] { ioc->run(); });
    runtime_ = std::move(rt);
    return port_;
}

void ApiServer::stop() {
    if (!runtime_) return;
    asio::post(runtime_->ioc, [rt = runtime_.get()] {
        beast::error_code ignored;
        rt->acceptor.close(ignored);
        rt->ioc.stop();
    });
    if (runtime_->thread.joinable()) runtime_->thread.join();
    runtime_.reset();
}

std::uint16_t ApiServer::port() const { return port_; }

std::string ApiServer::base_url() const {
    return "http://" + options_.listen_host + ":" + std::to_string(port_);
}

std::vector<RecordedCall> ApiServer::calls(std::string_view path) const {
    std::lock_guard lock(mutex_);
    if (path.empty()) return calls_;
    std::vector<RecordedCall> out;
    for (const auto& c : calls_) {
        if (c.path == path) out.push_back(c);
    }
    return out;
}

json ApiServer::calls_json() const {
    json out = json::array();
    for (const RecordedCall& c : calls()) {
        const auto at = std::chrono::duration_cast<std::chrono::milliseconds>(c.received_at.time_since_epoch());
        out.push_back({{"method", c.method}, {"path", c.path}, {"query", c.query},
                       {"body", c.body}, {"json", c.json}, {"errcode", c.errcode},
                       {"http_status", c.http_status}, {"delay_ms", c.delay.count()},
                       {"at_ms", at.count()}});
        if (c.msgid) out.back()["msgid"] = *c.msgid;
    }
    return out;
}

void ApiServer::clear_calls() {
    std::lock_guard lock(mutex_);
    calls_.clear();
}

void ApiServer::fail_next(std::string path, int errcode, int times) {
    fail_next(std::move(path), Fault{Fault::Kind::errcode, errcode, {}}, times);
}

void ApiServer::fail_next(std::string path, Fault fault, int times) {
    std::lock_guard lock(mutex_);
    auto& queue = failures_[std::move(path)];
    queue.insert(queue.end(), static_cast<std::size_t>(std::max(times, 0)), fault);
}

void ApiServer::expire_tokens() {
    std::lock_guard lock(mutex_);
    for (auto& [token, state] : tokens_) state = TokenState::expired;
    stable_token_.clear();
}

void ApiServer::invalidate_tokens() {
    std::lock_guard lock(mutex_);
    tokens_.clear();
    stable_token_.clear();
}

void ApiServer::add_media(std::string media_id, std::string bytes, std::string content_type) {
    std::lock_guard lock(mutex_);
    media_[std::move(media_id)] = Media{std::move(bytes), std::move(content_type)};
}

void ApiServer::add_media_prefix(std::string prefix, std::string bytes, std::string content_type) {
    std::lock_guard lock(mutex_);
    media_prefixes_[std::move(prefix)] = Media{std::move(bytes), std::move(content_type)};
}

Status ApiServer::add_media_file(std::string media_id, const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Error{std::make_error_code(std::errc::no_such_file_or_directory), file.string()};
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string ext = file.extension().string();
    const std::string type = ext == ".png" ? "image/png" : ext == ".gif" ? "image/gif"
                           : ext == ".amr" ? "audio/amr" : "image/jpeg";
    add_media(std::move(media_id), std::move(bytes), type);
    return Ok{};
}

std::string ApiServer::issue_token() {
    std::ostringstream token;
    token << "SIM_" << ++next_token_ << "_" << options_.appid << "_ACCESS_TOKEN";
    tokens_[token.str()] = TokenState::valid;
    return token.str();
}

int ApiServer::check_token(std::string_view query) const {
    const std::string token = query_param(query, "access_token");
    if (token.empty()) return 41001;
    const auto it = tokens_.find(token);
    if (it == tokens_.end()) return 40001;
    return it->second == TokenState::expired ? 42001 : 0;
}

ApiResponse ApiServer::token(std::string_view query, RecordedCall& call) {
    if (query_param(query, "grant_type") != "client_credential") return call.errcode = 40002, error_response(40002);
    if (query_param(query, "appid") != options_.appid) return call.errcode = 40013, error_response(40013);
    if (query_param(query, "secret") != options_.secret) return call.errcode = 40125, error_response(40125);
    return json_response({{"access_token", issue_token()}, {"expires_in", options_.token_ttl.count()}});
}

ApiResponse ApiServer::stable_token(std::string_view body, RecordedCall& call) {
    const json j = json::parse(body, nullptr, false);
    const auto field = [&](const char* k) {
        return j.is_object() && j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
    };
    if (!j.is_object()) return call.errcode = 47001, error_response(47001);
    if (field("grant_type") != "client_credential") return call.errcode = 40002, error_response(40002);
    if (field("appid") != options_.appid) return call.errcode = 40013, error_response(40013);
    if (field("secret") != options_.secret) return call.errcode = 40125, error_response(40125);
    const bool force = j.contains("force_refresh") && j["force_refresh"].is_boolean() &&
                       j["force_refresh"].get<bool>();
    const auto it = tokens_.find(stable_token_);
    if (force || stable_token_.empty() || it == tokens_.end() || it->second != TokenState::valid) {
        stable_token_ = issue_token();
    }
    return json_response({{"access_token", stable_token_}, {"expires_in", options_.token_ttl.count()}});
}

ApiResponse ApiServer::template_send(RecordedCall& call, int& errcode) {
    const json& j = call.json;
    if (!j.is_object()) return error_response(errcode = 47001);
    if (!j.contains("touser") || !j["touser"].is_string() || j["touser"].get<std::string>().empty()) {
        return error_response(errcode = 40003);
    }
    if (!j.contains("template_id") || !j["template_id"].is_string() ||
        j["template_id"].get<std::string>().empty()) {
        return error_response(errcode = 40037);
    }
    if (j.contains("data") && !j["data"].is_object()) return error_response(errcode = 47001);
    call.msgid = static_cast<std::int64_t>(++next_msgid_);
    return json_response({{"errcode", 0}, {"errmsg", "ok"}, {"msgid", *call.msgid}});
}

ApiResponse ApiServer::custom_send(const RecordedCall& call, int& errcode) {
    const json& j = call.json;
    if (!j.is_object()) return error_response(errcode = 47001);
    if (!j.contains("touser") || !j["touser"].is_string() || j["touser"].get<std::string>().empty()) {
        return error_response(errcode = 40003);
    }
    static const std::vector<std::string> types{"text", "image", "voice", "video", "music",
                                                "news", "mpnews", "msgmenu", "wxcard",
                                                "miniprogrampage"};
    const std::string type = j.contains("msgtype") && j["msgtype"].is_string() ? j["msgtype"].get<std::string>() : "";
    if (std::find(types.begin(), types.end(), type) == types.end() || !j.contains(type) ||
        !j[type].is_object()) {
        return error_response(errcode = 40008);
    }
    if (type == "text" && (!j["text"].contains("content") || !j["text"]["content"].is_string())) {
        return error_response(errcode = 47001);
    }
    return json_response({{"errcode", 0}, {"errmsg", "ok"}});
}

ApiResponse ApiServer::media_get(std::string_view query, int& errcode) {
    const std::string id = query_param(query, "media_id");
    std::optional<Media> found;
    if (const auto it = media_.find(id); it != media_.end()) {
        found = it->second;
    } else {
        // The longest prefix of `id` given: the last key not after `id` that `id` starts with.
        for (auto it = media_prefixes_.upper_bound(id); it != media_prefixes_.begin();) {
            --it;
            if (id.starts_with(it->first)) {
                found = Media{it->second.bytes + id, it->second.content_type};
                break;
            }
        }
    }
    if (!found || id.empty()) return error_response(errcode = 40007);
    const std::string ext = found->content_type == "image/png" ? ".png" : ".jpg";
    ApiResponse r{200, found->content_type, std::move(found->bytes), {}, {}};
    r.content_disposition = "attachment; filename=\"" + id + ext + "\"";
    return r;
}

ApiResponse ApiServer::control(std::string_view method, std::string_view path,
                               std::string_view query, std::string_view body) {
    if (path == "/sim/calls" && method == "GET") return json_response(calls_json());
    if (path == "/sim/calls" && method == "DELETE") {
        clear_calls();
        return json_response({{"ok", true}});
    }
    if (method != "POST") return json_response({{"error", "unknown control"}}, 404);
    if (path == "/sim/fail") {
        const std::string times = query_param(query, "times");
        const std::string errcode = query_param(query, "errcode");
        const std::string http_status = query_param(query, "http_status");
        const std::string delay_ms = query_param(query, "delay_ms");
        const std::string late_ms = query_param(query, "late_ms");
        Fault fault{Fault::Kind::errcode, std::atoi(errcode.c_str()), {}};
        if (!late_ms.empty()) {
            fault =
                Fault{Fault::Kind::late, 0, std::chrono::milliseconds(std::atoll(late_ms.c_str()))};
            if (fault.delay.count() <= 0)
                return json_response({{"error", "late_ms must be > 0"}}, 400);
        } else if (!http_status.empty()) {
            fault = Fault{Fault::Kind::http_status, std::atoi(http_status.c_str()), {}};
            if (fault.code < 400 || fault.code > 599)
                return json_response({{"error", "http_status must be 400-599"}}, 400);
        } else if (!delay_ms.empty()) {
            fault = Fault{Fault::Kind::slow, errcode.empty() ? -1 : fault.code,
                          std::chrono::milliseconds(std::atoll(delay_ms.c_str()))};
            if (fault.delay.count() <= 0) return json_response({{"error", "delay_ms must be > 0"}}, 400);
        } else if (errcode.empty()) {
            return json_response({{"error", "give errcode, http_status, delay_ms or late_ms"}},
                                 400);
        }
        fail_next(query_param(query, "path"), fault, times.empty() ? 1 : std::atoi(times.c_str()));
        return json_response({{"ok", true}});
    }
    if (path == "/sim/expire_tokens") return expire_tokens(), json_response({{"ok", true}});
    if (path == "/sim/invalidate_tokens") return invalidate_tokens(), json_response({{"ok", true}});
    if (path == "/sim/media") {
        std::string type = query_param(query, "content_type");
        if (type.empty()) type = "image/jpeg";
        const std::string id = query_param(query, "media_id");
        const std::string prefix = query_param(query, "media_id_prefix");
        if (id.empty() == prefix.empty())
            return json_response({{"error", "give media_id or media_id_prefix (one of them)"}}, 400);
        if (!id.empty())
            add_media(id, std::string(body), type);
        else
            add_media_prefix(prefix, std::string(body), type);
        return json_response({{"ok", true}});
    }
    return json_response({{"error", "unknown control"}}, 404);
}

ApiResponse ApiServer::handle(std::string_view method, std::string_view target,
                              std::string_view body) {
    const std::size_t q = target.find('?');
    const std::string_view path = target.substr(0, q);
    const std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
    if (path.starts_with("/sim/")) return control(method, path, query, body);

    RecordedCall call;
    call.method = std::string(method);
    call.path = std::string(path);
    call.query = std::string(query);
    call.body = std::string(body);
    call.json = json::parse(body, nullptr, false);
    if (call.json.is_discarded()) call.json = nullptr;
    call.received_at = std::chrono::system_clock::now();
    std::lock_guard lock(mutex_);
    ApiResponse response;
    int errcode = 0;
    std::optional<Fault> fault;
    if (auto f = failures_.find(call.path); f != failures_.end() && !f->second.empty()) {
        fault = f->second.front();
        f->second.erase(f->second.begin());
    }
    std::chrono::milliseconds late{0};  // a late fault's: the usual answer, held
    if (fault && fault->kind == Fault::Kind::late) {
        late = fault->delay;
        fault.reset();
    }
    if (fault) {
        if (fault->kind == Fault::Kind::http_status) {
            response = gateway_error(fault->code);
            errcode = -1;
        } else {
            response = error_response(errcode = fault->code);
            if (fault->kind == Fault::Kind::slow) response.delay = call.delay = fault->delay;
        }
    } else if (path == "/cgi-bin/token" && method == "GET") {
        response = token(query, call);
        errcode = call.errcode;
    } else if (path == "/cgi-bin/stable_token" && method == "POST") {
        response = stable_token(body, call);
        errcode = call.errcode;
    } else if (path == "/cgi-bin/message/template/send" || path == "/cgi-bin/message/custom/send" ||
               path == "/cgi-bin/media/get") {
        if (const int bad = check_token(query); bad != 0) {
            response = error_response(errcode = bad);
        } else if (path == "/cgi-bin/media/get") {
            response = media_get(query, errcode);
        } else if (method != "POST") {
            response = error_response(errcode = 43002);
        } else if (path == "/cgi-bin/message/template/send") {
            response = template_send(call, errcode);
        } else {
            response = custom_send(call, errcode);
        }
    } else {
        response = json_response({{"errcode", 40066}, {"errmsg", errmsg_for(40066)}}, 404);
        errcode = 40066;
    }
    if (late.count() > 0) response.delay = call.delay = late;
    call.errcode = errcode;
    call.http_status = response.status;
    calls_.push_back(std::move(call));
    return response;
}

}  // namespace repairbot::wechat::sim
