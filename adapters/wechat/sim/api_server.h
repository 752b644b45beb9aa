// The WeChat API endpoints the bot calls, served on loopback with WeChat's JSON shapes and
// errcodes: access tokens, template and customer-service sends, media download. Every call is
// recorded for tests (in process: calls(); out of process: GET /sim/calls), and faults can be
// queued per path (errcodes, HTTP 5xx, answers slower than the caller's timeout). Runs its own
// io_context on its own thread; every public member is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/errors.h"

namespace repairbot::wechat::sim {

struct ApiServerOptions {
    std::string appid;
    std::string secret;
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 0;  // 0: any free port (see port())
    std::chrono::seconds token_ttl{7200};
};

// One API call as received.
struct RecordedCall {
    std::string method;  // "GET", "POST"
    std::string path;    // "/cgi-bin/message/custom/send"
    std::string query;   // raw, after '?'
    std::string body;    // raw request body
    int errcode = 0;     // what the simulator answered (0 = ok; -1 for an HTTP error status)
    nlohmann::json json;  // the body parsed as JSON, or null
    int http_status = 200;                // the HTTP status answered
    std::chrono::milliseconds delay{0};  // how long the answer was held back (a slow or late fault)
    std::chrono::system_clock::time_point received_at{};  // when the call arrived
    std::optional<std::int64_t> msgid;                    // a delivered template message's
};

// What the simulator answers instead of the endpoint, for tests of the bot's retries.
struct Fault {
    enum class Kind {
        errcode,      // HTTP 200 with {"errcode": code} (40001, 45009, -1, ...)
        http_status,  // HTTP `code` (e.g. 502, 503) with a gateway's HTML page, no JSON
        slow,         // held `delay`, then HTTP 200 with {"errcode": code}: not delivered
        late,         // held `delay`, then answered as usual (a send is delivered); `code` unused
    };
    Kind kind = Kind::errcode;
    int code = 0;
    std::chrono::milliseconds delay{0};
};

// An HTTP answer of the simulator (exposed for tests of handle()).
struct ApiResponse {
    int status = 200;
    std::string content_type = "application/json; charset=utf-8";
    std::string body;
    std::string content_disposition;  // media downloads only
    std::chrono::milliseconds delay{0};  // the server waits this long before answering
};

class ApiServer {
public:
    explicit ApiServer(ApiServerOptions options);
    ~ApiServer();
    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;

    // Binds and starts serving on a background thread. Returns the bound port; fails with the
    // bind error. Blocks only for the bind.
    [[nodiscard]] Result<std::uint16_t> start();
    // Stops accepting, drops connections, joins the thread. Idempotent; blocks until joined.
    void stop();

    [[nodiscard]] std::uint16_t port() const;
    [[nodiscard]] std::string base_url() const;  // "http://127.0.0.1:PORT"

    // Recorded calls, oldest first; `path` filters ("" = all). In JSON (GET /sim/calls) each call
    // also has "http_status", "delay_ms" and "at_ms" (received_at, ms since the Unix epoch).
    [[nodiscard]] std::vector<RecordedCall> calls(std::string_view path = {}) const;
    [[nodiscard]] nlohmann::json calls_json() const;
    void clear_calls();

    // The next `times` calls to `path` (any API path) answer `errcode` (e.g. 40001, 42001,
    // 45009, -1) with WeChat's errmsg, before any other check.
    void fail_next(std::string path, int errcode, int times = 1);
    // The next `times` calls to `path` meet `fault`, queued behind earlier faults of that path
    // (faults of one path are met in the order they were queued). A slow fault's call is held
    // on the connection without blocking other calls.
    // Out of process: POST /sim/fail?path=P&errcode=E[&http_status=S][&delay_ms=D][&times=N]
    // (http_status: an HTTP error; delay_ms: a slow answer carrying errcode, default -1), or
    // POST /sim/fail?path=P&late_ms=D[&times=N] (a late answer that is otherwise as usual).
    void fail_next(std::string path, Fault fault, int times = 1);
    // From now on every token issued so far answers 42001 (expired) / 40001 (invalid).
    void expire_tokens();
    void invalidate_tokens();
    // Serves `bytes` for /cgi-bin/media/get?media_id=`media_id`.
    // Out of process: POST /sim/media?media_id=M[&content_type=T] with the bytes as the body.
    void add_media(std::string media_id, std::string bytes, std::string content_type = "image/jpeg");
    // Serves every media_id starting with `prefix` (and not given on its own) as `bytes`
    // followed by the id, so each id is a file of its own, as WeChat's are: a load test's
    // thousands of photos without thousands of uploads. A JPEG's decoders ignore bytes after
    // its end marker. Out of process: POST /sim/media?media_id_prefix=P[&content_type=T].
    void add_media_prefix(std::string prefix, std::string bytes, std::string content_type = "image/jpeg");
    // Reads `file` now; fails with the I/O error. The media id is given by the caller.
    [[nodiscard]] Status add_media_file(std::string media_id, const std::filesystem::path& file);

    // Answers one request; what the HTTP server calls. Pure apart from the recorded state.
    [[nodiscard]] ApiResponse handle(std::string_view method, std::string_view target,
                                     std::string_view body);

private:
    struct Media {
        std::string bytes;
        std::string content_type;
    };
    enum class TokenState { valid, expired };

    ApiResponse token(std::string_view query, RecordedCall& call);
    ApiResponse stable_token(std::string_view body, RecordedCall& call);
    ApiResponse template_send(RecordedCall& call, int& errcode);
    ApiResponse custom_send(const RecordedCall& call, int& errcode);
    ApiResponse media_get(std::string_view query, int& errcode);
    ApiResponse control(std::string_view method, std::string_view path, std::string_view query,
                        std::string_view body);
    std::string issue_token();  // under mutex_
    int check_token(std::string_view query) const;  // 0 or an errcode; under mutex_

    ApiServerOptions options_;
    mutable std::mutex mutex_;
    std::vector<RecordedCall> calls_;
    std::map<std::string, std::vector<Fault>> failures_;  // path -> faults to answer, in order
    std::map<std::string, TokenState> tokens_;
    std::string stable_token_;
    std::map<std::string, Media> media_;
    std::map<std::string, Media> media_prefixes_;  // prefix -> what its ids are served as
    std::uint64_t next_token_ = 0;
    std::uint64_t next_msgid_ = 2000000000;

    struct Runtime;  // io_context, acceptor, thread
    std::unique_ptr<Runtime> runtime_;
    std::uint16_t port_ = 0;
};

// WeChat's errmsg for an errcode ("invalid credential, access_token is invalid or not latest").
[[nodiscard]] std::string errmsg_for(int errcode);

}  // namespace repairbot::wechat::sim
