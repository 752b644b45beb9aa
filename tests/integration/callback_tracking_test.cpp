// The callback API (bot/callback_api.h) keeps the SLA timers in step at once, against the real
// MariaDB and Redis: a ticket reopened by an unsatisfied callback has its revisit's deadlines in
// the timer index as the answer comes back (not at the next 10-minute rebuild) and the done
// callback's timer is gone; a rated ticket closed by its last callback loses its reminders; a
// handled complaint's callback timer moves to its new due time.
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <map>
#include <random>

#include "bot/callback_api.h"
#include "bot/sla_timers.h"
#include "config/dialog_data.h"
#include "config/notices.h"
#include "store/feedback_repository.h"
#include "store/migrations.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"
#include "tests/integration/desk_data.h"
#include "tests/integration/store_env.h"

namespace repairbot::bot {
namespace {

namespace asio = boost::asio;
namespace chr = std::chrono;
using namespace std::chrono_literals;
using store::Timestamp;
namespace ts = store::ticket_status;

constexpr const char* kToken = "callback-tracking-token";

// Monday 23 November 2026, 10:00 at the desk (UTC+8).
const Timestamp t0 = Timestamp{chr::sys_days{chr::year{2026} / 11 / 23}} + 2h;

// The shipped data, with every confirmed repair sampled for a callback.
const testing::DeskData& desk() {
    static const testing::DeskData data = [] {
        auto d = testing::load_desk_data();
        d.sla.callbacks.sample_percent = 100;
        return d;
    }();
    return data;
}

class CallbackTracking : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        auto applied = store::migrate(store::testing::mysql_settings());
        ASSERT_TRUE(applied) << applied.error().message();
    }

    void SetUp() override {
        store::testing::run(io_, index_.clear());
        tech_ = pool_.run_sync([this](sql::Connection& c) {
            store::Technician t;
            t.name = tag_ + "王师傅";
            t.phone = "13700000001";
            t.trades = {"T" + tag_};
            t.openid = tag_ + "-tech";
            return *store::TechnicianRepository::add(c, t, t0);
        });
        CallbackRouteWatch watch{
            [this](store::Ticket t) { return timers_.track(std::move(t)); },
            [this](store::Callback cb) { return timers_.track_callback(std::move(cb)); }};
        add_callback_routes(
            router_, pool_, desk().sla, desk().notices, kToken,
            [] { return chr::system_clock::time_point(t0); }, std::move(watch));
    }

    void TearDown() override {
        store::testing::run(io_, index_.clear());
        redis_.close();
        store::testing::drain(io_);
        const std::string like = tag_ + "%";
        pool_.run_sync([&like](sql::Connection& c) {
            for (const char* q :
                 {"DELETE cb FROM callbacks cb JOIN complaints cp ON cp.id = cb.complaint_id "
                  "WHERE cp.owner_openid LIKE ?",
                  "DELETE cb FROM callbacks cb JOIN tickets t ON t.id = cb.ticket_id "
                  "WHERE t.owner_openid LIKE ?",
                  "DELETE FROM complaints WHERE owner_openid LIKE ?",
                  "DELETE e FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
                  "WHERE t.owner_openid LIKE ?",
                  "DELETE o FROM outbox o JOIN tickets t ON t.id = o.ticket_id "
                  "WHERE t.owner_openid LIKE ?",
                  "DELETE FROM outbox WHERE recipient LIKE ?",
                  "DELETE FROM tickets WHERE owner_openid LIKE ?",
                  "DELETE FROM technicians WHERE name LIKE ?"}) {
                std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(q));
                st->setString(1, like);
                st->executeUpdate();
            }
        });
        blocking_.join();
    }

    // A repair finished by the technician an hour before t0, moved to `status`.
    store::Ticket ticket(const char* status) {
        store::NewTicket n;
        auto& t = n.ticket;
        t.idempotency_key = tag_ + "-key-" + std::to_string(++serial_);
        t.owner_openid = tag_ + "-owner";
        t.phone = "13800138000";
        t.address = "3号楼2单元301";
        t.fault_type = "水";
        t.trade = "T" + tag_;
        t.urgency = "normal";
        t.description = "厨房水管漏水";
        t.created_at = t0 - 5h;
        n.first_event = {t.owner_openid, "owner", "created", "{}"};
        return pool_.run_sync([&](sql::Connection& c) {
            auto made = store::TicketRepository::create(c, n)->ticket;
            made.status = status;
            made.technician_id = tech_.id;
            made.at.dispatched = t0 - 4h;
            made.at.accepted = t0 - 3h;
            made.at.arrived = t0 - 2h;
            made.at.done = t0 - 1h;
            if (std::string(status) == ts::rated) made.at.confirmed = made.at.rated = t0 - 30min;
            return *store::TicketRepository::update(c, made, {}, {}, t0 - 30min);
        });
    }
    store::Ticket reload(std::uint64_t id) {
        return pool_.run_sync(
            [id](sql::Connection& c) { return *store::TicketRepository::find_by_id(c, id); });
    }
    store::Callback sample_callback(const store::Ticket& t) {
        auto id = *pool_.run_sync(
            [&](sql::Connection& c) { return queue_repair_callback(c, t, desk().sla, t0); });
        return pool_.run_sync([id](sql::Connection& c) {
            return store::CallbackQueueRepository::find_callback(c, id)->callback;
        });
    }

    Response post(const std::string& target, std::string body) {
        Request req{http::verb::post, target, 11};
        req.set(http::field::authorization, std::string("Bearer ") + kToken);
        req.body() = std::move(body);
        req.prepare_payload();
        return store::testing::run(io_, router_.handle(std::move(req)));
    }

    // Every timer in this test's own index with its due time (claimed far in the future, so
    // nothing is left out).
    std::map<std::string, Timestamp> timers() {
        auto due = store::testing::run(io_, index_.claim(t0 + 3650 * 24h, 1min, 1000));
        std::map<std::string, Timestamp> out;
        for (const auto& d : due) out[d.id] = d.due;
        return out;
    }

    const std::string tag_ = "cbtrk" + std::to_string(::getpid()) + "x" +
                             std::to_string(std::random_device{}() % 100000);
    int serial_ = 0;
    asio::io_context io_;
    asio::thread_pool blocking_{2};
    store::MysqlPool pool_{blocking_, store::testing::mysql_settings()};
    store::Redis redis_{io_.get_executor(), store::testing::redis_settings()};
    store::TimerIndex index_{redis_, "cbtrk-" + tag_};
    store::SessionStore sessions_{redis_, 1h};
    Dispatcher dispatcher_{pool_, desk().sla, desk().notices};
    SlaTimers timers_{pool_,          index_,          sessions_,     dispatcher_,
                      desk().sla,     desk().notices,  desk().dialog, SlaTimersOptions{},
                      [] { return chr::system_clock::time_point(t0); }};
    Router router_;
    store::Technician tech_;
};

TEST_F(CallbackTracking, AReopenThroughTheApiSchedulesTheRevisitsDeadlinesAtOnce) {
    auto t = ticket(ts::done);
    auto cb = sample_callback(t);
    store::testing::run(io_, timers_.track_callback(cb));
    const std::string cb_timer = "cb:" + std::to_string(cb.id);

    auto r = post("/api/callbacks/" + std::to_string(cb.id) + "/done",
                  R"({"outcome":"unsatisfied","notes":"还在漏水","reopen":true})");
    ASSERT_EQ(r.result(), http::status::ok) << r.body();

    auto reopened = reload(t.id);
    ASSERT_EQ(reopened.status, ts::dispatched);
    ASSERT_TRUE(reopened.due.finish);
    const std::string n = std::to_string(t.id);
    auto index = timers();
    EXPECT_FALSE(index.count(cb_timer)) << "the done callback's timer is gone";
    ASSERT_TRUE(index.count("sla:" + n + ":finish:breach"));
    EXPECT_EQ(index["sla:" + n + ":finish:breach"], *reopened.due.finish + 1s)
        << "the breach fires one second after the fresh finish deadline";
    ASSERT_TRUE(index.count("sla:" + n + ":finish:warn"));
    EXPECT_GT(index["sla:" + n + ":finish:warn"], t0);
    EXPECT_LT(index["sla:" + n + ":finish:warn"], *reopened.due.finish);
    ASSERT_TRUE(reopened.revisit.accept_due && reopened.revisit.arrive_due);
    EXPECT_EQ(index["sla:" + n + ":accept:breach"], *reopened.revisit.accept_due + 1s)
        << "the revisit is accepted within the urgency's limit of the reopen";
    EXPECT_EQ(index["sla:" + n + ":arrive:breach"], *reopened.revisit.arrive_due + 1s);
    EXPECT_EQ(index.size(), 6u) << "accept, arrive and finish run again, each warned and breached";
}

TEST_F(CallbackTracking, TheLastCallbackOfARatedTicketClosesItAndItsRemindersGo) {
    auto t = ticket(ts::rated);
    auto cb = sample_callback(t);
    store::testing::run(io_, timers_.track_callback(cb));
    // A reminder left from before the rating: a track() of the closed ticket cancels it.
    const std::string remind = "fu:" + std::to_string(t.id) + ":remind";
    store::testing::run(io_, index_.schedule(remind, t0 + 24h));

    auto r = post("/api/callbacks/" + std::to_string(cb.id) + "/done",
                  R"({"outcome":"satisfied","notes":"业主满意"})");
    ASSERT_EQ(r.result(), http::status::ok) << r.body();
    EXPECT_EQ(reload(t.id).status, ts::closed);
    EXPECT_TRUE(timers().empty()) << "neither the callback's timer nor the reminder is left";
}

TEST_F(CallbackTracking, AHandledComplaintsCallbackTimerMovesToItsNewDueTime) {
    auto [complaint_id, callback] = pool_.run_sync([this](sql::Connection& c) {
        store::Complaint x;
        x.owner_openid = tag_ + "-owner";
        x.source = "owner";
        x.text = "师傅没按约定时间来";
        x.created_at = t0 - 2 * 24h;
        auto id = open_complaint(c, x, desk().sla, t0 - 2 * 24h);
        auto cb_id = *store::CallbackQueueRepository::find_complaint(c, id)->callback_id;
        return std::pair{id, store::CallbackQueueRepository::find_callback(c, cb_id)->callback};
    });
    store::testing::run(io_, timers_.track_callback(callback));
    const std::string cb_timer = "cb:" + std::to_string(callback.id);

    auto r = post("/api/complaints/" + std::to_string(complaint_id) + "/handle",
                  R"({"resolution":"已致电道歉","by":"李主管"})");
    ASSERT_EQ(r.result(), http::status::ok) << r.body();
    auto moved = pool_.run_sync([&](sql::Connection& c) {
        return store::CallbackQueueRepository::find_callback(c, callback.id)->callback;
    });
    ASSERT_NE(moved.due_at, callback.due_at) << "handling moves the callback";
    auto index = timers();
    ASSERT_TRUE(index.count(cb_timer));
    EXPECT_EQ(index[cb_timer], moved.due_at);
}

}  // namespace
}  // namespace repairbot::bot
