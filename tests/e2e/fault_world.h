// Test support for the fault tests: a desk of their own on the shared local servers — a private
// MariaDB database (repairbot_test_fault_*, migrated at start, dropped at the end) and a private
// redis-server — because every running bot claims outbox rows and SLA timers from whatever
// database and Redis it is given, and other tests' bots must never send this test's pushes or
// fire its timers with their own SLA policy. Also: the desk's data files with SLA values
// rewritten, technicians on duty, and what the simulated WeChat delivered. Blocking.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <cppconn/connection.h>
#include <cppconn/statement.h>

#include <nlohmann/json.hpp>

#include "adapters/wechat/sim/api_server.h"
#include "config/loader.h"
#include "store/mysql_pool.h"
#include "store/outbox_repository.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"
#include "tests/e2e/test_mysql.h"
#include "tests/e2e/wechat_channel.h"

namespace repairbot::testing {

inline store::Timestamp fault_now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// The ticket number (BX...) in a reply, or "".
inline std::string ticket_number_of(const std::string& text) {
    auto at = text.find("BX");
    if (at == std::string::npos) return {};
    auto end = text.find_first_not_of("BX0123456789-", at);
    return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// `body` from `openid` as WeChat posts it, stamped (CreateTime, a fresh MsgId) by `stamper`:
// stamp every message of one user with one client, so MsgIds never repeat across bots.
inline wechat::InboundMessage stamped_message(wechat::sim::WebhookClient& stamper, const std::string& openid,
                                              wechat::InboundBody body) {
    wechat::InboundMessage m;
    m.to_user = "gh_e2e_account";
    m.from_user = openid;
    m.body = std::move(body);
    return stamper.stamp(std::move(m));
}

// `m` signed for `client`'s bot now (a fresh timestamp and nonce; in safe mode freshly
// encrypted), as a resend from WeChat carries them.
inline wechat::sim::SignedWebhook signed_now(wechat::sim::WebhookClient& client, const wechat::InboundMessage& m) {
    return client.signer().sign_message(client.path(), m, client.options().mode, client.now());
}

// The text of a delivery's reply; "" when it was not a text reply.
inline std::string reply_text(const wechat::sim::Delivery& d) {
    const auto* t = std::get_if<wechat::TextReply>(&d.reply);
    return t ? t->content : std::string();
}

class FaultDesk {
public:
    // Creates and migrates the database; starts the private Redis. Check ready() after.
    explicit FaultDesk(const std::string& tag)
        : database_("repairbot_test_fault_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++)),
          redis_(tag) {
        with_mysql([&](sql::Connection& c) {
            std::unique_ptr<sql::Statement> s(c.createStatement());
            s->execute("DROP DATABASE IF EXISTS " + database_);
            s->execute("CREATE DATABASE " + database_ + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
            return 0;
        });
        auto base = test_mysql_url();
        mysql_url_ = base.substr(0, base.rfind('/') + 1) + database_;
        auto env = bot_environment(0);
        env["REPAIRBOT_MYSQL_URL"] = mysql_url_;
        settings_ = config::load("", env).settings;
        mysql_ = std::make_unique<store::MysqlPool>(blocking_, settings_.mysql);
        auto migrate_env = bot_environment(free_port());
        for (auto& [k, v] : this->env()) migrate_env[k] = v;
        auto [code, out] = run_bot_command({"migrate"}, migrate_env, "fault-migrate-" + tag);
        migrated_ = code == 0;
        migrate_output_ = out;
    }
    ~FaultDesk() {
        mysql_.reset();
        blocking_.join();
        with_mysql([&](sql::Connection& c) {
            std::unique_ptr<sql::Statement> s(c.createStatement());
            s->execute("DROP DATABASE IF EXISTS " + database_);
            return 0;
        });
        for (const auto& dir : data_dirs_) std::filesystem::remove_all(dir);
    }
    FaultDesk(const FaultDesk&) = delete;
    FaultDesk& operator=(const FaultDesk&) = delete;

    [[nodiscard]] bool ready() const { return migrated_; }
    [[nodiscard]] const std::string& migrate_output() const { return migrate_output_; }

    // What a bot of this desk is started with (on top of bot_environment).
    [[nodiscard]] std::map<std::string, std::string> env() const {
        return {{"REPAIRBOT_MYSQL_URL", mysql_url_}, {"REPAIRBOT_REDIS_URL", redis_.url()}};
    }
    [[nodiscard]] std::map<std::string, std::string> env(const wechat::sim::ApiServer& api) const {
        auto e = env();
        e["REPAIRBOT_WECHAT_API_BASE"] = api.base_url();
        return e;
    }

    // Runs `work(sql::Connection&)` on this desk's database, on the calling thread.
    template <class F>
    auto sql(F work) {
        return mysql_->run_sync(std::move(work));
    }

    // A copy of config/ with each (from, to) replaced once in sla.toml (a missing `from` fails
    // the test); removed with the desk.
    std::string data_dir_with_sla(const std::vector<std::pair<std::string, std::string>>& edits) {
        namespace fs = std::filesystem;
        fs::path dir = fs::temp_directory_path() / (database_ + "-data-" + std::to_string(data_dirs_.size()));
        fs::remove_all(dir);
        fs::copy(fs::path(REPAIRBOT_SOURCE_DIR) / "config", dir, fs::copy_options::recursive);
        std::ifstream in(dir / "sla.toml");
        std::stringstream text;
        text << in.rdbuf();
        std::string sla = text.str();
        for (const auto& [from, to] : edits) {
            auto at = sla.find(from);
            EXPECT_NE(at, std::string::npos) << "sla.toml has no '" << from << "'";
            if (at != std::string::npos) sla.replace(at, from.size(), to);
        }
        std::ofstream(dir / "sla.toml", std::ios::trunc) << sla;
        data_dirs_.push_back(dir.string());
        return dir.string();
    }

    // A technician on duty with `openid`, trades 水 and 电; returns the id (0 on failure).
    std::uint64_t add_technician(const std::string& name, const std::string& openid, std::uint32_t capacity) {
        return sql([&](sql::Connection& c) -> std::uint64_t {
            store::Technician t;
            t.openid = openid;
            t.name = name;
            t.phone = "13922223333";
            t.trades = {"水", "电"};
            t.capacity = capacity;
            auto added = store::TechnicianRepository::add(c, t, fault_now());
            return added ? added->id : 0;
        });
    }

    store::Ticket ticket(const std::string& number) {
        auto t = sql([&](sql::Connection& c) { return store::TicketRepository::find_by_number(c, number); });
        EXPECT_TRUE(t.ok()) << number;
        return t.ok() ? *t : store::Ticket{};
    }
    std::vector<store::Ticket> tickets_of(const std::string& owner) {
        store::TicketFilter filter;
        filter.owner_openid = owner;
        return sql([&](sql::Connection& c) { return store::TicketRepository::list(c, filter); });
    }
    std::vector<store::TicketEvent> events(std::uint64_t ticket_id) {
        return sql([&](sql::Connection& c) { return store::TicketRepository::events(c, ticket_id); });
    }
    std::vector<store::OutboxMessage> outbox(std::uint64_t ticket_id) {
        return sql([&](sql::Connection& c) { return store::OutboxRepository::for_ticket(c, ticket_id); });
    }

    PrivateRedis& redis() { return redis_; }

private:
    static std::atomic<int>& counter() {
        static std::atomic<int> n{0};
        return n;
    }

    std::string database_;
    std::string mysql_url_;
    PrivateRedis redis_;
    config::Settings settings_;
    boost::asio::thread_pool blocking_{1};
    std::unique_ptr<store::MysqlPool> mysql_;
    bool migrated_ = false;
    std::string migrate_output_;
    std::vector<std::string> data_dirs_;
};

// Events of `ticket_id` of `type` whose details mention `needle` ("" = all of that type).
inline std::size_t count_events(const std::vector<store::TicketEvent>& events, const std::string& type,
                                const std::string& needle = {}) {
    return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [&](const store::TicketEvent& e) {
        return e.type == type && (needle.empty() || e.details.find(needle) != std::string::npos);
    }));
}

// The SLA warnings (audit events of type sla_warning) about `stage` ("accept", "arrive", ...).
inline std::size_t warnings_of(const std::vector<store::TicketEvent>& events, const std::string& stage) {
    return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [&](const store::TicketEvent& e) {
        if (e.type != "sla_warning") return false;
        auto details = nlohmann::json::parse(e.details, nullptr, false);
        return details.is_object() && details.value("stage", "") == stage;
    }));
}

// Successful sends (template or customer-service) the simulated WeChat took for `openid`,
// each as its request's JSON text (UTF-8), oldest first.
inline std::vector<std::string> delivered_to(const wechat::sim::ApiServer& api, const std::string& openid) {
    std::vector<std::string> out;
    for (const char* path : {"/cgi-bin/message/template/send", "/cgi-bin/message/custom/send"})
        for (const auto& call : api.calls(path))
            if (call.errcode == 0 && call.json.is_object() && call.json.value("touser", "") == openid)
                out.push_back(call.json.dump());
    return out;
}

// How many of `sent` are the job push of ticket `number` (config/push.toml job_assigned, in its
// customer-service or its template wording).
inline std::size_t job_pushes(const std::vector<std::string>& sent, const std::string& number) {
    return static_cast<std::size_t>(std::count_if(sent.begin(), sent.end(), [&](const std::string& s) {
        return s.find(number) != std::string::npos &&
               (s.find("新工单") != std::string::npos || s.find("新的维修工单") != std::string::npos);
    }));
}

// How many of `sent` are an SLA warning (config/push.toml sla_warning) of ticket `number`.
inline std::size_t sla_warnings(const std::vector<std::string>& sent, const std::string& number) {
    return static_cast<std::size_t>(std::count_if(sent.begin(), sent.end(), [&](const std::string& s) {
        return s.find(number) != std::string::npos &&
               (s.find("时限快到了") != std::string::npos || s.find("工单时限提醒") != std::string::npos);
    }));
}

}  // namespace repairbot::testing
