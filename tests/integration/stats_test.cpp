// The desk's figures against the real MariaDB: a fixture month (2031-03, local time) of 20
// tickets, their ratings, complaints and callbacks, with every figure computed by hand below;
// `repairbot stats` (JSON and CSV) and GET /api/stats must print exactly those numbers.
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>

#include <map>
#include <set>
#include <sstream>

#include "bot/stats.h"
#include "bot/stats_command.h"
#include "store/migrations.h"
#include "store/mysql_pool.h"
#include "store/sql_row.h"
#include "tests/integration/store_env.h"

namespace repairbot::bot {
namespace {

namespace chr = std::chrono;
using store::Timestamp;

// An instant in the desk's local time (UTC+8).
Timestamp local(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
    auto day = chr::sys_days{chr::year{y} / chr::month{mo} / chr::day{d}};
    return chr::time_point_cast<chr::milliseconds>(day) + chr::hours{h} + chr::minutes{mi} +
           chr::seconds{s} - chr::hours{8};
}
Timestamp march(unsigned d, int h = 10, int mi = 0) { return local(2031, 3, d, h, mi); }

constexpr const char* kTag = "stats-fixture";  // every fixture row carries it
constexpr const char* kTechA = "统计测试张师傅";
constexpr const char* kTechB = "统计测试李师傅";
constexpr const char* kWater = "水管漏水";
constexpr const char* kPower = "电路跳闸";
constexpr const char* kDoor = "门窗损坏";

// A ticket of the fixture; times are minutes after receipt (r). Unset = NULL.
struct FixtureTicket {
    int n = 0;  // T<n>
    const char* fault = kWater;
    const char* building = "1";
    char tech = 'A';  // 'A', 'B', or 0 for none
    Timestamp r{};
    std::optional<int> disp, disp_due, acc, acc_due, arr, arr_due, fin, fin_due;
    std::optional<bool> disp_late, acc_late, arr_late, fin_late;
    unsigned reopen = 0;
    std::optional<int> cancelled;
    const char* status = "closed";
    const char* urgency = "normal";
};

// The usual limits: dispatch 10 min after r, accept 30 min after dispatch, arrive 240 and
// finish 1440 min after r. `late` = the verdict the SLA engine recorded for all four stages.
FixtureTicket usual(int n, const char* fault, const char* building, char tech, Timestamp r, int disp,
                    int acc, std::optional<int> arr, std::optional<int> fin,
                    std::optional<bool> late = false) {
    FixtureTicket f;
    f.n = n;
    f.fault = fault;
    f.building = building;
    f.tech = tech;
    f.r = r;
    f.disp = disp;
    f.disp_due = 10;
    f.acc = acc;
    f.acc_due = disp + 30;
    f.arr = arr;
    f.arr_due = 240;
    f.fin = fin;
    f.fin_due = 1440;
    f.disp_late = f.acc_late = f.arr_late = f.fin_late = late;
    return f;
}

// The fixture month. Columns: fault, building, technician, received, dispatched, accepted,
// arrived, done (minutes after receipt), with the deadlines above unless noted.
std::vector<FixtureTicket> fixture_tickets() {
    std::vector<FixtureTicket> t;
    // 水管漏水 (W)
    t.push_back(usual(1, kWater, "1", 'A', march(1), 5, 15, 60, 120));
    t.push_back(usual(2, kWater, "1", 'A', march(2), 5, 15, 90, 180));
    auto t3 = usual(3, kWater, "2", 'B', march(3), 15, 25, 120, 300);  // dispatch late (15 > 10)
    t3.disp_late = true;
    t.push_back(t3);
    // Accept late (50 > 5+30), arrive late (300 > 240); reopened: the first finish was on time
    // (recorded 0, kept), the fresh finish deadline r+2000 was then missed (done r+2500) — the
    // recorded verdict wins, so finish counts on time; minutes to finish use done_at = 2500.
    auto t4 = usual(4, kWater, "2", 'B', march(4), 5, 50, 300, 2500);
    t4.acc_late = t4.arr_late = true;
    t4.fin_due = 2000;
    t4.reopen = 1;
    t.push_back(t4);
    t.push_back(usual(5, kWater, "3", 'A', march(5), 5, 15, 30, 90));
    auto t6 = usual(6, kWater, "3", 'A', march(6), 5, 15, 45, 1500);  // finish late (1500 > 1440)
    t6.fin_late = true;
    t.push_back(t6);
    t.push_back(usual(7, kWater, "1", 'B', march(7), 5, 15, 200, 400));
    // Received 03-31 23:00: dispatched 23:05, accepted 23:15 (both before the cutoff 04-01
    // 00:00); arrived 04-01 01:00 — after the cutoff, so arrive is undecided although its verdict
    // is recorded; finish due 04-01 23:00, not done: undecided. No minutes counted.
    auto t8 = usual(8, kWater, "1", 'A', local(2031, 3, 31, 23), 5, 15, 120, std::nullopt);
    t8.fin_late.reset();
    t8.status = "arrived";
    t.push_back(t8);
    // 电路跳闸 (E)
    t.push_back(usual(9, kPower, "2", 'A', march(9), 5, 15, 60, 240));
    // No recorded verdicts: judged from times. Every stage late: 15 > 10, 55 > 45, 250 > 240,
    // 1600 > 1440.
    t.push_back(usual(10, kPower, "2", 'B', march(10), 15, 55, 250, 1600, std::nullopt));
    t.push_back(usual(11, kPower, "3", 'B', march(11), 5, 15, 100, 200));
    auto t12 = usual(12, kPower, "3", 'A', march(12), 5, 15, 180, 360);
    t12.reopen = 1;
    t.push_back(t12);
    t.push_back(usual(13, kPower, "1", 'B', march(13), 5, 15, 75, 150));
    // Emergency limits: dispatch 3, accept 5 after dispatch, arrive 15, finish 480.
    // 2 ≤ 3 on time, 6 ≤ 7 on time, 20 > 15 late, 100 ≤ 480 on time.
    auto t14 = usual(14, kPower, "1", 'A', march(14), 2, 6, 20, 100);
    t14.disp_due = 3;
    t14.acc_due = 7;
    t14.arr_due = 15;
    t14.fin_due = 480;
    t14.arr_late = true;
    t14.urgency = "emergency";
    t.push_back(t14);
    // Still open (accepted, never arrived); arrive (due 03-15 14:00) and finish (due 03-16 10:00)
    // ran out before the cutoff with no recorded verdict: both late.
    auto t15 = usual(15, kPower, "2", 'B', march(15), 5, 15, std::nullopt, std::nullopt);
    t15.arr_late.reset();
    t15.fin_late.reset();
    t15.status = "accepted";
    t.push_back(t15);
    // 门窗损坏 (D)
    t.push_back(usual(16, kDoor, "3", 'A', march(16), 5, 15, 150, 500));
    t.push_back(usual(17, kDoor, "3", 'B', march(17), 5, 15, 210, 1000));
    // Met exactly at the deadlines (240, 1440), no recorded verdicts: on time.
    t.push_back(usual(18, kDoor, "1", 'B', march(18), 5, 15, 240, 1440, std::nullopt));
    // Received at the very first instant of the month: inside.
    t.push_back(usual(19, kDoor, "2", 'A', local(2031, 3, 1, 0, 0), 5, 15, 120, 240));
    // Cancelled 8 min after receipt, never dispatched: the dispatch deadline (10) fell after the
    // cancellation and accept has no deadline, so no stage counts. No technician.
    FixtureTicket t20;
    t20.n = 20;
    t20.fault = kDoor;
    t20.building = "2";
    t20.tech = 0;
    t20.r = march(20, 12);
    t20.disp_due = 10;
    t20.arr_due = 240;
    t20.fin_due = 1440;
    t20.cancelled = 8;
    t20.status = "cancelled";
    t.push_back(t20);
    // Outside the month: one second before it (its callback C8 is due in it) and at its end.
    t.push_back(usual(21, kWater, "1", 'A', local(2031, 2, 28, 23, 59, 59), 5, 15, 60, 120));
    t.push_back(usual(22, kWater, "1", 'B', local(2031, 4, 1, 0, 0), 5, 15, 60, 120));
    return t;
}

// Figures as fractions num/den; den 0 = null.
struct Frac {
    long num = 0, den = 0;
    [[nodiscard]] std::optional<double> value() const {
        if (den == 0) return std::nullopt;
        return static_cast<double>(num) / static_cast<double>(den);
    }
};

struct ExpectedFigures {
    std::string scope, key;
    long tickets;
    Frac dispatch, accept, arrive, finish;
    Frac satisfaction, reopen, callbacks;
    Frac mean_arrive;  // sum of minutes / count
    std::optional<double> p90_arrive;
    Frac mean_finish;
    std::optional<double> p90_finish;
};

// ---------------------------------------------------------------------------------------------
// The figures, by hand. Cutoff = 2031-04-01 00:00 (+08:00): the month is over.
//
// Stages judged (decided by the cutoff; T20 none; T8 dispatch and accept only):
//   dispatch: T1–T19 = 19; late T3, T10            → 17/19
//   accept:   T1–T19 = 19; late T4, T10            → 17/19
//   arrive:   T1–T7, T9–T19 = 18; late T4, T10, T14, T15 → 14/18
//   finish:   T1–T7, T9–T19 = 18; late T6, T10, T15 (T4 on time by its record) → 15/18
// Minutes to arrive (arrived before the cutoff: all but T8, T15, T20) — 17 values:
//   T1 60, T2 90, T3 120, T4 300, T5 30, T6 45, T7 200, T9 60, T10 250, T11 100, T12 180,
//   T13 75, T14 20, T16 150, T17 210, T18 240, T19 120; sum 2250; mean 2250/17.
//   sorted 20 30 45 60 60 75 90 100 120 120 150 180 200 210 240 250 300; rank ⌈15.3⌉ = 16 → 250.
// Minutes to finish — 17 values: T1 120, T2 180, T3 300, T4 2500, T5 90, T6 1500, T7 400,
//   T9 240, T10 1600, T11 200, T12 360, T13 150, T14 100, T16 500, T17 1000, T18 1440,
//   T19 240; sum 10920; sorted 90 100 120 150 180 200 240 240 300 360 400 500 1000 1440 1500
//   1600 2500; 16th → 1600.
// Reopened: T4, T12 → 2/20.
// Ratings (newest round before the cutoff): T1 5, T2 4, T4 2, T5 5, T9 4, T12 5 (round 1; its
//   round 0 was 2), T16 4; T7's 1 star was given 04-02 (after the cutoff) → rated 7, 4–5: 6.
// Callbacks due in March: C1 T1 done 03-09; C2 complaint about T4 done 03-16 (late, but done);
//   C3 T9 not done; C4 T13 done 04-02 (after the cutoff: not done); C5 T16 done; C6 complaint
//   about no ticket, done; C8 T21 (February ticket) done. C7 (due 04-03) is outside → 5/7. C9, a
//   handover (人工) due 03-14 and never answered, is an answer owed, not a 回访: left out.
//
// By fault type:
//  水管漏水 T1–T8 (8): dispatch 7/8 (T3), accept 7/8 (T4), arrive 6/7 (T1–T7; T4),
//    finish 6/7 (T6); arrive 60 90 120 300 30 45 200 → 845/7, sorted 30 45 60 90 120 200 300,
//    rank ⌈6.3⌉ = 7 → 300; finish 120 180 300 2500 90 1500 400 → 5090/7, p90 2500;
//    reopen 1/8 (T4); rated T1 5, T2 4, T4 2, T5 5 → 3/4; callbacks C1, C2, C8 → 3/3.
//  电路跳闸 T9–T15 (7): dispatch 6/7 (T10), accept 6/7 (T10), arrive 4/7 (T10, T14, T15),
//    finish 5/7 (T10, T15); arrive 60 250 100 180 75 20 → 685/6, sorted 20 60 75 100 180 250,
//    rank ⌈5.4⌉ = 6 → 250; finish 240 1600 200 360 150 100 → 2650/6, p90 1600;
//    reopen 1/7 (T12); rated T9 4, T12 5 → 2/2; callbacks C3, C4 → 0/2.
//  门窗损坏 T16–T20 (5): T16–T19 judged, all on time → 4/4 each stage; arrive 150 210 240 120
//    → 720/4, sorted 120 150 210 240, rank ⌈3.6⌉ = 4 → 240; finish 500 1000 1440 240 → 3180/4,
//    p90 1440; reopen 0/5; rated T16 4 → 1/1; callbacks C5 → 1/1.
// By building:
//  1: T1 T2 T7 T8 T13 T14 T18 (7): dispatch 7/7, accept 7/7, arrive 5/6 (T8 out; T14 late),
//    finish 6/6; arrive 60 90 200 75 20 240 → 685/6, p90 (6th of 6) 240; finish 120 180 400 150
//    100 1440 → 2390/6, p90 1440; reopen 0/7; rated T1, T2 → 2/2; callbacks C1, C4, C8 → 2/3.
//  2: T3 T4 T9 T10 T15 T19 T20 (7): judged 6 (not T20); dispatch 4/6 (T3, T10), accept 4/6
//    (T4, T10), arrive 3/6 (T4, T10, T15), finish 4/6 (T10, T15); arrive 120 300 60 250 120 →
//    850/5, sorted 60 120 120 250 300, rank ⌈4.5⌉ = 5 → 300; finish 300 2500 240 1600 240 →
//    4880/5, p90 2500; reopen 1/7; rated T4 2, T9 4 → 1/2; callbacks C2, C3 → 1/2.
//  3: T5 T6 T11 T12 T16 T17 (6): dispatch, accept, arrive 6/6; finish 5/6 (T6); arrive 30 45
//    100 180 150 210 → 715/6, p90 210; finish 90 1500 200 360 500 1000 → 3650/6, p90 1500;
//    reopen 1/6; rated T5 5, T12 5, T16 4 → 3/3; callbacks C5 → 1/1.
// By technician:
//  张师傅 (A): T1 T2 T5 T6 T8 T9 T12 T14 T16 T19 (10): dispatch 10/10, accept 10/10, arrive
//    8/9 (T14), finish 8/9 (T6); arrive 60 90 30 45 60 180 20 150 120 → 755/9, sorted 20 30 45
//    60 60 90 120 150 180, rank ⌈8.1⌉ = 9 → 180; finish 120 180 90 1500 240 360 100 500 240 →
//    3330/9, sorted …, 9th → 1500; reopen 1/10; rated 5 4 5 4 5 4 → 6/6; callbacks C1, C3, C5,
//    C8 → 3/4.
//  李师傅 (B): T3 T4 T7 T10 T11 T13 T15 T17 T18 (9): dispatch 7/9 (T3, T10), accept 7/9 (T4,
//    T10), arrive 6/9 (T4, T10, T15), finish 7/9 (T10, T15); arrive 120 300 200 250 100 75 210
//    240 → 1495/8, sorted 75 100 120 200 210 240 250 300, rank ⌈7.2⌉ = 8 → 300; finish 300 2500
//    400 1600 200 150 1000 1440 → 7590/8, p90 2500; reopen 1/9; rated T4 2 → 0/1; callbacks C2,
//    C4 → 1/2.
//  unassigned: T20 (1): nothing judged, no minutes, reopen 0/1, nothing rated, no callbacks.
// ---------------------------------------------------------------------------------------------
std::vector<ExpectedFigures> expected_figures() {
    const auto none = std::nullopt;
    return {
        {"overall", "", 20, {17, 19}, {17, 19}, {14, 18}, {15, 18}, {6, 7}, {2, 20}, {5, 7},
         {2250, 17}, 250, {10920, 17}, 1600},
        {"fault_type", kWater, 8, {7, 8}, {7, 8}, {6, 7}, {6, 7}, {3, 4}, {1, 8}, {3, 3},
         {845, 7}, 300, {5090, 7}, 2500},
        {"fault_type", kPower, 7, {6, 7}, {6, 7}, {4, 7}, {5, 7}, {2, 2}, {1, 7}, {0, 2},
         {685, 6}, 250, {2650, 6}, 1600},
        {"fault_type", kDoor, 5, {4, 4}, {4, 4}, {4, 4}, {4, 4}, {1, 1}, {0, 5}, {1, 1},
         {720, 4}, 240, {3180, 4}, 1440},
        {"building", "1", 7, {7, 7}, {7, 7}, {5, 6}, {6, 6}, {2, 2}, {0, 7}, {2, 3},
         {685, 6}, 240, {2390, 6}, 1440},
        {"building", "2", 7, {4, 6}, {4, 6}, {3, 6}, {4, 6}, {1, 2}, {1, 7}, {1, 2},
         {850, 5}, 300, {4880, 5}, 2500},
        {"building", "3", 6, {6, 6}, {6, 6}, {6, 6}, {5, 6}, {3, 3}, {1, 6}, {1, 1},
         {715, 6}, 210, {3650, 6}, 1500},
        {"technician", kTechA, 10, {10, 10}, {10, 10}, {8, 9}, {8, 9}, {6, 6}, {1, 10}, {3, 4},
         {755, 9}, 180, {3330, 9}, 1500},
        {"technician", kTechB, 9, {7, 9}, {7, 9}, {6, 9}, {7, 9}, {0, 1}, {1, 9}, {1, 2},
         {1495, 8}, 300, {7590, 8}, 2500},
        {"technician", "", 1, {}, {}, {}, {}, {}, {0, 1}, {}, {}, none, {}, none},
    };
}

class StatsFixture : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto applied = store::migrate(store::testing::mysql_settings());
        ASSERT_TRUE(applied) << applied.error().message();
    }

    void SetUp() override {
        pool_.run_sync([](sql::Connection& c) { delete_fixture(c); });
        pool_.run_sync([](sql::Connection& c) { insert_fixture(c); });
    }
    void TearDown() override {
        pool_.run_sync([](sql::Connection& c) { delete_fixture(c); });
        blocking_.join();
    }

    static void exec(sql::Connection& c, const std::string& q, const std::string& arg) {
        auto st = store::sql_row::prepare(c, q);
        st->setString(1, arg);
        st->executeUpdate();
    }

    static void delete_fixture(sql::Connection& c) {
        const std::string like = std::string(kTag) + "%";
        exec(c, "DELETE FROM callbacks WHERE notes = ?", kTag);
        exec(c, "DELETE FROM complaints WHERE text = ?", kTag);
        exec(c, "DELETE r FROM ratings r JOIN tickets t ON t.id = r.ticket_id "
                "WHERE t.idempotency_key LIKE ?", like);
        exec(c, "DELETE FROM tickets WHERE idempotency_key LIKE ?", like);
        exec(c, "DELETE FROM technicians WHERE phone = ?", kTag);
    }

    static std::uint64_t insert_technician(sql::Connection& c, const char* name) {
        using namespace store::sql_row;
        auto st = prepare(c, "INSERT INTO technicians (name, phone, created_at, updated_at) "
                             "VALUES (?, ?, ?, ?)");
        bind_all(*st, std::string(name), std::string(kTag), march(1, 0), march(1, 0));
        st->executeUpdate();
        return last_insert_id(c);
    }

    static void insert_fixture(sql::Connection& c) {
        using namespace store::sql_row;
        using OptT = std::optional<Timestamp>;
        const auto tech_a = insert_technician(c, kTechA);
        const auto tech_b = insert_technician(c, kTechB);
        std::map<int, std::uint64_t> id;  // T<n> -> tickets.id
        for (const auto& f : fixture_tickets()) {
            auto at = [&f](std::optional<int> minutes) -> OptT {
                if (!minutes) return std::nullopt;
                return f.r + chr::minutes{*minutes};
            };
            // The accept clock starts at dispatch: its deadline is given after dispatch here.
            OptT accept_due = f.acc_due ? at(*f.acc_due) : OptT{};
            std::optional<std::uint64_t> tech;
            if (f.tech == 'A') tech = tech_a;
            if (f.tech == 'B') tech = tech_b;
            const std::string n = std::to_string(f.n);
            auto st = prepare(
                c,
                "INSERT INTO tickets (number, idempotency_key, owner_openid, building, fault_type, "
                "urgency, description, status, technician_id, reopen_count, created_at, "
                "dispatched_at, accepted_at, arrived_at, done_at, cancelled_at, dispatch_due, "
                "accept_due, arrive_due, finish_due, dispatch_late, accept_late, arrive_late, "
                "finish_late, updated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
            bind_all(*st, "STATS31-T" + n, std::string(kTag) + "-T" + n, std::string("o-") + kTag,
                     std::string(f.building), std::string(f.fault), std::string(f.urgency),
                     std::string("fixture T") + n, std::string(f.status), tech, f.reopen, f.r,
                     at(f.disp), at(f.acc), at(f.arr), at(f.fin), at(f.cancelled), at(f.disp_due),
                     accept_due, at(f.arr_due), at(f.fin_due), f.disp_late, f.acc_late,
                     f.arr_late, f.fin_late, f.r);
            st->executeUpdate();
            id[f.n] = last_insert_id(c);
        }

        auto rating = [&](int t, unsigned round, int score, Timestamp at) {
            auto st = prepare(c, "INSERT INTO ratings (ticket_id, round, owner_openid, score, "
                                 "created_at) VALUES (?, ?, ?, ?, ?)");
            bind_all(*st, id.at(t), std::uint32_t{round}, std::string("o-") + kTag, score, at);
            st->executeUpdate();
        };
        rating(1, 0, 5, march(3));
        rating(2, 0, 4, march(4));
        rating(4, 1, 2, march(7));
        rating(5, 0, 5, march(7));
        rating(7, 0, 1, local(2031, 4, 2, 10));  // after the cutoff
        rating(9, 0, 4, march(11));
        rating(12, 0, 2, march(12, 16, 40));
        rating(12, 1, 5, march(13, 19, 20));  // the newest round counts
        rating(16, 0, 4, march(18));

        auto complaint = [&](std::optional<std::uint64_t> ticket) {
            auto st = prepare(c, "INSERT INTO complaints (ticket_id, owner_openid, source, text, "
                                 "created_at) VALUES (?, ?, ?, ?, ?)");
            bind_all(*st, ticket, std::string("o-") + kTag, std::string(ticket ? "low_rating" : "owner"),
                     std::string(kTag), march(7));
            st->executeUpdate();
            return last_insert_id(c);
        };
        const auto cp_t4 = complaint(id.at(4));
        const auto cp_none = complaint(std::nullopt);

        auto callback = [&](std::optional<std::uint64_t> ticket, std::optional<std::uint64_t> cp,
                            const char* kind, Timestamp due, OptT done) {
            auto st = prepare(c, "INSERT INTO callbacks (ticket_id, complaint_id, kind, due_at, "
                                 "done_at, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
            bind_all(*st, ticket, cp, std::string(kind), due, done, std::string(kTag), march(1));
            st->executeUpdate();
        };
        using U = std::optional<std::uint64_t>;
        callback(id.at(1), U{}, "sample", march(10), march(9, 15));           // C1
        callback(U{}, cp_t4, "complaint", march(15), march(16));              // C2
        callback(id.at(9), U{}, "sample", march(20), OptT{});                 // C3
        callback(id.at(13), U{}, "sample", march(25), local(2031, 4, 2, 10)); // C4
        callback(id.at(16), U{}, "sample", march(28), march(28, 9));          // C5
        callback(U{}, cp_none, "complaint", march(12), march(12, 11));        // C6
        callback(id.at(7), U{}, "sample", local(2031, 4, 3, 10), OptT{});     // C7
        callback(id.at(21), U{}, "sample", march(5), march(5, 11));           // C8
        callback(U{}, U{}, "handover", march(14), OptT{});  // C9: an owner's 人工, never answered
    }

    // What `repairbot stats --month 2031-03 [--json|--csv]` prints, computed two months later.
    std::string run_command(const std::string& format) {
        config::Settings settings;
        settings.mysql = store::testing::mysql_settings();
        CommandLine cl;
        cl.command = "stats";
        cl.options["month"] = "2031-03";
        if (!format.empty()) cl.options[format] = "";
        std::ostringstream out, err;
        int rc = run_stats(settings, cl, local(2031, 6, 1), out, err);
        EXPECT_EQ(rc, kExitOk) << err.str();
        return out.str();
    }

    boost::asio::thread_pool blocking_{2};
    store::MysqlPool pool_{blocking_, store::testing::mysql_settings()};
};

std::optional<double> json_number(const nlohmann::json& v) {
    if (v.is_null()) return std::nullopt;
    return v.get<double>();
}

void expect_json_figures(const nlohmann::json& j, const ExpectedFigures& e) {
    SCOPED_TRACE(e.scope + " " + e.key);
    EXPECT_EQ(j.at("tickets").get<long>(), e.tickets);
    EXPECT_EQ(json_number(j.at("on_time_rate").at("dispatch")), e.dispatch.value());
    EXPECT_EQ(json_number(j.at("on_time_rate").at("accept")), e.accept.value());
    EXPECT_EQ(json_number(j.at("on_time_rate").at("arrive")), e.arrive.value());
    EXPECT_EQ(json_number(j.at("on_time_rate").at("finish")), e.finish.value());
    EXPECT_EQ(json_number(j.at("satisfaction_rate")), e.satisfaction.value());
    EXPECT_EQ(json_number(j.at("reopen_rate")), e.reopen.value());
    EXPECT_EQ(json_number(j.at("callback_completion_rate")), e.callbacks.value());
    EXPECT_EQ(json_number(j.at("mean_minutes_to_arrive")), e.mean_arrive.value());
    EXPECT_EQ(json_number(j.at("p90_minutes_to_arrive")), e.p90_arrive);
    EXPECT_EQ(json_number(j.at("mean_minutes_to_finish")), e.mean_finish.value());
    EXPECT_EQ(json_number(j.at("p90_minutes_to_finish")), e.p90_finish);
}

const nlohmann::json* find_group(const nlohmann::json& list, const char* field,
                                 const std::string& key) {
    for (const auto& g : list)
        if (g.at(field).get<std::string>() == key) return &g;
    return nullptr;
}

void expect_report_json(const nlohmann::json& j) {
    const std::map<std::string, const char*> list_of{{"fault_type", "by_fault_type"},
                                                     {"building", "by_building"},
                                                     {"technician", "by_technician"}};
    EXPECT_EQ(j.at("by_fault_type").size(), 3u);
    EXPECT_EQ(j.at("by_building").size(), 3u);
    EXPECT_EQ(j.at("by_technician").size(), 3u);
    for (const auto& e : expected_figures()) {
        if (e.scope == "overall") {
            expect_json_figures(j, e);
            continue;
        }
        const auto* g = find_group(j.at(list_of.at(e.scope)), e.scope.c_str(), e.key);
        ASSERT_NE(g, nullptr) << e.scope << " " << e.key;
        expect_json_figures(*g, e);
    }
    EXPECT_TRUE(j.at("by_technician").back().at("technician_id").is_null());
}

TEST_F(StatsFixture, JsonFromTheCommandMatchesTheHandComputedFigures) {
    auto j = nlohmann::json::parse(run_command("json"));
    expect_report_json(j);
}

std::vector<std::string> split(const std::string& s, const std::string& sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (auto pos = s.find(sep); pos != std::string::npos; pos = s.find(sep, start)) {
        out.push_back(s.substr(start, pos - start));
        start = pos + sep.size();
    }
    out.push_back(s.substr(start));
    return out;
}

std::optional<double> csv_number(const std::string& cell) {
    if (cell.empty()) return std::nullopt;
    return std::stod(cell);
}

TEST_F(StatsFixture, CsvFromTheCommandMatchesTheHandComputedFigures) {
    auto csv = run_command("csv");
    auto lines = split(csv, "\r\n");
    ASSERT_EQ(lines.back(), "");  // ends with CRLF
    lines.pop_back();
    ASSERT_EQ(lines.size(), 1u + expected_figures().size()) << csv;
    EXPECT_EQ(lines[0],
              "scope,key,technician_id,tickets,on_time_rate_dispatch,on_time_rate_accept,"
              "on_time_rate_arrive,on_time_rate_finish,satisfaction_rate,reopen_rate,"
              "callback_completion_rate,mean_minutes_to_arrive,p90_minutes_to_arrive,"
              "mean_minutes_to_finish,p90_minutes_to_finish");
    std::map<std::string, std::vector<std::string>> rows;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        auto cells = split(lines[i], ",");
        ASSERT_EQ(cells.size(), 15u) << lines[i];
        rows[cells[0] + "|" + cells[1]] = cells;
    }
    for (const auto& e : expected_figures()) {
        SCOPED_TRACE(e.scope + " " + e.key);
        auto it = rows.find(e.scope + "|" + e.key);
        ASSERT_NE(it, rows.end());
        const auto& c = it->second;
        EXPECT_EQ(std::stol(c[3]), e.tickets);
        EXPECT_EQ(csv_number(c[4]), e.dispatch.value());
        EXPECT_EQ(csv_number(c[5]), e.accept.value());
        EXPECT_EQ(csv_number(c[6]), e.arrive.value());
        EXPECT_EQ(csv_number(c[7]), e.finish.value());
        EXPECT_EQ(csv_number(c[8]), e.satisfaction.value());
        EXPECT_EQ(csv_number(c[9]), e.reopen.value());
        EXPECT_EQ(csv_number(c[10]), e.callbacks.value());
        EXPECT_EQ(csv_number(c[11]), e.mean_arrive.value());
        EXPECT_EQ(csv_number(c[12]), e.p90_arrive);
        EXPECT_EQ(csv_number(c[13]), e.mean_finish.value());
        EXPECT_EQ(csv_number(c[14]), e.p90_finish);
        EXPECT_EQ(c[2].empty(), e.scope != "technician" || e.key.empty());
    }
    EXPECT_EQ(rows.at("overall|")[4], "0.8947368421052632");  // 17/19, shortest exact form
}

TEST_F(StatsFixture, ApiStatsServesTheSameFigures) {
    Router router;
    add_stats_routes(router, pool_, "fixture-token", [] { return local(2031, 6, 1); });
    auto get = [&router](const std::string& target, const std::string& auth) {
        boost::asio::io_context ioc;
        Request req{http::verb::get, target, 11};
        req.set(http::field::authorization, auth);
        auto fut = boost::asio::co_spawn(ioc, router.handle(std::move(req)), boost::asio::use_future);
        ioc.run();
        return fut.get();
    };
    auto res = get("/api/stats?month=2031-03", "Bearer fixture-token");
    ASSERT_EQ(res.result(), http::status::ok) << res.body();
    EXPECT_EQ(res[http::field::content_type], "application/json; charset=utf-8");
    expect_report_json(nlohmann::json::parse(res.body()));
    EXPECT_EQ(get("/api/stats?month=2031-03", "Bearer wrong").result(), http::status::unauthorized);
    EXPECT_EQ(get("/api/stats?month=2031-3", "Bearer fixture-token").result(),
              http::status::bad_request);
}

// The late list explains the figures above: one row per late stage, as the hand count has them
// (dispatch T3 T10; accept T4 T10; arrive T4 T10 T14 T15; finish T6 T10 T15), from the command
// and from GET /api/stats/missed alike.
TEST_F(StatsFixture, TheLateListHasOneRowPerLateStageOfTheFigures) {
    config::Settings settings;
    settings.mysql = store::testing::mysql_settings();
    CommandLine cl;
    cl.command = "stats";
    cl.options["month"] = "2031-03";
    cl.options["missed"] = "";
    cl.options["json"] = "";
    std::ostringstream out, err;
    ASSERT_EQ(run_stats(settings, cl, local(2031, 6, 1), out, err), kExitOk) << err.str();
    auto j = nlohmann::json::parse(out.str());
    std::set<std::string> rows;
    for (const auto& m : j.at("missed"))
        rows.insert(m.at("number").get<std::string>() + " " + m.at("stage").get<std::string>());
    const std::set<std::string> expected{
        "STATS31-T3 dispatch", "STATS31-T10 dispatch", "STATS31-T4 accept",  "STATS31-T10 accept",
        "STATS31-T4 arrive",   "STATS31-T10 arrive",   "STATS31-T14 arrive", "STATS31-T15 arrive",
        "STATS31-T6 finish",   "STATS31-T10 finish",   "STATS31-T15 finish"};
    EXPECT_EQ(rows, expected);
    EXPECT_EQ(j.at("count"), 11);
    EXPECT_EQ(j.at("from"), "2031-03-01");
    for (const auto& m : j.at("missed"))
        if (m.at("number") == "STATS31-T6") {
            EXPECT_EQ(m.at("minutes_late"), 60.0) << "done at 1500 min against 1440";
            EXPECT_EQ(m.at("technician"), kTechA);
        }

    cl.options.erase("json");
    std::ostringstream table;
    ASSERT_EQ(run_stats(settings, cl, local(2031, 6, 1), table, err), kExitOk) << err.str();
    EXPECT_NE(table.str().find("逾期明细 2031-03-01 至 2031-03-31"), std::string::npos) << table.str();
    EXPECT_NE(table.str().find("共 11 项"), std::string::npos) << table.str();

    Router router;
    add_stats_routes(router, pool_, "fixture-token", [] { return local(2031, 6, 1); });
    boost::asio::io_context ioc;
    Request req{http::verb::get, "/api/stats/missed?month=2031-03", 11};
    req.set(http::field::authorization, "Bearer fixture-token");
    auto fut = boost::asio::co_spawn(ioc, router.handle(std::move(req)), boost::asio::use_future);
    ioc.run();
    auto res = fut.get();
    ASSERT_EQ(res.result(), http::status::ok) << res.body();
    EXPECT_EQ(nlohmann::json::parse(res.body()).at("missed"), j.at("missed"));
}

TEST_F(StatsFixture, TableShowsTheFiguresAsPercentages) {
    auto table = run_command("");
    EXPECT_NE(table.find("报修统计 2031-03-01 至 2031-03-31"), std::string::npos) << table;
    EXPECT_NE(table.find("89.5%"), std::string::npos) << table;  // 17/19 dispatch
    EXPECT_NE(table.find("85.7%"), std::string::npos) << table;  // 6/7 satisfaction
    EXPECT_NE(table.find("132.4"), std::string::npos) << table;  // 2250/17 minutes
    EXPECT_NE(table.find(kTechA), std::string::npos) << table;
    EXPECT_NE(table.find("(未派单)"), std::string::npos) << table;
}

TEST_F(StatsFixture, MidMonthCutoffLeavesLaterFactsOut) {
    // Seen on 03-10 00:00, tickets received later do not exist yet: T1–T7, T9, T19 (9). Their
    // late stages: T3 dispatch, T4 accept and arrive, T6 finish → 8/9 each (T4's finish, done
    // 03-05 23:40, is on time by its record). Ratings before 03-10: T1 5, T2 4, T4 2, T5 5 →
    // 3/4 (T9's came 03-11). Callbacks due before 03-10, or done before it: C8 (03-05, done) and
    // C1 (due 03-10, done early on 03-09) → 2/2.
    config::Settings settings;
    settings.mysql = store::testing::mysql_settings();
    CommandLine cl;
    cl.command = "stats";
    cl.options["month"] = "2031-03";
    cl.options["json"] = "";
    std::ostringstream out, err;
    ASSERT_EQ(run_stats(settings, cl, march(10, 0), out, err), kExitOk) << err.str();
    auto j = nlohmann::json::parse(out.str());
    EXPECT_EQ(j["tickets"], 9);
    EXPECT_EQ(j["on_time_rate"]["dispatch"].get<double>(), 8.0 / 9.0);
    EXPECT_EQ(j["on_time_rate"]["accept"].get<double>(), 8.0 / 9.0);
    EXPECT_EQ(j["on_time_rate"]["arrive"].get<double>(), 8.0 / 9.0);
    EXPECT_EQ(j["on_time_rate"]["finish"].get<double>(), 8.0 / 9.0);
    EXPECT_EQ(j["reopen_rate"].get<double>(), 1.0 / 9.0);
    EXPECT_EQ(j["satisfaction_rate"].get<double>(), 3.0 / 4.0);
    EXPECT_EQ(j["callback_completion_rate"].get<double>(), 1.0);
}

}  // namespace
}  // namespace repairbot::bot
