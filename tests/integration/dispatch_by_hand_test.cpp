// The dispatcher queue emptied, against the real MariaDB (a private database: the waiting pass
// reads every queued ticket): tickets nobody could take go to the first technician with room
// (emergencies first, each trade and building in turn), and a dispatcher gives a ticket by hand
// to a technician they name, or to whoever has room, through Dispatcher::dispatch_by_hand and
// POST /api/tickets/{number}/dispatch — the technician it was with told it went elsewhere, what
// cannot be dispatched refused with what to do instead.
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/statement.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "bot/dispatch.h"
#include "bot/dispatch_api.h"
#include "bot/ticket_amend.h"
#include "dialog/feedback.h"
#include "dialog/session_codec.h"
#include "store/errors.h"
#include "store/outbox_repository.h"
#include "store/owner_repository.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"
#include "tests/integration/desk_data.h"
#include "tests/integration/private_database.h"
#include "tests/integration/store_env.h"

namespace repairbot::bot {
namespace {

namespace asio = boost::asio;
namespace chr = std::chrono;
using namespace std::chrono_literals;
using store::Timestamp;
namespace ts = store::ticket_status;

constexpr const char* kToken = "dispatch-test-token";
// Monday 23 November 2026, 10:00 at the desk (UTC+8).
const Timestamp t0 = Timestamp{chr::sys_days{chr::year{2026} / 11 / 23}} + 2h;

config::MysqlSettings private_database() { return store::testing::private_mysql_settings("dispatch_by_hand"); }

class DispatchByHand : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        auto applied = store::testing::create_database(private_database());
        ASSERT_TRUE(applied) << applied.error().message();
    }
    static void TearDownTestSuite() { store::testing::drop_database(private_database()); }
    void SetUp() override {
        pool_.run_sync([](sql::Connection& c) {
            std::unique_ptr<sql::Statement> st(c.createStatement());
            for (const char* table : {"outbox", "ticket_events", "photos", "tickets", "bind_codes", "technicians"})
                st->execute(std::string("DELETE FROM ") + table);
            return 0;
        });
    }
    void TearDown() override {
        redis_.close();
        store::testing::drain(io_);  // the connection's handlers, before the Redis goes
        blocking_.join();
    }

    store::Technician technician(const std::string& name, std::vector<std::string> trades,
                                 std::optional<std::string> openid, std::uint32_t capacity = 5,
                                 bool active = true) {
        store::Technician t;
        t.name = name;
        t.phone = "13700000001";
        t.trades = std::move(trades);
        t.openid = std::move(openid);
        t.capacity = capacity;
        t.active = active;
        return pool_.run_sync([&t](sql::Connection& c) {
            auto added = store::TechnicianRepository::add(c, t, t0);
            if (!added) throw std::runtime_error("technician: " + added.error().message());
            return *added;
        });
    }

    // A ticket nobody could take: status new, never dispatched.
    store::Ticket queued(const std::string& key, const std::string& trade, const std::string& urgency = "normal",
                         chr::minutes filed_after = 0min) {
        store::NewTicket n;
        auto& t = n.ticket;
        t.idempotency_key = key;
        t.owner_openid = "o-" + key;
        t.phone = "13800138000";
        t.building = "5";
        t.address = "5栋1单元502";
        t.fault_type = trade == "水" ? "水管漏水" : "灯不亮";
        t.trade = trade;
        t.urgency = urgency;
        t.description = "厨房漏水";
        t.created_at = t0 + filed_after;
        t.due.dispatch = t.created_at + 10min;
        n.first_event = {t.owner_openid, "owner", "created", "{}"};
        return pool_.run_sync([&n](sql::Connection& c) { return store::TicketRepository::create(c, n)->ticket; });
    }

    store::Ticket reload(const store::Ticket& t) {
        return pool_.run_sync([&t](sql::Connection& c) { return *store::TicketRepository::find_by_id(c, t.id); });
    }
    void set_status(const store::Ticket& t, const char* status) {
        auto now = reload(t);
        now.status = status;
        pool_.run_sync([&now](sql::Connection& c) {
            return *store::TicketRepository::update(c, now, {"test", "system", "test", "{}"}, {}, t0 + 1h);
        });
    }
    // The notifications of `t` to `openid`, as their payloads.
    std::vector<nlohmann::json> pushed(const store::Ticket& t, const std::string& openid) {
        std::vector<nlohmann::json> out;
        for (const auto& m : pool_.run_sync(
                 [&t](sql::Connection& c) { return store::OutboxRepository::for_ticket(c, t.id); }))
            if (m.recipient == openid) out.push_back(nlohmann::json::parse(m.payload));
        return out;
    }
    store::TicketEvent last_event(const store::Ticket& t) {
        return pool_.run_sync([&t](sql::Connection& c) { return store::TicketRepository::events(c, t.id).back(); });
    }

    std::vector<store::Ticket> pass() {
        return store::testing::run(io_, dispatcher_.dispatch_waiting(50, chr::floor<chr::seconds>(t0 + 2h)));
    }
    Result<store::Ticket> by_hand(const std::string& number,
                                  std::optional<std::uint64_t> technician, Timestamp at = t0 + 2h) {
        return store::testing::run(io_, dispatcher_.dispatch_by_hand(number, technician, "王客服",
                                                                     chr::floor<chr::seconds>(at)));
    }
    Response api(const std::string& target, std::string body, bool authorized = true) {
        Router router;
        add_dispatch_routes(router, dispatcher_, kToken, [] { return chr::system_clock::time_point(t0 + 2h); },
                            [this](store::Ticket t) -> asio::awaitable<void> {
                                watched_.push_back(std::move(t));
                                co_return;
                            });
        Request req{http::verb::post, target, 11};
        if (authorized) req.set(http::field::authorization, std::string("Bearer ") + kToken);
        req.body() = std::move(body);
        req.prepare_payload();
        return store::testing::run(io_, router.handle(std::move(req)));
    }

    // `t` given to `tech` by hand at t0 + 10 min and accepted by them at t0 + 30 min, as JobDesk's
    // 接单 leaves it.
    store::Ticket accepted_by(const store::Ticket& t, const store::Technician& tech) {
        auto given = by_hand(t.number, tech.id, t0 + 10min);
        if (!given) throw std::runtime_error("dispatch: " + given.error().detail);
        auto now = *given;
        now.status = ts::accepted;
        now.at.accepted = t0 + 30min;
        return pool_.run_sync([&now](sql::Connection& c) {
            return *store::TicketRepository::update(
                c, now, {"o-tech", "technician", "accepted", "{}"}, {}, t0 + 30min);
        });
    }
    void disable(store::Technician tech) {
        tech.active = false;
        pool_.run_sync([&tech](sql::Connection& c) {
            return store::TechnicianRepository::update(c, tech, t0).ok();
        });
    }
    std::vector<store::TicketEvent> events(const store::Ticket& t) {
        return pool_.run_sync(
            [&t](sql::Connection& c) { return store::TicketRepository::events(c, t.id); });
    }

    std::vector<store::Ticket> watched_;
    asio::io_context io_;
    asio::thread_pool blocking_{2};
    store::MysqlPool pool_{blocking_, private_database()};
    store::Redis redis_{io_.get_executor(), store::testing::redis_settings()};
    store::SessionStore sessions_{redis_, 1h};
    Dispatcher dispatcher_{pool_, testing::desk().sla, testing::desk().notices,
                           &testing::desk().dialog.texts};
    const bool owners_told_ = (dispatcher_.tell_owners(sessions_), true);
};

// Queued while nobody had room; a plumber with room for one comes on: the emergency goes first
// (filed later), the normal ticket waits while the plumber is full and goes once a job ended;
// an electrician's ticket with no electrician stays queued and writes nothing.
TEST_F(DispatchByHand, TicketsNobodyCouldTakeGoToTheFirstTechnicianWithRoomEmergenciesFirst) {
    auto normal = queued("w-normal", "水");
    auto emergency = queued("w-burst", "水", "emergency", 5min);
    auto lights = queued("w-lights", "电");
    EXPECT_TRUE(pass().empty()) << "nobody to give them to";
    const auto events_before = pool_.run_sync([&](sql::Connection& c) {
        return store::TicketRepository::events(c, lights.id).size();
    });

    auto plumber = technician("王师傅", {"水"}, "o-plumber", /*capacity=*/1);
    auto given = pass();
    ASSERT_EQ(given.size(), 1u);
    EXPECT_EQ(given[0].number, emergency.number) << "the emergency first";
    EXPECT_EQ(given[0].technician_id, plumber.id);
    EXPECT_EQ(given[0].status, ts::dispatched);
    EXPECT_TRUE(given[0].due.accept) << "an accept deadline for the SLA timers";
    auto push = pushed(emergency, "o-plumber");
    ASSERT_EQ(push.size(), 1u);
    EXPECT_EQ(push[0].value("event", ""), "job_assigned");
    EXPECT_NE(last_event(emergency).details.find("queue_retry"), std::string::npos) << last_event(emergency).details;
    EXPECT_EQ(reload(normal).status, ts::new_) << "the plumber is full";

    set_status(emergency, ts::done);  // the job ended: room again
    given = pass();
    ASSERT_EQ(given.size(), 1u);
    EXPECT_EQ(given[0].number, normal.number);
    EXPECT_EQ(reload(lights).status, ts::new_);
    EXPECT_EQ(pool_.run_sync([&](sql::Connection& c) { return store::TicketRepository::events(c, lights.id).size(); }),
              events_before)
        << "still nobody: nothing written";
}

// Each trade and building in turn: an area's emergencies do not hold the others back however
// many there are (one per area a pass), and an area's emergency goes before its older tickets.
TEST_F(DispatchByHand, EveryAreaGetsItsTurnHoweverManyEmergenciesWaitInOne) {
    for (int i = 0; i < 3; ++i) queued("e-" + std::to_string(i), "水", "emergency", chr::minutes(i));
    auto old_lights = queued("l-old", "电", "normal", -10min);
    auto lights_emergency = queued("l-burst", "电", "emergency", 10min);
    auto next = pool_.run_sync([](sql::Connection& c) { return store::TicketRepository::next_waiting(c, 2); });
    ASSERT_EQ(next.size(), 2u);
    EXPECT_EQ(next[0].idempotency_key, "e-0") << "the plumbing area's oldest emergency";
    EXPECT_EQ(next[1].number, lights_emergency.number) << "the lighting area's turn, its emergency first";
    technician("张师傅", {"电"}, "o-electrician");
    auto given = pass();
    ASSERT_EQ(given.size(), 1u) << "no plumber: the electrician's area alone";
    EXPECT_EQ(given[0].number, lights_emergency.number);
    EXPECT_EQ(reload(old_lights).status, ts::new_) << "one an area a pass";
}

// An accept time-out's re-dispatch (excluding the technician who let it lapse) that comes after
// a dispatcher gave the ticket to someone else by hand leaves it with them.
TEST_F(DispatchByHand, ALateReDispatchDoesNotUndoADispatchByHand) {
    auto slow = technician("孙师傅", {"水"}, "o-slow");
    auto chosen = technician("周师傅", {"水"}, "o-chosen");
    auto ticket = queued("t-1", "水");
    ASSERT_TRUE(by_hand(ticket.number, slow.id));
    ASSERT_TRUE(by_hand(ticket.number, chosen.id));  // the dispatcher moved it first
    auto late = store::testing::run(
        io_, dispatcher_.dispatch(ticket.id, {slow.id}, "sla", "accept_timeout", chr::floor<chr::seconds>(t0 + 3h),
                                      slow.id));
    EXPECT_EQ(late.kind, DispatchOutcome::Kind::not_needed);
    EXPECT_EQ(reload(ticket).technician_id, chosen.id);
    EXPECT_EQ(pushed(ticket, "o-chosen").size(), 1u) << "one job push, not a second";

    // The dispatcher chose, by hand, someone an automatic re-dispatch passes over (one who
    // handed the job over before): a late re-dispatch from the first leaves it with them too.
    ASSERT_TRUE(by_hand(ticket.number, slow.id));
    late = store::testing::run(io_, dispatcher_.dispatch(ticket.id, {slow.id, chosen.id}, "sla", "accept_timeout",
                                                         chr::floor<chr::seconds>(t0 + 4h), chosen.id));
    EXPECT_EQ(late.kind, DispatchOutcome::Kind::not_needed);
    EXPECT_EQ(reload(ticket).technician_id, slow.id);
}

// A ticket handed over (status new, dispatched before) waits for a dispatcher, who knows why:
// the pass leaves it. The dispatcher gives it by hand to the technician they name, whatever
// their trade; then to whoever has room — never back to the one who handed it over — and the
// one it was with is told it went elsewhere.
TEST_F(DispatchByHand, ADispatcherGivesATicketByHandAndTheTechnicianItWasWithIsTold) {
    auto gave_back = technician("吴师傅", {"水"}, "o-gave-back");
    auto plumber = technician("王师傅", {"水"}, "o-plumber", /*capacity=*/6);
    auto handyman = technician("李师傅", {"门窗", "水"}, "o-handyman");
    for (int i = 0; i < 2; ++i) {  // the plumber has more open jobs than the other two
        auto busy = queued("busy-" + std::to_string(i), "门窗");
        ASSERT_TRUE(by_hand(busy.number, plumber.id));
    }
    auto ticket = queued("h-1", "水");
    auto handed = reload(ticket);
    handed.at.dispatched = t0 + 1min;  // as JobDesk's 转单 leaves it
    pool_.run_sync([&](sql::Connection& c) {
        nlohmann::json details = {{"reason", "不会修"}, {"technician_id", gave_back.id}};
        return *store::TicketRepository::update(c, handed, {"o-gave-back", "technician", "handed_over", details.dump()},
                                                {}, t0 + 1h);
    });
    EXPECT_TRUE(pass().empty()) << "a ticket dispatched before waits for a dispatcher";

    auto given = by_hand(ticket.number, handyman.id);
    ASSERT_TRUE(given) << given.error().detail;
    EXPECT_EQ(given->technician_id, handyman.id) << "the dispatcher's call, not the trade's";
    EXPECT_EQ(given->status, ts::dispatched);
    auto event = last_event(ticket);
    EXPECT_EQ(event.type, "dispatched");
    EXPECT_EQ(event.actor, "王客服");
    EXPECT_EQ(event.actor_role, "dispatcher");
    ASSERT_EQ(pushed(ticket, "o-handyman").size(), 1u);

    given = by_hand(ticket.number, std::nullopt);  // whoever has room: not the handyman again,
    ASSERT_TRUE(given) << given.error().detail;   // nor the one who handed it over
    EXPECT_EQ(given->technician_id, plumber.id);
    auto told = pushed(ticket, "o-handyman");
    ASSERT_EQ(told.size(), 2u);
    EXPECT_EQ(told[1].value("event", ""), "job_reassigned");
    EXPECT_NE(told[1].value("text", "").find(ticket.number + "（5栋1单元502）已改派给其他维修人员"), std::string::npos)
        << told[1].dump();

    auto again = by_hand(ticket.number, plumber.id);
    ASSERT_TRUE(again) << "theirs already: nothing to do";
    EXPECT_EQ(again->version, given->version);
}

// The job push says whom to call and when to be there — the owner's booked time first — as
// push.toml words it ({contact}, {visit}).
TEST_F(DispatchByHand, TheJobPushSaysWhomToCallAndTheOwnersBookedTime) {
    auto plumber = technician("王师傅", {"水"}, "o-plumber");
    auto ticket = queued("v-1", "水");
    auto booked = reload(ticket);
    booked.reporter_name = "张女士";
    booked.preferred_from = t0 + 4h;  // 14:00 at the desk
    booked.preferred_to = t0 + 8h;    // 18:00
    booked.due.arrive = t0 + 8h - 5min;  // a long window: any time in it, as intake files it
    pool_.run_sync([&booked](sql::Connection& c) {
        return *store::TicketRepository::update(c, booked, {"test", "system", "test", "{}"}, {},
                                                t0);
    });
    ASSERT_TRUE(by_hand(ticket.number, plumber.id));
    auto push = pushed(ticket, "o-plumber");
    ASSERT_EQ(push.size(), 1u);
    EXPECT_EQ(push[0].value("phone", ""), "13800138000");
    EXPECT_EQ(push[0].value("contact", ""), "张女士 13800138000");
    EXPECT_EQ(push[0].value("visit", ""),
              "业主预约 11月23日 14:00-18:00 上门，请于11月23日 17:55前到场")
        << push[0].dump();
}

// What cannot be dispatched is refused, each naming the value and what to do instead.
TEST_F(DispatchByHand, WhatCannotBeDispatchedIsRefusedWithWhatToDo) {
    auto ticket = queued("r-1", "水");
    auto unbound = technician("赵师傅", {"水"}, std::nullopt);
    auto disabled = technician("钱师傅", {"水"}, "o-disabled", 5, /*active=*/false);

    auto r = by_hand("BX19990101-0001", std::nullopt);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.code(), store::make_error_code(store::StoreErrc::not_found));
    r = by_hand(ticket.number, 999999);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.code(), store::make_error_code(store::StoreErrc::not_found));
    r = by_hand(ticket.number, unbound.id);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().detail.find("bind-code " + std::to_string(unbound.id)), std::string::npos)
        << r.error().detail;
    r = by_hand(ticket.number, disabled.id);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().detail.find("technician enable"), std::string::npos) << r.error().detail;
    r = by_hand(ticket.number, std::nullopt);
    ASSERT_FALSE(r) << "nobody bound and active has room";
    EXPECT_NE(r.error().detail.find("name one with technician_id"), std::string::npos) << r.error().detail;

    auto plumber = technician("王师傅", {"水"}, "o-plumber");
    auto other = technician("李师傅", {"水"}, "o-other");
    ASSERT_TRUE(by_hand(ticket.number, plumber.id));
    set_status(ticket, ts::arrived);
    r = by_hand(ticket.number, other.id);
    ASSERT_FALSE(r) << "on site: the technician there finishes it";
    EXPECT_EQ(r.code(), std::make_error_code(std::errc::operation_not_permitted));
    EXPECT_NE(r.error().detail.find("finishes it (完成)"), std::string::npos) << r.error().detail;
    EXPECT_NE(r.error().detail.find("technician enable " + std::to_string(plumber.id)),
              std::string::npos)
        << r.error().detail;
    EXPECT_EQ(reload(ticket).status, ts::arrived) << "nothing changed";
    EXPECT_EQ(reload(ticket).technician_id, plumber.id);
}

// A technician off sick, then disabled, keeps the jobs they accepted until a dispatcher moves
// them: the job is taken off them as their own 转单 would and given to whoever has room, in one
// go — the owner, who was told they accepted, hears someone else is coming; the one it was with
// is told it went elsewhere; the new one gets the job push with a fresh acceptance window; and
// the audit log says the dispatcher took it, so no automatic re-dispatch gives it back.
TEST_F(DispatchByHand, ADispatcherMovesAnAcceptedJobOffADisabledTechnicianAndTheOwnerIsTold) {
    auto sick = technician("孙师傅", {"水"}, "o-sick");
    auto other = technician("周师傅", {"水"}, "o-other");
    auto ticket = accepted_by(queued("s-1", "水"), sick);
    disable(sick);

    // Through the route (at t0 + 2h), as a dispatcher does it: the SLA timers hear of it.
    auto r = api("/api/tickets/" + ticket.number + "/dispatch", R"({"by": "王客服"})");
    ASSERT_EQ(r.result(), http::status::ok) << r.body();
    ASSERT_EQ(watched_.size(), 1u) << "the SLA timers follow the new dispatch";
    auto moved = reload(ticket);
    EXPECT_EQ(watched_[0], moved);
    EXPECT_EQ(moved.status, ts::dispatched);
    EXPECT_EQ(moved.technician_id, other.id) << "whoever has room, not the one it was with";
    ASSERT_TRUE(moved.due.accept);
    EXPECT_GT(*moved.due.accept, t0 + 2h) << "a fresh acceptance window, counted from the move";
    EXPECT_NE(moved.due.accept, ticket.due.accept);
    EXPECT_EQ(moved.at.accepted, t0 + 30min) << "the first acceptance stays on record";
    EXPECT_EQ(moved.at.dispatched, ticket.at.dispatched) << "and the first dispatch";

    auto log = events(ticket);
    ASSERT_GE(log.size(), 2u);
    EXPECT_EQ(std::count_if(log.begin(), log.end(),
                            [](const auto& e) { return e.type == "handed_over"; }),
              1);
    const auto& taken = log[log.size() - 2];
    EXPECT_EQ(taken.type, "handed_over");
    EXPECT_EQ(taken.actor, "王客服");
    EXPECT_EQ(taken.actor_role, "dispatcher");
    EXPECT_EQ(nlohmann::json::parse(taken.details).value("technician_id", 0u), sick.id)
        << taken.details;
    EXPECT_EQ(log.back().type, "dispatched");
    EXPECT_EQ(handed_over_by(log), std::vector<std::uint64_t>{sick.id})
        << "not given back to them automatically";

    auto owner = pushed(ticket, ticket.owner_openid);
    ASSERT_EQ(owner.size(), 1u);
    EXPECT_EQ(owner[0].value("event", ""), "job_handed_over");
    EXPECT_EQ(owner[0].value("text", ""),
              testing::desk().notices.render(
                  "owner_job_handed_over", {{"number", ticket.number}, {"technician", "孙师傅"}}));
    auto told = pushed(ticket, "o-sick");
    ASSERT_EQ(told.size(), 2u) << "the job push, then the note that it went elsewhere";
    EXPECT_EQ(told[1].value("event", ""), "job_reassigned");
    auto push = pushed(ticket, "o-other");
    ASSERT_EQ(push.size(), 1u);
    EXPECT_EQ(push[0].value("event", ""), "job_assigned");
    EXPECT_EQ(store::testing::run(io_, sessions_.load(ticket.owner_openid)).version, 0u)
        << "no quote was waiting: the owner's chat is left alone";

    auto again = by_hand(ticket.number, other.id);
    ASSERT_TRUE(again) << "theirs already: nothing to do";
    EXPECT_EQ(again->version, moved.version);
    EXPECT_EQ(pushed(ticket, ticket.owner_openid).size(), 1u) << "told once";
}

// An accepted job whose quote waits for the owner, moved by hand to a technician the dispatcher
// names: the quote goes with the one who made it (the next one quotes afresh), the owner is told
// it is withdrawn, and the question about it leaves the owner's chat.
TEST_F(DispatchByHand, AQuoteWaitingForTheOwnerIsWithdrawnWithAnAcceptedJobMovedByHand) {
    auto sick = technician("孙师傅", {"水"}, "o-sick");
    auto named = technician("周师傅", {"门窗"}, "o-named");
    auto ticket = accepted_by(queued("q-1", "水"), sick);
    auto quoted = reload(ticket);
    quoted.quote_status = store::quote_status::pending;
    quoted.quote_cents = 15000;
    quoted = pool_.run_sync([&quoted](sql::Connection& c) {
        return *store::TicketRepository::update(c, quoted, {"o-sick", "technician", "quoted", "{}"},
                                                {}, t0 + 40min);
    });
    const auto asked_at = chr::floor<chr::seconds>(t0 + 40min);
    auto session = dialog::begin_quote_approval(dialog::Session{}, ticket.number, 15000, asked_at);
    ASSERT_TRUE(
        store::testing::run(io_, sessions_.save(ticket.owner_openid, 0, dialog::encode(session))));

    std::string typed =
        ticket.number;  // as a dispatcher may type it: the store matches either case
    std::transform(typed.begin(), typed.end(), typed.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    auto moved = by_hand(typed, named.id);
    ASSERT_TRUE(moved) << moved.error().detail;
    EXPECT_EQ(moved->number, ticket.number);
    EXPECT_EQ(moved->technician_id, named.id) << "the dispatcher's call, not the trade's";
    EXPECT_EQ(moved->quote_status, store::quote_status::required)
        << "whoever takes it quotes afresh";
    EXPECT_FALSE(moved->quote_cents);

    auto owner = pushed(ticket, ticket.owner_openid);
    ASSERT_EQ(owner.size(), 1u);
    const auto text = owner[0].value("text", "");
    EXPECT_NE(text.find("之前的报价150元已撤回"), std::string::npos) << text;
    EXPECT_NE(text.find("新的师傅会重新报价"), std::string::npos) << text;
    auto left = dialog::decode(store::testing::run(io_, sessions_.load(ticket.owner_openid)).data);
    ASSERT_TRUE(left);
    EXPECT_TRUE(left->feedback.empty()) << "the withdrawn quote is no longer asked";
}

// The move is saved before the owner's chat is touched: with Redis unreachable the dispatcher
// still gets the moved job back (to hand to the SLA timers), not an error that invites a retry
// moving it a second time.
TEST_F(DispatchByHand, AnAcceptedJobMovedWhileRedisIsDownStaysMovedAndIsAnsweredAsSuch) {
    auto sick = technician("孙师傅", {"水"}, "o-sick");
    auto other = technician("周师傅", {"水"}, "o-other");
    auto ticket = accepted_by(queued("d-1", "水"), sick);
    auto quoted = reload(ticket);
    quoted.quote_status = store::quote_status::pending;
    quoted.quote_cents = 15000;
    pool_.run_sync([&quoted](sql::Connection& c) {
        return *store::TicketRepository::update(c, quoted, {"o-sick", "technician", "quoted", "{}"},
                                                {}, t0 + 40min);
    });
    auto nowhere = store::testing::redis_settings();
    nowhere.port = store::testing::free_port();  // nothing listens there
    nowhere.connect_timeout = nowhere.command_timeout = 200ms;
    store::Redis dead{io_.get_executor(), nowhere};
    store::SessionStore lost{dead, 1h};
    Dispatcher dispatcher{pool_, testing::desk().sla, testing::desk().notices,
                          &testing::desk().dialog.texts};
    dispatcher.tell_owners(lost);

    auto moved =
        store::testing::run(io_, dispatcher.dispatch_by_hand(ticket.number, other.id, "王客服",
                                                             chr::floor<chr::seconds>(t0 + 2h)));
    dead.close();
    store::testing::drain(io_);  // its reconnect handlers, before it goes out of scope
    ASSERT_TRUE(moved) << moved.error().detail;
    EXPECT_EQ(moved->technician_id, other.id);
    EXPECT_EQ(reload(ticket).technician_id, other.id);
    EXPECT_EQ(pushed(ticket, ticket.owner_openid).size(), 1u)
        << "the owner is told through the outbox all the same";
}

// The route: the admin token, the body checked, the dispatcher's errors as 404 / 409, and the
// dispatched ticket handed to the SLA timers before the answer.
TEST_F(DispatchByHand, TheRouteDispatchesByHandAndAnswersEachRefusalWithItsStatus) {
    auto plumber = technician("王师傅", {"水"}, "o-plumber");
    auto ticket = queued("a-1", "水");
    const std::string path = "/api/tickets/" + ticket.number + "/dispatch";
    EXPECT_EQ(api(path, "{}", false).result(), http::status::unauthorized);
    EXPECT_EQ(api(path, "{").result(), http::status::bad_request);
    EXPECT_EQ(api(path, R"({"technician_id": "one"})").result(), http::status::bad_request);
    EXPECT_EQ(api(path, R"({"technician_id": 0})").result(), http::status::bad_request);
    EXPECT_EQ(api(path, R"({"who": 1})").result(), http::status::bad_request);
    EXPECT_EQ(api(path, R"({"by": ""})").result(), http::status::bad_request);
    EXPECT_EQ(api("/api/tickets/BX%27;--/dispatch", "{}").result(), http::status::bad_request);
    EXPECT_EQ(api("/api/tickets/BX19990101-0001/dispatch", "").result(), http::status::not_found);
    EXPECT_EQ(api(path, R"({"technician_id": 999999})").result(), http::status::not_found);
    EXPECT_TRUE(watched_.empty());

    auto r = api(path, R"({"technician_id": )" + std::to_string(plumber.id) + R"(, "by": "王客服"})");
    ASSERT_EQ(r.result(), http::status::ok) << r.body();
    auto j = nlohmann::json::parse(r.body());
    EXPECT_EQ(j.value("number", ""), ticket.number);
    EXPECT_EQ(j.value("status", ""), ts::dispatched);
    EXPECT_EQ(j.value("technician_id", 0u), plumber.id);
    ASSERT_EQ(watched_.size(), 1u) << "the SLA timers hear of it";
    EXPECT_EQ(watched_[0].technician_id, plumber.id);

    set_status(ticket, ts::arrived);
    r = api(path, "");
    EXPECT_EQ(r.result(), http::status::conflict) << r.body();
}

// A dispatcher corrects what the owner got wrong (地址错了，是…, told as a correction): the address
// read as the chat reads one, the phone; the technician with the job is told what changed, the
// audit log names each change and who made it, and the owner's remembered profile follows.
// What cannot be corrected is refused with its status and what to do.
TEST_F(DispatchByHand, ADispatcherCorrectsAnAddressAndPhoneAndTheTechnicianIsTold) {
    const auto tech = technician("王师傅", {"水"}, "o-wang");
    const auto t = accepted_by(queued("amend-1", "水"), tech);
    pool_.run_sync([&t](sql::Connection& c) {
        store::Owner o;
        o.openid = t.owner_openid;
        o.name = "张女士";
        o.phone = "13800138000";
        o.building = "5";
        o.unit = "1";
        o.room = "502";
        o.address = "5栋1单元502";
        store::OwnerRepository::remember(c, o, t0);
        return 0;
    });
    auto amend = [&](const std::string& number, const std::string& body) {
        Router router;
        add_amend_routes(router, pool_, testing::desk().dialog.catalog, testing::desk().notices,
                         kToken, [] { return chr::system_clock::time_point(t0 + 3h); });
        Request req{http::verb::post, "/api/tickets/" + number + "/amend", 11};
        req.set(http::field::authorization, std::string("Bearer ") + kToken);
        req.body() = body;
        req.prepare_payload();
        return store::testing::run(io_, router.handle(std::move(req)));
    };

    auto r =
        amend(t.number, R"({"address": "5栋1单元520", "phone": "139 1234 5678", "by": "王客服"})");
    ASSERT_EQ(r.result(), http::status::ok) << r.body();
    auto j = nlohmann::json::parse(r.body());
    EXPECT_EQ(j["changes"], nlohmann::json::array({"地址：5栋1单元502 → 5栋1单元520",
                                                   "电话：13800138000 → 13912345678"}));
    EXPECT_EQ(j["technician_told"], true);
    const auto saved = reload(t);
    EXPECT_EQ(saved.address, "5栋1单元520");
    EXPECT_EQ(saved.room, "520");
    EXPECT_EQ(saved.phone, "13912345678");
    EXPECT_EQ(saved.status, ts::accepted) << "the job goes on";
    auto told = pushed(t, "o-wang");
    ASSERT_FALSE(told.empty());
    EXPECT_EQ(told.back()["event"], "job_amended");
    EXPECT_EQ(told.back()["text"], "工单 " + t.number +
                                       " 的信息已更正：地址：5栋1单元502 → 5栋1单元520；电话："
                                       "13800138000 → 13912345678。请以更正后的为准。");
    const auto logged = last_event(t);
    EXPECT_EQ(logged.type, "amended");
    EXPECT_EQ(logged.actor, "王客服");
    auto owner = pool_.run_sync([&t](sql::Connection& c) {
        return *store::OwnerRepository::find_by_openid(c, t.owner_openid);
    });
    EXPECT_EQ(owner.address, "5栋1单元520") << "同上次 is the corrected home";
    EXPECT_EQ(owner.phone, "13912345678");

    r = amend(t.number, R"({"address": "5-1-520"})");
    ASSERT_EQ(r.result(), http::status::ok) << r.body();
    EXPECT_EQ(nlohmann::json::parse(r.body())["changes"], nlohmann::json::array());
    EXPECT_EQ(pushed(t, "o-wang").size(), told.size()) << "nothing changed, nobody told";

    r = amend(t.number, R"({"address": "5栋"})");
    EXPECT_EQ(r.result(), http::status::bad_request) << r.body();
    EXPECT_NE(r.body().find("is not a whole address"), std::string::npos) << r.body();
    r = amend(t.number, R"({"phone": "0755-26881234"})");
    EXPECT_EQ(r.result(), http::status::bad_request) << r.body();
    EXPECT_NE(r.body().find("is not a mobile number"), std::string::npos) << r.body();
    r = amend(t.number, "{}");
    EXPECT_EQ(r.result(), http::status::bad_request) << r.body();
    r = amend("BX20991231-9999", R"({"name": "李四"})");
    EXPECT_EQ(r.result(), http::status::not_found) << r.body();
    set_status(t, ts::closed);
    r = amend(t.number, R"({"name": "李四"})");
    EXPECT_EQ(r.result(), http::status::conflict) << r.body();
}

// The address moves to a building the job's technician does not serve: the job stays theirs (they
// are told, and may be on their way), and the dispatcher is told to move it by hand, and how.
TEST_F(DispatchByHand, AnAddressMovedOutOfTheTechniciansBuildingsSaysToMoveTheJob) {
    auto tech = technician("李师傅", {"水"}, "o-li");
    tech.buildings = {"5", "6"};
    pool_.run_sync([&tech](sql::Connection& c) {
        auto saved = store::TechnicianRepository::update(c, tech, t0);
        if (!saved) throw std::runtime_error("update: " + saved.error().message());
        return 0;
    });
    const auto t = accepted_by(queued("amend-2", "水"), tech);
    auto amend = [&](const std::string& body) {
        Router router;
        add_amend_routes(router, pool_, testing::desk().dialog.catalog, testing::desk().notices,
                         kToken, [] { return chr::system_clock::time_point(t0 + 3h); });
        Request req{http::verb::post, "/api/tickets/" + t.number + "/amend", 11};
        req.set(http::field::authorization, std::string("Bearer ") + kToken);
        req.body() = body;
        req.prepare_payload();
        return store::testing::run(io_, router.handle(std::move(req)));
    };

    auto r = amend(R"({"address": "6栋101"})");  // still one of theirs
    ASSERT_EQ(r.result(), http::status::ok) << r.body();
    EXPECT_FALSE(nlohmann::json::parse(r.body()).contains("technician_serves_building"))
        << r.body();

    r = amend(R"({"address": "7栋2单元301"})");
    ASSERT_EQ(r.result(), http::status::ok) << r.body();
    const auto j = nlohmann::json::parse(r.body());
    EXPECT_EQ(j["technician_told"], true);
    EXPECT_EQ(j["technician_serves_building"], false) << r.body();
    EXPECT_EQ(j.value("hint", ""), "李师傅 (technician " + std::to_string(tech.id) +
                                       ") does not serve building 7: to move the job, POST "
                                       "/api/tickets/" +
                                       t.number +
                                       "/dispatch ({} for whoever has room, or "
                                       "{\"technician_id\": N})");
    const auto saved = reload(t);
    EXPECT_EQ(saved.building, "7");
    EXPECT_EQ(saved.status, ts::accepted) << "the job stays theirs until moved";
    EXPECT_EQ(saved.technician_id, tech.id);
    EXPECT_EQ(last_event(t).type, "amended");
    EXPECT_NE(last_event(t).details.find("\"technician_serves_building\":false"), std::string::npos)
        << last_event(t).details;
}

}  // namespace
}  // namespace repairbot::bot
