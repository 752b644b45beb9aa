// The admin CLI and GET /api/tickets against the real MariaDB: a technician added from the
// command line binds with the printed code; disable, enable, duty and fresh codes change the row;
// tickets made through the repositories read the same through `ticket show --json` and the API.
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <random>
#include <sstream>

#include "bot/admin_api.h"
#include "bot/admin_command.h"
#include "bot/stats_command.h"
#include "store/errors.h"
#include "store/migrations.h"
#include "store/mysql_pool.h"
#include "store/photo_repository.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"
#include "tests/integration/store_env.h"

namespace repairbot::bot {
namespace {

namespace asio = boost::asio;
namespace chr = std::chrono;
using store::Timestamp;

constexpr const char* kToken = "admin-test-token";

struct CliRun {
    int code;
    std::string out, err;
};

std::string last_line(const std::string& text) {
    auto end = text.find_last_not_of('\n');
    if (end == std::string::npos) return "";
    auto start = text.rfind('\n', end);
    return text.substr(start == std::string::npos ? 0 : start + 1,
                       end - (start == std::string::npos ? 0 : start + 1) + 1);
}

bool is_bind_code(const std::string& s) {
    if (s.size() != kBindCodeLength) return false;
    for (char c : s)
        if (kBindCodeAlphabet.find(c) == std::string_view::npos) return false;
    return true;
}

class AdminIntegration : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        auto applied = store::migrate(store::testing::mysql_settings());
        ASSERT_TRUE(applied) << applied.error().message();
    }

    void SetUp() override {
        settings_.mysql = store::testing::mysql_settings();
        settings_.data_dir = std::string(REPAIRBOT_SOURCE_DIR) + "/config";
        auto sla = config::load_sla_data(settings_.data_dir);
        ASSERT_TRUE(sla) << sla.error().detail;
        sla_ = std::move(*sla);
    }

    void TearDown() override {
        // This test's rows, children first (foreign keys).
        const std::string like = tag_ + "%";
        pool_.run_sync([&like](sql::Connection& c) {
            for (const char* q :
                 {"DELETE FROM photos WHERE owner_openid LIKE ?",
                  "DELETE e FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
                  "WHERE t.owner_openid LIKE ?",
                  "DELETE o FROM outbox o JOIN tickets t ON t.id = o.ticket_id "
                  "WHERE t.owner_openid LIKE ?",
                  "DELETE FROM tickets WHERE owner_openid LIKE ?",
                  "DELETE b FROM bind_codes b JOIN technicians t ON t.id = b.technician_id "
                  "WHERE t.name LIKE ?",
                  "DELETE FROM technicians WHERE name LIKE ?"}) {
                std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(q));
                st->setString(1, like);
                st->executeUpdate();
            }
        });
        blocking_.join();
    }

    CliRun admin(std::string command, std::vector<std::string> args,
                 std::map<std::string, std::string> options = {}) {
        CommandLine cl{std::move(command), "", std::move(args), std::move(options)};
        std::ostringstream out, err;
        int code = run_admin(settings_, cl, now_, out, err);
        return {code, out.str(), err.str()};
    }

    store::Technician add_technician(const std::string& name) {
        store::Technician t;
        t.name = tag_ + name;
        t.phone = "13700000001";
        t.trades = {"水"};
        return pool_.run_sync([&t, this](sql::Connection& c) {
            return *store::TechnicianRepository::add(c, t, now_);
        });
    }

    store::Technician technician(std::uint64_t id) {
        return pool_.run_sync(
            [id](sql::Connection& c) { return *store::TechnicianRepository::find_by_id(c, id); });
    }

    Response get(const std::string& target, bool authorized = true) {
        Router router;
        const auto now = now_;
        add_admin_routes(router, pool_, sla_, kToken,
                         [now] { return chr::system_clock::time_point(now); });
        Request req{http::verb::get, target, 11};
        if (authorized) req.set(http::field::authorization, std::string("Bearer ") + kToken);
        asio::io_context io;
        return store::testing::run(io, router.handle(std::move(req)));
    }

    static std::string random_tag() {
        std::random_device rd;
        return "admtest-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 100000);
    }

    std::string tag_ = random_tag();
    Timestamp now_ = system_now();
    config::Settings settings_;
    config::SlaData sla_;
    asio::thread_pool blocking_{2};
    store::MysqlPool pool_{blocking_, store::testing::mysql_settings()};
};

TEST_F(AdminIntegration, TechnicianAddPrintsACodeThatBindsOnce) {
    auto r = admin("technician", {"add"},
                   {{"name", tag_ + "张师傅"},
                    {"phone", "13700000002"},
                    {"trades", "水,电"},
                    {"buildings", "1,2"},
                    {"supervisor", ""}});
    ASSERT_EQ(r.code, kExitOk) << r.err;
    const std::string code = last_line(r.out);
    EXPECT_TRUE(is_bind_code(code)) << r.out;

    auto first = r.out.find("technician ");
    ASSERT_NE(first, std::string::npos);
    const std::uint64_t id = std::stoull(r.out.substr(first + 11));
    auto t = technician(id);
    EXPECT_EQ(t.name, tag_ + "张师傅");
    EXPECT_EQ(t.phone, "13700000002");
    EXPECT_EQ(t.trades, (std::vector<std::string>{"水", "电"}));
    EXPECT_EQ(t.buildings, (std::vector<std::string>{"1", "2"}));
    EXPECT_TRUE(t.is_supervisor);
    EXPECT_FALSE(t.openid);

    const std::string openid = tag_ + "-tech-openid";
    auto bound = pool_.run_sync([&](sql::Connection& c) {
        return store::TechnicianRepository::bind(c, code, openid, now_ + chr::hours(1));
    });
    ASSERT_TRUE(bound) << bound.error().message();
    EXPECT_EQ(bound->id, id);
    auto again = pool_.run_sync([&](sql::Connection& c) {
        return store::TechnicianRepository::bind(c, code, openid, now_ + chr::hours(2));
    });
    EXPECT_EQ(again.code(), store::StoreErrc::invalid_state);  // one-time

    auto list = admin("technician", {"list"});
    ASSERT_EQ(list.code, kExitOk) << list.err;
    std::istringstream lines(list.out);
    std::string line, row;
    while (std::getline(lines, line))
        if (line.find(tag_ + "张师傅") != std::string::npos) row = line;
    ASSERT_FALSE(row.empty()) << list.out;
    EXPECT_NE(row.find("13700000002"), std::string::npos);
    EXPECT_NE(row.find("水,电"), std::string::npos);
    EXPECT_NE(row.find("supervisor"), std::string::npos);
    std::vector<std::string> cells;
    std::istringstream words(row);
    for (std::string w; words >> w;) cells.push_back(w);
    ASSERT_GE(cells.size(), 2u);
    EXPECT_EQ(cells[cells.size() - 2], "yes") << row;  // bound
    EXPECT_EQ(cells.back(), "yes") << row;             // active
}

TEST_F(AdminIntegration, DisableEnableDutyAndFreshCodes) {
    const auto t = add_technician("李师傅");
    const std::string id = std::to_string(t.id);

    auto off = admin("technician", {"duty", id, "off"});
    ASSERT_EQ(off.code, kExitOk) << off.err;
    EXPECT_FALSE(technician(t.id).on_duty);
    ASSERT_EQ(admin("technician", {"duty", id, "on"}).code, kExitOk);
    EXPECT_TRUE(technician(t.id).on_duty);

    ASSERT_EQ(admin("technician", {"disable", id}).code, kExitOk);
    EXPECT_FALSE(technician(t.id).active);
    EXPECT_EQ(admin("technician", {"list"}).out.find(t.name), std::string::npos);
    EXPECT_NE(admin("technician", {"list"}, {{"all", ""}}).out.find(t.name), std::string::npos);
    auto refused = admin("technician", {"bind-code", id});
    EXPECT_EQ(refused.code, kExitFailure);
    EXPECT_NE(refused.err.find("disabled"), std::string::npos) << refused.err;

    ASSERT_EQ(admin("technician", {"enable", id}).code, kExitOk);
    EXPECT_TRUE(technician(t.id).active);
    auto fresh = admin("technician", {"bind-code", id});
    ASSERT_EQ(fresh.code, kExitOk) << fresh.err;
    const std::string code = last_line(fresh.out);
    ASSERT_TRUE(is_bind_code(code)) << fresh.out;
    auto bound = pool_.run_sync([&](sql::Connection& c) {
        return store::TechnicianRepository::bind(c, code, tag_ + "-li", now_);
    });
    ASSERT_TRUE(bound) << bound.error().message();
    EXPECT_EQ(bound->id, t.id);

    auto missing = admin("technician", {"disable", "999999999"});
    EXPECT_EQ(missing.code, kExitFailure);
    EXPECT_NE(missing.err.find("no technician with ID 999999999"), std::string::npos);
}

// Disabling a technician names the jobs still theirs — nobody else does them until a dispatcher
// moves them — and how; jobs they finished are not listed.
TEST_F(AdminIntegration, DisablingATechnicianListsTheJobsStillTheirs) {
    const auto t = add_technician("赵师傅");
    const std::string id = std::to_string(t.id);
    auto quiet = admin("technician", {"disable", id});
    ASSERT_EQ(quiet.code, kExitOk) << quiet.err;
    EXPECT_EQ(quiet.out.find("still theirs"), std::string::npos) << quiet.out;
    ASSERT_EQ(admin("technician", {"enable", id}).code, kExitOk);

    std::vector<std::string> numbers;
    for (const char* status : {"dispatched", "accepted", "arrived", "done"}) {
        store::NewTicket n;
        n.ticket.idempotency_key = tag_ + ":" + status;
        n.ticket.owner_openid = tag_ + "-owner";
        n.ticket.phone = "13800138000";
        n.ticket.address = "3号楼2单元301";
        n.ticket.fault_type = "水管漏水";
        n.ticket.trade = "水";
        n.ticket.urgency = "normal";
        n.ticket.created_at = chr::floor<chr::seconds>(now_);
        n.first_event = store::NewEvent{n.ticket.owner_openid, "owner", "created", "{}"};
        numbers.push_back(pool_.run_sync([&](sql::Connection& c) {
            auto made = store::TicketRepository::create(c, n)->ticket;
            made.status = status;
            made.technician_id = t.id;
            return store::TicketRepository::update(c, made, {}, {}, now_)->number;
        }));
    }
    auto r = admin("technician", {"disable", id});
    ASSERT_EQ(r.code, kExitOk) << r.err;
    EXPECT_NE(r.out.find("still theirs (3): "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(numbers[0] + " dispatched"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(numbers[1] + " accepted"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(numbers[2] + " arrived"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find(numbers[3]), std::string::npos) << "finished: not theirs to do\n" << r.out;
    EXPECT_NE(r.out.find("POST /api/tickets/{number}/dispatch"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("repairbot technician enable " + id + "; repairbot technician duty " + id +
                         " off"),
              std::string::npos)
        << "the job on site\n"
        << r.out;
}

TEST_F(AdminIntegration, TicketsReadTheSameFromTheCliAndTheApi) {
    const auto tech = add_technician("王师傅");
    const std::string owner = tag_ + "-owner";
    auto make = [&](const std::string& key, Timestamp received) {
        store::NewTicket n;
        n.ticket.idempotency_key = tag_ + ":" + key;
        n.ticket.owner_openid = owner;
        n.ticket.phone = "13800138000";
        n.ticket.address = "3号楼2单元301";
        n.ticket.fault_type = "水管漏水";
        n.ticket.trade = "水";
        n.ticket.urgency = "normal";
        n.ticket.description = "厨房水管漏水 " + key;
        n.ticket.created_at = received;
        n.ticket.due.dispatch = received + chr::minutes(10);
        n.ticket.due.arrive = received + chr::hours(4);
        n.first_event = store::NewEvent{owner, "owner", "created", R"({"channel":"wechat"})"};
        return pool_.run_sync(
            [&n](sql::Connection& c) { return store::TicketRepository::create(c, n)->ticket; });
    };
    const Timestamp received_a = chr::floor<chr::seconds>(now_) - chr::hours(2);
    auto a = make("a", received_a);
    auto b = make("b", received_a + chr::hours(1));

    // A: dispatched on time, accepted late, a fee, a stored photo.
    a.status = store::ticket_status::accepted;
    a.technician_id = tech.id;
    a.at.dispatched = received_a + chr::minutes(5);
    a.at.accepted = received_a + chr::minutes(50);
    a.due.accept = received_a + chr::minutes(35);
    a.late.dispatch = false;
    a.late.accept = true;
    a.fee_cents = 8000;
    pool_.run_sync([&](sql::Connection& c) {
        a = *store::TicketRepository::update(
            c, a, store::NewEvent{"o-tech", "technician", "accepted", "{}"}, {}, *a.at.accepted);
        store::Photo p;
        p.ticket_id = a.id;
        p.owner_openid = owner;
        p.media_id = tag_ + "-media-1";
        p.pic_url = "http://mmbiz.qpic.cn/1";
        auto photo = *store::PhotoRepository::add(c, p, received_a);
        (void)store::PhotoRepository::mark_stored(c, photo.id, "var/media/ab/cd.jpg",
                                                  std::string(64, 'a'), 1234, received_a);
    });

    // ticket show --json
    auto shown = admin("ticket", {"show", a.number}, {{"json", ""}});
    ASSERT_EQ(shown.code, kExitOk) << shown.err;
    auto j = nlohmann::json::parse(shown.out);
    EXPECT_EQ(j["number"], a.number);
    EXPECT_EQ(j["status"], "accepted");
    EXPECT_EQ(j["technician"]["id"], tech.id);
    EXPECT_EQ(j["technician"]["name"], tech.name);
    EXPECT_DOUBLE_EQ(j["fee"].get<double>(), 80.0);
    EXPECT_EQ(j["created_at"], iso_datetime(received_a));
    EXPECT_EQ(j["deadlines"]["dispatch"], iso_datetime(received_a + chr::minutes(10)));
    EXPECT_TRUE(j["deadlines"]["finish"].is_null());
    EXPECT_EQ(j["sla"]["dispatch"], "on_time");
    EXPECT_EQ(j["sla"]["accept"], "late");
    EXPECT_EQ(j["sla"]["arrive"], "pending");  // due in 2 h
    ASSERT_EQ(j["photos"].size(), 1u);
    EXPECT_EQ(j["photos"][0]["status"], "stored");
    EXPECT_EQ(j["photos"][0]["stored_path"], "var/media/ab/cd.jpg");
    ASSERT_EQ(j["events"].size(), 2u);
    EXPECT_EQ(j["events"][0]["type"], "created");
    EXPECT_EQ(j["events"][1]["type"], "accepted");
    EXPECT_EQ(j["events"][1]["actor"], "o-tech");

    auto text = admin("ticket", {"show", a.number});
    ASSERT_EQ(text.code, kExitOk) << text.err;
    EXPECT_NE(text.out.find(tag_ + "-media-1"), std::string::npos);
    EXPECT_NE(text.out.find("late"), std::string::npos);

    // ticket list
    auto listed = admin("ticket", {"list"}, {{"openid", owner}, {"json", ""}});
    ASSERT_EQ(listed.code, kExitOk) << listed.err;
    auto all = nlohmann::json::parse(listed.out);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0]["number"], b.number);  // newest first
    EXPECT_EQ(all[1]["number"], a.number);
    EXPECT_FALSE(all[0].contains("events"));
    auto table = admin("ticket", {"list"}, {{"openid", owner}, {"status", "accepted"}});
    ASSERT_EQ(table.code, kExitOk) << table.err;
    EXPECT_NE(table.out.find(a.number), std::string::npos);
    EXPECT_EQ(table.out.find(b.number), std::string::npos);
    auto by_tech =
        admin("ticket", {"list"}, {{"technician", std::to_string(tech.id)}, {"json", ""}});
    ASSERT_EQ(nlohmann::json::parse(by_tech.out).size(), 1u);

    auto unknown = admin("ticket", {"show", "BX19990101-9999"});
    EXPECT_EQ(unknown.code, kExitFailure);
    EXPECT_NE(unknown.err.find("no ticket numbered BX19990101-9999"), std::string::npos);

    // The API: the same JSON for the same ticket at the same instant.
    auto one = get("/api/tickets/" + a.number);
    ASSERT_EQ(one.result(), http::status::ok) << one.body();
    EXPECT_EQ(nlohmann::json::parse(one.body()), j);

    auto filtered = get("/api/tickets?openid=" + owner + "&status=accepted");
    ASSERT_EQ(filtered.result(), http::status::ok) << filtered.body();
    auto array = nlohmann::json::parse(filtered.body());
    ASSERT_EQ(array.size(), 1u);
    EXPECT_EQ(array[0]["number"], a.number);

    // from: after A was received; the '+' of the offset percent-encoded, and left bare.
    const std::string from = iso_datetime(received_a + chr::minutes(30));
    const std::string encoded = from.substr(0, from.size() - 6) + "%2B08:00";
    for (const auto& value : {encoded, from}) {
        auto later = get("/api/tickets?openid=" + owner + "&from=" + value);
        ASSERT_EQ(later.result(), http::status::ok) << later.body();
        auto only_b = nlohmann::json::parse(later.body());
        ASSERT_EQ(only_b.size(), 1u) << value;
        EXPECT_EQ(only_b[0]["number"], b.number);
    }
    auto limited = get("/api/tickets?openid=" + owner + "&limit=1");
    EXPECT_EQ(nlohmann::json::parse(limited.body()).size(), 1u);

    auto missing = get("/api/tickets/BX19990101-9999");
    EXPECT_EQ(missing.result(), http::status::not_found);
    EXPECT_TRUE(nlohmann::json::parse(missing.body()).contains("error"));
    EXPECT_EQ(get("/api/tickets/" + a.number, false).result(), http::status::unauthorized);
}

}  // namespace
}  // namespace repairbot::bot
