// The SLA engine against the real MariaDB and Redis with a fake clock (bot/sla_timers.h): a
// warning comes before the escalation; an unaccepted job goes to the other technician with the
// reason in the audit log; a late finish gives the owner a new promised time; two engines on one
// Redis fire every timer once; FLUSHALL then rebuild loses no deadline; a clock that jumped past
// a deadline (the server was down) acts once; after 7 days a done repair closes itself and the
// owner's pending question goes; a callback due tells the dispatchers.
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <map>
#include <thread>
#include <tuple>

#include "bot/callback_desk.h"
#include "bot/outbox_sender.h"
#include "bot/sla_timers.h"
#include "bot/ticket_lifecycle.h"
#include "config/dialog_data.h"
#include "config/push_templates.h"
#include "dialog/feedback.h"
#include "dialog/session_codec.h"
#include "store/deadline_queries.h"
#include "store/feedback_repository.h"
#include "store/migrations.h"
#include "store/outbox_repository.h"
#include "store/owner_repository.h"
#include "store/sql_values.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"
#include "store/transaction.h"
#include "tests/integration/desk_data.h"
#include "tests/integration/store_env.h"

namespace repairbot::bot {
namespace {

namespace asio = boost::asio;
namespace chr = std::chrono;
using namespace std::chrono_literals;
using store::Timestamp;

// Monday 23 November 2026, 10:00 at the desk (UTC+8).
const Timestamp t0 = Timestamp{chr::sys_days{chr::year{2026} / 11 / 23}} + 2h;

// The fields push.toml's wording of `payload`'s event names and the payload lacks: a template
// message (outside the 48-hour window) would show them empty.
std::vector<std::string> unfilled(const nlohmann::json& payload) {
    static const config::PushTemplates templates = [] {
        auto loaded = config::load_push_templates(REPAIRBOT_SOURCE_DIR "/config");
        if (!loaded) throw std::runtime_error(loaded.error().detail);
        return std::move(*loaded);
    }();
    auto notice = word_notice(templates, payload.dump());
    if (!notice) return {"(not a JSON object)"};
    return notice->missing;
}

// The data every engine reads, loaded once from the shipped config/.
using testing::desk;

// One engine with its own Redis connection on `io`, reading the shared fake clock.
struct Engine {
    Engine(asio::io_context& io, store::MysqlPool& pool,
           const config::RedisSettings& redis_settings, const std::string& index_name,
           const std::atomic<std::int64_t>& now_ms)
        : redis(io.get_executor(), redis_settings),
          index(redis, index_name),
          sessions(redis, 1h),
          dispatcher(pool, desk().sla, desk().notices),
          timers(pool, index, sessions, dispatcher, desk().sla, desk().notices, desk().dialog,
                 options(), [&now_ms] {
                     return chr::system_clock::time_point(chr::milliseconds(now_ms.load()));
                 }) {}

    static SlaTimersOptions options() {
        SlaTimersOptions o;
        o.batch = 7;  // several passes in the tests that fire many timers
        return o;
    }

    store::Redis redis;
    store::TimerIndex index;
    store::SessionStore sessions;
    Dispatcher dispatcher;
    SlaTimers timers;
};

class SlaTimersIntegration : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        auto applied = store::migrate(store::testing::mysql_settings());
        ASSERT_TRUE(applied) << applied.error().message();
    }

    void SetUp() override {
        now_ = t0.time_since_epoch().count();
        supervisor_ = add_staff("主管", true, false, false);
        manager_ = add_staff("经理", false, false, true);
        dispatcher_ = add_staff("客服", false, true, false);
        tech_a_ = add_technician("王师傅");
        tech_b_ = add_technician("李师傅");
        engine_ = std::make_unique<Engine>(io_, pool_, store::testing::redis_settings(), index_name_,
                                           now_);
        store::testing::run(io_, engine_->index.clear());
    }

    void TearDown() override {
        if (engine_) {
            store::testing::run(io_, engine_->index.clear());
            engine_->redis.close();
            store::testing::drain(io_);
            engine_.reset();
        }
        const std::string like = tag_ + "%";
        pool_.run_sync([&like](sql::Connection& c) {
            for (const char* q :
                 {"DELETE b FROM callbacks b JOIN tickets t ON t.id = b.ticket_id "
                  "WHERE t.owner_openid LIKE ?",
                  "DELETE b FROM callbacks b JOIN complaints p ON p.id = b.complaint_id "
                  "WHERE p.owner_openid LIKE ?",
                  "DELETE FROM complaints WHERE owner_openid LIKE ?",
                  "DELETE FROM callbacks WHERE owner_openid LIKE ?",
                  "DELETE FROM owners WHERE openid LIKE ?",
                  "DELETE e FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
                  "WHERE t.owner_openid LIKE ?",
                  "DELETE o FROM outbox o JOIN tickets t ON t.id = o.ticket_id "
                  "WHERE t.owner_openid LIKE ?",
                  "DELETE d FROM queue_note_deadlines d JOIN tickets t ON t.id = d.ticket_id "
                  "WHERE t.owner_openid LIKE ?",
                  "DELETE FROM tickets WHERE owner_openid LIKE ?",
                  "DELETE FROM outbox WHERE recipient LIKE ?",
                  "DELETE FROM technicians WHERE name LIKE ?"}) {
                std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(q));
                st->setString(1, like);
                st->executeUpdate();
            }
        });
        blocking_.join();
    }

    void at(Timestamp t) { now_ = t.time_since_epoch().count(); }

    store::Technician add(store::Technician t) {
        t.openid = tag_ + "-" + std::to_string(++serial_);
        t.phone = "13700000001";
        return pool_.run_sync([&t](sql::Connection& c) {
            return *store::TechnicianRepository::add(c, t, t0);
        });
    }
    store::Technician add_technician(const std::string& name) {
        store::Technician t;
        t.name = tag_ + name;
        t.trades = {trade_};
        return add(t);
    }
    store::Technician add_staff(const std::string& name, bool supervisor, bool dispatcher,
                                bool manager) {
        store::Technician t;
        t.name = tag_ + name;
        t.trades = {"staff-" + trade_};
        t.is_supervisor = supervisor;
        t.is_dispatcher = dispatcher;
        t.is_manager = manager;
        return add(t);
    }

    // A ticket received at t0 with the DOMAIN.md limits of its urgency (wall-clock ones).
    // `owner`: the owner's openid ("" for one of its own).
    store::Ticket create(const std::string& urgency = "emergency", const std::string& owner = "") {
        store::NewTicket n;
        auto& t = n.ticket;
        t.idempotency_key = tag_ + "-key-" + std::to_string(++serial_);
        t.owner_openid = owner.empty() ? tag_ + "-owner-" + std::to_string(serial_) : owner;
        t.reporter_name = "张三";
        t.phone = "13800138000";
        t.building = "5";
        t.address = "5栋1单元502";
        t.fault_type = "水";
        t.trade = trade_;
        t.urgency = urgency;
        t.description = "厨房水管爆了";
        t.created_at = t0;
        t.due.dispatch = t0 + 3min;
        t.due.arrive = t0 + 30min;
        t.due.finish = t0 + 8h;
        n.first_event = {t.owner_openid, "owner", "created", "{}"};
        return pool_.run_sync([&n](sql::Connection& c) {
            return store::TicketRepository::create(c, n)->ticket;
        });
    }

    store::Ticket dispatched(const store::Ticket& t) {
        auto outcome = store::testing::run(
            io_, engine_->dispatcher.dispatch(t.id, {}, "system", "created",
                                              chr::floor<chr::seconds>(t0 + 1min)));
        EXPECT_EQ(outcome.kind, DispatchOutcome::Kind::dispatched);
        return *outcome.ticket;
    }

    store::Ticket save(store::Ticket t, const std::string& event, Timestamp when) {
        return pool_.run_sync([&](sql::Connection& c) {
            return *store::TicketRepository::update(c, t, {"test", "technician", event, "{}"}, {},
                                                    when);
        });
    }

    store::Ticket ticket(std::uint64_t id) {
        return pool_.run_sync(
            [id](sql::Connection& c) { return *store::TicketRepository::find_by_id(c, id); });
    }
    std::vector<store::TicketEvent> events(std::uint64_t id) {
        return pool_.run_sync(
            [id](sql::Connection& c) { return store::TicketRepository::events(c, id); });
    }
    std::vector<std::string> event_types(std::uint64_t id, const std::string& actor = "sla") {
        std::vector<std::string> out;
        for (const auto& e : events(id))
            if (e.actor == actor) out.push_back(e.type);
        return out;
    }
    // The ticket's notifications to `openid`: each payload's event.
    std::vector<nlohmann::json> sent_to(std::uint64_t ticket_id, const std::string& openid) {
        std::vector<nlohmann::json> out;
        for (const auto& m : pool_.run_sync([ticket_id](sql::Connection& c) {
                 return store::OutboxRepository::for_ticket(c, ticket_id);
             }))
            if (m.recipient == openid) out.push_back(nlohmann::json::parse(m.payload));
        return out;
    }
    std::vector<std::string> sent_events(std::uint64_t ticket_id, const std::string& openid) {
        std::vector<std::string> out;
        for (const auto& p : sent_to(ticket_id, openid)) out.push_back(p.value("event", ""));
        return out;
    }

    // rebuild() reads every ticket of the shared test database, other tests' too: keep only the
    // timers of `ours` in the index, so firing never touches anyone else's tickets.
    static void keep_only(asio::io_context& io, Engine& engine, const std::string& index_name,
                          const std::vector<store::Ticket>& ours) {
        const auto key = engine.redis.key("{" + index_name + "}:due");
        auto members = store::testing::run(io, engine.redis.command({"ZRANGE", key, "0", "-1"}));
        ASSERT_TRUE(members);
        for (const auto& m : members->elements) {
            auto ref = parse_timer_id(m.str);
            bool mine = ref && ref->kind != TimerKind::callback &&
                        ref->kind != TimerKind::complaint &&
                        std::any_of(ours.begin(), ours.end(),
                                    [&](const store::Ticket& t) { return t.id == ref->id; });
            if (!mine) (void)store::testing::run(io, engine.redis.command({"ZREM", key, m.str}));
        }
    }

    void track(const store::Ticket& t) { store::testing::run(io_, engine_->timers.track(t)); }
    // What the app's index refresh does (rebuild), keeping only the reminders of complaints
    // `ours` (rebuild reads every open complaint and ticket of the shared test database).
    void refresh_keeping_complaints(const std::vector<std::uint64_t>& ours) {
        store::testing::run(io_, engine_->timers.rebuild());
        const auto key = engine_->redis.key("{" + index_name_ + "}:due");
        auto members = store::testing::run(io_, engine_->redis.command({"ZRANGE", key, "0", "-1"}));
        ASSERT_TRUE(members);
        for (const auto& m : members->elements) {
            auto ref = parse_timer_id(m.str);
            bool mine = ref && ref->kind == TimerKind::complaint &&
                        std::find(ours.begin(), ours.end(), ref->id) != ours.end();
            if (!mine) (void)store::testing::run(io_, engine_->redis.command({"ZREM", key, m.str}));
        }
    }
    // The payloads queued to `openid` about no ticket, oldest first.
    std::vector<nlohmann::json> sent_without_ticket(const std::string& openid) {
        return pool_.run_sync([&openid](sql::Connection& c) {
            std::unique_ptr<sql::PreparedStatement> st(
                c.prepareStatement("SELECT payload FROM outbox WHERE recipient = ? AND ticket_id "
                                   "IS NULL ORDER BY id"));
            st->setString(1, openid);
            std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
            std::vector<nlohmann::json> out;
            while (rs->next())
                out.push_back(nlohmann::json::parse(std::string(rs->getString("payload"))));
            return out;
        });
    }
    store::Callback callback(std::uint64_t id) {
        return pool_.run_sync([id](sql::Connection& c) {
            store::Transaction tx(c);
            return *store::DeadlineQueries::lock_callback(c, id);
        });
    }
    std::size_t fire() {
        std::size_t total = 0;
        for (;;) {
            auto n = store::testing::run(io_, engine_->timers.fire_due());
            total += n;
            if (n == 0) return total;
        }
    }

    const std::string tag_ = "slat" + std::to_string(::getpid()) + "x" +
                             std::to_string(std::random_device{}() % 100000);
    const std::string trade_ = "T" + tag_;
    const std::string index_name_ = "sla-" + tag_;
    std::atomic<std::int64_t> now_{0};
    int serial_ = 0;
    asio::io_context io_;
    asio::thread_pool blocking_{2};
    store::MysqlPool pool_{blocking_, store::testing::mysql_settings()};
    std::unique_ptr<Engine> engine_;
    store::Technician supervisor_, manager_, dispatcher_, tech_a_, tech_b_;
};

TEST_F(SlaTimersIntegration, WarningToTheTechnicianThenEscalationToSupervisorAndManager) {
    auto t = dispatched(create());
    t.status = store::ticket_status::accepted;
    t.at.accepted = t0 + 2min;
    t = save(t, "accepted", t0 + 2min);
    track(t);

    at(t0 + 23min);  // before the arrival warning (80 % of 30 min = 24 min)
    EXPECT_EQ(fire(), 0u);

    at(t0 + 24min + 1s);
    EXPECT_EQ(fire(), 1u);
    auto to_tech = sent_to(t.id, *tech_a_.openid);
    ASSERT_EQ(to_tech.size(), 2u);  // the job push, then the warning
    EXPECT_EQ(to_tech[1]["event"], "sla_warning");
    EXPECT_NE(to_tech[1]["text"].get<std::string>().find("到场"), std::string::npos);
    EXPECT_EQ(unfilled(to_tech[0]), std::vector<std::string>{}) << to_tech[0];
    EXPECT_EQ(unfilled(to_tech[1]), std::vector<std::string>{}) << to_tech[1];
    EXPECT_TRUE(sent_events(t.id, *supervisor_.openid).empty());

    at(t0 + 30min + 2s);
    EXPECT_EQ(fire(), 1u);
    EXPECT_EQ((std::vector<std::string>{"sla_warning", "sla_breach"}), event_types(t.id));
    EXPECT_EQ(sent_events(t.id, *supervisor_.openid), std::vector<std::string>{"sla_escalation"});
    EXPECT_EQ(sent_events(t.id, *manager_.openid), std::vector<std::string>{"sla_escalation"})
        << "an emergency goes to the manager too";
    EXPECT_EQ(unfilled(sent_to(t.id, *supervisor_.openid).at(0)), std::vector<std::string>{});
    auto saved = ticket(t.id);
    EXPECT_EQ(saved.late.arrive, std::optional<bool>(true));
    EXPECT_FALSE(saved.late.finish);

    at(t0 + 2h);  // nothing fires twice
    EXPECT_EQ(fire(), 0u);
    EXPECT_EQ(event_types(t.id).size(), 2u);
}

// 返修: a reopened emergency is accepted and attended again within the emergency limits counted
// from the reopen; nobody accepting it goes to the other technician, nobody arriving goes up,
// and the first visit's verdicts (on time) stay as the figures counted them.
TEST_F(SlaTimersIntegration, AReopenedJobNobodyRevisitsIsWarnedReDispatchedAndEscalatedAgain) {
    auto t = dispatched(create());
    ASSERT_EQ(t.technician_id, tech_a_.id);
    t = save(*accept_job(t, tech_a_.id, t0 + 2min), "accepted", t0 + 2min);
    t = save(*arrive_job(t, tech_a_.id, t0 + 20min), "arrived", t0 + 20min);
    t = save(*finish_job(t, tech_a_.id, std::nullopt, "", t0 + 1h), "done", t0 + 1h);
    const Timestamp reopened_at = t0 + 24h;
    auto reopened = pool_.run_sync([&](sql::Connection& c) {
        return reopen_ticket(c, desk().sla, desk().notices, t.id,
                             {t.owner_openid, "owner", "还在漏水"}, reopened_at);
    });
    ASSERT_TRUE(reopened) << reopened.error().message();
    t = ticket(t.id);
    EXPECT_EQ(t.revisit.reopened, reopened_at) << "the revisit is stored";
    EXPECT_EQ(t.revisit.accept_due, reopened_at + 5min);
    EXPECT_EQ(t.revisit.arrive_due, reopened_at + 30min);
    EXPECT_EQ(t.due.accept, t0 + 1min + 5min) << "the first visit's, for the figures";
    auto push = sent_to(t.id, *tech_a_.openid).back();
    EXPECT_EQ(push["event"], "job_reopened");
    EXPECT_EQ(push["urgency"], "紧急") << "the desk's word, as the template shows it";
    EXPECT_EQ(unfilled(push), std::vector<std::string>{}) << push;
    EXPECT_EQ(push["accept_by"], "11月24日 10:05");
    EXPECT_EQ(push["arrive_by"], "11月24日 10:30");
    track(t);

    at(reopened_at + 4min + 1s);  // 80 % of the 5 min to accept
    EXPECT_EQ(fire(), 1u);
    EXPECT_EQ(sent_events(t.id, *tech_a_.openid).back(), "sla_warning");

    at(reopened_at + 5min + 2s);
    fire();
    auto now = ticket(t.id);
    EXPECT_EQ(now.technician_id, tech_b_.id) << "unaccepted, it goes to the other technician";
    EXPECT_EQ(now.late.accept, std::optional<bool>(false)) << "the first visit accepted on time";
    EXPECT_EQ(now.revisit.accept_late, std::optional<bool>(true));
    EXPECT_EQ(now.revisit.accept_due, reopened_at + 5min + 2s + 5min) << "B's own window";
    EXPECT_EQ(sent_events(t.id, *supervisor_.openid), std::vector<std::string>{"sla_escalation"});

    now = save(*accept_job(now, tech_b_.id, reopened_at + 7min), "accepted", reopened_at + 7min);
    EXPECT_EQ(now.revisit.accepted, reopened_at + 7min);
    EXPECT_EQ(now.at.accepted, t0 + 2min);
    track(now);
    at(reopened_at + 30min + 2s);
    fire();
    EXPECT_EQ(sent_events(t.id, *supervisor_.openid),
              (std::vector<std::string>{"sla_escalation", "sla_escalation"}))
        << "nobody on site again within 30 min";
    EXPECT_EQ(ticket(t.id).late.arrive, std::optional<bool>(false));
    EXPECT_EQ(ticket(t.id).revisit.arrive_late, std::optional<bool>(true));
    EXPECT_EQ(ticket(t.id).revisit.accept_late, std::optional<bool>(true))
        << "B's acceptance in their window does not undo the recorded breach";
    int revisit_breaches = 0;
    for (const auto& e : events(t.id))
        if (e.type == "sla_breach" && nlohmann::json::parse(e.details).value("revisit", 0) == 1)
            ++revisit_breaches;
    EXPECT_EQ(revisit_breaches, 2) << "each marked as the revisit's, which the figures leave out";
}

// A quote waiting for a supervisor's review near its deadline (15 min from dispatch) is the
// supervisors' to act on: they are warned, not the technician who has quoted.
TEST_F(SlaTimersIntegration, AQuoteWaitingForReviewWarnsTheSupervisorsNotTheTechnician) {
    auto t = dispatched(create());
    t.status = store::ticket_status::accepted;
    t.at.accepted = t0 + 2min;
    t.quote_status = store::quote_status::review;
    t.quote_cents = 30000;
    t.due.quote = t0 + 16min;
    t = save(t, "quoted", t0 + 5min);
    track(t);

    at(t0 + 13min + 1s);  // 80 % of the quarter hour from dispatch at t0 + 1 min
    EXPECT_EQ(fire(), 1u);
    auto to_supervisor = sent_to(t.id, *supervisor_.openid);
    ASSERT_EQ(to_supervisor.size(), 1u);
    EXPECT_EQ(to_supervisor[0]["event"], "sla_warning");
    EXPECT_NE(to_supervisor[0]["text"].get<std::string>().find("等您审核"), std::string::npos)
        << to_supervisor[0]["text"];
    EXPECT_EQ(unfilled(to_supervisor[0]), std::vector<std::string>{}) << to_supervisor[0];
    EXPECT_EQ(to_supervisor[0]["number"], t.number);
    EXPECT_EQ(sent_events(t.id, *tech_a_.openid), std::vector<std::string>{"job_assigned"})
        << "the job push only";
}

// With no supervisor bound, the dispatchers hear that the quote has nobody to review it — not
// that the technician cannot be reached.
TEST_F(SlaTimersIntegration, AQuoteWaitingForReviewWithNoSupervisorIsTheDispatchersToSortOut) {
    supervisor_.active = false;
    pool_.run_sync([&](sql::Connection& c) { return store::TechnicianRepository::update(c, supervisor_, t0).ok(); });
    auto t = dispatched(create());
    t.status = store::ticket_status::accepted;
    t.at.accepted = t0 + 2min;
    t.quote_status = store::quote_status::review;
    t.quote_cents = 30000;
    t.due.quote = t0 + 16min;
    t = save(t, "quoted", t0 + 5min);
    track(t);

    at(t0 + 13min + 1s);
    EXPECT_EQ(fire(), 1u);
    auto to_dispatcher = sent_to(t.id, *dispatcher_.openid);
    ASSERT_EQ(to_dispatcher.size(), 1u);
    EXPECT_NE(to_dispatcher[0]["text"].get<std::string>().find("没有已绑定微信的工程部主管"), std::string::npos)
        << to_dispatcher[0]["text"];
    EXPECT_EQ(unfilled(to_dispatcher[0]), std::vector<std::string>{}) << to_dispatcher[0];
    EXPECT_TRUE(sent_events(t.id, *supervisor_.openid).empty());
}

TEST_F(SlaTimersIntegration, AnUnacceptedJobGoesToTheOtherTechnicianWithTheReasonLogged) {
    auto t = dispatched(create());
    ASSERT_EQ(t.technician_id, tech_a_.id);
    track(t);

    at(*t.due.accept + 1s);
    fire();
    auto now = ticket(t.id);
    EXPECT_EQ(now.technician_id, tech_b_.id);
    EXPECT_EQ(now.status, store::ticket_status::dispatched);
    EXPECT_EQ(now.late.accept, std::optional<bool>(true));
    EXPECT_GT(*now.due.accept, *t.due.accept) << "a fresh acceptance window for the new one";

    auto log = events(t.id);
    ASSERT_GE(log.size(), 2u);
    const auto& last = log.back();
    EXPECT_EQ(last.type, "dispatched");
    EXPECT_EQ(last.actor, "sla");
    auto details = nlohmann::json::parse(last.details);
    EXPECT_EQ(details["reason"], "accept_timeout");
    EXPECT_EQ(details["technician_id"], tech_b_.id);
    EXPECT_EQ(log[log.size() - 2].type, "sla_breach");
    EXPECT_EQ(sent_events(t.id, *tech_b_.openid), std::vector<std::string>{"job_assigned"});
    EXPECT_EQ(sent_events(t.id, *supervisor_.openid), std::vector<std::string>{"sla_escalation"});

    // The new technician's acceptance timers run: unaccepted again, it goes back to A.
    at(*now.due.accept + 1s);
    fire();
    EXPECT_EQ(ticket(t.id).technician_id, tech_a_.id);
}

TEST_F(SlaTimersIntegration,
       AJobHandedOverAfterItsAcceptanceIsWatchedUntilTheNextTechnicianAccepts) {
    auto t = dispatched(create());
    ASSERT_EQ(t.technician_id, tech_a_.id);
    t = save(*accept_job(t, tech_a_.id, t0 + 2min), "accepted", t0 + 2min);
    t = pool_.run_sync([&](sql::Connection& c) {
        nlohmann::json details = {{"technician_id", tech_a_.id}, {"reason", "不会修电梯"}};
        return *store::TicketRepository::update(
            c, *hand_over_job(t, tech_a_.id, t0 + 4min),
            {*tech_a_.openid, "technician", "handed_over", details.dump()}, {}, t0 + 4min);
    });
    auto outcome = store::testing::run(
        io_, engine_->dispatcher.dispatch(t.id, {tech_a_.id}, "test", "handover",
                                          chr::floor<chr::seconds>(t0 + 4min)));
    ASSERT_EQ(outcome.kind, DispatchOutcome::Kind::dispatched);
    t = *outcome.ticket;
    ASSERT_EQ(t.technician_id, tech_b_.id);
    track(t);

    // B lets it pass: the escalation and the re-dispatch an unaccepted job gets, against B's
    // window.
    at(*t.due.accept + 1s);
    fire();
    auto log = events(t.id);
    auto breach = std::find_if(log.begin(), log.end(),
                               [](const store::TicketEvent& e) { return e.type == "sla_breach"; });
    ASSERT_NE(breach, log.end()) << "the new technician's acceptance is watched";
    auto details = nlohmann::json::parse(breach->details);
    EXPECT_EQ(details["stage"], "accept");
    EXPECT_EQ(details["technician_id"], tech_b_.id);
    EXPECT_EQ(sent_events(t.id, *supervisor_.openid), std::vector<std::string>{"sla_escalation"});
    // Who has it and how to call them, in the escalation itself.
    const auto escalation = sent_to(t.id, *supervisor_.openid)[0]["text"].get<std::string>();
    EXPECT_NE(escalation.find("负责人：" + tech_b_.name + "（" + tech_b_.phone + "）"),
              std::string::npos)
        << escalation;
    auto now = ticket(t.id);
    EXPECT_EQ(now.at.accepted, t0 + 2min) << "the figures keep A's acceptance";
    EXPECT_EQ(now.late.accept, std::optional<bool>(false)) << "and its verdict";
    EXPECT_EQ(now.technician_id, tech_b_.id)
        << "A gave it back, B timed out: nobody else to take it";
    // The dispatchers hear what became of it: still B's to accept, whom to call.
    auto to_dispatcher = sent_to(t.id, *dispatcher_.openid);
    ASSERT_EQ(to_dispatcher.size(), 1u);
    const auto note = to_dispatcher[0]["text"].get<std::string>();
    EXPECT_NE(note.find("工单仍在" + tech_b_.name + "名下待接单"), std::string::npos) << note;
    EXPECT_NE(note.find(tech_b_.phone), std::string::npos) << note;
    EXPECT_EQ(unfilled(to_dispatcher[0]), std::vector<std::string>{}) << to_dispatcher[0];

    // Acted on once: a later save or a restart does not escalate it again.
    track(now);
    fire();
    EXPECT_EQ(sent_events(t.id, *supervisor_.openid), std::vector<std::string>{"sla_escalation"});
}

// The technician who let the acceptance pass went off duty (下班) and nobody else is free: the
// dispatchers are not told to chase them — only that it needs a hand.
TEST_F(SlaTimersIntegration, AnUnacceptedJobOfATechnicianGoneOffDutyIsTheDispatchersToGive) {
    auto t = dispatched(create());
    ASSERT_EQ(t.technician_id, tech_a_.id);
    track(t);
    pool_.run_sync([&](sql::Connection& c) {
        store::TechnicianRepository::set_on_duty(c, tech_a_.id, false, t0 + 1min);
        store::TechnicianRepository::set_on_duty(c, tech_b_.id, false, t0 + 1min);
        return true;
    });

    at(*t.due.accept + 1s);
    fire();
    EXPECT_EQ(ticket(t.id).technician_id, tech_a_.id);
    auto to_dispatcher = sent_to(t.id, *dispatcher_.openid);
    ASSERT_EQ(to_dispatcher.size(), 1u);
    const auto note = to_dispatcher[0]["text"].get<std::string>();
    EXPECT_NE(note.find("暂无可派的维修人员，请人工派单"), std::string::npos) << note;
    EXPECT_EQ(note.find("催接单"), std::string::npos) << note;
}

TEST_F(SlaTimersIntegration, ALateFinishGivesTheOwnerTheReasonAndANewPromisedTime) {
    auto t = dispatched(create());
    t.status = store::ticket_status::arrived;
    t.at.accepted = t.at.arrived = t0 + 10min;
    t = save(t, "arrived", t0 + 10min);
    track(t);

    at(t0 + 8h + 1s);
    fire();
    auto now = ticket(t.id);
    EXPECT_EQ(now.late.finish, std::optional<bool>(true));
    ASSERT_TRUE(now.due.finish);
    EXPECT_EQ(*now.due.finish, t0 + 16h + 1s) << "now + the emergency's 8 h";
    EXPECT_EQ(now.first_finish.due, t.due.finish)
        << "the deadline missed stays for the figures' late list";
    auto owner = sent_to(t.id, t.owner_openid);
    ASSERT_EQ(owner.size(), 1u);
    EXPECT_EQ(owner[0]["event"], "finish_delayed");
    EXPECT_EQ(owner[0]["promised"], local_time_text(*now.due.finish, 480min));
    EXPECT_NE(owner[0]["text"].get<std::string>().find(desk().notices.render("finish_delay_in_progress")),
              std::string::npos);
    // The new promise has its own timers: missed again, the desk hears again.
    EXPECT_EQ(store::testing::run(io_, engine_->index.size()), 2u);
    at(*now.due.finish + 1s);
    fire();
    EXPECT_EQ(sent_events(t.id, t.owner_openid).size(), 2u);
    EXPECT_EQ(ticket(t.id).first_finish.due, t.due.finish)
        << "the first deadline missed, not the promise";
}

// The promised finish missed too: the desk does not send the same words again — the supervisors
// read the how-many-th miss and how long since the deadline first missed, the managers hear it
// now (for a normal job the first miss was the supervisors' alone), the owner gets a fuller
// apology, and the breach event says the count.
TEST_F(SlaTimersIntegration, AFinishMissedAgainSaysHowManyTimesAndHowLateAndGoesUpToTheManager) {
    auto t = dispatched(create("normal"));
    t.status = store::ticket_status::arrived;
    t.at.accepted = t.at.arrived = t0 + 10min;
    t.due.finish = t0 + 2h;
    t = save(t, "arrived", t0 + 10min);
    track(t);

    at(t0 + 2h + 1s);
    fire();
    EXPECT_EQ(sent_events(t.id, *supervisor_.openid), std::vector<std::string>{"sla_escalation"});
    EXPECT_TRUE(sent_events(t.id, *manager_.openid).empty()) << "a normal job's first miss";
    const auto first = sent_to(t.id, *supervisor_.openid).at(0)["text"].get<std::string>();
    EXPECT_EQ(first.find("第"), std::string::npos) << first;
    auto promised = *ticket(t.id).due.finish;

    at(promised + 1s);
    fire();
    auto to_supervisor = sent_to(t.id, *supervisor_.openid);
    ASSERT_EQ(to_supervisor.size(), 2u);
    const auto again = to_supervisor[1]["text"].get<std::string>();
    const auto late =
        std::to_string(chr::duration_cast<chr::hours>(promised + 1s - (t0 + 2h)).count() / 24);
    EXPECT_NE(again.find("这是完工第2次逾期：原定" + local_time_text(t0 + 2h, 480min) +
                         "完工，已超时" + late + "天"),
              std::string::npos)
        << again;
    EXPECT_EQ(unfilled(to_supervisor[1]), std::vector<std::string>{});
    EXPECT_EQ(sent_events(t.id, *manager_.openid), std::vector<std::string>{"sla_escalation"})
        << "missed again: up to the manager";
    auto owner = sent_to(t.id, t.owner_openid);
    ASSERT_EQ(owner.size(), 2u);
    EXPECT_EQ(owner[1]["event"], "finish_delayed");
    EXPECT_NE(owner[1]["text"].get<std::string>().find("仍未完工"), std::string::npos) << owner[1];
    EXPECT_NE(owner[1]["text"], owner[0]["text"]);
    auto breaches = pool_.run_sync([&](sql::Connection& c) {
        return store::TicketRepository::latest_events(c, t.id, {"sla_breach"});
    });
    ASSERT_EQ(breaches.size(), 2u);
    EXPECT_EQ(nlohmann::json::parse(breaches[0].details).value("breach_count", 0), 2);
    EXPECT_EQ(nlohmann::json::parse(breaches[1].details).value("reason", ""), "in_progress")
        << "on site, not done: the late list's reason";
    EXPECT_FALSE(nlohmann::json::parse(breaches[1].details).contains("breach_count"));
}

// The breach says why, for the late list (details.reason): the technician who has the accepted
// job went off duty (下班) before the arrival's deadline; the same miss by one on duty says
// nothing (it is theirs).
TEST_F(SlaTimersIntegration, ABreachRecordsWhyTheDeadlineWasMissedForTheLateList) {
    auto reason_of_breach = [&](std::uint64_t id) {
        auto breaches = pool_.run_sync([&](sql::Connection& c) {
            return store::TicketRepository::latest_events(c, id, {"sla_breach"});
        });
        return breaches.empty() ? std::string("<no breach>")
                                : nlohmann::json::parse(breaches[0].details).value("reason", "");
    };
    auto on_duty = dispatched(create());
    on_duty.status = store::ticket_status::accepted;
    on_duty.at.accepted = t0 + 2min;
    on_duty = save(on_duty, "accepted", t0 + 2min);
    track(on_duty);
    at(t0 + 30min + 2s);
    fire();
    EXPECT_EQ(reason_of_breach(on_duty.id), "") << "on duty, nothing booked: the technician's miss";

    auto gone = dispatched(create());
    gone.status = store::ticket_status::accepted;
    gone.at.accepted = t0 + 2min;
    gone = save(gone, "accepted", t0 + 2min);
    auto tech = pool_.run_sync([&](sql::Connection& c) {
        return *store::TechnicianRepository::find_by_id(c, *gone.technician_id);
    });
    tech.on_duty = false;
    pool_.run_sync([&](sql::Connection& c) {
        return store::TechnicianRepository::update(c, tech, t0 + 5min).ok();
    });
    track(gone);
    fire();
    EXPECT_EQ(reason_of_breach(gone.id), "technician_off_duty");
}

TEST_F(SlaTimersIntegration, ALatePlannedJobWithNoBookedDayIsPromisedTheFallbackNotTonight) {
    auto t = dispatched(create("planned"));
    t.status = store::ticket_status::arrived;
    t.at.accepted = t.at.arrived = t0 + 10min;
    t.due.finish = t0 + 7 * 24h;  // planned_date_fallback: 5 working days, Monday to Monday
    t = save(t, "arrived", t0 + 10min);
    track(t);

    at(*t.due.finish + 1s);
    fire();
    auto now = ticket(t.id);
    EXPECT_EQ(now.late.finish, std::optional<bool>(true));
    ASSERT_TRUE(now.due.finish);
    EXPECT_EQ(*now.due.finish, t0 + 14 * 24h + 1s)
        << "5 working days again, as for a new report, not 23:59 of the day it went late";
}

// In a storm every queued ticket reaches its dispatch warning and then its breach in turn: with
// queue notes on, a queued ticket that is not an emergency has both recorded for the next queue
// note (and on the ticket, which is marked late), not pushed to each dispatcher and supervisor;
// an emergency's are still told on their own.
TEST_F(SlaTimersIntegration, WithQueueNotesAQueuedTicketsDispatchWarningAndBreachWaitForTheNoteButAnEmergencysDoNot) {
    engine_->dispatcher.use_queue_notes(true);
    auto normal = create("normal");
    auto emergency = create("emergency");
    ASSERT_EQ(normal.status, store::ticket_status::new_);
    track(normal);
    track(emergency);
    at(t0 + 2min + 30s);  // past 80 % of the 3-minute dispatch window, before the breach
    fire();

    // create() gives both tickets arrival and finish deadlines too; only the dispatch stage's
    // timers are looked at here.
    auto dispatch_stage = [&](std::uint64_t id) {
        std::vector<store::TicketEvent> out;
        for (const auto& e : events(id))
            if (e.actor == "sla" && nlohmann::json::parse(e.details).value("stage", "") == "dispatch")
                out.push_back(e);
        return out;
    };
    auto dispatch_warnings_to = [&](std::uint64_t id, const std::string& openid) {
        std::size_t n = 0;
        for (const auto& p : sent_to(id, openid))
            if (p.value("event", "") == "sla_warning" &&
                p.value("text", "").find(local_time_text(t0 + 3min, 8h) + "前派单") != std::string::npos)
                ++n;
        return n;
    };
    auto warned = dispatch_stage(normal.id);
    ASSERT_EQ(warned.size(), 1u);
    EXPECT_EQ(warned[0].type, "sla_warning");
    EXPECT_EQ(nlohmann::json::parse(warned[0].details).value("notified", ""), "queue_note") << warned[0].details;
    EXPECT_EQ(dispatch_warnings_to(normal.id, *dispatcher_.openid), 0u) << "no warning per ticket to the dispatcher";
    auto recorded = pool_.run_sync([&](sql::Connection& c) {
        std::unique_ptr<sql::PreparedStatement> st(
            c.prepareStatement("SELECT COUNT(*) FROM queue_note_deadlines WHERE ticket_id = ? AND "
                               "stage = 'dispatch'"));
        st->setUInt64(1, normal.id);
        std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
        return rs->next() ? rs->getInt(1) : -1;
    });
    EXPECT_EQ(recorded, 1) << "the warning waits for the queue note";

    ASSERT_EQ(dispatch_stage(emergency.id).size(), 1u);
    EXPECT_EQ(dispatch_warnings_to(emergency.id, *dispatcher_.openid), 1u) << "an emergency's warning is told at once";

    at(t0 + 3min + 5s);  // the breach: marked late on both; the queued one's waits for the note too
    fire();
    for (const auto& t : {normal, emergency}) {
        auto stage = dispatch_stage(t.id);
        ASSERT_EQ(stage.size(), 2u) << t.number;
        EXPECT_EQ(stage[1].type, "sla_breach") << t.number;
        EXPECT_EQ(ticket(t.id).late.dispatch, std::optional<bool>(true)) << t.number;
    }
    auto breach = nlohmann::json::parse(dispatch_stage(normal.id)[1].details);
    EXPECT_EQ(breach.value("staff_told", -1), 0) << breach.dump();
    EXPECT_EQ(breach.value("notified", ""), "queue_note") << breach.dump();
    EXPECT_TRUE(sent_events(normal.id, *supervisor_.openid).empty()) << "no escalation per ticket";
    for (const auto& event : sent_events(normal.id, *dispatcher_.openid))
        EXPECT_NE(event, "sla_escalation") << "nor to the dispatcher";
    auto late = pool_.run_sync([&](sql::Connection& c) {
        std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(
            "SELECT late FROM queue_note_deadlines WHERE ticket_id = ? AND stage = 'dispatch'"));
        st->setUInt64(1, normal.id);
        std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
        return rs->next() ? rs->getInt(1) : -1;
    });
    EXPECT_EQ(late, 1) << "the untold warning became the breach, for the next queue note";
    EXPECT_EQ(nlohmann::json::parse(dispatch_stage(emergency.id)[1].details).value("staff_told", 0), 3)
        << "an emergency's breach: supervisor, manager and dispatcher at once";
    EXPECT_EQ(sent_events(emergency.id, *supervisor_.openid), (std::vector<std::string>{"sla_escalation"}));
}

// A queue nobody takes for hours reaches its arrival and finish deadlines too: with queue notes
// on, a queued ticket's warnings and breaches of every stage are recorded for the next note, each
// with its stage (a finish breach with the deadline it missed, as the ticket's moves to the new
// promised time), not pushed to each dispatcher and supervisor; an emergency's still go at once,
// the dispatchers' warning naming the stage whose deadline is near.
TEST_F(SlaTimersIntegration,
       WithQueueNotesAQueuedTicketsArrivalAndFinishDeadlinesWaitForTheNoteToo) {
    engine_->dispatcher.use_queue_notes(true);
    auto normal = create("normal");
    auto emergency = create("emergency");
    track(normal);
    track(emergency);
    using Record =
        std::tuple<std::string, int, std::string>;  // stage, late, deadline (to the second)
    auto records = [&](std::uint64_t id) {
        return pool_.run_sync([id](sql::Connection& c) {
            std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(
                "SELECT stage, late, DATE_FORMAT(due, '%Y-%m-%d %H:%i:%s') AS due FROM "
                "queue_note_deadlines "
                "WHERE ticket_id = ? "
                "ORDER BY FIELD(stage, 'dispatch', 'accept', 'quote', 'arrive', 'finish')"));
            st->setUInt64(1, id);
            std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
            std::vector<Record> out;
            while (rs->next())
                out.emplace_back(rs->getString("stage"), rs->getInt("late"), rs->getString("due"));
            return out;
        });
    };
    auto sql_time = [](Timestamp t) { return store::to_sql_datetime(t).substr(0, 19); };
    auto stage_events = [&](std::uint64_t id, const std::string& stage) {
        std::vector<nlohmann::json> out;
        for (const auto& e : events(id)) {
            auto details = nlohmann::json::parse(e.details);
            if (e.actor == "sla" && details.value("stage", "") == stage) out.push_back(details);
        }
        return out;
    };
    auto staff_messages = [&](std::uint64_t id) {
        std::vector<std::string> out;
        for (const auto* who : {&dispatcher_, &supervisor_, &manager_})
            for (const auto& p : sent_to(id, *who->openid)) out.push_back(p.value("text", ""));
        return out;
    };

    // The normal ticket's windows here (dispatch 3 min, arrival 30 min, finish 8 h) are shorter
    // than its class's limits, so each warning comes its class's lead before the deadline: at
    // once for arrival and finish, at 10:01 for dispatch.
    at(t0 + 1min);
    fire();
    for (const char* stage : {"arrive", "finish"}) {
        auto warned = stage_events(normal.id, stage);
        ASSERT_EQ(warned.size(), 1u) << stage;
        EXPECT_EQ(warned[0].value("notified", ""), "queue_note") << warned[0].dump();
    }
    EXPECT_EQ(records(normal.id), (std::vector<Record>{{"dispatch", 0, sql_time(t0 + 3min)},
                                                       {"arrive", 0, sql_time(t0 + 30min)},
                                                       {"finish", 0, sql_time(t0 + 8h)}}));
    EXPECT_TRUE(staff_messages(normal.id).empty()) << "no warning per ticket to the dispatchers";

    at(t0 + 25min);  // past 80 % of the emergency's 30-minute arrival window
    fire();
    bool arrival_warned = false;
    for (const auto& p : sent_to(emergency.id, *dispatcher_.openid))
        arrival_warned |= p.value("event", "") == "sla_warning" &&
                          p.value("text", "").find("还没派出，须在" + local_time_text(t0 + 30min, 8h) +
                                                   "前到场") != std::string::npos;
    EXPECT_TRUE(arrival_warned)
        << "an emergency's arrival warning goes to the dispatchers at once, naming the stage and "
           "that nobody has the job";

    at(t0 + 30min + 5s);  // the dispatch and arrival breaches
    fire();
    EXPECT_EQ(records(normal.id), (std::vector<Record>{{"dispatch", 1, sql_time(t0 + 3min)},
                                                       {"arrive", 1, sql_time(t0 + 30min)},
                                                       {"finish", 0, sql_time(t0 + 8h)}}));
    auto breach = stage_events(normal.id, "arrive").back();
    EXPECT_EQ(breach.value("notified", ""), "queue_note") << breach.dump();
    EXPECT_EQ(breach.value("staff_told", -1), 0) << breach.dump();
    EXPECT_EQ(ticket(normal.id).late.arrive, std::optional<bool>(true));
    EXPECT_TRUE(staff_messages(normal.id).empty()) << "no escalation per ticket";
    EXPECT_EQ(stage_events(emergency.id, "arrive").back().value("staff_told", 0), 2)
        << "an emergency's arrival breach: supervisor and manager at once";

    at(t0 + 8h + 5s);  // the finish breach: the owner gets a new promised time, the note the miss
    fire();
    auto late = records(normal.id);
    ASSERT_EQ(late.size(), 3u);
    EXPECT_EQ(late[2], Record("finish", 1, sql_time(t0 + 8h)))
        << "the deadline missed, not the new one";
    EXPECT_GT(*ticket(normal.id).due.finish, t0 + 8h)
        << "the ticket's finish moved to the promised time";
    EXPECT_EQ(sent_events(normal.id, normal.owner_openid),
              (std::vector<std::string>{"finish_delayed"}));
    EXPECT_TRUE(staff_messages(normal.id).empty());
}

TEST_F(SlaTimersIntegration, TwoEnginesOnOneRedisFireEveryTimerOnce) {
    constexpr int kTickets = 30;
    std::vector<store::Ticket> tickets;
    for (int i = 0; i < kTickets; ++i) tickets.push_back(create());
    for (const auto& t : tickets) track(t);  // dispatch, arrive, finish: warn and breach each
    EXPECT_EQ(store::testing::run(io_, engine_->index.size()), std::size_t{kTickets} * 6);
    at(t0 + 8h + 5s);  // every deadline of every ticket has passed

    std::atomic<std::size_t> claimed{0};
    std::vector<std::thread> workers;
    for (int w = 0; w < 2; ++w)
        workers.emplace_back([&] {
            asio::io_context io;
            Engine engine(io, pool_, store::testing::redis_settings(), index_name_, now_);
            for (;;) {
                auto n = store::testing::run(io, engine.timers.fire_due());
                if (n == 0) break;
                claimed += n;
            }
            engine.redis.close();
            store::testing::drain(io);
        });
    for (auto& w : workers) w.join();
    // Each timer was claimed by one engine; a breach re-scheduled by the other engine's save
    // while in flight may come round once more and then finds its action in the audit log.
    EXPECT_GE(claimed.load(), std::size_t{kTickets} * 6);
    for (const auto& t : tickets) {
        std::map<std::string, int> breaches;
        for (const auto& e : events(t.id))
            if (e.type == "sla_breach") ++breaches[nlohmann::json::parse(e.details)["stage"]];
        EXPECT_EQ(breaches, (std::map<std::string, int>{{"arrive", 1}, {"dispatch", 1}, {"finish", 1}}))
            << t.number;
        // dispatch (supervisor and dispatcher hear), arrive, finish: one escalation each.
        EXPECT_EQ(sent_events(t.id, *supervisor_.openid).size(), 3u) << t.number;
        EXPECT_EQ(sent_events(t.id, *dispatcher_.openid).size(), 1u) << t.number;
    }
}

TEST_F(SlaTimersIntegration, FlushallThenRebuildEveryDeadlineStillFires) {
    // A private Redis, so FLUSHALL wipes nobody else's keys.
    const auto dir = std::filesystem::temp_directory_path() /
                     ("repairbot-sla-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto port = store::testing::free_port();
    store::testing::Child server(
        {"redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", dir.string()},
        (dir / "redis.log").string());
    ASSERT_TRUE(store::testing::wait_for_port(port, 10s));
    auto settings = store::testing::redis_settings();
    settings.port = port;

    std::vector<store::Ticket> tickets{create(), dispatched(create())};
    auto done = create();
    done.status = store::ticket_status::done;
    done.at.dispatched = done.at.accepted = done.at.arrived = t0 + 5min;
    done.at.done = t0 + 1h;
    done.technician_id = tech_a_.id;
    done = save(done, "done", t0 + 1h);
    tickets.push_back(done);
    {
        asio::io_context io;
        Engine engine(io, pool_, settings, index_name_, now_);
        for (const auto& t : tickets) store::testing::run(io, engine.timers.track(t));
        auto before = store::testing::run(io, engine.index.size());
        EXPECT_GT(before, 0u);
        auto flushed = store::testing::run(io, engine.redis.command({"FLUSHALL"}));
        ASSERT_TRUE(flushed);
        EXPECT_EQ(store::testing::run(io, engine.index.size()), 0u);
        engine.redis.close();
        store::testing::drain(io);

        // "Restart": a new engine rebuilds from MySQL.
        asio::io_context io2;
        Engine restarted(io2, pool_, settings, index_name_, now_);
        auto rebuilt = store::testing::run(io2, restarted.timers.rebuild());
        EXPECT_GE(rebuilt, before) << "every ticket's timers are back (other tests' too)";
        keep_only(io2, restarted, index_name_, tickets);
        EXPECT_EQ(store::testing::run(io2, restarted.index.size()), before);
        at(t0 + 8 * 24h);
        for (;;)
            if (store::testing::run(io2, restarted.timers.fire_due()) == 0) break;
        restarted.redis.close();
        store::testing::drain(io2);
    }
    auto types = [&](const store::Ticket& t) {
        std::multiset<std::string> out;
        for (const auto& e : events(t.id))
            if (e.actor == "sla") out.insert(e.type);
        return out;
    };
    EXPECT_EQ(types(tickets[0]).count("sla_breach"), 3u) << "dispatch, arrive, finish";
    EXPECT_GE(types(tickets[1]).count("sla_breach"), 3u) << "accept, arrive, finish";
    EXPECT_EQ(types(done), (std::multiset<std::string>{"auto_closed", "reminded"}));
    EXPECT_EQ(ticket(done.id).status, store::ticket_status::closed);
    std::filesystem::remove_all(dir);
}

TEST_F(SlaTimersIntegration, AClockPastTheDeadlineActsOnceAtOnceAndNotAgainAfterRestart) {
    auto t = create();
    track(t);
    at(t0 + 10min);  // the server was down across the dispatch warning and breach
    fire();
    EXPECT_EQ(event_types(t.id), std::vector<std::string>{"sla_breach"})
        << "no stale warning after the breach";
    EXPECT_EQ(sent_events(t.id, *supervisor_.openid).size(), 1u);

    // A restart rebuilds every timer from MySQL; the breach is in the audit log, so it stays done.
    store::testing::run(io_, engine_->timers.rebuild());
    keep_only(io_, *engine_, index_name_, {t});
    EXPECT_EQ(store::testing::run(io_, engine_->index.size()), 4u)
        << "arrive and finish; the recorded dispatch breach is not rebuilt";
    store::testing::run(io_, engine_->index.schedule("sla:" + std::to_string(t.id) + ":dispatch:breach",
                                                     *t.due.dispatch + 1s));
    fire();
    EXPECT_EQ(event_types(t.id), std::vector<std::string>{"sla_breach"});
    EXPECT_EQ(sent_events(t.id, *supervisor_.openid).size(), 1u);
    EXPECT_EQ(ticket(t.id).late.dispatch, std::optional<bool>(true));
}

TEST_F(SlaTimersIntegration, AfterSevenDaysADoneRepairClosesAndTheOwnersQuestionGoes) {
    auto t = dispatched(create());
    t.status = store::ticket_status::done;
    t.at.accepted = t.at.arrived = t0 + 10min;
    t.at.done = t0 + 1h;
    t = save(t, "done", t0 + 1h);
    auto asked = dialog::begin_confirmation(dialog::Session{}, t.number, std::nullopt,
                                            chr::floor<chr::seconds>(t0 + 1h));
    ASSERT_TRUE(store::testing::run(io_, engine_->sessions.save(t.owner_openid, 0, dialog::encode(asked))));
    track(t);

    at(t0 + 25h);
    EXPECT_EQ(fire(), 1u);
    auto owner = sent_to(t.id, t.owner_openid);
    ASSERT_EQ(owner.size(), 1u);
    EXPECT_EQ(owner[0]["event"], "owner_reminder");
    EXPECT_EQ(owner[0]["text"], dialog::feedback_reminder(asked, desk().dialog.texts))
        << "the chat's own reminder for the question it is asking";

    at(t0 + 1h + 7 * 24h + 1s);
    EXPECT_EQ(fire(), 1u);
    auto closed = ticket(t.id);
    EXPECT_EQ(closed.status, store::ticket_status::closed);
    EXPECT_TRUE(closed.at.closed);
    EXPECT_EQ(event_types(t.id), (std::vector<std::string>{"reminded", "auto_closed"}));
    EXPECT_EQ(sent_events(t.id, t.owner_openid),
              (std::vector<std::string>{"owner_reminder", "auto_closed"}));
    auto stored = store::testing::run(io_, engine_->sessions.load(t.owner_openid));
    auto session = dialog::decode(stored.data);
    ASSERT_TRUE(session);
    EXPECT_TRUE(session->feedback.empty()) << "the bot stops asking about a closed ticket";
    store::testing::run(io_, engine_->sessions.erase(t.owner_openid));
}

// A paid repair's quote the owner has not answered: one reminder after quote_reminder (2 h).
// The chat had lost the question (the session expired): the reminder puts it back, first, so
// the 同意 it asks for is understood.
TEST_F(SlaTimersIntegration,
       AnUnansweredQuoteRemindsTheOwnerOnceAndTheAnswerItAsksForIsUnderstood) {
    auto t = dispatched(create());
    t.status = store::ticket_status::arrived;
    t.at.accepted = t.at.arrived = t0 + 10min;
    t.quote_status = store::quote_status::pending;
    t.quote_cents = 25000;
    t.at.quoted = t.quote_asked_at = t0 + 12min;
    t = save(t, "quoted", t0 + 12min);
    track(t);

    at(t0 + 12min + 2h - 1s);
    fire();
    EXPECT_TRUE(sent_events(t.id, t.owner_openid).empty()) << "not yet";
    EXPECT_EQ(store::testing::run(io_, engine_->sessions.load(t.owner_openid)).version, 0u)
        << "no reminder, no change to the owner's chat";
    at(t0 + 12min + 2h);
    fire();
    auto owner = sent_to(t.id, t.owner_openid);
    ASSERT_EQ(owner.size(), 1u);
    EXPECT_EQ(owner[0]["event"], "owner_reminder");
    auto session =
        dialog::decode(store::testing::run(io_, engine_->sessions.load(t.owner_openid)).data);
    ASSERT_TRUE(session);
    ASSERT_EQ(session->feedback.size(), 1u) << "the question is asked again";
    EXPECT_EQ(session->feedback[0].step, dialog::FeedbackStep::quote);
    EXPECT_EQ(session->feedback[0].ticket_number, t.number);
    EXPECT_EQ(session->feedback[0].cents, 25000);
    EXPECT_EQ(session->flow, dialog::Flow::owner_feedback);
    EXPECT_EQ(owner[0]["text"], dialog::feedback_reminder(*session, desk().dialog.texts));
    EXPECT_NE(owner[0]["text"].get<std::string>().find("250"), std::string::npos)
        << owner[0]["text"];
    at(t0 + 5h);
    fire();
    EXPECT_EQ(sent_events(t.id, t.owner_openid).size(), 1u) << "once";
    store::testing::run(io_, engine_->sessions.erase(t.owner_openid));
}

// An owner asked about two tickets: the reminder about the one behind makes it the question the
// chat asks, so the "1" the reminder asks for confirms that ticket, not the one asked first.
TEST_F(SlaTimersIntegration, AReminderAboutTheSecondQuestionMakesItTheOneTheOwnersAnswerAnswers) {
    auto first = dispatched(create());
    first.status = store::ticket_status::done;
    first.at.accepted = first.at.arrived = t0 + 10min;
    first.at.done = t0 + 2h;
    first = save(first, "done", t0 + 2h);
    auto second = dispatched(create("emergency", first.owner_openid));
    second.status = store::ticket_status::done;
    second.at.accepted = second.at.arrived = t0 + 10min;
    second.at.done = t0 + 1h;
    second.fee_cents = 8000;
    second = save(second, "done", t0 + 1h);
    ASSERT_EQ(second.owner_openid, first.owner_openid);
    auto session = dialog::begin_confirmation(dialog::Session{}, first.number, std::nullopt,
                                              chr::floor<chr::seconds>(t0 + 2h));
    session =
        dialog::begin_confirmation(session, second.number, 8000, chr::floor<chr::seconds>(t0 + 1h));
    ASSERT_TRUE(store::testing::run(
        io_, engine_->sessions.save(first.owner_openid, 0, dialog::encode(session))));
    track(second);

    at(t0 + 25h);
    EXPECT_EQ(fire(), 1u);
    auto stored =
        dialog::decode(store::testing::run(io_, engine_->sessions.load(first.owner_openid)).data);
    ASSERT_TRUE(stored);
    ASSERT_EQ(stored->feedback.size(), 2u);
    EXPECT_EQ(stored->feedback[0].ticket_number, second.number)
        << "the reminded ticket's question first";
    EXPECT_EQ(stored->feedback[0].cents, 8000);
    EXPECT_EQ(stored->feedback[1].ticket_number, first.number) << "the other still asked, after it";
    auto owner = sent_to(second.id, second.owner_openid);
    ASSERT_EQ(owner.size(), 1u);
    const auto text = owner[0]["text"].get<std::string>();
    EXPECT_EQ(text, dialog::feedback_reminder(*stored, desk().dialog.texts));
    EXPECT_NE(text.find(second.number), std::string::npos) << text;
    store::testing::run(io_, engine_->sessions.erase(first.owner_openid));
}

TEST_F(SlaTimersIntegration, ACallbackDueTellsTheDispatchersOnce) {
    auto t = create();
    store::Callback cb;
    cb.ticket_id = t.id;
    cb.kind = "sample";
    cb.due_at = t0 + 3 * 24h;
    cb.created_at = t0;
    cb.id = pool_.run_sync([&](sql::Connection& c) {
        return *store::FeedbackRepository::add_callback(c, cb, "sample:" + std::to_string(t.id));
    });
    store::testing::run(io_, engine_->timers.track_callback(cb));
    at(t0 + 3 * 24h + 1s);
    fire();
    fire();
    auto told = sent_to(t.id, *dispatcher_.openid);
    std::vector<std::string> overdue_texts;
    for (const auto& p : told)
        if (p["event"] == "callback_overdue") overdue_texts.push_back(p["text"]);
    ASSERT_EQ(overdue_texts.size(), 1u);
    EXPECT_EQ(overdue_texts[0].rfind("回访到期：工单" + t.number + "的回访应在", 0), 0u)
        << overdue_texts[0];
    EXPECT_NE(overdue_texts[0].find("业主：张三 13800138000，5栋1单元502"), std::string::npos)
        << "whom to call: " << overdue_texts[0];
    std::size_t overdue = 0;
    auto types = event_types(t.id);
    EXPECT_EQ(std::count(types.begin(), types.end(), "callback_overdue"), 1);

    // Told before migration 0013: the audit event stops a second note, and the row now
    // remembers it, so the index refresh leaves the timer out from then on.
    pool_.run_sync([&](sql::Connection& c) {
        std::unique_ptr<sql::PreparedStatement> st(
            c.prepareStatement("UPDATE callbacks SET overdue_told_for = NULL WHERE id = ?"));
        st->setUInt64(1, cb.id);
        return st->executeUpdate();
    });
    ASSERT_TRUE(plan_callback_timer(callback(cb.id)));
    store::testing::run(io_, engine_->timers.track_callback(callback(cb.id)));
    fire();
    overdue = 0;
    for (const auto& p : sent_to(t.id, *dispatcher_.openid))
        overdue += p["event"] == "callback_overdue";
    EXPECT_EQ(overdue, 1u);
    EXPECT_FALSE(plan_callback_timer(callback(cb.id))) << "told: remembered on the row";
}

// An owner's 投诉 in chat concerns no ticket, so no audit log remembers its callback's overdue
// note: the callback itself does. The index refresh every 10 minutes puts every open callback's
// timer back; before overdue_told_for, each refresh told the dispatchers again.
TEST_F(SlaTimersIntegration,
       AComplaintCallbackAboutNoTicketIsToldOverdueOnceEvenAfterTheIndexRefreshes) {
    store::Complaint complaint;
    complaint.owner_openid = tag_ + "-owner-complaint";
    complaint.source = "owner";
    complaint.text = "楼道灯坏了一周没人管";
    complaint.created_at = t0;
    const auto id = pool_.run_sync([&](sql::Connection& c) {
        store::Owner owner;  // what the owner left at an earlier report: whom the note names
        owner.openid = complaint.owner_openid;
        owner.name = "李四";
        owner.phone = "13912345678";
        owner.address = "7栋2单元301";
        (void)store::OwnerRepository::upsert(c, owner, t0);
        store::Transaction tx(c);
        auto made = open_complaint(c, complaint, desk().sla, t0);
        tx.commit();
        return made;
    });
    auto open = pool_.run_sync([id](sql::Connection& c) {
        store::CallbackFilter f;
        f.kind = "complaint";
        f.done = false;
        f.limit = 100000;
        for (const auto& cb : store::FeedbackRepository::callbacks(c, f))
            if (cb.complaint_id == id) return cb;
        return store::Callback{};
    });
    ASSERT_NE(open.id, 0u);
    EXPECT_EQ(open.due_at, t0 + 3 * 24h);
    store::testing::run(io_, engine_->timers.track_callback(open));

    at(t0 + 3 * 24h + 1s);
    fire();
    auto told = callback(open.id);
    ASSERT_TRUE(told.overdue_told_for);
    EXPECT_EQ(*told.overdue_told_for, open.due_at);
    EXPECT_FALSE(plan_callback_timer(told)) << "a refresh of the index leaves it out";
    // A refresh that read the callback before the note committed puts the timer back anyway.
    store::testing::run(
        io_, engine_->index.schedule(
                 timer_id({TimerKind::callback, open.id, dialog::Stage::dispatch}), open.due_at));
    at(t0 + 3 * 24h + 11min);
    fire();
    std::vector<std::string> texts;
    for (const auto& p : sent_without_ticket(*dispatcher_.openid))
        if (p["event"] == "callback_overdue") texts.push_back(p["text"]);
    ASSERT_EQ(texts.size(), 1u);
    EXPECT_EQ(texts[0].rfind("回访到期：投诉" + std::to_string(id) + "的回访应在", 0), 0u)
        << texts[0];
    EXPECT_NE(texts[0].find("业主：李四 13912345678，7栋2单元301"), std::string::npos)
        << "whom to call, though no ticket names them: " << texts[0];

    // Handled on the fifth day: the callback is due three days on, and told again when that passes.
    auto handled = pool_.run_sync([&](sql::Connection& c) {
        return handle_complaint(c, desk().sla, id, "主管", "已联系物业电工修好", t0 + 5 * 24h);
    });
    ASSERT_TRUE(handled) << handled.error().message();
    ASSERT_TRUE(handled->callback);
    EXPECT_EQ(handled->callback->due_at, t0 + 8 * 24h);
    EXPECT_TRUE(plan_callback_timer(*handled->callback)) << "a new due time is a new deadline";
    store::testing::run(io_, engine_->timers.track_callback(*handled->callback));
    at(t0 + 8 * 24h + 1s);
    fire();
    std::size_t overdue = 0;
    for (const auto& p : sent_without_ticket(*dispatcher_.openid))
        overdue += p["event"] == "callback_overdue";
    EXPECT_EQ(overdue, 2u);
}

// A complaint whose handling nobody records is not forgotten (件件有着落): a day after its filing
// the supervisors are reminded, a day later again with the managers (it goes up), once per
// reminder whatever the index does, and never after its handling is recorded. A serious one
// reaches the managers at the first reminder; one about no ticket names the owner as the desk
// knows them.
TEST_F(SlaTimersIntegration, AComplaintNobodyHandlesIsRemindedDailyAndGoesUpToTheManagers) {
    const auto t = create("normal");
    store::Complaint filed;
    filed.ticket_id = t.id;
    filed.owner_openid = t.owner_openid;
    filed.source = "low_rating";
    filed.text = "2星：师傅迟到两小时";
    filed.created_at = t0;
    const auto id = pool_.run_sync([&](sql::Connection& c) {
        store::Transaction tx(c);
        auto made = open_complaint(c, filed, desk().sla, t0);
        tx.commit();
        return made;
    });
    auto complaint = [&](std::uint64_t which) {
        return pool_.run_sync([which](sql::Connection& c) {
            return *store::FeedbackRepository::find_complaint(c, which);
        });
    };
    auto reminders_to = [&](const std::string& openid) {
        std::vector<std::string> out;
        for (const auto& p : sent_to(t.id, openid))
            if (p["event"] == "complaint") out.push_back(p["text"]);
        return out;
    };
    refresh_keeping_complaints({id});
    EXPECT_EQ(store::testing::run(io_, engine_->index.size()), 1u)
        << "the refresh puts the complaint's first reminder in the index";

    at(t0 + 23h);
    fire();
    EXPECT_TRUE(reminders_to(*supervisor_.openid).empty()) << "not yet";

    at(t0 + 24h + 1s);
    fire();
    auto first = reminders_to(*supervisor_.openid);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].rfind("投诉（编号" + std::to_string(id) + "）于", 0), 0u) << first[0];
    EXPECT_NE(first[0].find("至今未登记处理结果（第1次提醒）。投诉内容：2星：师傅迟到两小时"),
              std::string::npos)
        << first[0];
    EXPECT_NE(first[0].find("repairbot complaint handle " + std::to_string(id)), std::string::npos);
    EXPECT_NE(first[0].find("业主：张三 13800138000，5栋1单元502"), std::string::npos) << first[0];
    EXPECT_TRUE(reminders_to(*manager_.openid).empty()) << "the supervisors first";
    auto once = complaint(id);
    EXPECT_EQ(once.reminders, 1u);
    ASSERT_TRUE(once.reminded_at);
    EXPECT_EQ(*once.reminded_at, t0 + 24h + 1s);
    const auto types = event_types(t.id);
    EXPECT_EQ(std::count(types.begin(), types.end(), "complaint_reminded"), 1);

    // A refresh that read the complaint before the reminder committed puts the old timer back.
    store::testing::run(
        io_, engine_->index.schedule(timer_id({TimerKind::complaint, id, dialog::Stage::dispatch}),
                                     t0 + 24h));
    at(t0 + 24h + 10min);
    fire();
    EXPECT_EQ(reminders_to(*supervisor_.openid).size(), 1u) << "once per reminder";

    at(t0 + 48h + 2s);
    fire();
    auto second = reminders_to(*supervisor_.openid);
    ASSERT_EQ(second.size(), 2u);
    EXPECT_NE(second[1].find("第2次提醒"), std::string::npos) << second[1];
    auto up = reminders_to(*manager_.openid);
    ASSERT_EQ(up.size(), 1u) << "the second reminder goes up";
    EXPECT_EQ(up[0], second[1]);
    EXPECT_EQ(complaint(id).reminders, 2u);

    // Handled: its reminders stop (the timer of the next one finds nothing to do).
    auto handled = pool_.run_sync([&](sql::Connection& c) {
        return handle_complaint(c, desk().sla, id, "主管", "已向业主致歉并安排复查", t0 + 50h);
    });
    ASSERT_TRUE(handled) << handled.error().message();
    at(t0 + 96h);
    fire();
    EXPECT_EQ(reminders_to(*supervisor_.openid).size(), 2u);
    EXPECT_EQ(reminders_to(*manager_.openid).size(), 1u);
    EXPECT_FALSE(plan_complaint_timer(complaint(id), desk().sla));

    // Serious, about no ticket: the managers hear the first reminder too, with the owner's details.
    store::Complaint serious;
    serious.owner_openid = tag_ + "-owner-serious";
    serious.source = "owner";
    serious.severity = "serious";
    serious.text = "漏水泡坏了我家地板，一直没人管";
    serious.created_at = t0 + 96h;
    const auto serious_id = pool_.run_sync([&](sql::Connection& c) {
        store::Owner owner;
        owner.openid = serious.owner_openid;
        owner.name = "李四";
        owner.phone = "13912345678";
        owner.address = "7栋2单元301";
        (void)store::OwnerRepository::upsert(c, owner, t0);
        store::Transaction tx(c);
        auto made = open_complaint(c, serious, desk().sla, t0 + 96h);
        tx.commit();
        return made;
    });
    refresh_keeping_complaints({id, serious_id});
    EXPECT_EQ(store::testing::run(io_, engine_->index.size()), 1u) << "not the handled one";
    at(t0 + 120h + 1s);
    fire();
    auto to_manager = sent_without_ticket(*manager_.openid);
    ASSERT_EQ(to_manager.size(), 1u);
    const std::string text = to_manager[0]["text"];
    EXPECT_NE(text.find("投诉（编号" + std::to_string(serious_id) + "）"), std::string::npos)
        << text;
    EXPECT_NE(text.find("第1次提醒"), std::string::npos) << text;
    EXPECT_NE(text.find("业主：李四 13912345678，7栋2单元301"), std::string::npos) << text;
    EXPECT_EQ(sent_without_ticket(*supervisor_.openid).size(), 1u);
    EXPECT_EQ(unfilled(to_manager[0]), std::vector<std::string>{}) << to_manager[0];
}

// An owner's question about a quote (报价咨询) nobody answered: the supervisors read which
// ticket's quote, not a bare 人工.
TEST_F(SlaTimersIntegration, AQuoteQuestionNobodyAnsweredSaysWhichTicketsQuote) {
    auto t = create();
    auto cb = pool_.run_sync([&](sql::Connection& c) {
        store::Transaction tx(c);
        auto opened = open_handover(c, t.owner_openid, desk().sla, t0, t.id);
        tx.commit();
        return opened.callback;
    });
    store::testing::run(io_, engine_->timers.track_callback(cb));
    at(t0 + 10min + 1s);
    fire();
    std::vector<nlohmann::json> mine;
    for (auto& p : sent_without_ticket(*supervisor_.openid))
        if (p["text"].get<std::string>().find("回访编号" + std::to_string(cb.id)) !=
            std::string::npos)
            mine.push_back(p);
    ASSERT_EQ(mine.size(), 1u);
    const std::string text = mine[0]["text"];
    EXPECT_NE(text.find("对工单" + t.number + "的报价有疑问"), std::string::npos) << text;
    EXPECT_EQ(unfilled(mine[0]), std::vector<std::string>{}) << mine[0];
}

// A 人工 nobody recorded an answer to within follow_ups.escalation goes up to the supervisors
// (快速反应原则), once, with how to reach the owner; one answered in time goes nowhere.
TEST_F(SlaTimersIntegration, AHandOverNobodyAnsweredInTenMinutesGoesUpToTheSupervisorsOnce) {
    auto open = [&](const std::string& owner) {
        return pool_.run_sync([&](sql::Connection& c) {
            store::Transaction tx(c);
            auto opened = open_handover(c, owner, desk().sla, t0);
            tx.commit();
            return opened.callback;
        });
    };
    pool_.run_sync([&](sql::Connection& c) {
        store::Owner o;
        o.openid = tag_ + "-owner-wait";
        o.name = "张女士";
        o.phone = "13800138000";
        o.address = "5栋1单元502";
        store::OwnerRepository::remember(c, o, t0);
        return 0;
    });
    const auto unanswered = open(tag_ + "-owner-wait");
    const auto answered = open(tag_ + "-owner-done");
    EXPECT_EQ(unanswered.due_at, t0 + 10min);
    store::testing::run(io_, engine_->timers.track_callback(unanswered));
    store::testing::run(io_, engine_->timers.track_callback(answered));
    auto done = pool_.run_sync([&](sql::Connection& c) {
        return mark_callback_done(c, desk().sla, &desk().notices, answered.id,
                                  {"satisfied", "已回电", "客服", false}, t0 + 4min);
    });
    ASSERT_TRUE(done) << done.error().message();

    at(t0 + 9min);
    EXPECT_EQ(fire(), 0u) << "not yet";
    at(t0 + 10min + 1s);
    fire();
    auto up = sent_without_ticket(*supervisor_.openid);
    ASSERT_EQ(up.size(), 1u) << "the answered one stays quiet";
    EXPECT_EQ(up[0]["event"], "handover_overdue");
    const std::string text = up[0]["text"];
    EXPECT_NE(text.find("回访编号" + std::to_string(unanswered.id)), std::string::npos) << text;
    EXPECT_NE(text.find("张女士 13800138000，5栋1单元502"), std::string::npos)
        << "the owner as the desk knows them: " << text;
    EXPECT_EQ(unfilled(up[0]), std::vector<std::string>{}) << up[0];
    EXPECT_TRUE(sent_without_ticket(*dispatcher_.openid).empty())
        << "a supervisor was there to tell";

    store::testing::run(io_, engine_->index.schedule(timer_id({TimerKind::callback, unanswered.id,
                                                               dialog::Stage::dispatch}),
                                                     unanswered.due_at));
    at(t0 + 20min);
    fire();
    EXPECT_EQ(sent_without_ticket(*supervisor_.openid).size(), 1u) << "once";

    // No supervisor bound: the dispatchers are reminded instead.
    supervisor_.active = false;
    pool_.run_sync([&](sql::Connection& c) {
        return store::TechnicianRepository::update(c, supervisor_, t0).ok();
    });
    const auto unstaffed = open(tag_ + "-owner-late");
    store::testing::run(io_, engine_->timers.track_callback(unstaffed));
    fire();
    auto reminded = sent_without_ticket(*dispatcher_.openid);
    ASSERT_EQ(reminded.size(), 1u);
    EXPECT_EQ(reminded[0]["event"], "handover_overdue");
    EXPECT_NE(reminded[0]["text"].get<std::string>().find("尚未留下电话和地址"), std::string::npos)
        << reminded[0];
}

}  // namespace
}  // namespace repairbot::bot
