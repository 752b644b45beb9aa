// The figures' SQL (store/stats_repository.h) against the real MariaDB, on a database of its
// own (it reads whole windows of tickets): an acceptance deadline a technician let pass — the
// SLA engine's accept breach, which names the technician the job was with — comes back on its
// ticket with that technician, so the technicians' figures can hold them to it (bot/stats.h).
#include <gtest/gtest.h>

#include <algorithm>

#include <cppconn/connection.h>
#include <cppconn/statement.h>

#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "store/feedback_repository.h"
#include "store/migrations.h"
#include "store/stats_repository.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"
#include "tests/integration/private_database.h"
#include "tests/integration/store_env.h"

namespace repairbot::store {
namespace {

namespace chr = std::chrono;
using namespace std::chrono_literals;

// Monday 23 November 2026, 10:00 at the desk (UTC+8).
const Timestamp t0 = Timestamp{chr::sys_days{chr::year{2026} / 11 / 23}} + 2h;

config::MysqlSettings private_database() { return testing::private_mysql_settings("stats"); }

class StatsRepositoryIntegration : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        auto applied = testing::create_database(private_database());
        ASSERT_TRUE(applied) << applied.error().message();
    }
    static void TearDownTestSuite() { testing::drop_database(private_database()); }
    void SetUp() override {
        pool_.run_sync([](sql::Connection& c) {
            std::unique_ptr<sql::Statement> st(c.createStatement());
            for (const char* table : {"callbacks", "outbox", "ticket_events", "tickets", "technicians"})
                st->execute(std::string("DELETE FROM ") + table);
            return 0;
        });
    }
    void TearDown() override { blocking_.join(); }

    Technician technician(const std::string& name) {
        Technician t;
        t.name = name;
        t.phone = "13700000001";
        t.trades = {"水"};
        return pool_.run_sync([&t](sql::Connection& c) { return *TechnicianRepository::add(c, t, t0); });
    }

    Ticket ticket(const std::string& key, std::uint64_t technician_id) {
        NewTicket n;
        auto& t = n.ticket;
        t.idempotency_key = key;
        t.owner_openid = "owner-" + key;
        t.phone = "13800138000";
        t.building = "5";
        t.address = "5栋1单元502";
        t.fault_type = "水";
        t.trade = "水";
        t.urgency = "emergency";
        t.description = "厨房水管爆了";
        t.created_at = t0;
        t.status = ticket_status::dispatched;
        t.technician_id = technician_id;
        n.first_event = {t.owner_openid, "owner", "created", "{}"};
        return pool_.run_sync([&n](sql::Connection& c) { return TicketRepository::create(c, n)->ticket; });
    }

    void breach(std::uint64_t ticket_id, const char* stage, std::uint64_t technician_id,
                Timestamp at, std::optional<int> revisit = std::nullopt,
                const char* reason = nullptr) {
        nlohmann::json details = {{"timer", "sla:x"}, {"stage", stage}, {"technician_id", technician_id}};
        if (revisit) details["revisit"] = *revisit;
        if (reason) details["reason"] = reason;
        pool_.run_sync([&](sql::Connection& c) {
            TicketRepository::append_event(c, ticket_id, {"sla", "system", "sla_breach", details.dump()}, at);
            return 0;
        });
    }

    boost::asio::thread_pool blocking_{1};
    MysqlPool pool_{blocking_, private_database()};
};

TEST_F(StatsRepositoryIntegration, AnAcceptBreachComesBackWithTheTechnicianItWasWith) {
    auto wang = technician("王师傅");
    auto zhang = technician("张师傅");
    auto t = ticket("k1", zhang.id);
    auto other = ticket("k2", zhang.id);
    breach(t.id, "accept", wang.id, t0 + 3min, std::nullopt, "technician_off_duty");
    breach(t.id, "arrive", zhang.id, t0 + 31min, std::nullopt,
           "booked_visit");  // not an acceptance
    breach(other.id, "accept", zhang.id, t0 + 5h, std::nullopt,
           "technician_unbound");                          // after the cutoff
    breach(t.id, "accept", zhang.id, t0 + 90min, 1, "x");  // a reopened job's revisit
    breach(t.id, "finish", zhang.id, t0 + 100min);         // no reason recorded
    breach(t.id, "finish", zhang.id, t0 + 110min, std::nullopt, "in_progress");  // missed again
    pool_.run_sync([&](sql::Connection& c) {             // a breach of no technician (queued)
        TicketRepository::append_event(c, other.id, {"sla", "system", "sla_breach", R"({"stage":"accept"})"},
                                       t0 + 4min);
        return 0;
    });

    auto rows = pool_.run_sync([](sql::Connection& c) {
        return StatsRepository::fetch(c, StatsWindow{t0 - 1h, t0 + 24h, t0 + 2h});
    });
    ASSERT_EQ(rows.tickets.size(), 2u);
    const auto& first = rows.tickets[0].id == t.id ? rows.tickets[0] : rows.tickets[1];
    const auto& second = rows.tickets[0].id == t.id ? rows.tickets[1] : rows.tickets[0];
    EXPECT_EQ(first.missed_accepts, (std::vector<StatsMissedAccept>{{wang.id, "王师傅"}}))
        << "the figures count the first visit's acceptance, not a revisit's";
    EXPECT_EQ(first.technician_id, zhang.id);
    EXPECT_TRUE(second.missed_accepts.empty()) << "after the cutoff, or with no technician";
    // Each stage's first breach before the cutoff, with its reason (the late list's 原因).
    // No acceptance's: the one window let pass on the first visit was 王's, in missed_accepts,
    // not the reason of 张's row (and the revisit's is not the first visit's).
    EXPECT_EQ(first.breach_reasons,
              (std::map<std::string, std::string>{
                  {"arrive", "booked_visit"},
                  {"finish", ""}}))  // the first breach's, not a promise missed again
        << "no dispatch breach";
    EXPECT_EQ(second.breach_reasons, (std::map<std::string, std::string>{{"accept", ""}}))
        << "queued, with nobody: still a breach; the reason of one after the cutoff is not read";
}

// The acceptance is judged on the windows before the first acceptance: a window its technician
// let pass after a hand-over came back to them (a later accept breach) gives the acceptance row
// no reason; one before it does.
TEST_F(StatsRepositoryIntegration, AnAcceptBreachAfterTheFirstAcceptanceIsNoReasonOfTheAcceptance) {
    auto zhang = technician("张师傅");
    auto late = ticket("k1", zhang.id);
    auto again = ticket("k2", zhang.id);
    breach(late.id, "accept", zhang.id, t0 + 3min, std::nullopt, "technician_off_duty");
    breach(again.id, "accept", zhang.id, t0 + 40min, std::nullopt, "technician_unbound");
    pool_.run_sync([&](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        for (auto id : {late.id, again.id})
            st->execute(
                "UPDATE tickets SET accepted_at = '2026-11-23 02:10:00', accept_late = 1 "
                "WHERE id = " +
                std::to_string(id));
        return 0;
    });
    auto rows = pool_.run_sync([](sql::Connection& c) {
        return StatsRepository::fetch(c, StatsWindow{t0 - 1h, t0 + 24h, t0 + 2h});
    });
    ASSERT_EQ(rows.tickets.size(), 2u);
    const auto& first = rows.tickets[0].id == late.id ? rows.tickets[0] : rows.tickets[1];
    const auto& second = rows.tickets[0].id == late.id ? rows.tickets[1] : rows.tickets[0];
    EXPECT_EQ(first.breach_reasons,
              (std::map<std::string, std::string>{{"accept", "technician_off_duty"}}));
    EXPECT_TRUE(second.breach_reasons.empty()) << "the breach came after the first acceptance";
    EXPECT_EQ(second.missed_accepts, (std::vector<StatsMissedAccept>{{zhang.id, "张师傅"}}))
        << "still a window they let pass, in their figures";
}

// A reopened job (返修) given to someone else for its revisit (the first technician let the
// revisit's acceptance pass, handed it over, or a dispatcher moved it): the figures count the
// first visit, so the ticket counts for the technician it was reopened to — the one who did it —
// not for whoever has it now. A ticket reopened before the reopen event named its technician
// falls back to the current one.
TEST_F(StatsRepositoryIntegration, AReopenedJobCountsForTheTechnicianOfItsFirstVisit) {
    auto wang = technician("王师傅");
    auto zhang = technician("张师傅");
    auto moved = ticket("k1", zhang.id);
    auto old = ticket("k2", zhang.id);
    auto kept = ticket("k3", wang.id);
    pool_.run_sync([&](sql::Connection& c) {
        for (auto* t : {&moved, &old}) {
            t->reopen_count = 1;
            (void)TicketRepository::update(c, *t, {}, {}, t0 + 1h);
        }
        nlohmann::json first = {{"why", "没修好"}, {"reopen_count", 1}, {"technician_id", wang.id}};
        nlohmann::json second = {{"why", "又坏了"}, {"reopen_count", 2}, {"technician_id", zhang.id}};
        TicketRepository::append_event(c, moved.id, {"owner", "owner", "reopened", first.dump()}, t0 + 1h);
        TicketRepository::append_event(c, moved.id, {"owner", "owner", "reopened", second.dump()}, t0 + 3h);
        TicketRepository::append_event(c, old.id, {"owner", "owner", "reopened", R"({"why":"没修好"})"},
                                       t0 + 1h);
        return 0;
    });

    pool_.run_sync([&](sql::Connection& c) {
        Callback cb;
        cb.ticket_id = moved.id;
        cb.kind = "sample";
        cb.due_at = t0 + 5h;
        cb.created_at = t0 + 4h;
        return *FeedbackRepository::add_callback(c, cb, "ticket:" + std::to_string(moved.id));
    });

    auto rows = pool_.run_sync([](sql::Connection& c) {
        return StatsRepository::fetch(c, StatsWindow{t0 - 1h, t0 + 24h, t0 + 24h});
    });
    ASSERT_EQ(rows.tickets.size(), 3u);
    ASSERT_EQ(rows.callbacks.size(), 1u);
    EXPECT_EQ(rows.callbacks[0].technician_id, wang.id) << "a callback counts where its ticket does";
    EXPECT_EQ(rows.callbacks[0].technician_name, "王师傅");
    auto row = [&](std::uint64_t id) {
        return *std::find_if(rows.tickets.begin(), rows.tickets.end(),
                             [&](const StatsTicketRow& r) { return r.id == id; });
    };
    EXPECT_EQ(row(moved.id).technician_id, wang.id) << "the first visit was his";
    EXPECT_EQ(row(moved.id).technician_name, "王师傅");
    EXPECT_EQ(row(old.id).technician_id, zhang.id) << "no technician on the reopen event: the current one";
    EXPECT_EQ(row(kept.id).technician_id, wang.id);
}

// A 返修 naming a danger raised a normal ticket to emergency: the figures' deadlines were set in
// the first visit's urgency, and the row says both (the missed-deadlines report labels by them).
TEST_F(StatsRepositoryIntegration, ATicketRaisedByAReopenComesBackWithTheUrgencyItsFirstVisitHad) {
    auto zhang = technician("张师傅");
    auto raised = ticket("k1", zhang.id);
    auto never = ticket("k2", zhang.id);
    pool_.run_sync([&](sql::Connection& c) {
        raised.first_urgency = "normal";
        return *TicketRepository::update(c, raised, {}, {}, t0 + 1h);
    });
    EXPECT_EQ(pool_.run_sync([&](sql::Connection& c) {
        return TicketRepository::find_by_id(c, raised.id)->first_urgency;
    }),
              std::optional<std::string>("normal"))
        << "kept by the ticket's update and read back";

    auto rows = pool_.run_sync([](sql::Connection& c) {
        return StatsRepository::fetch(c, StatsWindow{t0 - 1h, t0 + 24h, t0 + 24h});
    });
    ASSERT_EQ(rows.tickets.size(), 2u);
    const auto& r = rows.tickets[0].id == raised.id ? rows.tickets[0] : rows.tickets[1];
    const auto& n = rows.tickets[0].id == raised.id ? rows.tickets[1] : rows.tickets[0];
    EXPECT_EQ(r.urgency, "normal");
    EXPECT_EQ(r.urgency_now, "emergency");
    EXPECT_EQ(n.urgency, "emergency");
    EXPECT_EQ(n.urgency_now, "emergency");
}

// The figures count the first visit's finish (store::FirstFinish): a finish breached and promised
// again comes back with the deadline missed and the promise beside it, and a reopened job with
// the first visit's deadline and done time, which the reopen took off the ticket.
TEST_F(StatsRepositoryIntegration,
       TheFinishComesBackAsTheFirstVisitsWithTheDeadlineStandingBeside) {
    auto zhang = technician("张师傅");
    auto promised = ticket("k1", zhang.id);
    auto reopened = ticket("k2", zhang.id);
    auto plain = ticket("k3", zhang.id);
    pool_.run_sync([&](sql::Connection& c) {
        promised.due.finish = t0 + 16h;
        promised.first_finish.due = t0 + 8h;
        promised.late.finish = true;
        (void)*TicketRepository::update(c, promised, {}, {}, t0 + 8h);
        reopened.reopen_count = 1;
        reopened.due.finish = t0 + 30h;
        reopened.first_finish = {t0 + 8h, t0 + 9h};
        reopened.late.finish = true;
        (void)*TicketRepository::update(c, reopened, {}, {}, t0 + 10h);
        plain.due.finish = t0 + 8h;
        plain.at.done = t0 + 2h;
        plain.preferred_from = t0 + 1h;  // the owner booked the visit
        (void)*TicketRepository::update(c, plain, {}, {}, t0 + 2h);
        return 0;
    });
    EXPECT_EQ(pool_.run_sync([&](sql::Connection& c) {
        return TicketRepository::find_by_id(c, reopened.id)->first_finish;
    }),
              (FirstFinish{t0 + 8h, t0 + 9h}))
        << "kept by the ticket's update and read back";

    auto rows = pool_.run_sync([](sql::Connection& c) {
        return StatsRepository::fetch(c, StatsWindow{t0 - 1h, t0 + 24h, t0 + 24h});
    });
    ASSERT_EQ(rows.tickets.size(), 3u);
    auto row = [&](std::uint64_t id) {
        return *std::find_if(rows.tickets.begin(), rows.tickets.end(),
                             [&](const StatsTicketRow& r) { return r.id == id; });
    };
    EXPECT_EQ(row(promised.id).finish, (StatsStageFacts{t0 + 8h, std::nullopt, true}));
    EXPECT_EQ(row(promised.id).finish_due_now, t0 + 16h);
    EXPECT_EQ(row(reopened.id).finish, (StatsStageFacts{t0 + 8h, t0 + 9h, true}));
    EXPECT_EQ(row(reopened.id).finish_due_now, t0 + 30h);
    EXPECT_EQ(row(plain.id).finish, (StatsStageFacts{t0 + 8h, t0 + 2h, std::nullopt}));
    EXPECT_EQ(row(plain.id).finish_due_now, t0 + 8h);
    EXPECT_TRUE(row(plain.id).booked_visit);
    EXPECT_FALSE(row(promised.id).booked_visit);
}

// Tickets from before migration 0018 get their first finish deadline from the first visit's first
// finish breach (details.due, local time with its offset) and a reopened one its first done time
// from the first "done" event; a revisit's breach is not the first visit's deadline.
TEST_F(StatsRepositoryIntegration, Migration0018FillsTheFirstFinishOfTicketsFromBeforeIt) {
    auto zhang = technician("张师傅");
    auto breached = ticket("k1", zhang.id);
    auto reopened = ticket("k2", zhang.id);
    auto revisit_only = ticket("k3", zhang.id);
    auto warned_only = ticket("k4", zhang.id);
    pool_.run_sync([&](sql::Connection& c) {
        breached.late.finish = true;
        breached.due.finish = t0 + 16h;
        (void)*TicketRepository::update(c, breached, {}, {}, t0 + 8h);
        reopened.reopen_count = 1;
        (void)*TicketRepository::update(c, reopened, {}, {}, t0 + 10h);
        revisit_only.late.finish = true;
        revisit_only.reopen_count = 1;
        (void)*TicketRepository::update(c, revisit_only, {}, {}, t0 + 10h);
        // t0 + 8h is 18:00 at the desk.
        TicketRepository::append_event(c, breached.id,
                                       {"sla", "system", "sla_breach",
                                        R"({"stage":"finish","due":"2026-11-23T18:00:00+08:00"})"},
                                       t0 + 8h);
        TicketRepository::append_event(c, breached.id,
                                       {"sla", "system", "sla_breach",
                                        R"({"stage":"finish","due":"2026-11-24T02:00:00+08:00"})"},
                                       t0 + 16h);
        TicketRepository::append_event(c, reopened.id, {"x", "technician", "done", "{}"}, t0 + 3h);
        TicketRepository::append_event(c, reopened.id, {"x", "technician", "done", "{}"}, t0 + 9h);
        // Reopened, its first finish warned of but met: the warning's due; the revisit's breach
        // after the reopen is not it.
        warned_only.reopen_count = 1;
        (void)*TicketRepository::update(c, warned_only, {}, {}, t0 + 10h);
        TicketRepository::append_event(c, warned_only.id,
                                       {"sla", "system", "sla_warning",
                                        R"({"stage":"finish","due":"2026-11-23T19:00:00+08:00"})"},
                                       t0 + 7h);
        TicketRepository::append_event(c, warned_only.id, {"owner", "owner", "reopened", "{}"},
                                       t0 + 10h);
        TicketRepository::append_event(c, warned_only.id,
                                       {"sla", "system", "sla_breach",
                                        R"({"stage":"finish","due":"2026-11-24T19:00:00+08:00"})"},
                                       t0 + 33h);
        TicketRepository::append_event(
            c, revisit_only.id,
            {"sla", "system", "sla_breach",
             R"({"stage":"finish","due":"2026-11-23T20:00:00+08:00","revisit":1})"},
            t0 + 10h);
        return 0;
    });
    const auto& all = embedded_migrations();
    auto m = std::find_if(all.begin(), all.end(),
                          [](const Migration& x) { return x.name == "0018_first_finish"; });
    ASSERT_NE(m, all.end());
    pool_.run_sync([&](sql::Connection& c) {
        for (const auto& statement : split_sql_statements(m->sql)) {
            std::unique_ptr<sql::Statement> st(c.createStatement());
            st->execute(statement);
        }
        return 0;
    });
    auto first = [&](std::uint64_t id) {
        return pool_.run_sync(
            [&](sql::Connection& c) { return TicketRepository::find_by_id(c, id)->first_finish; });
    };
    EXPECT_EQ(first(breached.id), (FirstFinish{t0 + 8h, std::nullopt}));
    EXPECT_EQ(first(reopened.id), (FirstFinish{std::nullopt, t0 + 3h}));
    EXPECT_EQ(first(revisit_only.id), (FirstFinish{std::nullopt, std::nullopt}));
    EXPECT_EQ(first(warned_only.id), (FirstFinish{t0 + 9h, std::nullopt}));
}

// Tickets raised before migration 0015 get their first urgency from the first raising reopen's
// audit event (details.urgency = [old, new]); a reopen that raised nothing leaves it NULL.
TEST_F(StatsRepositoryIntegration, Migration0015FillsTheFirstUrgencyOfTicketsRaisedBeforeIt) {
    auto zhang = technician("张师傅");
    auto raised = ticket("k1", zhang.id);
    auto plain = ticket("k2", zhang.id);
    pool_.run_sync([&](sql::Connection& c) {
        for (auto* t : {&raised, &plain}) {
            t->reopen_count = 2;
            *t = *TicketRepository::update(c, *t, {}, {}, t0 + 1h);
        }
        TicketRepository::append_event(
            c, raised.id, {"owner", "owner", "reopened", R"({"why":"还是漏","reopen_count":1})"},
            t0 + 1h);
        TicketRepository::append_event(c, raised.id,
                                       {"owner", "owner", "reopened",
                                        R"({"why":"有燃气味","urgency":["planned","emergency"]})"},
                                       t0 + 2h);
        TicketRepository::append_event(c, plain.id,
                                       {"owner", "owner", "reopened", R"({"why":"x"})"}, t0 + 2h);
        return 0;
    });
    const auto& all = embedded_migrations();
    auto m = std::find_if(all.begin(), all.end(),
                          [](const Migration& x) { return x.name == "0015_first_urgency"; });
    ASSERT_NE(m, all.end());
    pool_.run_sync([&](sql::Connection& c) {
        for (const auto& statement : split_sql_statements(m->sql)) {
            std::unique_ptr<sql::Statement> st(c.createStatement());
            st->execute(statement);
        }
        return 0;
    });
    auto first = [&](std::uint64_t id) {
        return pool_.run_sync(
            [&](sql::Connection& c) { return TicketRepository::find_by_id(c, id)->first_urgency; });
    };
    EXPECT_EQ(first(raised.id), std::optional<std::string>("planned"));
    EXPECT_EQ(first(plain.id), std::nullopt);
}

}  // namespace
}  // namespace repairbot::store
