// The admin API's pure parts: ISO-8601 times with the desk's offset, the ticket filters (each
// error naming its parameter), the one JSON shape of a ticket with its SLA verdicts, and the
// door of /api/tickets (auth and bad filters answered before any database work).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>

#include "bot/admin_api.h"

namespace repairbot::bot {
namespace {

namespace asio = boost::asio;
namespace chr = std::chrono;
using store::Timestamp;

// An instant given in the desk's local time (UTC+8).
Timestamp local(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
    auto day = chr::sys_days{chr::year{y} / chr::month{mo} / chr::day{d}};
    return chr::time_point_cast<chr::milliseconds>(day) + chr::hours{h} + chr::minutes{mi} +
           chr::seconds{s} + chr::milliseconds{ms} - chr::hours{8};
}

// ---- ISO-8601 ----

TEST(AdminIsoTime, FormatsLocalTimeWithTheDeskOffsetAndWholeSeconds) {
    EXPECT_EQ(iso_datetime(local(2026, 11, 21, 12, 5, 6, 789)), "2026-11-21T12:05:06+08:00");
    // 16:30 UTC on New Year's Eve is already the next year at the desk.
    const Timestamp utc_evening =
        Timestamp{chr::sys_days{chr::year{2026} / 12 / 31}} + chr::hours{16} + chr::minutes{30};
    EXPECT_EQ(iso_datetime(utc_evening), "2027-01-01T00:30:00+08:00");
}

TEST(AdminIsoTime, ReadsDatesAndDateTimesWithOrWithoutOffset) {
    struct Case {
        const char* text;
        Timestamp expected;
    };
    const Timestamp noon = local(2026, 11, 21, 12, 5, 6);
    for (const auto& c : {
             Case{"2026-11-21", local(2026, 11, 21)},
             Case{"2026-11-21T12:05:06+08:00", noon},
             Case{"2026-11-21T04:05:06Z", noon},
             Case{"2026-11-21T12:05:06", noon},
             Case{"2026-11-21 12:05:06", noon},
             Case{"2026-11-21T12:05:06 08:00", noon},  // '+' decoded to ' ' in a query string
             Case{"2026-11-20T23:05:06-05:00", noon},
             Case{"2026-11-21T12:05+08:00", local(2026, 11, 21, 12, 5)},
             Case{"2026-11-21T12:05:06.5+08:00", noon + chr::milliseconds{500}},
             Case{"2024-02-29", local(2024, 2, 29)},
         }) {
        auto parsed = parse_iso_datetime(c.text);
        ASSERT_TRUE(parsed.has_value()) << c.text;
        EXPECT_EQ(*parsed, c.expected) << c.text;
    }
}

TEST(AdminIsoTime, RejectsWhatIsNotADateTime) {
    for (const char* text :
         {"", "2026", "2026-11", "2026/11/21", "2026-13-01", "2026-02-30", "2025-02-29",
          "2026-11-21T25:00", "2026-11-21T12:60", "2026-11-21T12", "2026-11-21T12:05:06+8",
          "2026-11-21T12:05:06+08:00x", "2026-11-21X12:05", "2026-11-21T12:05:06.", "yesterday"}) {
        EXPECT_FALSE(parse_iso_datetime(text).has_value()) << text;
    }
}

TEST(AdminIsoTime, RoundTripsToTheSecond) {
    const Timestamp t = local(2026, 2, 14, 16, 20, 33, 250);
    EXPECT_EQ(parse_iso_datetime(iso_datetime(t)), chr::floor<chr::seconds>(t));
}

// ---- filters ----

TEST(AdminTicketFilter, ReadsEveryFilter) {
    auto f = parse_ticket_filter({{"status", "accepted"},
                                  {"urgency", "emergency"},
                                  {"technician", "7"},
                                  {"openid", "o-owner"},
                                  {"from", "2026-11-01"},
                                  {"to", "2026-12-01T00:00:00+08:00"},
                                  {"limit", "500"}},
                                 "");
    ASSERT_TRUE(f) << f.error().detail;
    EXPECT_EQ(f->status, "accepted");
    EXPECT_EQ(f->urgency, "emergency");
    EXPECT_EQ(f->technician_id, 7u);
    EXPECT_EQ(f->owner_openid, "o-owner");
    EXPECT_EQ(f->from, local(2026, 11, 1));
    EXPECT_EQ(f->to, local(2026, 12, 1));
    EXPECT_EQ(f->limit, 500u);
}

TEST(AdminTicketFilter, DefaultsToTheNewestHundred) {
    auto f = parse_ticket_filter({}, "");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->limit, kDefaultTicketListLimit);
    EXPECT_FALSE(f->status || f->urgency || f->technician_id || f->owner_openid || f->from ||
                 f->to);
}

TEST(AdminTicketFilter, EachBadValueIsNamedWithTheFix) {
    struct Case {
        std::map<std::string, std::string> values;
        std::string names;  // what the detail must start with (CLI prefix)
        std::string fix;    // and contain
    };
    for (const auto& c : {
             Case{{{"status", "open"}}, "--status: 'open'", "dispatched"},
             Case{{{"urgency", "urgent"}}, "--urgency: 'urgent'", "emergency, normal or planned"},
             Case{{{"technician", "zhang"}}, "--technician: 'zhang'", "technician list"},
             Case{{{"technician", "0"}}, "--technician: '0'", "technician list"},
             Case{{{"openid", ""}}, "--openid", "openid"},
             Case{{{"from", "2026-13-01"}}, "--from: '2026-13-01'", "YYYY-MM-DD"},
             Case{{{"to", "tomorrow"}}, "--to: 'tomorrow'", "YYYY-MM-DD"},
             Case{{{"limit", "0"}}, "--limit: '0'", "1 to 500"},
             Case{{{"limit", "501"}}, "--limit: '501'", "1 to 500"},
             Case{{{"limit", "ten"}}, "--limit: 'ten'", "1 to 500"},
             Case{{{"from", "2026-11-02"}, {"to", "2026-11-01"}},
                  "--to: must be after --from",
                  "[from, to)"},
             Case{{{"colour", "red"}}, "--colour: unknown filter", "status, urgency"},
         }) {
        auto f = parse_ticket_filter(c.values, "--");
        ASSERT_FALSE(f) << c.names;
        EXPECT_EQ(f.code(), std::errc::invalid_argument);
        EXPECT_EQ(f.error().detail.rfind(c.names, 0), 0u) << f.error().detail;
        EXPECT_NE(f.error().detail.find(c.fix), std::string::npos) << f.error().detail;
    }
    // The API names the bare parameter.
    auto api = parse_ticket_filter({{"status", "open"}}, "");
    ASSERT_FALSE(api);
    EXPECT_EQ(api.error().detail.rfind("status: 'open'", 0), 0u);
}

// ---- the ticket's JSON ----

// A ticket met on time at dispatch, late at accept, arrived and finished with no recorded
// verdicts: arrive met before its deadline, finish unmet and past its deadline.
TicketView fixture_view() {
    store::Ticket t;
    t.id = 42;
    t.number = "BX20261121-0007";
    t.owner_openid = "o-owner";
    t.reporter_name = "王女士";
    t.phone = "13800138000";
    t.building = "3";
    t.unit = "2";
    t.room = "301";
    t.address = "3号楼2单元301";
    t.fault_type = "水管漏水";
    t.trade = "水";
    t.urgency = "normal";
    t.description = "厨房水管漏水";
    t.status = store::ticket_status::arrived;
    t.technician_id = 5;
    t.fee_cents = 5050;
    t.reopen_count = 1;
    t.created_at = local(2026, 11, 21, 9, 0, 0, 123);
    t.updated_at = local(2026, 11, 21, 11, 0);
    t.at.dispatched = local(2026, 11, 21, 9, 5);
    t.at.accepted = local(2026, 11, 21, 9, 50);
    t.at.arrived = local(2026, 11, 21, 10, 30);
    t.due.dispatch = local(2026, 11, 21, 9, 10);
    t.due.accept = local(2026, 11, 21, 9, 35);
    t.due.arrive = local(2026, 11, 21, 13, 0);
    t.due.finish = local(2026, 11, 21, 12, 0);
    t.late.dispatch = false;
    t.late.accept = true;

    store::Technician tech;
    tech.id = 5;
    tech.name = "张师傅";
    tech.phone = "13900139000";

    store::Photo stored;
    stored.media_id = "MEDIA-1";
    stored.status = "stored";
    stored.pic_url = "http://mmbiz.qpic.cn/1";
    stored.stored_path = "var/media/ab/abcdef.jpg";
    store::Photo pending;
    pending.media_id = "MEDIA-2";
    pending.pic_url = "http://mmbiz.qpic.cn/2";

    store::TicketEvent created{1,       42,        local(2026, 11, 21, 9, 0), "o-owner",
                               "owner", "created", R"({"channel":"wechat"})"};
    store::TicketEvent broken{
        2, 42, local(2026, 11, 21, 9, 5), "system", "system", "dispatched", "not json"};
    return TicketView{t, tech, std::vector{stored, pending}, std::vector{created, broken}};
}

TEST(AdminTicketJson, HasEveryFieldTheConsoleReads) {
    const auto j = ticket_json(fixture_view(), config::SlaData{}, local(2026, 11, 21, 14, 0));
    for (const char* key : {"number", "status", "urgency", "fault_type", "address", "public_area",
                            "description", "phone", "owner_openid", "technician", "fee",
                            "reopen_count", "created_at", "photos", "events", "deadlines", "sla"}) {
        EXPECT_TRUE(j.contains(key)) << key;
    }
    EXPECT_EQ(j["number"], "BX20261121-0007");
    EXPECT_EQ(j["status"], "arrived");
    EXPECT_EQ(j["urgency"], "normal");
    EXPECT_EQ(j["fault_type"], "水管漏水");
    EXPECT_EQ(j["public_area"], false);
    EXPECT_EQ(j["phone"], "13800138000");
    EXPECT_EQ(j["technician"],
              nlohmann::ordered_json({{"id", 5}, {"name", "张师傅"}, {"phone", "13900139000"}}));
    EXPECT_DOUBLE_EQ(j["fee"].get<double>(), 50.5);
    EXPECT_EQ(j["reopen_count"], 1);
    EXPECT_EQ(j["created_at"], "2026-11-21T09:00:00+08:00");
}

TEST(AdminTicketJson, DeadlinesAreIsoWithOffsetAndNullWhereNone) {
    auto view = fixture_view();
    view.ticket.due.finish.reset();
    const auto j = ticket_json(view, config::SlaData{}, local(2026, 11, 21, 14, 0));
    EXPECT_EQ(j["deadlines"]["dispatch"], "2026-11-21T09:10:00+08:00");
    EXPECT_EQ(j["deadlines"]["accept"], "2026-11-21T09:35:00+08:00");
    EXPECT_EQ(j["deadlines"]["arrive"], "2026-11-21T13:00:00+08:00");
    EXPECT_TRUE(j["deadlines"]["finish"].is_null());
    EXPECT_FALSE(j["deadlines"].contains("quote"));
}

TEST(AdminTicketJson, SlaTakesTheRecordedVerdictThenJudgesTheTimes) {
    const auto j = ticket_json(fixture_view(), config::SlaData{}, local(2026, 11, 21, 14, 0));
    EXPECT_EQ(j["sla"]["dispatch"], "on_time");  // recorded 0
    EXPECT_EQ(j["sla"]["accept"], "late");       // recorded 1
    EXPECT_EQ(j["sla"]["arrive"], "on_time");    // met 10:30, due 13:00
    EXPECT_EQ(j["sla"]["finish"], "late");       // unmet, due 12:00, now 14:00
    const auto before = ticket_json(fixture_view(), config::SlaData{}, local(2026, 11, 21, 11, 0));
    EXPECT_EQ(before["sla"]["finish"], "pending");  // unmet, not due yet
}

TEST(AdminTicketJson, RecordedVerdictWinsOverTheTimes) {
    auto view = fixture_view();
    view.ticket.late.arrive = true;  // e.g. judged against the deadline before a reopen
    EXPECT_EQ(ticket_json(view, config::SlaData{}, local(2026, 11, 21, 14, 0))["sla"]["arrive"],
              "late");
}

TEST(AdminTicketJson, AwaitingAcceptanceIsTheDispatchedJobsAcceptanceDeadlineEvenAfterAHandOver) {
    auto view = fixture_view();
    auto& t = view.ticket;
    t.status = store::ticket_status::dispatched;
    t.at.accepted = t.created_at + std::chrono::minutes{2};  // the first technician's, then 转单
    t.late.accept = false;
    t.due.accept = local(2026, 11, 21, 11, 0);  // the next one's window
    auto j = ticket_json(view, config::SlaData{}, local(2026, 11, 21, 10, 0));
    EXPECT_EQ(j["awaiting_acceptance"], "2026-11-21T11:00:00+08:00");
    EXPECT_EQ(j["sla"]["accept"], "on_time") << "the first visit's, as the figures count it";
    t.status = store::ticket_status::accepted;
    EXPECT_TRUE(ticket_json(view, config::SlaData{}, local(2026, 11, 21, 10, 0))["awaiting_acceptance"].is_null());
}

TEST(AdminTicketJson, AReopenedJobShowsItsRevisitJudgedAgainstTheRevisitsDeadlines) {
    auto view = fixture_view();
    auto& t = view.ticket;
    t.status = store::ticket_status::accepted;
    t.revisit.reopened = local(2026, 11, 22, 9, 0);
    t.revisit.accepted = local(2026, 11, 22, 9, 40);  // 10 min after its 09:30 deadline
    t.revisit.accept_due = local(2026, 11, 22, 9, 30);
    t.revisit.arrive_due = local(2026, 11, 23, 9, 0);
    t.due.finish = local(2026, 11, 25, 9, 0);
    const auto j = ticket_json(view, config::SlaData{}, local(2026, 11, 22, 10, 0));
    ASSERT_TRUE(j.contains("revisit"));
    EXPECT_EQ(j["revisit"]["reopened"], "2026-11-22T09:00:00+08:00");
    EXPECT_EQ(j["revisit"]["accepted"], "2026-11-22T09:40:00+08:00");
    EXPECT_TRUE(j["revisit"]["arrived"].is_null());
    EXPECT_EQ(j["revisit"]["sla"]["accept"], "late");
    EXPECT_EQ(j["revisit"]["sla"]["arrive"], "pending");
    EXPECT_EQ(j["revisit"]["sla"]["finish"], "pending");
    EXPECT_EQ(j["revisit"]["deadlines"]["accept"], "2026-11-22T09:30:00+08:00");
    EXPECT_EQ(j["revisit"]["deadlines"]["arrive"], "2026-11-23T09:00:00+08:00");
    EXPECT_EQ(j["revisit"]["deadlines"]["finish"], "2026-11-25T09:00:00+08:00");
    EXPECT_EQ(j["sla"]["accept"], "late") << "the first visit's, as the figures count it";
    EXPECT_EQ(j["sla"]["arrive"], "on_time");
    EXPECT_EQ(j["deadlines"]["accept"], "2026-11-21T09:35:00+08:00") << "the first visit's";
    auto recorded = view;
    recorded.ticket.revisit.accept_late = false;  // e.g. judged against a deadline moved since
    EXPECT_EQ(ticket_json(recorded, config::SlaData{}, local(2026, 11, 22, 10, 0))["revisit"]["sla"]["accept"],
              "on_time")
        << "a recorded verdict wins";
    EXPECT_FALSE(ticket_json(fixture_view(), config::SlaData{}, local(2026, 11, 22, 10, 0))
                     .contains("revisit"))
        << "reopened before revisits were recorded: nothing to show";
}

// A desk counting the arrival from the acceptance: a technician who went straight there (到达
// without 接单) met the revisit's arrival before its clock was started. It is judged against the
// policy's deadline from that (implicit) acceptance, not shown pending for ever.
TEST(AdminTicketJson, ARevisitStageMetWithoutADeadlineIsJudgedByThePolicy) {
    config::SlaData desk;
    desk.policy.stage_starts[static_cast<std::size_t>(dialog::Stage::arrive)] =
        dialog::Milestone::accepted;
    store::Ticket t;
    t.number = "BX20261121-0002";
    t.urgency = "emergency";
    t.status = "arrived";
    t.created_at = local(2026, 11, 21, 9, 0);
    t.reopen_count = 1;
    t.revisit.reopened = local(2026, 11, 22, 9, 0);
    t.revisit.accept_due = local(2026, 11, 22, 9, 5);
    t.revisit.accepted = local(2026, 11, 22, 9, 20);  // arriving is accepting
    t.revisit.arrived = local(2026, 11, 22, 9, 20);
    const auto j = ticket_json(TicketView{t, {}, {}, {}}, desk, local(2026, 11, 22, 10, 0));
    EXPECT_TRUE(j["revisit"]["deadlines"]["arrive"].is_null()) << "none was stored";
    EXPECT_EQ(j["revisit"]["sla"]["arrive"], "on_time") << "30 min from the acceptance";
    EXPECT_EQ(j["revisit"]["sla"]["accept"], "late");
}

TEST(AdminTicketJson, TicketWithoutStoredDeadlinesIsJudgedByThePolicy) {
    store::Ticket t;
    t.number = "BX20261121-0001";
    t.urgency = "emergency";  // dispatch within 3 min, arrive within 30 min of the report
    t.created_at = local(2026, 11, 21, 9, 0);
    t.at.dispatched = local(2026, 11, 21, 9, 2);
    t.at.arrived = local(2026, 11, 21, 9, 45);
    const auto j =
        ticket_json(TicketView{t, {}, {}, {}}, config::SlaData{}, local(2026, 11, 21, 9, 50));
    EXPECT_EQ(j["sla"]["dispatch"], "on_time");
    EXPECT_EQ(j["sla"]["arrive"], "late");
    EXPECT_EQ(j["sla"]["accept"], "late");              // 5 min from dispatch ran out unmet
    EXPECT_EQ(j["sla"]["finish"], "pending");           // 8 h
    EXPECT_TRUE(j["deadlines"]["dispatch"].is_null());  // only stored deadlines are shown
    EXPECT_TRUE(j["technician"].is_null());
    EXPECT_TRUE(j["fee"].is_null());
    EXPECT_TRUE(j["first_urgency"].is_null()) << "never raised";

    // Raised to emergency by a 返修 that named a danger: the first visit is judged in the
    // normal limits it had (arrive within 1 working day), not the emergency's 30 minutes.
    t.first_urgency = "normal";
    const auto raised =
        ticket_json(TicketView{t, {}, {}, {}}, config::SlaData{}, local(2026, 11, 21, 9, 50));
    EXPECT_EQ(raised["urgency"], "emergency");
    EXPECT_EQ(raised["first_urgency"], "normal");
    EXPECT_EQ(raised["sla"]["arrive"], "on_time") << "45 minutes in, judged as a normal job";
}

TEST(AdminTicketJson, PhotosAndEvents) {
    const auto j = ticket_json(fixture_view(), config::SlaData{}, local(2026, 11, 21, 14, 0));
    ASSERT_EQ(j["photos"].size(), 2u);
    EXPECT_EQ(j["photos"][0], nlohmann::ordered_json({{"media_id", "MEDIA-1"},
                                                      {"status", "stored"},
                                                      {"pic_url", "http://mmbiz.qpic.cn/1"},
                                                      {"stored_path", "var/media/ab/abcdef.jpg"}}));
    EXPECT_EQ(j["photos"][1]["status"], "pending");
    ASSERT_EQ(j["events"].size(), 2u);
    EXPECT_EQ(j["events"][0]["at"], "2026-11-21T09:00:00+08:00");
    EXPECT_EQ(j["events"][0]["actor"], "o-owner");
    EXPECT_EQ(j["events"][0]["type"], "created");
    EXPECT_EQ(j["events"][0]["detail"], nlohmann::ordered_json({{"channel", "wechat"}}));
    EXPECT_EQ(j["events"][1]["detail"], "not json");  // kept as text, never a 500
}

TEST(AdminTicketJson, ListItemsLeaveOutPhotosAndEvents) {
    auto view = fixture_view();
    view.photos.reset();
    view.events.reset();
    view.technician.reset();  // a technician row that could not be read: the id remains
    const auto j = ticket_json(view, config::SlaData{}, local(2026, 11, 21, 14, 0));
    EXPECT_FALSE(j.contains("photos"));
    EXPECT_FALSE(j.contains("events"));
    EXPECT_EQ(j["technician"]["id"], 5);
}

TEST(AdminTicketJson, BadUtf8FromTheDatabaseIsReplacedNotThrown) {
    auto view = fixture_view();
    view.ticket.description = "bad \xff byte";
    std::string text;
    EXPECT_NO_THROW(text =
                        dump_json(ticket_json(view, config::SlaData{}, local(2026, 11, 21)), -1));
    EXPECT_NE(text.find("bad"), std::string::npos);
}

// ---- the door ----

class AdminRoutes : public ::testing::Test {
  protected:
    Response get(const std::string& target, const std::string& authorization,
                 const std::string& token = "secret-token") {
        Router router;
        add_admin_routes(router, mysql_, sla_, token, [] { return chr::system_clock::now(); });
        Request req{http::verb::get, target, 11};
        if (!authorization.empty()) req.set(http::field::authorization, authorization);
        asio::io_context ioc;
        auto fut = asio::co_spawn(ioc, router.handle(std::move(req)), asio::use_future);
        ioc.run();
        return fut.get();
    }
    void TearDown() override { blocking_.join(); }

    asio::thread_pool blocking_{1};
    // Never connects: every answer below is given before any database work.
    store::MysqlPool mysql_{blocking_, config::MysqlSettings{}};
    config::SlaData sla_;
};

TEST_F(AdminRoutes, NoTokenIs401WithAChallenge) {
    for (const char* target : {"/api/tickets", "/api/tickets/BX20261121-0007"}) {
        auto res = get(target, "");
        EXPECT_EQ(res.result(), http::status::unauthorized) << target;
        EXPECT_EQ(res[http::field::www_authenticate], "Bearer");
        EXPECT_NE(res[http::field::content_type].find("application/json"), std::string::npos);
        EXPECT_TRUE(nlohmann::json::parse(res.body()).contains("error"));
    }
}

TEST_F(AdminRoutes, WrongTokenIs401) {
    EXPECT_EQ(get("/api/tickets", "Bearer secret-tokeN").result(), http::status::unauthorized);
    EXPECT_EQ(get("/api/tickets", "Basic secret-token").result(), http::status::unauthorized);
}

TEST_F(AdminRoutes, NoConfiguredTokenIs403) {
    EXPECT_EQ(get("/api/tickets", "Bearer ", "").result(), http::status::forbidden);
}

TEST_F(AdminRoutes, BadFilterIs400NamingTheParameter) {
    struct Case {
        const char* target;
        const char* named;
    };
    for (const auto& c : {Case{"/api/tickets?status=open", "status: 'open'"},
                          Case{"/api/tickets?limit=1000", "limit: '1000'"},
                          Case{"/api/tickets?from=2026-11-31", "from: '2026-11-31'"},
                          Case{"/api/tickets?technician=x", "technician: 'x'"},
                          Case{"/api/tickets?status=new&status=done", "status: given more"},
                          Case{"/api/tickets?sort=asc", "sort: unknown filter"}}) {
        auto res = get(c.target, "Bearer secret-token");
        EXPECT_EQ(res.result(), http::status::bad_request) << c.target;
        auto body = nlohmann::json::parse(res.body());
        EXPECT_EQ(body["error"].get<std::string>().rfind(c.named, 0), 0u) << body.dump();
    }
}

}  // namespace
}  // namespace repairbot::bot
