// The typed configuration tree of repairbot. Loaded by config/loader.h from a TOML file, then
// overridden by REPAIRBOT_* environment variables, then validated; every other library receives
// the part it needs by value through its constructor.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace repairbot::config {

// REPAIRBOT_MYSQL_URL = mysql://user:pass@host:port/db
struct MysqlSettings {
    std::string host = "127.0.0.1";
    std::uint16_t port = 3306;
    std::string user;
    std::string password;  // secret: never logged
    std::string database;
    unsigned pool_size = 6;  // connections, and threads of the blocking pool (config/repairbot.toml)
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds acquire_timeout{2000};  // wait for a free pooled connection
    std::chrono::milliseconds read_timeout{10000};    // one statement's reply (and write)
    std::chrono::seconds lock_wait_timeout{5};        // innodb_lock_wait_timeout per session
    unsigned max_attempts = 5;  // tries of one unit of work on deadlock / lock wait / lost link
    std::chrono::milliseconds retry_backoff{10};  // first back-off, doubled per try, jittered
};

// REPAIRBOT_REDIS_URL = redis://[:password@]host:port/db
struct RedisSettings {
    std::string host = "127.0.0.1";
    std::uint16_t port = 6379;
    std::string password;  // secret: never logged
    int db = 0;
    std::chrono::milliseconds connect_timeout{1000};
    std::chrono::milliseconds command_timeout{1000};
    std::string key_prefix = "rb:";
    std::chrono::milliseconds reconnect_min{50};    // first reconnect back-off, doubled per try
    std::chrono::milliseconds reconnect_max{1000};  // cap of the reconnect back-off
};

struct HttpSettings {
    std::string listen_host = "127.0.0.1";  // REPAIRBOT_LISTEN = host:port
    std::uint16_t listen_port = 8080;
    std::size_t body_limit = 64 * 1024;  // bytes; WeChat bodies are small
    std::chrono::milliseconds request_timeout{10000};  // read + handle + write of one request
    std::chrono::milliseconds idle_timeout{30000};     // keep-alive wait for the next request
    std::chrono::milliseconds shutdown_grace{5000};    // in-flight requests on SIGTERM
    std::size_t max_connections = 10000;
    unsigned threads = 1;  // event-loop threads
};

struct WechatSettings {
    std::string token;    // REPAIRBOT_WECHAT_TOKEN (secret)
    std::string appid;    // REPAIRBOT_WECHAT_APPID
    std::string secret;   // REPAIRBOT_WECHAT_SECRET (secret)
    std::string aes_key;  // REPAIRBOT_WECHAT_AES_KEY: 43 chars; empty = plain mode only (secret)
    std::string api_base = "https://api.weixin.qq.com";  // REPAIRBOT_WECHAT_API_BASE
    std::chrono::seconds timestamp_window{300};
    std::chrono::seconds dedupe_ttl{120};
};

struct AdminSettings {
    std::string token;  // REPAIRBOT_ADMIN_TOKEN (secret); empty disables the admin API
};

struct Settings {
    HttpSettings http;
    WechatSettings wechat;
    MysqlSettings mysql;
    RedisSettings redis;
    AdminSettings admin;
    std::string log_level = "info";
    std::string data_dir = "config";  // where the desk's data files live (catalog, replies, ...)
    std::string media_dir = "var/media";
    // Photos downloaded at once by the worker (photos.downloads) and pushes the outbox worker has
    // in flight at once (outbox.sends). 0 runs no such worker in this process: a desk split into
    // webhook processes and a worker process, which must then run one with it above 0.
    unsigned photo_downloads = 4;
    unsigned outbox_sends = 4;
    // The dispatchers' note of tickets nobody could take comes at most this often, one note for
    // all of them; an emergency is still told at once, on its own. 0: a note per ticket, at once
    // (dispatch.queue_note_seconds).
    unsigned queue_note_seconds = 60;
    // Tickets nobody could take go to whoever has room, a pass this often (a job ended, a
    // technician came on duty or was bound). 0: they wait for a dispatcher's 派单 by hand
    // (dispatch.retry_seconds).
    unsigned dispatch_retry_seconds = 10;
};

}  // namespace repairbot::config
