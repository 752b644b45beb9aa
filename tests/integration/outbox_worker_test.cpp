// The outbox worker against real MariaDB and the WeChat simulator: a pass reads its recipients'
// 48-hour windows with the claim (one statement for the batch) and words each push by its own
// recipient's window; its sends are in flight a few at a time, not one after another.
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "adapters/wechat/api/memory_token_store.h"
#include "bot/outbox_sender.h"
#include "config/push_templates.h"
#include "store/migrations.h"
#include "store/outbox_repository.h"
#include "store/owner_repository.h"
#include "tests/integration/private_database.h"
#include "tests/integration/wechat_api_env.h"

namespace repairbot::bot {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

using store::testing::with_mysql;

config::MysqlSettings private_database() { return store::testing::private_mysql_settings("outbox_worker"); }

store::Timestamp now_ms() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

class OutboxWorkerTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto applied = store::testing::create_database(private_database());
        ASSERT_TRUE(applied) << applied.error().message();
    }
    static void TearDownTestSuite() {
        store::testing::drop_database(private_database());
    }
    void SetUp() override {
        with_mysql(private_database(), [](sql::Connection& c) {
            std::unique_ptr<sql::Statement> st(c.createStatement());
            st->execute("DELETE FROM outbox");
            st->execute("DELETE FROM owners");
            return 0;
        });
        sim_ = wechat::api::testing::start_simulator();
        auto templates = config::load_push_templates(REPAIRBOT_SOURCE_DIR "/config");
        ASSERT_TRUE(templates) << templates.error().message();
        templates_ = std::move(*templates);
    }

    // Queues a staff notice to each of `recipients`; those in `wrote_lately` sent the account a
    // message a minute ago (inside WeChat's 48-hour window).
    void queue(const std::vector<std::string>& recipients, const std::set<std::string>& wrote_lately) {
        with_mysql(private_database(), [&](sql::Connection& c) {
            for (const auto& r : recipients) {
                if (wrote_lately.count(r)) store::OwnerRepository::touch_inbound(c, r, now_ms() - 1min);
                store::NewOutbox m;
                m.kind = "notify";
                m.recipient = r;
                m.payload = R"({"event":"staff_notice","text":"工单待派"})";
                store::OutboxRepository::enqueue(c, std::nullopt, m, now_ms() - 1s);
            }
            return 0;
        });
    }

    std::size_t pass(std::uint32_t concurrency) {
        asio::thread_pool blocking{2};
        store::MysqlPool mysql(blocking, private_database());
        wechat::api::MemoryTokenStore tokens;
        wechat::api::ApiClient api(wechat::api::testing::client_options(sim_->base_url()), tokens);
        OutboxWorkerOptions o;
        o.worker_id = "outbox-test";
        o.concurrency = concurrency;
        OutboxWorker worker(mysql, api, templates_, o);
        auto handled = store::testing::run(io_, worker.deliver_due());
        blocking.join();
        return handled;
    }

    std::set<std::string> sent_to(const std::string& path) const {
        std::set<std::string> out;
        for (const auto& call : sim_->calls(path))
            if (call.errcode == 0 && call.json.is_object()) out.insert(call.json.value("touser", ""));
        return out;
    }

    asio::io_context io_;
    std::unique_ptr<wechat::sim::ApiServer> sim_;
    config::PushTemplates templates_;
};

TEST_F(OutboxWorkerTest, EachPushIsWordedByItsOwnRecipientsWindowReadWithTheClaim) {
    queue({"o_ow_in_1", "o_ow_out_1", "o_ow_in_2", "o_ow_out_2", "o_ow_never"}, {"o_ow_in_1", "o_ow_in_2"});
    EXPECT_EQ(pass(4), 5u);
    EXPECT_EQ(sent_to("/cgi-bin/message/custom/send"), (std::set<std::string>{"o_ow_in_1", "o_ow_in_2"}));
    EXPECT_EQ(sent_to("/cgi-bin/message/template/send"),
              (std::set<std::string>{"o_ow_out_1", "o_ow_out_2", "o_ow_never"}));
    auto statuses = with_mysql(private_database(), [](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SELECT status, COUNT(*) FROM outbox GROUP BY status"));
        std::map<std::string, int> out;
        while (rs->next()) out[rs->getString(1)] = rs->getInt(2);
        return out;
    });
    EXPECT_EQ(statuses, (std::map<std::string, int>{{"sent", 5}}));
}

TEST_F(OutboxWorkerTest, APassHasAFewSendsInFlightAtOnce) {
    // Every send is held 400 ms by a busy WeChat (errcode -1: tried again later). One after
    // another, four sends would arrive 400 ms apart; four lanes send them together.
    for (const char* path : {"/cgi-bin/message/template/send", "/cgi-bin/message/custom/send"})
        sim_->fail_next(path, wechat::sim::Fault{wechat::sim::Fault::Kind::slow, -1, 400ms}, 4);
    queue({"o_ow_slow_1", "o_ow_slow_2", "o_ow_slow_3", "o_ow_slow_4"}, {});
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(pass(4), 4u);
    const auto took = std::chrono::steady_clock::now() - started;
    auto calls = sim_->calls("/cgi-bin/message/template/send");
    ASSERT_EQ(calls.size(), 4u);
    auto [first, last] = std::minmax_element(calls.begin(), calls.end(), [](const auto& a, const auto& b) {
        return a.received_at < b.received_at;
    });
    EXPECT_LT(last->received_at - first->received_at, 300ms) << "the sends went out one after another";
    EXPECT_LT(took, 1500ms);  // one after another: at least 1,600 ms
    // Busy is retryable: every row waits for its retry, none was lost or failed for good.
    auto pending = with_mysql(private_database(), [](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet> rs(
            st->executeQuery("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND attempts = 1"));
        rs->next();
        return rs->getInt(1);
    });
    EXPECT_EQ(pending, 4);
}

TEST_F(OutboxWorkerTest, PushesAcceptedWhileAMarkIsWrittenAreMarkedTogetherEachWithItsOwnMsgid) {
    // Six template pushes in flight at once, each answered by WeChat a second late. The test
    // holds the rows' locks when the answers come, so the first mark waits and the other five
    // gather behind it: two mark statements for six pushes, not six. A statement marks its
    // whole group at one time, so the rows' sent_at tell the statements apart.
    constexpr const char* kTemplate = "/cgi-bin/message/template/send";
    sim_->fail_next(kTemplate, wechat::sim::Fault{wechat::sim::Fault::Kind::late, 0, 1000ms}, 6);
    const std::vector<std::string> owners{"o_ow_mk_1", "o_ow_mk_2", "o_ow_mk_3",
                                          "o_ow_mk_4", "o_ow_mk_5", "o_ow_mk_6"};
    queue(owners, {});
    std::size_t handled = 0;
    struct Joined {  // a failed assertion below must not destroy a joinable thread
        std::thread thread;
        ~Joined() {
            if (thread.joinable()) thread.join();
        }
    } worker{std::thread([&] { handled = pass(6); })};
    with_mysql(private_database(), [&](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        auto count = [&](const std::string& where) {
            std::unique_ptr<sql::ResultSet> rs(
                st->executeQuery("SELECT COUNT(*) FROM outbox WHERE " + where));
            rs->next();
            return rs->getInt(1);
        };
        for (int i = 0; i < 1000 && count("status = 'sending'") < 6; ++i)
            std::this_thread::sleep_for(5ms);
        st->execute("START TRANSACTION");
        std::unique_ptr<sql::ResultSet>(st->executeQuery("SELECT id FROM outbox FOR UPDATE"));
        for (int i = 0; i < 1000 && sim_->calls(kTemplate).size() < 6; ++i)
            std::this_thread::sleep_for(5ms);
        std::this_thread::sleep_for(1500ms);  // the late answers, and the lanes' marks queued
        st->execute("COMMIT");
        return 0;
    });
    worker.thread.join();
    EXPECT_EQ(handled, 6u);

    std::map<std::string, std::int64_t> msgid_sent_to;
    for (const auto& call : sim_->calls(kTemplate))
        if (call.msgid) msgid_sent_to[call.json.value("touser", "")] = *call.msgid;
    struct Marked {
        std::map<std::string, std::int64_t> msgids;
        std::map<std::string, int> rows_per_sent_at;
    };
    auto marked = with_mysql(private_database(), [](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet> rs(
            st->executeQuery("SELECT recipient, wechat_msgid, sent_at FROM outbox WHERE status = "
                             "'sent' AND lease_until IS NULL"));
        Marked out;
        while (rs->next()) {
            out.msgids[rs->getString(1)] = rs->getInt64(2);
            ++out.rows_per_sent_at[rs->getString(3)];
        }
        return out;
    });
    EXPECT_EQ(marked.msgids.size(), 6u);
    EXPECT_EQ(marked.msgids, msgid_sent_to)
        << "each row carries the msgid of its own template message";
    std::vector<int> groups;
    for (const auto& [at, rows] : marked.rows_per_sent_at) groups.push_back(rows);
    EXPECT_EQ(groups, (std::vector<int>{1, 5}))
        << "the first mark alone, then the five that gathered behind it";
}

}  // namespace
}  // namespace repairbot::bot
