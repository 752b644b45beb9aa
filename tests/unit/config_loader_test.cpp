// Configuration: the file, the REPAIRBOT_* environment over it, and validation messages that
// name the key and the fix without echoing secrets.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "config/loader.h"
#include "config/url.h"

namespace repairbot::config {
namespace {

Environment valid_env() {
    return {
        {"REPAIRBOT_WECHAT_TOKEN", "pamtest"},
        {"REPAIRBOT_WECHAT_APPID", "wxb11529c136998cb6"},
        {"REPAIRBOT_WECHAT_SECRET", "s3cr3t-value"},
        {"REPAIRBOT_WECHAT_AES_KEY", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"},
        {"REPAIRBOT_MYSQL_URL", "mysql://bot:pa%40ss@db.local:3307/desk"},
        {"REPAIRBOT_REDIS_URL", "redis://:rpass@cache.local:6380/2"},
        {"REPAIRBOT_ADMIN_TOKEN", "admin-token-0123456789"},
    };
}

std::string joined(const LoadReport& r) {
    std::string s;
    for (const auto& p : r.problems) s += p + "\n";
    return s;
}

class TempFile {
public:
    explicit TempFile(const std::string& text, mode_t mode = 0600) {
        path_ = std::filesystem::temp_directory_path() /
                ("repairbot-config-" + std::to_string(::getpid()) + "-" +
                 std::to_string(counter_++) + ".toml");
        std::ofstream(path_) << text;
        ::chmod(path_.c_str(), mode);
    }
    ~TempFile() { std::filesystem::remove(path_); }
    [[nodiscard]] std::string path() const { return path_.string(); }

private:
    static inline int counter_ = 0;
    std::filesystem::path path_;
};

TEST(ConfigLoader, EnvironmentAloneGivesValidSettingsWithDefaults) {
    auto r = load("", valid_env());
    ASSERT_TRUE(r.problems.empty()) << joined(r);
    EXPECT_EQ(r.settings.http.listen_host, "127.0.0.1");
    EXPECT_EQ(r.settings.http.listen_port, 8080);
    EXPECT_EQ(r.settings.wechat.api_base, "https://api.weixin.qq.com");
    EXPECT_EQ(r.settings.mysql.host, "db.local");
    EXPECT_EQ(r.settings.mysql.port, 3307);
    EXPECT_EQ(r.settings.mysql.user, "bot");
    EXPECT_EQ(r.settings.mysql.password, "pa@ss");
    EXPECT_EQ(r.settings.mysql.database, "desk");
    EXPECT_EQ(r.settings.redis.host, "cache.local");
    EXPECT_EQ(r.settings.redis.port, 6380);
    EXPECT_EQ(r.settings.redis.password, "rpass");
    EXPECT_EQ(r.settings.redis.db, 2);
}

TEST(ConfigLoader, PublicEnvironmentNamesOverrideTheirKeys) {
    auto env = valid_env();
    env["REPAIRBOT_LISTEN"] = "0.0.0.0:9000";
    env["REPAIRBOT_WECHAT_API_BASE"] = "http://127.0.0.1:18081/";
    auto r = load("", env);
    ASSERT_TRUE(r.problems.empty()) << joined(r);
    EXPECT_EQ(r.settings.http.listen_host, "0.0.0.0");
    EXPECT_EQ(r.settings.http.listen_port, 9000);
    EXPECT_EQ(r.settings.wechat.api_base, "http://127.0.0.1:18081");  // trailing '/' dropped
    EXPECT_EQ(r.settings.wechat.token, "pamtest");
    EXPECT_EQ(r.settings.wechat.appid, "wxb11529c136998cb6");
    EXPECT_EQ(r.settings.wechat.secret, "s3cr3t-value");
    EXPECT_EQ(r.settings.admin.token, "admin-token-0123456789");
}

TEST(ConfigLoader, EnvironmentWinsOverTheFile) {
    TempFile f("[http]\nlisten = \"127.0.0.1:7000\"\nthreads = 2\n[log]\nlevel = \"debug\"\n"
               "[photos]\ndownloads = 8\n");
    auto env = valid_env();
    env["REPAIRBOT_LISTEN"] = "127.0.0.1:7001";
    env["REPAIRBOT_PHOTO_DOWNLOADS"] = "2";
    auto r = load(f.path(), env);
    ASSERT_TRUE(r.problems.empty()) << joined(r);
    EXPECT_EQ(r.settings.http.listen_port, 7001);
    EXPECT_EQ(r.settings.http.threads, 2u);  // from the file, not overridden
    EXPECT_EQ(r.settings.log_level, "debug");
    EXPECT_EQ(r.settings.photo_downloads, 2u);
}

TEST(ConfigLoader, PhotoDownloadsComeFromTheFileOrDefaultToFour) {
    EXPECT_EQ(load("", valid_env()).settings.photo_downloads, 4u);
    TempFile f("[photos]\ndownloads = 8\n");
    auto r = load(f.path(), valid_env());
    ASSERT_TRUE(r.problems.empty()) << joined(r);
    EXPECT_EQ(r.settings.photo_downloads, 8u);
}

TEST(ConfigLoader, OutboxSendsComeFromTheFileOrTheEnvironmentOrDefaultToFour) {
    EXPECT_EQ(load("", valid_env()).settings.outbox_sends, 4u);
    TempFile f("[outbox]\nsends = 8\n");
    auto r = load(f.path(), valid_env());
    ASSERT_TRUE(r.problems.empty()) << joined(r);
    EXPECT_EQ(r.settings.outbox_sends, 8u);
    auto env = valid_env();
    env["REPAIRBOT_OUTBOX_SENDS"] = "2";
    EXPECT_EQ(load(f.path(), env).settings.outbox_sends, 2u);
}

TEST(ConfigLoader, ZeroDownloadsOrSendsRunsNoSuchWorkerInThisProcess) {
    auto env = valid_env();
    env["REPAIRBOT_PHOTO_DOWNLOADS"] = "0";
    env["REPAIRBOT_OUTBOX_SENDS"] = "0";
    auto r = load("", env);
    ASSERT_TRUE(r.problems.empty()) << joined(r);
    EXPECT_EQ(r.settings.photo_downloads, 0u);
    EXPECT_EQ(r.settings.outbox_sends, 0u);
}

TEST(ConfigLoader, TheQueueNoteIntervalComesFromTheFileOrTheEnvironmentAndZeroMeansANotePerTicket) {
    EXPECT_EQ(load("", valid_env()).settings.queue_note_seconds, 60u);
    TempFile f("[dispatch]\nqueue_note_seconds = 120\n");
    auto r = load(f.path(), valid_env());
    ASSERT_TRUE(r.problems.empty()) << joined(r);
    EXPECT_EQ(r.settings.queue_note_seconds, 120u);
    auto env = valid_env();
    env["REPAIRBOT_QUEUE_NOTE_SECONDS"] = "0";
    auto zero = load(f.path(), env);
    ASSERT_TRUE(zero.problems.empty()) << joined(zero);
    EXPECT_EQ(zero.settings.queue_note_seconds, 0u);
}

TEST(ConfigLoader, TheWaitingTicketsPassComesFromTheFileOrTheEnvironmentAndZeroTurnsItOff) {
    EXPECT_EQ(load("", valid_env()).settings.dispatch_retry_seconds, 10u);
    TempFile f("[dispatch]\nretry_seconds = 30\n");
    auto r = load(f.path(), valid_env());
    ASSERT_TRUE(r.problems.empty()) << joined(r);
    EXPECT_EQ(r.settings.dispatch_retry_seconds, 30u);
    auto env = valid_env();
    env["REPAIRBOT_DISPATCH_RETRY_SECONDS"] = "0";
    auto zero = load(f.path(), env);
    ASSERT_TRUE(zero.problems.empty()) << joined(zero);
    EXPECT_EQ(zero.settings.dispatch_retry_seconds, 0u);
}

TEST(ConfigLoader, EveryFileKeyHasItsOwnEnvironmentVariable) {
    std::set<std::string> envs, keys;
    for (const auto& k : known_keys()) {
        EXPECT_TRUE(envs.insert(k.env).second) << k.env;
        EXPECT_TRUE(keys.insert(k.file_key).second) << k.file_key;
        EXPECT_EQ(k.env.rfind("REPAIRBOT_", 0), 0u) << k.env;
    }
    for (const char* name : {"REPAIRBOT_LISTEN", "REPAIRBOT_WECHAT_TOKEN", "REPAIRBOT_WECHAT_APPID",
                             "REPAIRBOT_WECHAT_SECRET", "REPAIRBOT_WECHAT_AES_KEY",
                             "REPAIRBOT_WECHAT_API_BASE", "REPAIRBOT_MYSQL_URL",
                             "REPAIRBOT_REDIS_URL", "REPAIRBOT_ADMIN_TOKEN"})
        EXPECT_TRUE(envs.count(name)) << name;
}

struct BadValue {
    const char* env;
    const char* value;
    const char* expected_in_message;  // the fix the message must mention
};

class ConfigRejects : public ::testing::TestWithParam<BadValue> {};

TEST_P(ConfigRejects, BadValueNamesKeyAndFix) {
    auto env = valid_env();
    env[GetParam().env] = GetParam().value;
    auto r = load("", env);
    ASSERT_EQ(r.problems.size(), 1u) << joined(r);
    EXPECT_NE(r.problems[0].find(GetParam().env), std::string::npos) << r.problems[0];
    EXPECT_NE(r.problems[0].find(GetParam().expected_in_message), std::string::npos)
        << r.problems[0];
}

INSTANTIATE_TEST_SUITE_P(
    Table, ConfigRejects,
    ::testing::Values(BadValue{"REPAIRBOT_LISTEN", "8080", "127.0.0.1:8080"},
                      BadValue{"REPAIRBOT_LISTEN", "127.0.0.1:0", "127.0.0.1:8080"},
                      BadValue{"REPAIRBOT_LISTEN", "127.0.0.1:70000", "1 to 65535"},
                      BadValue{"REPAIRBOT_LISTEN", ":8080", "host is empty"},
                      BadValue{"REPAIRBOT_WECHAT_TOKEN", "ab", "3 to 32 letters or digits"},
                      BadValue{"REPAIRBOT_WECHAT_TOKEN", "has space", "3 to 32 letters or digits"},
                      BadValue{"REPAIRBOT_WECHAT_AES_KEY", "short", "43"},
                      BadValue{"REPAIRBOT_WECHAT_AES_KEY",
                               "abcdefghijklmnopqrstuvwxyz0123456789ABCDE+=", "43"},
                      BadValue{"REPAIRBOT_WECHAT_APPID", "wx 123", "AppID"},
                      BadValue{"REPAIRBOT_WECHAT_API_BASE", "ftp://x", "https://api.weixin.qq.com"},
                      BadValue{"REPAIRBOT_MYSQL_URL", "postgres://u:p@h/db", "mysql://"},
                      BadValue{"REPAIRBOT_MYSQL_URL", "mysql://u:p@h:3306", "mysql://"},
                      BadValue{"REPAIRBOT_MYSQL_URL", "mysql://u:p@h:99999/db", "mysql://"},
                      BadValue{"REPAIRBOT_REDIS_URL", "http://h:6379", "redis://"},
                      BadValue{"REPAIRBOT_REDIS_URL", "redis://h:6379/99", "between 0 and 15"},
                      BadValue{"REPAIRBOT_ADMIN_TOKEN", "short", "16 characters"},
                      BadValue{"REPAIRBOT_HTTP_BODY_LIMIT", "12kb", "whole number"},
                      BadValue{"REPAIRBOT_HTTP_THREADS", "0", "between 1 and 256"},
                      BadValue{"REPAIRBOT_PHOTO_DOWNLOADS", "65", "between 0 and 64"},
                      BadValue{"REPAIRBOT_PHOTO_DOWNLOADS", "many", "whole number"},
                      BadValue{"REPAIRBOT_OUTBOX_SENDS", "65", "between 0 and 64"},
                      BadValue{"REPAIRBOT_QUEUE_NOTE_SECONDS", "3601", "between 0 and 3600"},
                      BadValue{"REPAIRBOT_QUEUE_NOTE_SECONDS", "1m", "whole number"},
                      BadValue{"REPAIRBOT_DISPATCH_RETRY_SECONDS", "3601", "between 0 and 3600"},
                      BadValue{"REPAIRBOT_LOG_LEVEL", "verbose", "debug, info, warn, error"}));

TEST(ConfigLoader, MissingRequiredValuesAreEachReported) {
    auto r = load("", {});
    std::string all = joined(r);
    for (const char* name : {"REPAIRBOT_WECHAT_TOKEN", "REPAIRBOT_WECHAT_APPID",
                             "REPAIRBOT_WECHAT_SECRET", "REPAIRBOT_MYSQL_URL",
                             "REPAIRBOT_REDIS_URL", "REPAIRBOT_ADMIN_TOKEN"})
        EXPECT_NE(all.find(std::string(name) + " is not set"), std::string::npos) << name;
    EXPECT_EQ(r.problems.size(), 6u) << all;
}

TEST(ConfigLoader, SecretValuesNeverAppearInMessages) {
    auto env = valid_env();
    env["REPAIRBOT_WECHAT_AES_KEY"] = "TOPSECRETKEYVALUE";
    env["REPAIRBOT_ADMIN_TOKEN"] = "hunter2";
    env["REPAIRBOT_MYSQL_URL"] = "mysql://u:verysecretpw@h";
    auto r = load("", env);
    std::string all = joined(r);
    EXPECT_EQ(r.problems.size(), 3u) << all;
    EXPECT_EQ(all.find("TOPSECRETKEYVALUE"), std::string::npos);
    EXPECT_EQ(all.find("hunter2"), std::string::npos);
    EXPECT_EQ(all.find("verysecretpw"), std::string::npos);
    EXPECT_NE(all.find("not shown"), std::string::npos);
}

TEST(ConfigLoader, DescribeMasksSecrets) {
    auto r = load("", valid_env());
    auto d = describe(r.settings);
    EXPECT_EQ(d.find("pa@ss"), std::string::npos) << d;
    EXPECT_EQ(d.find("rpass"), std::string::npos) << d;
    EXPECT_EQ(d.find("s3cr3t"), std::string::npos) << d;
    EXPECT_NE(d.find("mode=safe"), std::string::npos) << d;
}

TEST(ConfigLoader, UnknownFileKeyIsAProblem) {
    TempFile f("[http]\nlisten = \"127.0.0.1:7000\"\nlisen = \"x\"\n[nonsense]\na = 1\n");
    auto r = load(f.path(), valid_env());
    std::string all = joined(r);
    EXPECT_NE(all.find("unknown key http.lisen"), std::string::npos) << all;
    EXPECT_NE(all.find("unknown key nonsense.a"), std::string::npos) << all;
}

TEST(ConfigLoader, TomlSyntaxErrorNamesFileAndLine) {
    TempFile f("[http]\nlisten = \n");
    auto r = load(f.path(), valid_env());
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_NE(r.problems[0].find(f.path() + ":2:"), std::string::npos) << r.problems[0];
}

TEST(ConfigLoader, MissingFileIsAProblem) {
    auto r = load("/nonexistent/repairbot.toml", valid_env());
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_NE(r.problems[0].find("/nonexistent/repairbot.toml"), std::string::npos);
}

TEST(ConfigLoader, SecretInAWorldReadableFileIsRefused) {
    TempFile f("[wechat]\nsecret = \"in-the-file\"\n", 0644);
    auto env = valid_env();
    env.erase("REPAIRBOT_WECHAT_SECRET");
    auto r = load(f.path(), env);
    std::string all = joined(r);
    ASSERT_EQ(r.problems.size(), 1u) << all;
    EXPECT_NE(all.find("chmod 600"), std::string::npos) << all;
    EXPECT_EQ(all.find("in-the-file"), std::string::npos) << all;
}

TEST(ConfigLoader, SecretInAPrivateFileIsAccepted) {
    TempFile f("[wechat]\nsecret = \"in-the-file\"\n", 0600);
    auto env = valid_env();
    env.erase("REPAIRBOT_WECHAT_SECRET");
    auto r = load(f.path(), env);
    ASSERT_TRUE(r.problems.empty()) << joined(r);
    EXPECT_EQ(r.settings.wechat.secret, "in-the-file");
}

TEST(ConfigLoader, EmptyAesKeyMeansPlainModeWithAWarning) {
    auto env = valid_env();
    env["REPAIRBOT_WECHAT_AES_KEY"] = "";
    auto r = load("", env);
    ASSERT_TRUE(r.problems.empty()) << joined(r);
    EXPECT_TRUE(r.settings.wechat.aes_key.empty());
    ASSERT_EQ(r.warnings.size(), 1u);
}

TEST(ConfigLoader, ShippedConfigFileLoads) {
    auto r = load(std::string(REPAIRBOT_SOURCE_DIR) + "/config/repairbot.toml", valid_env());
    EXPECT_TRUE(r.problems.empty()) << joined(r);
}

TEST(Url, HostPortForms) {
    auto a = parse_host_port("[::1]:8080");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->host, "::1");
    EXPECT_EQ(a->port, 8080);
    EXPECT_FALSE(parse_host_port("localhost:").ok());
    EXPECT_FALSE(parse_host_port("localhost:80x").ok());
    EXPECT_FALSE(parse_host_port("[::1]8080").ok());
}

TEST(Url, PercentEscapesAndIpv6) {
    auto u = parse_url("mysql://us%3Aer:p%2Fw@[::1]:3306/db");
    ASSERT_TRUE(u.ok());
    EXPECT_EQ(u->user, "us:er");
    EXPECT_EQ(u->password, "p/w");
    EXPECT_EQ(u->host, "::1");
    EXPECT_EQ(u->port, 3306);
    EXPECT_EQ(u->path, "db");
    EXPECT_FALSE(parse_url("mysql://u:p%zz@h/db").ok());
    EXPECT_FALSE(parse_url("mysql://u:p%2@h/db").ok());
    EXPECT_FALSE(parse_url("nohost").ok());
}

}  // namespace
}  // namespace repairbot::config
