// The dispatchers' queue note (bot/queue_notes.h) against the real MariaDB: the first ticket
// nobody could take is told within a pass, a storm's tickets once per interval in one note per
// dispatcher (how many are new, the emergencies among them, how many wait, the newest by
// number), tickets dispatched by hand meanwhile are not named, with nobody to tell the tickets
// wait for the first note someone can read, two processes passing at once send one note, and
// waiting tickets near or past a deadline (dispatch, arrival or finish) are named with the stage
// in the next note (the late ones also in a digest to the supervisors).
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/statement.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include <future>
#include <set>
#include <thread>

#include "bot/queue_notes.h"
#include "store/migrations.h"
#include "store/outbox_repository.h"
#include "store/queue_note_repository.h"
#include "store/technician_repository.h"
#include "store/transaction.h"
#include "store/ticket_repository.h"
#include "tests/integration/desk_data.h"
#include "tests/integration/private_database.h"
#include "tests/integration/store_env.h"

namespace repairbot::bot {
namespace {

namespace asio = boost::asio;
namespace chr = std::chrono;
using namespace std::chrono_literals;

// Monday 23 November 2026, 10:00 at the desk (UTC+8).
const chr::system_clock::time_point t0 = chr::sys_days{chr::year{2026} / 11 / 23} + 2h;

using store::testing::with_mysql;

config::MysqlSettings private_database() { return store::testing::private_mysql_settings("queue_notes"); }

void execute(sql::Connection& c, const std::string& q) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    st->execute(q);
}

struct Note {
    std::string recipient;
    std::string text;
};

class QueueNotesTest : public ::testing::Test {
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
            for (const char* table :
                 {"outbox", "ticket_events", "photos", "queue_note_deadlines", "tickets", "technicians", "queue_notes"})
                execute(c, std::string("DELETE FROM ") + table);
            return 0;
        });
    }
    void TearDown() override { blocking_.join(); }

    store::Technician add_person(const std::string& name, std::optional<std::string> openid, bool dispatcher,
                                 bool active = true, bool supervisor = false) {
        store::Technician t;
        t.is_supervisor = supervisor;
        t.name = name;
        t.phone = "13700000001";
        t.trades = {"水"};
        t.openid = std::move(openid);
        t.is_dispatcher = dispatcher;
        t.on_duty = !dispatcher;
        t.active = active;
        return pool_.run_sync([&t](sql::Connection& c) {
            auto added = store::TechnicianRepository::add(c, t, chr::time_point_cast<chr::milliseconds>(t0));
            if (!added) throw std::runtime_error("technician: " + added.error().message());
            return *added;
        });
    }

    // A ticket nobody took: inserted in status new, as intake files it with nobody free.
    store::Ticket file(const std::string& key, const std::string& urgency = "normal") {
        store::NewTicket n;
        n.ticket.idempotency_key = key;
        n.ticket.owner_openid = "o-" + key;
        n.ticket.reporter_name = "业主";
        n.ticket.phone = "13800138000";
        n.ticket.building = "3";
        n.ticket.unit = "2";
        n.ticket.room = "301";
        n.ticket.address = "3栋2单元301-" + key;
        n.ticket.fault_type = urgency == "emergency" ? "水管爆裂" : "水龙头漏水";
        n.ticket.trade = "水";
        n.ticket.urgency = urgency;
        n.ticket.description = "厨房漏水";
        n.ticket.created_at = chr::time_point_cast<chr::milliseconds>(t0) + chr::milliseconds(++filed_);
        n.ticket.due.dispatch = n.ticket.created_at + 10min;
        n.first_event = store::NewEvent{"o-" + key, "owner", "created", "{}"};
        return pool_.run_sync([&n](sql::Connection& c) {
            auto created = store::TicketRepository::create(c, n);
            if (!created) throw std::runtime_error("ticket: " + created.error().message());
            return created->ticket;
        });
    }

    std::size_t pass(chr::system_clock::time_point at, chr::seconds every = 60s) {
        auto o = options();
        o.every = every;
        QueueNotes notes(pool_, testing::desk().notices, o, [at] { return at; });
        return store::testing::run(io_, notes.tell_due());
    }

    static QueueNotesOptions options() {
        QueueNotesOptions o;
        o.every = 60s;
        o.listed = 3;
        return o;
    }

    // The queue notes in the outbox, oldest first.
    std::vector<Note> notes() {
        return pool_.run_sync([](sql::Connection& c) {
            std::unique_ptr<sql::Statement> st(c.createStatement());
            std::unique_ptr<sql::ResultSet> rs(st->executeQuery(
                "SELECT recipient, payload, kind, ticket_id FROM outbox ORDER BY id"));
            std::vector<Note> out;
            while (rs->next()) {
                auto payload = nlohmann::json::parse(std::string(rs->getString("payload")));
                if (payload.value("event", "") != "queue_note") continue;
                EXPECT_EQ(std::string(rs->getString("kind")), "notify");
                EXPECT_TRUE(rs->isNull("ticket_id"));
                out.push_back({rs->getString("recipient"), payload.value("text", "")});
            }
            return out;
        });
    }

    // Moves `t`'s deadline of `stage` ("dispatch", "arrive" or "finish") to `due`.
    void set_due(const store::Ticket& t, chr::system_clock::time_point due,
                 const std::string& stage = "dispatch") {
        pool_.run_sync([&](sql::Connection& c) {
            execute(c, "UPDATE tickets SET " + stage + "_due = '" +
                           store::to_sql_datetime(chr::time_point_cast<chr::milliseconds>(due)) +
                           "' WHERE id = " + std::to_string(t.id));
            return 0;
        });
    }
    void set_dispatch_due(const store::Ticket& t, chr::system_clock::time_point due) {
        set_due(t, due);
    }
    // `t` taken by hand (dispatched): no longer waiting.
    void take(const store::Ticket& t) {
        pool_.run_sync([&](sql::Connection& c) {
            execute(c, "UPDATE tickets SET status = 'dispatched' WHERE id = " + std::to_string(t.id));
            return 0;
        });
    }

    // The SLA timers' records of `which` of `tickets` as near (or with `late`, past) their
    // deadline of `stage`, at `at`: the deadline recorded is the ticket's as the database holds it.
    void warn_near(const std::vector<int>& which, const std::vector<store::Ticket>& tickets,
                   chr::system_clock::time_point at, bool late = false,
                   const std::string& stage = "dispatch") {
        pool_.run_sync([&](sql::Connection& c) {
            for (int i : which) {
                auto t = store::TicketRepository::find_by_id(c, tickets.at(i).id);
                if (!t) throw std::runtime_error("no ticket " + tickets.at(i).number);
                auto due = stage == "arrive"   ? t->due.arrive
                           : stage == "finish" ? t->due.finish
                                               : t->due.dispatch;
                if (!due) throw std::runtime_error(t->number + " has no " + stage + " deadline");
                store::QueueNoteRepository::add_near_deadline(
                    c, store::kDispatchersNote, t->id, stage, *due,
                    chr::time_point_cast<chr::milliseconds>(at), late);
            }
            return 0;
        });
    }
    // The queue notes' digests of breaches to the supervisors, oldest first.
    std::vector<Note> digests() {
        return pool_.run_sync([](sql::Connection& c) {
            std::unique_ptr<sql::Statement> st(c.createStatement());
            std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SELECT recipient, payload FROM outbox ORDER BY id"));
            std::vector<Note> out;
            while (rs->next()) {
                auto payload = nlohmann::json::parse(std::string(rs->getString("payload")));
                if (payload.value("event", "") == "queue_note_late")
                    out.push_back({rs->getString("recipient"), payload.value("text", "")});
            }
            return out;
        });
    }
    int recorded_deadlines() {
        return pool_.run_sync([](sql::Connection& c) {
            std::unique_ptr<sql::Statement> st(c.createStatement());
            std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SELECT COUNT(*) FROM queue_note_deadlines"));
            return rs->next() ? rs->getInt(1) : -1;
        });
    }

    static std::set<std::string> recipients(const std::vector<Note>& notes) {
        std::set<std::string> out;
        for (const auto& n : notes) out.insert(n.recipient);
        return out;
    }
    static bool says(const Note& n, const std::string& what) { return n.text.find(what) != std::string::npos; }

    int filed_ = 0;
    asio::io_context io_;
    asio::thread_pool blocking_{2};
    store::MysqlPool pool_{blocking_, private_database()};
};

TEST_F(QueueNotesTest, TheFirstTicketNobodyTookIsToldWithinAPassAndAStormOncePerIntervalInOneNote) {
    add_person("调度小张", "o-disp-zhang", true);
    add_person("调度小李", "o-disp-li", true);
    add_person("调度老王", "o-disp-wang", true, /*active=*/false);  // left the desk
    add_person("调度小赵", std::nullopt, true);                      // not bound to WeChat
    add_person("王师傅", "o-tech-wang", false);

    EXPECT_EQ(pass(t0), 0u) << "nothing waits: no note";
    EXPECT_TRUE(notes().empty());

    auto first = file("q1");
    ASSERT_EQ(first.status, store::ticket_status::new_);
    EXPECT_EQ(pass(t0 + 5s), 2u);
    auto told = notes();
    ASSERT_EQ(told.size(), 2u);
    EXPECT_EQ(recipients(told), (std::set<std::string>{"o-disp-zhang", "o-disp-li"}));
    EXPECT_TRUE(says(told[0], "新增1张")) << told[0].text;
    EXPECT_TRUE(says(told[0], "共1张")) << told[0].text;
    EXPECT_TRUE(says(told[0], first.number + "（水龙头漏水，3栋2单元301-q1）")) << told[0].text;
    EXPECT_FALSE(says(told[0], "急修")) << told[0].text;

    // The storm: 30 more, 2 of them emergencies, within the minute after the note.
    store::Ticket newest;
    for (int i = 0; i < 30; ++i) newest = file("s" + std::to_string(i), i % 15 == 0 ? "emergency" : "normal");
    EXPECT_EQ(pass(t0 + 10s), 0u);
    EXPECT_EQ(pass(t0 + 64s), 0u) << "59 s after the last note";
    EXPECT_EQ(notes().size(), 2u);

    EXPECT_EQ(pass(t0 + 65s), 2u);
    told = notes();
    ASSERT_EQ(told.size(), 4u);
    const auto& storm = told[3];
    EXPECT_TRUE(says(storm, "新增30张")) << storm.text;
    EXPECT_TRUE(says(storm, "其中急修2张")) << storm.text;
    EXPECT_TRUE(says(storm, "共31张")) << storm.text;
    EXPECT_TRUE(says(storm, newest.number)) << storm.text;
    EXPECT_FALSE(says(storm, first.number)) << "told of already: " << storm.text;
    std::size_t named = 0;
    for (auto at = storm.text.find("3栋2单元301-s"); at != std::string::npos; at = storm.text.find("3栋2单元301-s", at + 1))
        ++named;
    EXPECT_EQ(named, 3u) << "the newest 3 by number: " << storm.text;

    EXPECT_EQ(pass(t0 + 200s), 0u) << "nothing new since";
    EXPECT_EQ(notes().size(), 4u);
}

// A waiting ticket's dispatch warning left to the note (bot/sla_timers.cpp records it): the next
// note names the nearest deadlines first with their local time (the ticket's current deadline),
// counts the others, leaves out a ticket someone took meanwhile and one already late (its breach
// is escalated on its own), and is then done with all of them.
TEST_F(QueueNotesTest, DeadlinesNearAreNamedInTheNextNoteNearestFirstAndThenForgotten) {
    add_person("调度小张", "o-disp-zhang", true);
    std::vector<store::Ticket> waiting;
    for (int i = 0; i < 6; ++i) waiting.push_back(file("d" + std::to_string(i)));
    ASSERT_EQ(pass(t0 + 5s), 1u);  // the six are told as new
    ASSERT_EQ(notes().size(), 1u);

    // Recorded out of order (d0 twice: one record per ticket); the deadlines then set to 10:10 +
    // i minutes at the desk (UTC+8); d2 taken by hand; d5's deadline (10:05) passed by the note.
    warn_near({3, 0, 4, 2, 1, 0, 5}, waiting, t0 + 8min);
    for (int i = 0; i < 5; ++i) set_dispatch_due(waiting[i], t0 + 10min + chr::minutes(i));
    set_dispatch_due(waiting[5], t0 + 5min);
    take(waiting[2]);
    EXPECT_EQ(pass(t0 + 30s), 0u) << "the last note is 25 s old";
    EXPECT_EQ(pass(t0 + 8min + 5s), 1u) << "deadlines near make a note due, with no new ticket";
    auto told = notes();
    ASSERT_EQ(told.size(), 2u);
    const auto& note = told[1];
    EXPECT_FALSE(says(note, "新增")) << "no new ticket to tell of: " << note.text;
    EXPECT_TRUE(says(note, "时限将到：4张")) << "d0, d1, d3, d4: " << note.text;
    const auto at0 = note.text.find(waiting[0].number + "（水龙头漏水，3栋2单元301-d0，须在11月23日 10:10前派单）");
    const auto at1 = note.text.find(waiting[1].number + "（");
    const auto at3 = note.text.find(waiting[3].number + "（");
    ASSERT_NE(at0, std::string::npos) << note.text;
    ASSERT_NE(at1, std::string::npos) << note.text;
    ASSERT_NE(at3, std::string::npos) << note.text;
    EXPECT_LT(at0, at1) << note.text;
    EXPECT_LT(at1, at3) << "nearest first: " << note.text;
    EXPECT_FALSE(says(note, waiting[4].number)) << "three named: " << note.text;
    EXPECT_FALSE(says(note, waiting[2].number)) << "taken meanwhile: " << note.text;
    EXPECT_FALSE(says(note, waiting[5].number)) << "late already: " << note.text;

    EXPECT_EQ(pass(t0 + 10min), 0u) << "told of already";
    EXPECT_EQ(recorded_deadlines(), 0);
}

// Warnings whose tickets were all taken (or went late) before a note: forgotten without a note.
TEST_F(QueueNotesTest, DeadlinesOfTicketsTakenMeanwhileAreForgottenWithoutANote) {
    add_person("调度小张", "o-disp-zhang", true);
    std::vector<store::Ticket> waiting{file("f0")};
    ASSERT_EQ(pass(t0 + 5s), 1u);
    warn_near({0}, waiting, t0 + 8min);
    take(waiting[0]);
    EXPECT_EQ(pass(t0 + 8min + 5s), 0u);
    EXPECT_EQ(notes().size(), 1u);
    EXPECT_EQ(recorded_deadlines(), 0);
}

// With nobody to tell, the deadlines wait (as the tickets do) for the first note someone can read.
TEST_F(QueueNotesTest, WithNobodyToTellTheDeadlinesWaitForTheFirstNoteSomeoneCanRead) {
    std::vector<store::Ticket> waiting{file("w0")};
    warn_near({0}, waiting, t0 + 1s);
    EXPECT_EQ(pass(t0 + 5s), 0u);
    EXPECT_EQ(recorded_deadlines(), 1);
    add_person("调度小张", "o-disp-zhang", true);
    EXPECT_EQ(pass(t0 + 66s), 1u);
    auto told = notes();
    ASSERT_EQ(told.size(), 1u);
    EXPECT_TRUE(says(told[0], "时限将到：1张")) << told[0].text;
    EXPECT_TRUE(says(told[0], "新增1张")) << told[0].text;
    EXPECT_EQ(recorded_deadlines(), 0);
}

// A warning's record commits after the note began (its seq handed out before a later one's):
// the note waits for it and tells it, rather than deleting it unread.
TEST_F(QueueNotesTest, ANoteWaitsForAWarningInFlightAndTellsIt) {
    add_person("调度小张", "o-disp-zhang", true);
    std::vector<store::Ticket> waiting{file("r0")};
    ASSERT_EQ(pass(t0 + 5s), 1u);
    std::promise<void> recorded;
    std::promise<void> release;
    auto released = release.get_future();
    std::thread warning([&] {
        pool_.run_sync([&](sql::Connection& c) {
            store::Transaction tx(c);
            store::QueueNoteRepository::add_near_deadline(
                c, store::kDispatchersNote, waiting[0].id, "dispatch", *waiting[0].due.dispatch,
                chr::time_point_cast<chr::milliseconds>(t0 + 8min));
            recorded.set_value();
            released.wait();
            tx.commit();
            return 0;
        });
    });
    recorded.get_future().wait();
    std::thread releaser([&] {
        std::this_thread::sleep_for(300ms);
        release.set_value();
    });
    const auto told = pass(t0 + 8min + 5s);  // waits for the warning's commit
    warning.join();
    releaser.join();
    EXPECT_EQ(told, 1u);
    auto notes_now = notes();
    ASSERT_EQ(notes_now.size(), 2u);
    EXPECT_TRUE(says(notes_now[1], "时限将到：1张")) << notes_now[1].text;
    EXPECT_EQ(recorded_deadlines(), 0);
}

// Breaches left to the note (bot/sla_timers.cpp): the dispatchers' note lists the late ones still
// waiting, longest late first, and each supervisor gets a digest of them; a breach recorded over
// an untold warning of the same ticket counts as late, not near; then all are forgotten.
TEST_F(QueueNotesTest, BreachesGoToTheDispatchersInTheNoteAndToTheSupervisorsInADigest) {
    add_person("调度小张", "o-disp-zhang", true);
    add_person("主管老周", "o-sup-zhou", false, true, /*supervisor=*/true);
    std::vector<store::Ticket> waiting;
    for (int i = 0; i < 5; ++i) waiting.push_back(file("b" + std::to_string(i)));
    ASSERT_EQ(pass(t0 + 5s), 1u);
    // b0..b3 went late at 10:01 + i minutes (b1 warned first); b4 is only near (10:20).
    for (int i = 0; i < 4; ++i) set_dispatch_due(waiting[i], t0 + 1min + chr::minutes(i));
    set_dispatch_due(waiting[4], t0 + 20min);
    warn_near({1, 4}, waiting, t0 + 50s);
    warn_near({3, 1, 0, 2}, waiting, t0 + 5min, /*late=*/true);
    EXPECT_EQ(pass(t0 + 5min + 10s), 1u);
    auto told = notes();
    ASSERT_EQ(told.size(), 2u);
    const auto& note = told[1];
    EXPECT_TRUE(says(note, "时限将到：1张")) << "b4 alone is near: " << note.text;
    const auto late_line = note.text.find("\n已超时：4张");
    ASSERT_NE(late_line, std::string::npos) << note.text;
    EXPECT_TRUE(says(note, "已报主管")) << note.text;
    EXPECT_TRUE(says(note, waiting[0].number + "（水龙头漏水，3栋2单元301-b0，派单时限11月23日 10:01）")) << note.text;
    EXPECT_LT(note.text.find(waiting[0].number), note.text.find(waiting[1].number)) << "longest late first";
    EXPECT_LT(note.text.find(waiting[1].number), note.text.find(waiting[2].number)) << note.text;
    EXPECT_EQ(note.text.find(waiting[3].number), std::string::npos) << "three named: " << note.text;

    auto digest = digests();
    ASSERT_EQ(digest.size(), 1u);
    EXPECT_EQ(digest[0].recipient, "o-sup-zhou");
    EXPECT_TRUE(says(digest[0], "超时汇总：4张")) << digest[0].text;
    EXPECT_TRUE(says(digest[0], waiting[0].number)) << digest[0].text;
    EXPECT_FALSE(says(digest[0], waiting[4].number)) << "only the late ones: " << digest[0].text;

    EXPECT_EQ(recorded_deadlines(), 0);
    EXPECT_EQ(pass(t0 + 10min), 0u) << "told of already";
    EXPECT_EQ(digests().size(), 1u);
}

// A breach saved while the note waited for its lock was recorded at the timer's clock, which may
// be ahead of the note's: it is told as late all the same (not taken for a lapsed warning and
// forgotten). With no supervisor bound, the dispatchers' note says so.
TEST_F(QueueNotesTest, ABreachIsToldWhateverTheNotesClockAndTheNoteSaysWhenNoSupervisorHeard) {
    add_person("调度小张", "o-disp-zhang", true);
    std::vector<store::Ticket> waiting{file("c0")};
    ASSERT_EQ(pass(t0 + 5s), 1u);
    warn_near({0}, waiting, t0 + 10min + 1s, /*late=*/true);  // its deadline: t0 + 10 min (file())
    EXPECT_EQ(pass(t0 + 9min), 1u) << "the note's clock a minute behind the breach's";
    auto told = notes();
    ASSERT_EQ(told.size(), 2u);
    EXPECT_TRUE(says(told[1], "已超时：1张")) << told[1].text;
    EXPECT_TRUE(says(told[1], "未能通知主管")) << told[1].text;
    EXPECT_TRUE(says(told[1], waiting[0].number)) << told[1].text;
    EXPECT_TRUE(digests().empty());
    EXPECT_EQ(recorded_deadlines(), 0);
}

// No dispatcher bound: the supervisors still get the breaches' digest (once: those records go),
// and the warnings wait for a dispatcher.
TEST_F(QueueNotesTest, WithNoDispatcherTheSupervisorsStillGetTheBreachesOnce) {
    add_person("主管老周", "o-sup-zhou", false, true, /*supervisor=*/true);
    std::vector<store::Ticket> waiting{file("x0"), file("x1")};
    set_dispatch_due(waiting[0], t0 + 1min);
    warn_near({0}, waiting, t0 + 2min, /*late=*/true);
    warn_near({1}, waiting, t0 + 2min);
    EXPECT_EQ(pass(t0 + 2min + 5s), 0u) << "no dispatcher to tell";
    auto digest = digests();
    ASSERT_EQ(digest.size(), 1u);
    EXPECT_TRUE(says(digest[0], waiting[0].number)) << digest[0].text;
    EXPECT_EQ(recorded_deadlines(), 1) << "x1's warning waits for a dispatcher";
    EXPECT_EQ(pass(t0 + 3min + 10s), 0u);
    EXPECT_EQ(digests().size(), 1u) << "the breach went up once";
}

// With notes every 5 minutes, deadlines near still go out within a minute of the last note;
// new tickets alone wait for the 5 minutes.
TEST_F(QueueNotesTest, DeadlinesNearWaitAMinuteAtMostWhateverTheInterval) {
    add_person("调度小张", "o-disp-zhang", true);
    auto first = file("m0");
    ASSERT_EQ(pass(t0 + 5s, 300s), 1u);
    warn_near({0}, std::vector<store::Ticket>{first}, t0 + 50s);
    EXPECT_EQ(pass(t0 + 60s, 300s), 0u) << "55 s after the last note";
    EXPECT_EQ(pass(t0 + 65s, 300s), 1u) << "a minute after the last note, for the deadline";
    auto later = file("m1");
    EXPECT_EQ(pass(t0 + 130s, 300s), 0u) << "a new ticket alone waits for the interval";
    EXPECT_EQ(pass(t0 + 365s, 300s), 1u);
    auto told = notes();
    ASSERT_EQ(told.size(), 3u);
    EXPECT_TRUE(says(told[1], "时限将到：1张")) << told[1].text;
    EXPECT_TRUE(says(told[2], later.number)) << told[2].text;
}

// A queue nobody takes for hours reaches its arrival and finish deadlines (bot/sla_timers.cpp
// leaves them to the note too): each is named with its stage; a ticket late for dispatch and near
// its arrival is on both lines; a missed finish is named with the deadline it missed, not the new
// promised one the breach gave the ticket; the supervisors' digest names the stages too.
TEST_F(QueueNotesTest, EveryStagesDeadlineIsNamedWithItsStage) {
    add_person("调度小张", "o-disp-zhang", true);
    add_person("主管老周", "o-sup-zhou", false, true, /*supervisor=*/true);
    std::vector<store::Ticket> waiting;
    for (int i = 0; i < 3; ++i) waiting.push_back(file("s" + std::to_string(i)));
    ASSERT_EQ(pass(t0 + 5s), 1u);
    // s0: late for dispatch (10:10), its arrival (14:00) near; s1: its finish (12:00) missed,
    // then moved to the next day's 12:00; s2: its finish (13:00) near. At the desk, UTC+8.
    set_due(waiting[0], t0 + 4h, "arrive");
    set_due(waiting[1], t0 + 2h, "finish");
    set_due(waiting[2], t0 + 3h, "finish");
    warn_near({0}, waiting, t0 + 10min, /*late=*/true);
    warn_near({0}, waiting, t0 + 1h, false, "arrive");
    warn_near({1}, waiting, t0 + 2h, /*late=*/true, "finish");
    set_due(waiting[1], t0 + 26h, "finish");
    warn_near({2}, waiting, t0 + 2h, false, "finish");
    EXPECT_EQ(recorded_deadlines(), 4);

    ASSERT_EQ(pass(t0 + 2h + 5s), 1u);
    auto told = notes();
    ASSERT_EQ(told.size(), 2u);
    const auto& note = told[1];
    const auto near = note.text.find("时限将到：2张");
    const auto late = note.text.find("\n已超时：2张");
    ASSERT_NE(near, std::string::npos) << note.text;
    ASSERT_NE(late, std::string::npos) << note.text;
    const auto s2_near = note.text.find(waiting[2].number +
                                        "（水龙头漏水，3栋2单元301-s2，须在11月23日 13:00前完工）");
    const auto s0_near = note.text.find(waiting[0].number +
                                        "（水龙头漏水，3栋2单元301-s0，须在11月23日 14:00前到场）");
    ASSERT_NE(s2_near, std::string::npos) << note.text;
    ASSERT_NE(s0_near, std::string::npos) << note.text;
    EXPECT_LT(s2_near, s0_near) << "nearest first: " << note.text;
    EXPECT_LT(s0_near, late) << note.text;
    const auto s0_late = note.text.find(waiting[0].number +
                                        "（水龙头漏水，3栋2单元301-s0，派单时限11月23日 10:10）");
    const auto s1_late = note.text.find(waiting[1].number +
                                        "（水龙头漏水，3栋2单元301-s1，完工时限11月23日 12:00）");
    EXPECT_GT(s0_late, late) << note.text;
    EXPECT_NE(s0_late, std::string::npos) << note.text;
    EXPECT_NE(s1_late, std::string::npos) << "the deadline missed: " << note.text;
    EXPECT_LT(s0_late, s1_late) << "longest late first: " << note.text;

    auto digest = digests();
    ASSERT_EQ(digest.size(), 1u);
    EXPECT_TRUE(says(digest[0], "超时汇总：2张")) << digest[0].text;
    EXPECT_TRUE(says(digest[0], "完工时限11月23日 12:00")) << digest[0].text;
    EXPECT_EQ(recorded_deadlines(), 0);
}

// A ticket near two of its deadlines at once (a booked visit brings its arrival close to its
// dispatch) is one ticket in the note, named once by the nearest; a ticket late for dispatch with
// its arrival near is on both lines.
TEST_F(QueueNotesTest, ATicketIsCountedOnceHoweverManyOfItsDeadlinesAreNear) {
    add_person("调度小张", "o-disp-zhang", true);
    std::vector<store::Ticket> waiting{file("k0"), file("k1")};
    ASSERT_EQ(pass(t0 + 5s), 1u);
    set_due(waiting[0], t0 + 40min, "arrive");  // k0: dispatch 10:10, arrival 10:40
    set_due(waiting[1], t0 + 1h, "arrive");     // k1: late for dispatch, arrival 11:00
    warn_near({0}, waiting, t0 + 8min);
    warn_near({0, 1}, waiting, t0 + 8min, false, "arrive");
    warn_near({1}, waiting, t0 + 8min, /*late=*/true);
    ASSERT_EQ(pass(t0 + 8min + 5s), 1u);
    auto told = notes();
    ASSERT_EQ(told.size(), 2u);
    const auto& note = told[1];
    EXPECT_TRUE(says(note, "时限将到：2张")) << "k0 once, k1: " << note.text;
    EXPECT_TRUE(says(note, "已超时：1张")) << note.text;
    const auto k0 = waiting[0].number + "（";
    const auto first = note.text.find(k0);
    ASSERT_NE(first, std::string::npos) << note.text;
    EXPECT_EQ(note.text.find(k0, first + 1), std::string::npos) << "named once: " << note.text;
    EXPECT_TRUE(says(note, waiting[0].number + "（水龙头漏水，3栋2单元301-k0，须在11月23日 10:10前派单）"))
        << "by its nearest deadline: " << note.text;
    EXPECT_TRUE(says(note, waiting[1].number + "（水龙头漏水，3栋2单元301-k1，须在11月23日 11:00前到场）"))
        << note.text;
    EXPECT_TRUE(says(note, waiting[1].number + "（水龙头漏水，3栋2单元301-k1，派单时限11月23日 10:10）"))
        << note.text;
}

// A breach recorded over an untold warning of the same stage makes it late and keeps the deadline
// missed; a warning after an untold breach of that stage (a deadline moved, warned again) leaves
// the breach as it was. A stage the desk does not know is refused, not recorded.
TEST_F(QueueNotesTest, OneRecordPerTicketAndStageAndNoUnknownStage) {
    std::vector<store::Ticket> waiting{file("u0")};
    set_due(waiting[0], t0 + 2h, "finish");
    warn_near({0}, waiting, t0 + 1h, false, "finish");
    warn_near({0}, waiting, t0 + 2h, /*late=*/true, "finish");
    set_due(waiting[0], t0 + 26h, "finish");
    warn_near({0}, waiting, t0 + 25h, false, "finish");
    auto row = pool_.run_sync([](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet> rs(st->executeQuery(
            "SELECT COUNT(*) AS n, MAX(stage) AS stage, MAX(late) AS late, MAX(due) AS due "
            "FROM queue_note_deadlines"));
        rs->next();
        return std::make_tuple(rs->getInt("n"), std::string(rs->getString("stage")),
                               rs->getInt("late"), std::string(rs->getString("due")));
    });
    EXPECT_EQ(row, std::make_tuple(
                       1, std::string("finish"), 1,
                       store::to_sql_datetime(chr::time_point_cast<chr::milliseconds>(t0 + 2h))));
    EXPECT_THROW(warn_near({0}, waiting, t0 + 3h, false, "lunch"), std::invalid_argument);
    EXPECT_EQ(recorded_deadlines(), 1);
}

// A new ticket and deadlines near in one note: the deadlines on a line after the queue note.
TEST_F(QueueNotesTest, NewTicketsAndDeadlinesNearShareOneNote) {
    add_person("调度小张", "o-disp-zhang", true);
    auto old = file("e0");
    ASSERT_EQ(pass(t0 + 5s), 1u);
    auto fresh = file("e1");
    warn_near({0}, std::vector<store::Ticket>{old}, t0 + 8min);
    ASSERT_EQ(pass(t0 + 8min + 5s), 1u);
    auto told = notes();
    ASSERT_EQ(told.size(), 2u);
    const auto& note = told[1];
    const auto line = note.text.find("\n时限将到：1张");
    ASSERT_NE(line, std::string::npos) << note.text;
    EXPECT_TRUE(says(note, "新增1张")) << note.text;
    EXPECT_LT(note.text.find(fresh.number), line) << note.text;
    EXPECT_GT(note.text.find(old.number), line) << note.text;
}

TEST_F(QueueNotesTest, ATicketDispatchedByHandBeforeTheNoteIsNotInIt) {
    add_person("调度小张", "o-disp-zhang", true);
    auto kept = file("k1");
    auto taken = file("k2");
    take(taken);
    EXPECT_EQ(pass(t0 + 5s), 1u);
    auto told = notes();
    ASSERT_EQ(told.size(), 1u);
    EXPECT_TRUE(says(told[0], "新增1张")) << told[0].text;
    EXPECT_TRUE(says(told[0], kept.number)) << told[0].text;
    EXPECT_FALSE(says(told[0], taken.number)) << told[0].text;
}

TEST_F(QueueNotesTest, WithNobodyToTellTheTicketsWaitForTheFirstNoteSomeoneCanRead) {
    auto waiting = file("n1");
    EXPECT_EQ(pass(t0 + 5s), 0u);
    EXPECT_TRUE(notes().empty());

    add_person("调度小张", "o-disp-zhang", true);
    EXPECT_EQ(pass(t0 + 30s), 0u) << "the warning's interval: one per minute";
    EXPECT_EQ(pass(t0 + 66s), 1u);
    auto told = notes();
    ASSERT_EQ(told.size(), 1u);
    EXPECT_TRUE(says(told[0], "新增1张")) << told[0].text;
    EXPECT_TRUE(says(told[0], waiting.number)) << told[0].text;
}

// A free coroutine, not a capturing lambda (g++ 12 mishandles those; see bot/lanes.h).
asio::awaitable<void> tell(QueueNotes& notes, std::size_t& told) { told = co_await notes.tell_due(); }

TEST_F(QueueNotesTest, TwoProcessesPassingAtOnceSendOneNote) {
    add_person("调度小张", "o-disp-zhang", true);
    add_person("调度小李", "o-disp-li", true);
    for (int i = 0; i < 5; ++i) file("p" + std::to_string(i));

    asio::thread_pool other_blocking(2);
    store::MysqlPool other_pool(other_blocking, private_database());
    const auto at = t0 + 5s;
    QueueNotes one(pool_, testing::desk().notices, options(), [at] { return at; });
    QueueNotes two(other_pool, testing::desk().notices, options(), [at] { return at; });
    std::size_t told_one = 0, told_two = 0;
    asio::co_spawn(io_, tell(one, told_one), asio::detached);
    asio::co_spawn(io_, tell(two, told_two), asio::detached);
    io_.run();
    io_.restart();
    other_blocking.join();

    EXPECT_EQ(told_one + told_two, 2u);
    EXPECT_TRUE(told_one == 0 || told_two == 0);
    auto told = notes();
    ASSERT_EQ(told.size(), 2u);
    EXPECT_EQ(recipients(told), (std::set<std::string>{"o-disp-zhang", "o-disp-li"}));
}

}  // namespace
}  // namespace repairbot::bot
