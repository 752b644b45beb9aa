#include "config/loader.h"

#include <sys/stat.h>

#include <charconv>
#include <functional>
#include <set>
#include <toml++/toml.h>

#include "config/url.h"

extern char** environ;

namespace repairbot::config {
namespace {

// Where a raw value came from, for the messages.
struct Raw {
    std::string value;
    std::string origin;  // "the environment" or the file path
};

using Apply = std::function<std::string(Settings&, const std::string&)>;  // "" = ok, else why

struct Key {
    KeyInfo info;
    Apply apply;
    bool required = false;
};

std::string quoted(const std::string& v) { return "'" + v + "'"; }

template <class Int>
std::string parse_int(const std::string& v, Int lo, Int hi, Int& out) {
    long long n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc{} || end != v.data() + v.size())
        return "is not a whole number";
    if (n < static_cast<long long>(lo) || n > static_cast<long long>(hi))
        return "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
    out = static_cast<Int>(n);
    return {};
}

Apply int_key(auto lo, auto hi, auto setter) {
    return [=](Settings& s, const std::string& v) {
        decltype(lo) n{};
        auto why = parse_int(v, lo, hi, n);
        if (why.empty()) setter(s, n);
        return why;
    };
}

bool alnum_only(const std::string& v) {
    for (unsigned char c : v)
        if (!std::isalnum(c)) return false;
    return true;
}

const std::vector<Key>& keys() {
    static const std::vector<Key> all = [] {
        std::vector<Key> k;
        k.push_back({{"http.listen", "REPAIRBOT_LISTEN", false,
                      "address the webhook server listens on, host:port (default 127.0.0.1:8080)"},
                     [](Settings& s, const std::string& v) -> std::string {
                         auto hp = parse_host_port(v);
                         if (!hp) return "is not host:port (" + hp.error().detail +
                                         "); set it like 127.0.0.1:8080";
                         s.http.listen_host = hp->host;
                         s.http.listen_port = hp->port;
                         return {};
                     }});
        k.push_back({{"http.body_limit", "REPAIRBOT_HTTP_BODY_LIMIT", false,
                      "largest request body accepted, bytes (default 65536)"},
                     int_key(std::size_t{1024}, std::size_t{16 << 20},
                             [](Settings& s, std::size_t n) { s.http.body_limit = n; })});
        k.push_back({{"http.request_timeout_ms", "REPAIRBOT_HTTP_REQUEST_TIMEOUT_MS", false,
                      "deadline for reading, handling and answering one request (default 10000)"},
                     int_key(100, 600000, [](Settings& s, int n) {
                         s.http.request_timeout = std::chrono::milliseconds(n);
                     })});
        k.push_back({{"http.idle_timeout_ms", "REPAIRBOT_HTTP_IDLE_TIMEOUT_MS", false,
                      "how long a keep-alive connection may wait for its next request (default 30000)"},
                     int_key(100, 3600000, [](Settings& s, int n) {
                         s.http.idle_timeout = std::chrono::milliseconds(n);
                     })});
        k.push_back({{"http.shutdown_grace_ms", "REPAIRBOT_HTTP_SHUTDOWN_GRACE_MS", false,
                      "on SIGTERM, how long requests in flight may take to finish (default 5000)"},
                     int_key(0, 600000, [](Settings& s, int n) {
                         s.http.shutdown_grace = std::chrono::milliseconds(n);
                     })});
        k.push_back({{"http.max_connections", "REPAIRBOT_HTTP_MAX_CONNECTIONS", false,
                      "open connections at most; more wait in the listen backlog (default 10000)"},
                     int_key(std::size_t{1}, std::size_t{1000000},
                             [](Settings& s, std::size_t n) { s.http.max_connections = n; })});
        k.push_back({{"http.threads", "REPAIRBOT_HTTP_THREADS", false,
                      "event-loop threads (default 1)"},
                     int_key(1u, 256u, [](Settings& s, unsigned n) { s.http.threads = n; })});
        k.push_back({{"wechat.token", "REPAIRBOT_WECHAT_TOKEN", true,
                      "the Token set on the Official Account's 基本配置 page (3-32 letters or digits)"},
                     [](Settings& s, const std::string& v) -> std::string {
                         if (v.size() < 3 || v.size() > 32 || !alnum_only(v))
                             return "must be 3 to 32 letters or digits, exactly the Token entered "
                                    "on the Official Account's 基本配置 page";
                         s.wechat.token = v;
                         return {};
                     },
                     true});
        k.push_back({{"wechat.appid", "REPAIRBOT_WECHAT_APPID", false,
                      "the Official Account's AppID (wx...)"},
                     [](Settings& s, const std::string& v) -> std::string {
                         if (v.empty() || v.size() > 32 || !alnum_only(v))
                             return "must be the account's AppID, letters and digits like "
                                    "wx1234567890abcdef";
                         s.wechat.appid = v;
                         return {};
                     },
                     true});
        k.push_back({{"wechat.secret", "REPAIRBOT_WECHAT_SECRET", true,
                      "the AppSecret, for the API access token"},
                     [](Settings& s, const std::string& v) -> std::string {
                         if (v.empty() || v.size() > 128)
                             return "must be the account's AppSecret (1 to 128 characters)";
                         s.wechat.secret = v;
                         return {};
                     },
                     true});
        k.push_back({{"wechat.aes_key", "REPAIRBOT_WECHAT_AES_KEY", true,
                      "the 43-character EncodingAESKey; empty means plain mode only"},
                     [](Settings& s, const std::string& v) -> std::string {
                         if (!v.empty() && (v.size() != 43 || !alnum_only(v)))
                             return "is " + std::to_string(v.size()) +
                                    " characters long; it must be the 43-letter-or-digit "
                                    "EncodingAESKey from the 基本配置 page, or empty for plain mode";
                         s.wechat.aes_key = v;
                         return {};
                     }});
        k.push_back({{"wechat.api_base", "REPAIRBOT_WECHAT_API_BASE", false,
                      "base URL of the WeChat API (default https://api.weixin.qq.com)"},
                     [](Settings& s, const std::string& v) -> std::string {
                         auto u = parse_url(v);
                         if (!u || (u->scheme != "https" && u->scheme != "http"))
                             return "must be an http(s) URL like https://api.weixin.qq.com";
                         auto base = v;
                         while (!base.empty() && base.back() == '/') base.pop_back();
                         s.wechat.api_base = base;
                         return {};
                     }});
        k.push_back({{"wechat.timestamp_window_s", "REPAIRBOT_WECHAT_TIMESTAMP_WINDOW_S", false,
                      "webhooks whose timestamp is further than this from now are refused (default 300)"},
                     int_key(1, 86400, [](Settings& s, int n) {
                         s.wechat.timestamp_window = std::chrono::seconds(n);
                     })});
        k.push_back({{"mysql.url", "REPAIRBOT_MYSQL_URL", true,
                      "MySQL/MariaDB, mysql://user:pass@host:port/db"},
                     [](Settings& s, const std::string& v) -> std::string {
                         auto u = parse_url(v);
                         if (!u || u->scheme != "mysql" || u->user.empty() || u->path.empty() ||
                             u->path.find('/') != std::string::npos)
                             return "must look like mysql://user:pass@127.0.0.1:3306/repairbot";
                         s.mysql.host = u->host;
                         s.mysql.port = u->port ? u->port : 3306;
                         s.mysql.user = u->user;
                         s.mysql.password = u->password;
                         s.mysql.database = u->path;
                         return {};
                     },
                     true});
        k.push_back({{"mysql.pool_size", "REPAIRBOT_MYSQL_POOL_SIZE", false,
                      "MySQL connections (and blocking threads) per process (default 6)"},
                     int_key(1u, 256u, [](Settings& s, unsigned n) { s.mysql.pool_size = n; })});
        k.push_back({{"redis.url", "REPAIRBOT_REDIS_URL", true,
                      "Redis, redis://[:password@]host:port/db"},
                     [](Settings& s, const std::string& v) -> std::string {
                         auto u = parse_url(v);
                         if (!u || u->scheme != "redis")
                             return "must look like redis://127.0.0.1:6379/0";
                         int db = 0;
                         if (!u->path.empty()) {
                             auto why = parse_int(u->path, 0, 15, db);
                             if (!why.empty()) return "has a database number that " + why;
                         }
                         s.redis.host = u->host;
                         s.redis.port = u->port ? u->port : 6379;
                         s.redis.password = u->password;
                         s.redis.db = db;
                         return {};
                     },
                     true});
        k.push_back({{"admin.token", "REPAIRBOT_ADMIN_TOKEN", true,
                      "bearer token of the admin API (16 characters or more)"},
                     [](Settings& s, const std::string& v) -> std::string {
                         if (v.size() < 16)
                             return "must be at least 16 characters (e.g. from `openssl rand "
                                    "-hex 24`)";
                         s.admin.token = v;
                         return {};
                     },
                     true});
        k.push_back({{"log.level", "REPAIRBOT_LOG_LEVEL", false,
                      "debug, info, warn or error (default info)"},
                     [](Settings& s, const std::string& v) -> std::string {
                         if (v != "debug" && v != "info" && v != "warn" && v != "error")
                             return "must be one of debug, info, warn, error";
                         s.log_level = v;
                         return {};
                     }});
        k.push_back({{"paths.data_dir", "REPAIRBOT_DATA_DIR", false,
                      "folder of the desk's data files: fault catalog, replies, SLA, holidays (default config)"},
                     [](Settings& s, const std::string& v) -> std::string {
                         if (v.empty()) return "must name a folder";
                         s.data_dir = v;
                         return {};
                     }});
        k.push_back({{"paths.media_dir", "REPAIRBOT_MEDIA_DIR", false,
                      "folder where downloaded photos are stored (default var/media)"},
                     [](Settings& s, const std::string& v) -> std::string {
                         if (v.empty()) return "must name a folder";
                         s.media_dir = v;
                         return {};
                     }});
        k.push_back({{"photos.downloads", "REPAIRBOT_PHOTO_DOWNLOADS", false,
                      "photos the download worker fetches at once; 0 = this process downloads none, another "
                      "process of the desk must (default 4)"},
                     int_key(0u, 64u, [](Settings& s, unsigned n) { s.photo_downloads = n; })});
        k.push_back({{"outbox.sends", "REPAIRBOT_OUTBOX_SENDS", false,
                      "pushes the outbox worker has in flight at once; 0 = this process sends none, another "
                      "process of the desk must (default 4)"},
                     int_key(0u, 64u, [](Settings& s, unsigned n) { s.outbox_sends = n; })});
        k.push_back({{"dispatch.queue_note_seconds", "REPAIRBOT_QUEUE_NOTE_SECONDS", false,
                      "the dispatchers hear of tickets nobody could take, and of waiting tickets near or past "
                      "a deadline of any stage (the supervisors of the late ones), at most this often, in one "
                      "note; 0 = a note, a warning and an escalation per ticket (default 60)"},
                     int_key(0u, 3600u, [](Settings& s, unsigned n) { s.queue_note_seconds = n; })});
        k.push_back({{"dispatch.retry_seconds", "REPAIRBOT_DISPATCH_RETRY_SECONDS", false,
                      "tickets nobody could take go to whoever has room, a pass this often (a job ended, a "
                      "technician came on duty or was bound); 0 = they wait for a dispatcher's dispatch by hand "
                      "(POST /api/tickets/{number}/dispatch) (default 10)"},
                     int_key(0u, 3600u, [](Settings& s, unsigned n) { s.dispatch_retry_seconds = n; })});
        return k;
    }();
    return all;
}

void flatten(const toml::table& table, const std::string& prefix, const std::string& path,
             std::map<std::string, Raw>& out, std::vector<std::string>& problems) {
    for (const auto& [k, node] : table) {
        std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
        if (const auto* sub = node.as_table()) {
            if (!prefix.empty()) {
                problems.push_back(path + ": unknown table [" + key + "]; remove it");
                continue;
            }
            flatten(*sub, key, path, out, problems);
        } else if (const auto* s = node.as_string()) {
            out[key] = {s->get(), path};
        } else if (const auto* i = node.as_integer()) {
            out[key] = {std::to_string(i->get()), path};
        } else if (const auto* b = node.as_boolean()) {
            out[key] = {b->get() ? "true" : "false", path};
        } else {
            problems.push_back(path + ": key " + key + " must be a string or a whole number");
        }
    }
}

}  // namespace

Environment process_environment() {
    Environment env;
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv(*e);
        if (kv.rfind("REPAIRBOT_", 0) != 0) continue;
        auto eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
    return env;
}

const std::vector<KeyInfo>& known_keys() {
    static const std::vector<KeyInfo> infos = [] {
        std::vector<KeyInfo> v;
        for (const auto& k : keys()) v.push_back(k.info);
        return v;
    }();
    return infos;
}

LoadReport load(const std::string& path, const Environment& env) {
    LoadReport report;
    std::map<std::string, Raw> raw;
    bool file_private = true;

    if (!path.empty()) {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) {
            report.problems.push_back("config file " + path +
                                      " cannot be read; pass --config with an existing file");
            return report;
        }
        file_private = (st.st_mode & 077) == 0;
        try {
            auto table = toml::parse_file(path);
            flatten(table, "", path, raw, report.problems);
        } catch (const toml::parse_error& e) {
            const auto& where = e.source().begin;
            report.problems.push_back(path + ":" + std::to_string(where.line) + ":" +
                                      std::to_string(where.column) + ": " +
                                      std::string(e.description()) + "; fix the TOML syntax");
            return report;
        }
        std::set<std::string> known;
        for (const auto& k : keys()) known.insert(k.info.file_key);
        for (const auto& [key, value] : raw) {
            if (!known.count(key))
                report.problems.push_back(path + ": unknown key " + key +
                                          "; remove it or check its spelling");
        }
    }

    for (const auto& k : keys()) {
        auto from_env = env.find(k.info.env);
        std::optional<Raw> value;
        if (from_env != env.end()) {
            value = Raw{from_env->second, "the environment"};
        } else if (auto it = raw.find(k.info.file_key); it != raw.end()) {
            value = it->second;
            if (k.info.secret && !value->value.empty() && !file_private)
                report.problems.push_back(
                    path + " holds the secret " + k.info.file_key +
                    " but other users can read the file; run chmod 600 " + path + " or set " +
                    k.info.env + " in the environment instead");
        }
        if (!value || (value->value.empty() && k.required)) {
            if (k.required)
                report.problems.push_back(k.info.env + " is not set; set it (or " +
                                          k.info.file_key + " in the config file) to " +
                                          k.info.help);
            continue;
        }
        auto why = k.apply(report.settings, value->value);
        if (!why.empty()) {
            std::string shown = k.info.secret ? "(secret, not shown)" : quoted(value->value);
            report.problems.push_back(k.info.env + " (" + k.info.file_key + ") = " + shown +
                                      " from " + value->origin + " " + why);
        }
    }
    if (report.settings.wechat.aes_key.empty())
        report.warnings.push_back(
            "REPAIRBOT_WECHAT_AES_KEY is empty: only plain mode is accepted; set the "
            "EncodingAESKey to accept safe (encrypted) mode");
    return report;
}

std::string describe(const Settings& s) {
    return "listen=" + s.http.listen_host + ":" + std::to_string(s.http.listen_port) +
           " appid=" + s.wechat.appid + " mode=" + (s.wechat.aes_key.empty() ? "plain" : "safe") +
           " api_base=" + s.wechat.api_base + " mysql=" + s.mysql.user + "@" + s.mysql.host +
           ":" + std::to_string(s.mysql.port) + "/" + s.mysql.database +
           " redis=" + s.redis.host + ":" + std::to_string(s.redis.port) + "/" +
           std::to_string(s.redis.db) + " data_dir=" + s.data_dir;
}

}  // namespace repairbot::config
