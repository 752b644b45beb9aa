// The job desk (bot/job_desk.h) against the real MariaDB and Redis: a rating with no callback
// open closes the ticket at once and the watch hears the close; a low rating's complaint keeps
// it rated until the complaint is called back, and that callback closes it; the owner's answer
// to a quote is told to the technician only when they are bound to WeChat; work on an off-list
// paid repair is refused with what to do (quote first, wait for the owner), and a quote for a
// ticket that needs none says so.
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <nlohmann/json.hpp>

#include <random>

#include "bot/callback_desk.h"
#include "bot/job_desk.h"
#include "bot/ticket_intake.h"
#include "bot/timer_plan.h"
#include "config/dialog_data.h"
#include "config/notices.h"
#include "config/price_list.h"
#include "config/sla_data.h"
#include "dialog/feedback.h"
#include "dialog/session_codec.h"
#include "store/feedback_repository.h"
#include "store/migrations.h"
#include "store/outbox_repository.h"
#include "store/photo_repository.h"
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
namespace qs = store::quote_status;

// Monday 23 November 2026, 10:00 at the desk (UTC+8).
const Timestamp t0 = Timestamp{chr::sys_days{chr::year{2026} / 11 / 23}} + 2h;

using testing::desk;

class JobDeskIntegration : public ::testing::Test {
  protected:
    // A database of its own: whether quotes wait for a supervisor's review depends on whether
    // any supervisor is bound, desk-wide, and other suites' staff must not decide it.
    static config::MysqlSettings database() { return store::testing::private_mysql_settings("job_desk"); }
    static void SetUpTestSuite() {
        auto applied = store::testing::create_database(database());
        ASSERT_TRUE(applied) << applied.error().message();
    }
    static void TearDownTestSuite() { store::testing::drop_database(database()); }

    void SetUp() override {
        tech_ = add_technician("王师傅", tag_ + "-tech");
        jobs_ = std::make_unique<JobDesk>(pool_, sessions_, dispatcher_, desk().sla, desk().prices,
                                          desk().notices, desk().dialog, watch());
    }

    void TearDown() override {
        jobs_.reset();
        for (const auto& owner : owners_) store::testing::run(io_, sessions_.erase(owner));
        redis_.close();
        store::testing::drain(io_);
        const std::string like = tag_ + "%";
        pool_.run_sync([&like](sql::Connection& c) {
            for (const char* q :
                 {"DELETE FROM callbacks WHERE owner_openid LIKE ?",
                  "DELETE cb FROM callbacks cb JOIN complaints cp ON cp.id = cb.complaint_id "
                  "WHERE cp.owner_openid LIKE ?",
                  "DELETE cb FROM callbacks cb JOIN tickets t ON t.id = cb.ticket_id "
                  "WHERE t.owner_openid LIKE ?",
                  "DELETE FROM complaints WHERE owner_openid LIKE ?",
                  "DELETE r FROM ratings r JOIN tickets t ON t.id = r.ticket_id "
                  "WHERE t.owner_openid LIKE ?",
                  "DELETE e FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
                  "WHERE t.owner_openid LIKE ?",
                  "DELETE o FROM outbox o JOIN tickets t ON t.id = o.ticket_id "
                  "WHERE t.owner_openid LIKE ?",
                  "DELETE FROM outbox WHERE recipient LIKE ?",
                  "DELETE p FROM photos p JOIN tickets t ON t.id = p.ticket_id "
                  "WHERE t.owner_openid LIKE ?",
                  "DELETE FROM tickets WHERE owner_openid LIKE ?",
                  "DELETE FROM technicians WHERE name LIKE ?"}) {
                std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(q));
                st->setString(1, like);
                st->executeUpdate();
            }
        });
        blocking_.join();
    }

    TicketWatch watch() {
        return [this](store::Ticket t) -> asio::awaitable<void> {
            watched_.push_back(std::move(t));
            co_return;
        };
    }

    store::Technician add_technician(const std::string& name, std::optional<std::string> openid) {
        store::Technician t;
        t.name = tag_ + name;
        t.phone = "13700000001";
        t.trades = {"T" + tag_};
        t.openid = std::move(openid);
        return pool_.run_sync([&t](sql::Connection& c) {
            auto added = store::TechnicianRepository::add(c, t, t0);
            if (!added) throw std::runtime_error("technician: " + added.error().message());
            return *added;
        });
    }

    // A ticket received at t0, moved straight to `status` with `technician`.
    store::Ticket ticket(const char* status, std::optional<std::uint64_t> technician,
                         const std::string& quote_status = qs::none,
                         std::optional<std::uint32_t> quote_cents = std::nullopt) {
        store::NewTicket n;
        auto& t = n.ticket;
        t.idempotency_key = tag_ + "-key-" + std::to_string(++serial_);
        t.owner_openid = tag_ + "-owner-" + std::to_string(serial_);
        t.phone = "13800138000";
        t.building = "5";
        t.address = "5栋1单元502";
        t.fault_type = "水";
        t.trade = "T" + tag_;
        t.urgency = "normal";
        t.description = "卫生间热水器不出热水";
        t.created_at = t0;
        n.first_event = {t.owner_openid, "owner", "created", "{}"};
        owners_.push_back(t.owner_openid);
        return pool_.run_sync([&](sql::Connection& c) {
            auto made = store::TicketRepository::create(c, n)->ticket;
            made.status = status;
            made.technician_id = technician;
            made.quote_status = quote_status;
            made.quote_cents = quote_cents;
            made.at.dispatched = t0 + 1min;
            if (std::string(status) != ts::dispatched) made.at.accepted = t0 + 2min;
            if (std::string(status) == ts::done || std::string(status) == ts::confirmed) {
                made.at.arrived = t0 + 30min;
                made.at.done = t0 + 1h;
            }
            if (std::string(status) == ts::confirmed) made.at.confirmed = t0 + 2h;
            return *store::TicketRepository::update(c, made, {}, {}, t0 + 2h);
        });
    }

    store::Ticket reload(std::uint64_t id) {
        return pool_.run_sync(
            [id](sql::Connection& c) { return *store::TicketRepository::find_by_id(c, id); });
    }
    std::vector<std::string> event_types(std::uint64_t id) {
        std::vector<std::string> out;
        for (const auto& e : pool_.run_sync(
                 [id](sql::Connection& c) { return store::TicketRepository::events(c, id); }))
            out.push_back(e.type);
        return out;
    }
    std::vector<store::OutboxMessage> outbox(std::uint64_t id) {
        return pool_.run_sync(
            [id](sql::Connection& c) { return store::OutboxRepository::for_ticket(c, id); });
    }
    std::vector<store::OutboxMessage> notices_of(std::uint64_t id, const std::string& event) {
        std::vector<store::OutboxMessage> out;
        for (auto& m : outbox(id))
            if (nlohmann::json::parse(m.payload).value("event", "") == event) out.push_back(m);
        return out;
    }

    EffectsResult carry_out(const std::string& openid, dialog::Effect effect,
                            Timestamp at = t0 + 3h) {
        std::vector<dialog::Effect> effects{std::move(effect)};
        return store::testing::run(
            io_, jobs_->carry_out(openid, std::move(effects), chr::floor<chr::seconds>(at)));
    }
    // The ticket's quote as it stands now.
    void expect_quote(std::uint64_t id, const std::string& status, std::optional<std::uint32_t> cents) {
        auto now = reload(id);
        EXPECT_EQ(now.quote_status, status);
        EXPECT_EQ(now.quote_cents, cents);
    }
    std::string text(dialog::TextId id, const std::string& number) {
        return desk().dialog.texts.render(id, {{"ticket", number}});
    }

    const std::string tag_ = "jobd" + std::to_string(::getpid()) + "x" +
                             std::to_string(std::random_device{}() % 100000);
    int serial_ = 0;
    std::vector<std::string> owners_;
    std::vector<store::Ticket> watched_;
    asio::io_context io_;
    asio::thread_pool blocking_{2};
    store::MysqlPool pool_{blocking_, database()};
    store::Redis redis_{io_.get_executor(), store::testing::redis_settings()};
    store::SessionStore sessions_{redis_, 1h};
    Dispatcher dispatcher_{pool_, desk().sla, desk().notices,
                           &desk().dialog.texts};  // the pushes worded
    store::Technician tech_;
    std::unique_ptr<JobDesk> jobs_;
};

// An owner whose session expired while their job waited for them (done: 修好了 or 没修好?) had
// their "1" taken for something else. 进度 lists the ticket and puts its question back, with the
// fee, so the next "1" confirms; asked again, it changes nothing.
TEST_F(JobDeskIntegration, ProgressPutsBackTheQuestionAnExpiredSessionLost) {
    auto t = ticket(ts::done, tech_.id);
    t = pool_.run_sync([&](sql::Connection& c) {
        t.fee_cents = 8000;
        return *store::TicketRepository::update(c, t, {}, {}, t0 + 1h);
    });
    store::testing::run(io_, sessions_.erase(t.owner_openid));
    TicketIntake intake{pool_, dispatcher_, desk().sla, desk().notices, desk().dialog};
    auto progress = [&](TicketIntake& in) {
        std::vector<dialog::Effect> effects;
        effects.emplace_back(dialog::QueryProgress{});
        return store::testing::run(io_, in.carry_out(t.owner_openid, std::move(effects),
                                                     chr::floor<chr::seconds>(t0 + 2h)));
    };
    auto listed = progress(intake);
    ASSERT_TRUE(listed.progress);
    EXPECT_NE(listed.progress->find(t.number), std::string::npos) << *listed.progress;
    EXPECT_TRUE(listed.extra_replies.empty());
    EXPECT_EQ(store::testing::run(io_, sessions_.load(t.owner_openid)).version, 0u)
        << "without the sessions, 进度 only lists";

    intake.restore_questions(sessions_);
    (void)progress(intake);
    auto stored = store::testing::run(io_, sessions_.load(t.owner_openid));
    auto session = dialog::decode(stored.data);
    ASSERT_TRUE(session);
    ASSERT_EQ(session->feedback.size(), 1u);
    EXPECT_EQ(session->feedback[0].step, dialog::FeedbackStep::confirm);
    EXPECT_EQ(session->feedback[0].ticket_number, t.number);
    EXPECT_EQ(session->feedback[0].cents, 8000);
    EXPECT_EQ(session->feedback[0].asked_at, chr::floor<chr::seconds>(t0 + 2h) + 1s)
        << "the 进度 itself is no answer";

    (void)progress(intake);
    EXPECT_EQ(store::testing::run(io_, sessions_.load(t.owner_openid)).version, stored.version)
        << "asked already: left as it is";
}

TEST_F(JobDeskIntegration, ARatingWithNoCallbackOpenClosesTheTicketAndTheWatchHearsTheClose) {
    auto t = ticket(ts::confirmed, tech_.id);
    auto r = carry_out(t.owner_openid, dialog::RateService{t.number, 5, "师傅很专业"});
    EXPECT_FALSE(r.deferred);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;

    auto after = reload(t.id);
    EXPECT_EQ(after.status, ts::closed);
    EXPECT_TRUE(after.at.rated);
    EXPECT_EQ(after.at.closed, t0 + 3h);
    auto types = event_types(t.id);
    ASSERT_GE(types.size(), 2u);
    EXPECT_EQ(types[types.size() - 2], "rated");
    EXPECT_EQ(types.back(), "closed");
    ASSERT_FALSE(watched_.empty());
    EXPECT_EQ(watched_.back().status, ts::closed) << "the SLA timers follow the closed ticket";
    EXPECT_EQ(watched_.back().version, after.version);
}

TEST_F(JobDeskIntegration, ALowRatingStaysRatedUntilItsComplaintIsHandledAndCalledBackThenCloses) {
    auto t = ticket(ts::confirmed, tech_.id);
    auto r = carry_out(t.owner_openid, dialog::RateService{t.number, 2, "来晚了两个小时"});
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(reload(t.id).status, ts::rated) << "its complaint's callback is still open";

    auto callback_id = pool_.run_sync([&](sql::Connection& c) -> std::optional<std::uint64_t> {
        std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(
            "SELECT id FROM callbacks WHERE ticket_id = ? AND kind = 'complaint' AND done_at IS NULL"));
        st->setUInt64(1, t.id);
        std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
        if (!rs->next()) return std::nullopt;
        return rs->getUInt64(1);
    });
    ASSERT_TRUE(callback_id) << "a low rating files a complaint with a callback";

    // The supervisor records the handling; the callback after it is the ticket's last.
    auto handled = pool_.run_sync([&](sql::Connection& c) {
        const auto complaint =
            *store::CallbackQueueRepository::find_callback(c, *callback_id)->callback.complaint_id;
        return handle_complaint(c, desk().sla, complaint, "李主管", "已批评教育维修工", t0 + 4h);
    });
    ASSERT_TRUE(handled) << handled.error().message();
    EXPECT_FALSE(handled->ticket_closed) << "its callback is still to be made";
    EXPECT_EQ(reload(t.id).status, ts::rated);

    CallbackReport report{"satisfied", "已道歉，业主接受", "王客服", false};
    auto done = pool_.run_sync([&](sql::Connection& c) {
        return mark_callback_done(c, desk().sla, &desk().notices, *callback_id, report, t0 + 5h);
    });
    ASSERT_TRUE(done) << done.error().message();
    ASSERT_TRUE(done->closed) << "the last callback of a rated ticket closes it";
    EXPECT_EQ(done->closed->status, ts::closed);
    auto after = reload(t.id);
    EXPECT_EQ(after.status, ts::closed);
    EXPECT_EQ(after.at.closed, t0 + 5h);
    EXPECT_EQ(event_types(t.id).back(), "closed");
    EXPECT_EQ(done->callback.callback.outcome, "satisfied");
}

// A low rating's comment naming harm or damage (faults.toml serious_complaint_keywords) makes
// its complaint serious, as one star does: the manager hears of it at once.
TEST_F(JobDeskIntegration, ATwoStarRatingWhoseCommentNamesDamageGoesToTheManagerToo) {
    auto manager = add_technician("刘经理", tag_ + "-manager");
    manager.is_manager = true;
    manager.on_duty = false;
    pool_.run_sync([&](sql::Connection& c) {
        return store::TechnicianRepository::update(c, manager, t0).ok();
    });
    auto late = ticket(ts::confirmed, tech_.id);
    auto damaged = ticket(ts::confirmed, tech_.id);
    (void)carry_out(late.owner_openid, dialog::RateService{late.number, 2, "来晚了两个小时"});
    (void)carry_out(damaged.owner_openid,
                    dialog::RateService{damaged.number, 2, "修完地板泡坏了，要求赔偿"});
    auto severity = [&](const store::Ticket& t) {
        return pool_.run_sync([&](sql::Connection& c) {
            std::unique_ptr<sql::PreparedStatement> st(
                c.prepareStatement("SELECT severity FROM complaints WHERE ticket_id = ?"));
            st->setUInt64(1, t.id);
            std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
            return rs->next() ? std::string(rs->getString(1)) : std::string("<none>");
        });
    };
    EXPECT_EQ(severity(late), "normal");
    EXPECT_EQ(severity(damaged), "serious");
    auto to_manager = [&](const store::Ticket& t) {
        std::size_t n = 0;
        for (const auto& m : notices_of(t.id, "complaint")) n += m.recipient == *manager.openid;
        return n;
    };
    EXPECT_EQ(to_manager(late), 0u);
    EXPECT_EQ(to_manager(damaged), 1u);
}

// An owner who rated two stars and would not say why ("不说了": no comment) still files a
// complaint; it and the supervisors' note say the reason is to be asked, not "业主意见：。".
TEST_F(JobDeskIntegration, ALowRatingWithoutACommentFilesAComplaintThatSaysToAskWhy) {
    auto supervisor = add_technician("郑主管", tag_ + "-sup-unexplained");
    supervisor.is_supervisor = true;
    supervisor.on_duty = false;
    pool_.run_sync([&](sql::Connection& c) {
        return store::TechnicianRepository::update(c, supervisor, t0).ok();
    });
    auto t = ticket(ts::confirmed, tech_.id);
    (void)carry_out(t.owner_openid, dialog::RateService{t.number, 2, ""});
    const std::string unexplained = desk().notices.render("low_rating_unexplained");
    ASSERT_FALSE(unexplained.empty());
    auto text = pool_.run_sync([&](sql::Connection& c) {
        std::unique_ptr<sql::PreparedStatement> st(
            c.prepareStatement("SELECT text FROM complaints WHERE ticket_id = ?"));
        st->setUInt64(1, t.id);
        std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
        return rs->next() ? std::string(rs->getString(1)) : std::string("<none>");
    });
    EXPECT_EQ(text, "2星：" + unexplained);
    std::string note;
    for (const auto& m : notices_of(t.id, "complaint"))
        if (m.recipient == *supervisor.openid) note = nlohmann::json::parse(m.payload)["text"];
    ASSERT_FALSE(note.empty()) << "the supervisor hears of it";
    EXPECT_NE(note.find("业主意见：" + unexplained), std::string::npos) << note;
}

// DOMAIN.md: "not fixed" words naming harm or damage (faults.toml serious_complaint_keywords) are
// a serious complaint — filed on the first reopen already and told to the manager at once; a
// plain 没修好 reopens the job and files nothing until the second reopen.
TEST_F(JobDeskIntegration, ANotFixedNamingDamageReopensAndGoesToTheManagerAtOnce) {
    auto manager = add_technician("周经理", tag_ + "-manager2");
    manager.is_manager = true;
    manager.on_duty = false;
    auto supervisor = add_technician("吴主管", tag_ + "-sup2");
    supervisor.is_supervisor = true;
    supervisor.on_duty = false;
    pool_.run_sync([&](sql::Connection& c) {
        return store::TechnicianRepository::update(c, manager, t0).ok() &&
               store::TechnicianRepository::update(c, supervisor, t0).ok();
    });
    auto plain = ticket(ts::done, tech_.id);
    auto flooded = ticket(ts::done, tech_.id);
    (void)carry_out(plain.owner_openid, dialog::ReportNotFixed{plain.number, "还是不出热水"});
    (void)carry_out(
        flooded.owner_openid,
        dialog::ReportNotFixed{flooded.number, "修完又漏水，楼下天花板泡坏了，要求赔偿"});
    EXPECT_EQ(reload(plain.id).status, ts::dispatched);
    EXPECT_EQ(reload(flooded.id).status, ts::dispatched);

    auto complaints = [&](const store::Ticket& t) {
        return pool_.run_sync([&](sql::Connection& c) {
            std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(
                "SELECT source, severity, text FROM complaints WHERE ticket_id = ?"));
            st->setUInt64(1, t.id);
            std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
            std::vector<std::string> out;
            while (rs->next())
                out.push_back(rs->getString(1) + "/" + rs->getString(2) + "/" + rs->getString(3));
            return out;
        });
    };
    EXPECT_TRUE(complaints(plain).empty()) << "a first plain reopen is no complaint";
    EXPECT_EQ(complaints(flooded),
              (std::vector<std::string>{"reopen/serious/工单" + flooded.number +
                                        "返修：修完又漏水，楼下天花板泡坏了，要求赔偿"}));
    auto told = [&](const store::Ticket& t, const store::Technician& who) {
        std::vector<std::string> out;
        for (const auto& m : notices_of(t.id, "complaint"))
            if (m.recipient == *who.openid) out.push_back(nlohmann::json::parse(m.payload)["text"]);
        return out;
    };
    EXPECT_TRUE(told(plain, manager).empty());
    EXPECT_TRUE(told(plain, supervisor).empty());
    const auto to_manager = told(flooded, manager);
    ASSERT_EQ(to_manager.size(), 1u);
    EXPECT_EQ(to_manager[0].rfind("严重投诉（编号", 0), 0u) << to_manager[0];
    EXPECT_NE(to_manager[0].find(flooded.number), std::string::npos) << to_manager[0];
    EXPECT_NE(to_manager[0].find("要求赔偿"), std::string::npos) << to_manager[0];
    EXPECT_EQ(told(flooded, supervisor), to_manager) << "the supervisors hear the same note";

    // The second reopen: one complaint, serious, and the supervisors hear both what it is (the
    // second reopen) and that it is serious.
    auto again = ticket(ts::done, tech_.id);
    pool_.run_sync([&](sql::Connection& c) {
        std::unique_ptr<sql::PreparedStatement> st(
            c.prepareStatement("UPDATE tickets SET reopen_count = 1 WHERE id = ?"));
        st->setUInt64(1, again.id);
        return st->executeUpdate();
    });
    (void)carry_out(again.owner_openid, dialog::ReportNotFixed{again.number, "又漏了，家具泡坏了"});
    EXPECT_EQ(complaints(again), (std::vector<std::string>{"reopen/serious/工单" + again.number +
                                                           "第二次返修：又漏了，家具泡坏了"}));
    ASSERT_EQ(told(again, manager).size(), 1u);
    EXPECT_EQ(told(again, supervisor), told(again, manager));
    std::size_t twice = 0;
    for (const auto& m : notices_of(again.id, "reopened_twice"))
        twice += m.recipient == *supervisor.openid;
    EXPECT_EQ(twice, 1u);
}

// "还是不行，有燃气味": the dialogue gave the gas advice (dialog::ReportNotFixed::emergency); the
// revisit is an emergency's — the ticket's urgency raised, accepted and attended within the
// emergency limits, the technician's push saying 紧急.
TEST_F(JobDeskIntegration, ANotFixedNamingADangerMakesTheRevisitAnEmergency) {
    auto t = ticket(ts::done, tech_.id);
    ASSERT_EQ(t.urgency, "normal");
    const auto at = t0 + 3h;
    (void)carry_out(t.owner_openid, dialog::ReportNotFixed{t.number, "还是不行，有燃气味", "gas"},
                    at);
    auto after = reload(t.id);
    EXPECT_EQ(after.status, ts::dispatched);
    EXPECT_EQ(after.urgency, "emergency");
    EXPECT_EQ(after.first_urgency, "normal") << "the first visit's limits, for the late list";
    ASSERT_TRUE(after.revisit.accept_due);
    ASSERT_TRUE(after.revisit.arrive_due);
    EXPECT_EQ(*after.revisit.accept_due, at + 5min) << "sla.toml [emergency] accept";
    EXPECT_EQ(*after.revisit.arrive_due, at + 30min) << "sla.toml [emergency] arrive";
    auto pushes = notices_of(t.id, "job_reopened");
    ASSERT_EQ(pushes.size(), 1u);
    EXPECT_EQ(nlohmann::json::parse(pushes[0].payload)["urgency"], "紧急");
    auto events = pool_.run_sync(
        [&](sql::Connection& c) { return store::TicketRepository::events(c, t.id); });
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().type, "reopened");
    EXPECT_EQ(nlohmann::json::parse(events.back().details)["urgency"],
              (nlohmann::json{"normal", "emergency"}));

    auto plain = ticket(ts::done, tech_.id);
    (void)carry_out(plain.owner_openid, dialog::ReportNotFixed{plain.number, "还是滴水"}, at);
    EXPECT_EQ(reload(plain.id).urgency, "normal") << "no danger, the urgency stays";
    EXPECT_FALSE(reload(plain.id).first_urgency);
}

// DOMAIN.md: the owner cancels. "取消 BX…" before anyone is on site cancels the ticket (audit
// event, the technician told not to come, the SLA timers told); a bare 取消 lists what can be
// cancelled and how; another owner's ticket is not found; one on site is too late, with 人工.
TEST_F(JobDeskIntegration, AnOwnerCancelsAFiledTicketBeforeAnyoneIsOnSite) {
    auto t = ticket(ts::accepted, tech_.id);
    auto r = carry_out(t.owner_openid, dialog::CancelTicket{});
    ASSERT_EQ(r.extra_replies.size(), 1u);
    EXPECT_EQ(r.extra_replies[0], "您可以取消以下报修（师傅到场前）：\n" + t.number +
                                      " 水（师傅已接单）\n确定取消请回复“取消 单号”，如“取消 " +
                                      t.number + "”。");
    EXPECT_EQ(reload(t.id).status, ts::accepted) << "a bare 取消 cancels nothing";

    r = carry_out("someone-else", dialog::CancelTicket{t.number});
    ASSERT_EQ(r.extra_replies.size(), 1u);
    EXPECT_EQ(r.extra_replies[0],
              "没有找到您名下的工单 " + t.number + "，请发“进度”查看您的报修。");
    EXPECT_EQ(reload(t.id).status, ts::accepted);

    r = carry_out(t.owner_openid, dialog::CancelTicket{t.number});
    EXPECT_FALSE(r.replace_replies);
    ASSERT_EQ(r.extra_replies.size(), 1u);
    EXPECT_EQ(r.extra_replies[0], "已为您取消工单 " + t.number +
                                      "，维修师傅不会再上门。如需再报修，直接描述问题即可。");
    const auto cancelled = reload(t.id);
    EXPECT_EQ(cancelled.status, ts::cancelled);
    EXPECT_EQ(cancelled.cancel_reason, "业主取消");
    EXPECT_TRUE(cancelled.at.cancelled);
    EXPECT_EQ(event_types(t.id).back(), "cancelled");
    auto told = notices_of(t.id, "job_cancelled");
    ASSERT_EQ(told.size(), 1u);
    EXPECT_EQ(told[0].recipient, *tech_.openid);
    EXPECT_EQ(nlohmann::json::parse(told[0].payload)["text"],
              "业主已取消工单 " + t.number + "（5栋1单元502），不用再上门了。");
    ASSERT_FALSE(watched_.empty());
    EXPECT_EQ(watched_.back().status, ts::cancelled) << "the SLA timers follow";

    r = carry_out(t.owner_openid, dialog::CancelTicket{t.number});  // sent again
    EXPECT_EQ(notices_of(t.id, "job_cancelled").size(), 1u) << "told once";
    ASSERT_EQ(r.extra_replies.size(), 1u);
    EXPECT_NE(r.extra_replies[0].find("已为您取消"), std::string::npos) << r.extra_replies[0];

    r = carry_out(t.owner_openid, dialog::CancelTicket{});
    ASSERT_EQ(r.extra_replies.size(), 1u);
    EXPECT_EQ(r.extra_replies[0], text(dialog::TextId::nothing_to_cancel, ""));

    auto on_site = ticket(ts::arrived, tech_.id);
    r = carry_out(on_site.owner_openid, dialog::CancelTicket{on_site.number});
    ASSERT_EQ(r.extra_replies.size(), 1u);
    EXPECT_EQ(r.extra_replies[0],
              "工单 " + on_site.number +
                  " 当前状态为“师傅已到场”，已不能在线取消。如有疑问请回复“人工”，"
                  "客服为您处理。");
    EXPECT_EQ(reload(on_site.id).status, ts::arrived);

    // A quote under way means the technician has been there: too late, as is a 返修.
    auto quoted = ticket(ts::accepted, tech_.id, qs::agreed, 30000);
    const std::string none_cancellable =
        "您的报修都已不能在线取消（师傅已到场或已完成、已有报价，或正在返修）。如需取消请回复“人工”"
        "，"
        "客服为您处理。";
    r = carry_out(quoted.owner_openid, dialog::CancelTicket{});
    ASSERT_EQ(r.extra_replies.size(), 1u);
    EXPECT_EQ(r.extra_replies[0], none_cancellable) << "not offered, and not 'nothing open'";
    r = carry_out(quoted.owner_openid, dialog::CancelTicket{quoted.number});
    ASSERT_EQ(r.extra_replies.size(), 1u);
    EXPECT_NE(r.extra_replies[0].find("已不能在线取消"), std::string::npos) << r.extra_replies[0];
    EXPECT_EQ(reload(quoted.id).status, ts::accepted);
    auto reopened = ticket(ts::dispatched, tech_.id);
    pool_.run_sync([&](sql::Connection& c) {
        auto again = reopened;
        again.reopen_count = 1;
        return *store::TicketRepository::update(c, again, {}, {}, t0 + 2h);
    });
    r = carry_out(reopened.owner_openid, dialog::CancelTicket{});
    ASSERT_EQ(r.extra_replies.size(), 1u);
    EXPECT_EQ(r.extra_replies[0], none_cancellable) << "a 返修 is not offered";
    r = carry_out(reopened.owner_openid, dialog::CancelTicket{reopened.number});
    ASSERT_EQ(r.extra_replies.size(), 1u);
    EXPECT_EQ(r.extra_replies[0], "工单 " + reopened.number +
                                      " 是返修工单，不能在线取消。如不需要再修，请回复“人工”，"
                                      "客服为您处理。")
        << "why, not a status that other tickets are cancelled in";
    EXPECT_EQ(reload(reopened.id).status, ts::dispatched);
    // Handed over after the first technician was there (转单): dispatched again, but visited.
    auto visited = ticket(ts::dispatched, tech_.id);
    pool_.run_sync([&](sql::Connection& c) {
        auto again = visited;
        again.at.arrived = t0 + 1h;
        return *store::TicketRepository::update(c, again, {}, {}, t0 + 2h);
    });
    r = carry_out(visited.owner_openid, dialog::CancelTicket{});
    ASSERT_EQ(r.extra_replies.size(), 1u);
    EXPECT_EQ(r.extra_replies[0], none_cancellable)
        << "a job someone was on site for is not offered";
    // An off-list repair nobody has quoted yet ("其他" is on no price list): cancellable.
    auto off_list = ticket(ts::dispatched, tech_.id, qs::required);
    r = carry_out(off_list.owner_openid, dialog::CancelTicket{});
    ASSERT_EQ(r.extra_replies.size(), 1u);
    EXPECT_NE(r.extra_replies[0].find(off_list.number), std::string::npos) << r.extra_replies[0];
    r = carry_out(off_list.owner_openid, dialog::CancelTicket{off_list.number});
    ASSERT_EQ(r.extra_replies.size(), 1u);
    EXPECT_NE(r.extra_replies[0].find("已为您取消"), std::string::npos) << r.extra_replies[0];
    EXPECT_EQ(reload(off_list.id).status, ts::cancelled);
    EXPECT_EQ(notices_of(off_list.id, "job_cancelled").size(), 1u) << "the technician told";
    // Quoted on site and the quote rejected (back to required): someone was there.
    auto requoted = ticket(ts::accepted, tech_.id, qs::required);
    pool_.run_sync([&](sql::Connection& c) {
        auto again = requoted;
        again.at.quoted = t0 + 1h;
        return *store::TicketRepository::update(c, again, {}, {}, t0 + 2h);
    });
    r = carry_out(requoted.owner_openid, dialog::CancelTicket{});
    ASSERT_EQ(r.extra_replies.size(), 1u);
    EXPECT_EQ(r.extra_replies[0], none_cancellable) << "quoted once: not offered";
}

TEST_F(JobDeskIntegration, TheOwnersAnswerToAQuoteIsToldToABoundTechnicianOnly) {
    auto agreed = ticket(ts::accepted, tech_.id, qs::pending, 12000);
    auto r = carry_out(agreed.owner_openid, dialog::AgreeQuote{agreed.number, 12000});
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(reload(agreed.id).quote_status, qs::agreed);
    auto told = notices_of(agreed.id, "quote_agreed");
    ASSERT_EQ(told.size(), 1u);
    EXPECT_EQ(told[0].recipient, *tech_.openid);

    // Bound to no WeChat (an empty openid): nobody to tell, and no row for an empty recipient.
    auto unbound = add_technician("李师傅", std::string());
    auto a = ticket(ts::accepted, unbound.id, qs::pending, 9000);
    r = carry_out(a.owner_openid, dialog::AgreeQuote{a.number, 9000});
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(reload(a.id).quote_status, qs::agreed) << "the answer is saved all the same";
    EXPECT_TRUE(notices_of(a.id, "quote_agreed").empty());

    auto b = ticket(ts::accepted, unbound.id, qs::pending, 9000);
    r = carry_out(b.owner_openid, dialog::RefuseQuote{b.number, "太贵了", 9000});
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(reload(b.id).status, ts::cancelled);
    EXPECT_TRUE(notices_of(b.id, "quote_refused").empty());
    for (const auto& m : outbox(b.id)) EXPECT_FALSE(m.recipient.empty()) << m.payload;
}

// DOMAIN.md: an enquiry goes to a human within 10 minutes, and anything unanswered goes up. A
// question about a quote (报价咨询) is settled by the owner's 同意: the handover is recorded done
// (its timer then finds the callback done), and the dispatchers hear that nobody need call. The
// note about the question says who quoted what. A handover a 人工 joined, or a question followed
// by 不同意, stays for the desk to answer.
TEST_F(JobDeskIntegration, TheOwnersAnswerToAQuoteSettlesTheirQuestionAboutIt) {
    auto staff = add_technician("赵客服", tag_ + "-dispatcher");
    staff.is_dispatcher = true;
    staff.on_duty = false;
    pool_.run_sync(
        [&](sql::Connection& c) { return store::TechnicianRepository::update(c, staff, t0).ok(); });
    TicketIntake intake{pool_, dispatcher_, desk().sla, desk().notices, desk().dialog};
    auto hand = [&](const store::Ticket& t, dialog::HandOffReason why, const char* words) {
        std::vector<dialog::Effect> effects{dialog::HandToHuman{why, "", words, t.number}};
        (void)store::testing::run(io_, intake.carry_out(t.owner_openid, std::move(effects),
                                                        chr::floor<chr::seconds>(t0 + 3h)));
    };
    auto to_desk = [&] {
        std::vector<std::string> out;
        for (const auto& row : pool_.run_sync([&](sql::Connection& c) {
                 std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(
                     "SELECT payload FROM outbox WHERE recipient = ? ORDER BY id"));
                 st->setString(1, *staff.openid);
                 std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
                 std::vector<std::string> rows;
                 while (rs->next()) rows.push_back(rs->getString(1));
                 return rows;
             }))
            out.push_back(nlohmann::json::parse(row).value("text", ""));
        return out;
    };
    struct Row {
        std::optional<std::uint64_t> enquiry_ticket;
        bool done = false;
        std::string done_by, notes;
    };
    auto handover_of = [&](const std::string& owner) {
        return pool_.run_sync([&](sql::Connection& c) {
            std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(
                "SELECT enquiry_ticket_id, done_at IS NOT NULL, done_by, notes FROM callbacks "
                "WHERE owner_openid = ? AND kind = 'handover'"));
            st->setString(1, owner);
            std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
            Row r;
            if (!rs->next()) throw std::runtime_error("no handover of " + owner);
            if (!rs->isNull(1)) r.enquiry_ticket = rs->getUInt64(1);
            r.done = rs->getBoolean(2);
            r.done_by = rs->getString(3);
            r.notes = rs->getString(4);
            return r;
        });
    };

    auto t = ticket(ts::accepted, tech_.id, qs::pending, 12000);
    hand(t, dialog::HandOffReason::enquiry, "能便宜点吗");
    auto told = to_desk();
    ASSERT_EQ(told.size(), 1u);
    EXPECT_NE(told[0].find(t.number + "（" + tech_.name + "报价" + config::yuan_text(12000) +
                           "）的报价有疑问"),
              std::string::npos)
        << told[0];
    EXPECT_EQ(handover_of(t.owner_openid).enquiry_ticket, t.id);
    EXPECT_FALSE(handover_of(t.owner_openid).done);

    auto r = carry_out(t.owner_openid, dialog::AgreeQuote{t.number, 12000});
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    auto row = handover_of(t.owner_openid);
    EXPECT_TRUE(row.done);
    EXPECT_EQ(row.done_by, "bot");
    EXPECT_EQ(row.notes,
              "业主已同意工单 " + t.number + " 的报价（" + config::yuan_text(12000) + "）");
    told = to_desk();
    ASSERT_EQ(told.size(), 2u);
    EXPECT_EQ(told[1].rfind("报价咨询已了结：业主已同意工单 " + t.number, 0), 0u) << told[1];
    EXPECT_EQ(notices_of(t.id, "handover_settled").size(), 1u);

    // 同意 sent again (WeChat resends, a double tap): settled once, told once.
    r = carry_out(t.owner_openid, dialog::AgreeQuote{t.number, 12000});
    EXPECT_EQ(to_desk().size(), 2u);

    // 人工 first, then the question: the handover is the 人工's too, and stays for the desk.
    auto u = ticket(ts::accepted, tech_.id, qs::pending, 9000);
    hand(u, dialog::HandOffReason::owner_asked, "");
    hand(u, dialog::HandOffReason::enquiry, "包括材料吗");
    EXPECT_FALSE(handover_of(u.owner_openid).enquiry_ticket);
    r = carry_out(u.owner_openid, dialog::AgreeQuote{u.number, 9000});
    EXPECT_FALSE(handover_of(u.owner_openid).done) << "the 人工 is still owed";
    EXPECT_TRUE(notices_of(u.id, "handover_settled").empty());

    // The question, then 人工: the same.
    auto w = ticket(ts::accepted, tech_.id, qs::pending, 9000);
    hand(w, dialog::HandOffReason::enquiry, "能少点吗");
    EXPECT_EQ(handover_of(w.owner_openid).enquiry_ticket, w.id);
    hand(w, dialog::HandOffReason::owner_asked, "");
    EXPECT_FALSE(handover_of(w.owner_openid).enquiry_ticket) << "joined by a 人工";
    r = carry_out(w.owner_openid, dialog::AgreeQuote{w.number, 9000});
    EXPECT_FALSE(handover_of(w.owner_openid).done);

    // The question, then 不同意: it stays (a call-out fee may be what they asked about).
    auto v = ticket(ts::accepted, tech_.id, qs::pending, 9000);
    hand(v, dialog::HandOffReason::enquiry, "不同意的话上门费要收吗");
    const auto before_refusal = to_desk().size();
    r = carry_out(v.owner_openid, dialog::RefuseQuote{v.number, "太贵了", 9000});
    EXPECT_EQ(reload(v.id).status, ts::cancelled);
    EXPECT_FALSE(handover_of(v.owner_openid).done);
    EXPECT_TRUE(notices_of(v.id, "handover_settled").empty());
    // … and the desk hears what became of the ticket, and that the question still waits.
    told = to_desk();
    ASSERT_EQ(told.size(), before_refusal + 1);
    EXPECT_EQ(told.back().rfind("报价咨询有新情况：业主已不同意工单 " + v.number + " 的报价（" +
                                    config::yuan_text(9000) + "），原因：太贵了，工单已取消",
                                0),
              0u)
        << told.back();
    EXPECT_EQ(notices_of(v.id, "handover_enquiry_refused").size(), 1u);
    // The owner hears their question still gets an answer.
    ASSERT_EQ(r.extra_replies.size(), 1u);
    EXPECT_EQ(r.extra_replies[0],
              desk().notices.render("owner_enquiry_still_open", {{"number", v.number}}));
    // 不同意 carried out again (the turn re-run after its session's save lost a race): the desk
    // told once, the reply that goes out still says the question stands.
    r = carry_out(v.owner_openid, dialog::RefuseQuote{v.number, "太贵了", 9000});
    EXPECT_EQ(to_desk().size(), before_refusal + 1);
    ASSERT_EQ(r.extra_replies.size(), 1u);
    EXPECT_EQ(r.extra_replies[0],
              desk().notices.render("owner_enquiry_still_open", {{"number", v.number}}));

    // 不同意 with no question open: nothing to the desk.
    auto x = ticket(ts::accepted, tech_.id, qs::pending, 9000);
    const auto before_plain = to_desk().size();
    r = carry_out(x.owner_openid, dialog::RefuseQuote{x.number, "", 9000});
    EXPECT_EQ(reload(x.id).status, ts::cancelled);
    EXPECT_EQ(to_desk().size(), before_plain);
    EXPECT_TRUE(r.extra_replies.empty());
}

TEST_F(JobDeskIntegration, WorkOnAnOffListRepairWaitsForTheQuoteAndTheOwner) {
    auto t = ticket(ts::accepted, tech_.id, qs::required);
    // Arriving is not working: the arrival is on record before any quote.
    auto r = carry_out(*tech_.openid, dialog::ArriveJob{t.number}, t0 + 20min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(reload(t.id).status, ts::arrived);
    EXPECT_EQ(reload(t.id).at.arrived, t0 + 20min);
    r = carry_out(*tech_.openid, dialog::FinishJob{t.number, std::nullopt, ""});
    ASSERT_TRUE(r.replace_replies);
    EXPECT_EQ(*r.replace_replies, text(dialog::TextId::tech_quote_needed, t.number));

    r = carry_out(*tech_.openid, dialog::QuoteJob{t.number, 15000}, t0 + 25min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(reload(t.id).quote_status, qs::pending);
    EXPECT_EQ(reload(t.id).quote_asked_at, t0 + 25min);
    r = carry_out(*tech_.openid, dialog::FinishJob{t.number, std::nullopt, ""});
    ASSERT_TRUE(r.replace_replies);
    EXPECT_EQ(*r.replace_replies, text(dialog::TextId::tech_quote_waiting, t.number));
    EXPECT_EQ(reload(t.id).status, ts::arrived) << "nothing moved";

    // Someone else's off-list job: not theirs, whatever its quote.
    auto other = add_technician("赵师傅", tag_ + "-other");
    const auto before = reload(t.id);
    r = carry_out(*other.openid, dialog::ArriveJob{t.number});
    ASSERT_TRUE(r.replace_replies);
    EXPECT_EQ(*r.replace_replies,
              desk().notices.render("job_changed", {{"number", t.number},
                                                    {"status", desk().notices.render("status_arrived")}}));
    EXPECT_EQ(reload(t.id).version, before.version) << "nothing moved";
}

// The work grew on site: a new quote waits for the owner again, and an answer the owner gave to
// the old amount is not taken for the new one.
TEST_F(JobDeskIntegration, AQuoteRaisedOnSiteAsksTheOwnerAgain) {
    auto t = ticket(ts::accepted, tech_.id, qs::required);
    auto r = carry_out(*tech_.openid, dialog::QuoteJob{t.number, 15000}, t0 + 10min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    r = carry_out(t.owner_openid, dialog::AgreeQuote{t.number, 15000}, t0 + 15min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(reload(t.id).quote_status, qs::agreed);
    // The same amount again after the agreement: nothing new, the owner not asked again.
    r = carry_out(*tech_.openid, dialog::QuoteJob{t.number, 15000}, t0 + 16min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(reload(t.id).quote_status, qs::agreed);
    EXPECT_EQ(notices_of(t.id, "quote_request").size(), 1u);

    r = carry_out(*tech_.openid, dialog::QuoteJob{t.number, 30000}, t0 + 40min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    auto raised = reload(t.id);
    EXPECT_EQ(raised.quote_status, qs::pending);
    EXPECT_EQ(raised.quote_cents, 30000u);
    EXPECT_EQ(raised.at.quoted, t0 + 10min) << "the quote stage was met by the first quote";
    EXPECT_EQ(raised.quote_asked_at, t0 + 40min);
    auto requests = notices_of(t.id, "quote_request");
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests.back().recipient, t.owner_openid);
    auto stored = store::testing::run(io_, sessions_.load(t.owner_openid));
    auto session = dialog::decode(stored.data);
    ASSERT_TRUE(session);
    ASSERT_EQ(session->feedback.size(), 1u) << "one question per ticket: the new amount";
    EXPECT_EQ(session->feedback[0].step, dialog::FeedbackStep::quote);
    EXPECT_EQ(session->feedback[0].cents, 30000);

    // A resent 报价 of the same amount while the owner's chat still holds the old amount: the
    // question is put right.
    auto old_question = dialog::begin_quote_approval(dialog::Session{}, t.number, 15000, chr::floor<chr::seconds>(t0 + 10min));
    store::testing::run(io_, sessions_.erase(t.owner_openid));
    ASSERT_TRUE(store::testing::run(io_, sessions_.save(t.owner_openid, 0, dialog::encode(old_question))));
    r = carry_out(*tech_.openid, dialog::QuoteJob{t.number, 30000}, t0 + 40min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    session = dialog::decode(store::testing::run(io_, sessions_.load(t.owner_openid)).data);
    ASSERT_TRUE(session);
    ASSERT_EQ(session->feedback.size(), 1u);
    EXPECT_EQ(session->feedback[0].cents, 30000);

    // The owner's chat used up the question on a 同意 to the old amount (the dialog takes it from
    // the session): refused with the new amount, and asked again as of just after that message.
    store::testing::run(io_, sessions_.erase(t.owner_openid));
    r = carry_out(t.owner_openid, dialog::AgreeQuote{t.number, 15000}, t0 + 41min);
    ASSERT_TRUE(r.replace_replies) << "an answer to the old amount";
    EXPECT_NE(r.replace_replies->find("300"), std::string::npos) << *r.replace_replies;
    EXPECT_EQ(reload(t.id).quote_status, qs::pending);
    session = dialog::decode(store::testing::run(io_, sessions_.load(t.owner_openid)).data);
    ASSERT_TRUE(session);
    ASSERT_EQ(session->feedback.size(), 1u);
    EXPECT_EQ(session->feedback[0].cents, 30000);
    EXPECT_EQ(session->feedback[0].asked_at, chr::floor<chr::seconds>(t0 + 41min) + 1s);
    r = carry_out(t.owner_openid, dialog::RefuseQuote{t.number, "太贵了", 15000}, t0 + 41min);
    ASSERT_TRUE(r.replace_replies);
    EXPECT_EQ(reload(t.id).status, ts::accepted) << "a refusal of the old amount cancels nothing";

    r = carry_out(t.owner_openid, dialog::AgreeQuote{t.number, 30000}, t0 + 45min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(reload(t.id).quote_status, qs::agreed);
    r = carry_out(*tech_.openid, dialog::FinishJob{t.number, std::nullopt, ""}, t0 + 90min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(reload(t.id).fee_cents, 30000u) << "the agreed quote is the fee";
}

// DOMAIN.md: the engineering supervisor reviews paid-repair quotes. With one bound, a
// technician's quote waits for their 核准 (at the amount quoted or their own) before the owner is
// asked; a 驳回 sends it back to the technician with the reason.
TEST_F(JobDeskIntegration, ASupervisorReviewsAQuoteBeforeTheOwnerIsAsked) {
    auto sup = add_technician("张主管", tag_ + "-sup");
    sup.is_supervisor = true;
    pool_.run_sync([&](sql::Connection& c) { return store::TechnicianRepository::update(c, sup, t0).ok(); });
    auto t = ticket(ts::accepted, tech_.id, qs::required);

    auto r = carry_out(*tech_.openid, dialog::QuoteJob{t.number, 50000}, t0 + 5min);
    ASSERT_TRUE(r.replace_replies);
    EXPECT_EQ(*r.replace_replies,
              desk().notices.render("tech_quote_in_review", {{"number", t.number}, {"fee", "500元"}}));
    auto quoted = reload(t.id);
    EXPECT_EQ(quoted.quote_status, qs::review);
    EXPECT_FALSE(quoted.at.quoted) << "the supervisor's approval is the quote";
    auto review = notices_of(t.id, "quote_review");
    ASSERT_EQ(review.size(), 1u);
    EXPECT_EQ(review[0].recipient, *sup.openid);
    EXPECT_TRUE(notices_of(t.id, "quote_request").empty()) << "the owner is not asked yet";

    auto view = store::testing::run(
        io_, jobs_->technician_of(*sup.openid, std::chrono::floor<std::chrono::seconds>(t0)));
    ASSERT_TRUE(view);
    EXPECT_TRUE(view->supervisor);
    ASSERT_EQ(view->quotes_to_review.size(), 1u);
    EXPECT_EQ(view->quotes_to_review[0],
              (dialog::QuoteForReview{t.number, t.address, t.fault_type, tech_.name, 50000}));
    EXPECT_TRUE(
        store::testing::run(
            io_, jobs_->technician_of(*tech_.openid, std::chrono::floor<std::chrono::seconds>(t0)))
            ->quotes_to_review.empty())
        << "a technician is shown no quotes to review";

    r = carry_out(*tech_.openid, dialog::FinishJob{t.number, std::nullopt, ""});
    ASSERT_TRUE(r.replace_replies);
    EXPECT_EQ(*r.replace_replies, text(dialog::TextId::tech_quote_waiting, t.number));
    r = carry_out(*tech_.openid, dialog::RejectQuote{t.number, "自己驳回"});
    ASSERT_TRUE(r.replace_replies);
    EXPECT_EQ(*r.replace_replies, desk().dialog.texts.get(dialog::TextId::review_not_supervisor));
    EXPECT_EQ(reload(t.id).quote_status, qs::review);

    r = carry_out(*sup.openid, dialog::RejectQuote{t.number, "只需换阀芯"}, t0 + 8min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(reload(t.id).quote_status, qs::required);
    auto rejected = notices_of(t.id, "quote_rejected");
    ASSERT_EQ(rejected.size(), 1u);
    EXPECT_EQ(rejected[0].recipient, *tech_.openid);
    EXPECT_NE(rejected[0].payload.find("只需换阀芯"), std::string::npos) << rejected[0].payload;
    r = carry_out(*sup.openid, dialog::RejectQuote{t.number, "再驳回"}, t0 + 9min);
    ASSERT_TRUE(r.replace_replies);
    EXPECT_EQ(*r.replace_replies, desk().dialog.texts.render(dialog::TextId::review_not_waiting, {{"ticket", t.number}}));

    r = carry_out(*tech_.openid, dialog::QuoteJob{t.number, 20000}, t0 + 10min);
    ASSERT_TRUE(r.replace_replies);
    EXPECT_EQ(reload(t.id).quote_status, qs::review);
    r = carry_out(*sup.openid, dialog::ApproveQuote{t.number, 18000, 20000}, t0 + 12min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    auto approved = reload(t.id);
    EXPECT_EQ(approved.quote_status, qs::pending);
    EXPECT_EQ(approved.quote_cents, 18000u) << "the supervisor's own amount";
    EXPECT_EQ(approved.at.quoted, t0 + 12min);
    EXPECT_EQ(approved.quote_asked_at, t0 + 12min);
    auto requests = notices_of(t.id, "quote_request");
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].recipient, t.owner_openid);
    EXPECT_NE(requests[0].payload.find("180"), std::string::npos) << requests[0].payload;
    EXPECT_EQ(notices_of(t.id, "quote_approved").size(), 1u);
    auto session = dialog::decode(store::testing::run(io_, sessions_.load(t.owner_openid)).data);
    ASSERT_TRUE(session);
    ASSERT_EQ(session->feedback.size(), 1u);
    EXPECT_EQ(session->feedback[0].cents, 18000);

    // A retried approval finds it approved: nothing sent twice.
    r = carry_out(*sup.openid, dialog::ApproveQuote{t.number, 18000, 20000}, t0 + 13min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(notices_of(t.id, "quote_request").size(), 1u);

    r = carry_out(t.owner_openid, dialog::AgreeQuote{t.number, 18000}, t0 + 20min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(reload(t.id).quote_status, qs::agreed);

    // On site the work grew: the raise waits for review; the owner's 同意 meanwhile is told so.
    r = carry_out(*tech_.openid, dialog::QuoteJob{t.number, 25000}, t0 + 40min);
    EXPECT_EQ(reload(t.id).quote_status, qs::review);
    r = carry_out(t.owner_openid, dialog::AgreeQuote{t.number, 18000}, t0 + 41min);
    ASSERT_TRUE(r.replace_replies);
    EXPECT_EQ(*r.replace_replies, desk().notices.render("owner_quote_in_review", {{"number", t.number}}));
    // An approval of the amount the supervisor saw before the raise is not one of the raise.
    r = carry_out(*sup.openid, dialog::ApproveQuote{t.number, std::nullopt, 20000}, t0 + 42min);
    ASSERT_TRUE(r.replace_replies);
    EXPECT_EQ(*r.replace_replies,
              desk().notices.render("review_quote_changed", {{"number", t.number}, {"fee", "250元"}}));
    EXPECT_EQ(reload(t.id).quote_status, qs::review);
    // The raise corrected while in review, then rejected: the price the owner agreed to stands,
    // and the technician is told so.
    r = carry_out(*tech_.openid, dialog::QuoteJob{t.number, 26000}, t0 + 42min);
    EXPECT_EQ(reload(t.id).quote_status, qs::review);
    r = carry_out(*sup.openid, dialog::RejectQuote{t.number, "只是多换一个垫片"}, t0 + 43min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    expect_quote(t.id, qs::agreed, 18000);
    auto told = notices_of(t.id, "quote_rejected");
    ASSERT_EQ(told.size(), 2u);
    EXPECT_NE(told.back().payload.find("180"), std::string::npos) << told.back().payload;
    r = carry_out(*tech_.openid, dialog::FinishJob{t.number, std::nullopt, ""}, t0 + 90min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(reload(t.id).fee_cents, 18000u);
}

// A supervisor doing a job themselves quotes it as the supervisor (DOMAIN.md: "a supervisor's
// quote"): it goes to the owner at once, not into a review of their own (or a colleague's).
TEST_F(JobDeskIntegration, ASupervisorsQuoteOnTheirOwnJobGoesStraightToTheOwner) {
    auto sup = add_technician("张主管", tag_ + "-sup");
    sup.is_supervisor = true;
    pool_.run_sync([&](sql::Connection& c) { return store::TechnicianRepository::update(c, sup, t0).ok(); });
    auto other = add_technician("李主管", tag_ + "-sup2");
    other.is_supervisor = true;
    pool_.run_sync([&](sql::Connection& c) { return store::TechnicianRepository::update(c, other, t0).ok(); });
    auto t = ticket(ts::accepted, sup.id, qs::required);

    auto r = carry_out(*sup.openid, dialog::QuoteJob{t.number, 50000}, t0 + 5min);
    EXPECT_FALSE(r.replace_replies) << "the chat's own reply stands: the owner is asked";
    auto quoted = reload(t.id);
    EXPECT_EQ(quoted.quote_status, qs::pending);
    EXPECT_EQ(quoted.at.quoted, t0 + 5min) << "the quote stage is met by the supervisor's quote";
    EXPECT_TRUE(notices_of(t.id, "quote_review").empty()) << "no supervisor is asked to review it";
    EXPECT_EQ(notices_of(t.id, "quote_request").size(), 1u) << "the owner is asked";
}

// A 返修 is not charged again: its 完成 with a new fee is refused (the first fee stood and was
// shown to the owner 50 → 30 → 30 before), one without keeps the first visit's fee on the ticket,
// and the owner is not asked about a fee again.
TEST_F(JobDeskIntegration, AReopenedJobsFinishChargesNothingAgain) {
    auto t = ticket(ts::arrived, tech_.id);
    t.reopen_count = 1;
    t.fee_cents = 5000;
    t = pool_.run_sync([&](sql::Connection& c) {
        return *store::TicketRepository::update(c, t, {}, {}, t0 + 2h);
    });
    auto r = carry_out(*tech_.openid, dialog::FinishJob{t.number, 3000, ""}, t0 + 3h);
    ASSERT_TRUE(r.replace_replies);
    EXPECT_EQ(*r.replace_replies, text(dialog::TextId::tech_rework_free, t.number));
    EXPECT_EQ(reload(t.id).status, ts::arrived);
    EXPECT_EQ(reload(t.id).fee_cents, 5000u);

    r = carry_out(*tech_.openid, dialog::FinishJob{t.number, std::nullopt, "换了密封圈"}, t0 + 3h);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    const auto done = reload(t.id);
    EXPECT_EQ(done.status, ts::done);
    EXPECT_EQ(done.fee_cents, 5000u) << "the first visit's fee stays on record";
    auto told = notices_of(t.id, "job_done");
    ASSERT_EQ(told.size(), 1u);
    EXPECT_EQ(nlohmann::json::parse(told[0].payload)["fee"], "无");
    auto asked = dialog::decode(store::testing::run(io_, sessions_.load(t.owner_openid)).data);
    ASSERT_TRUE(asked);
    ASSERT_EQ(asked->feedback.size(), 1u);
    EXPECT_FALSE(asked->feedback[0].cents) << "no fee asked about again";
}

TEST_F(JobDeskIntegration, AReopenedJobIsNotQuotedAgainAndAHandOverTakesAnUnansweredQuoteAlong) {
    auto reworked = ticket(ts::accepted, tech_.id, qs::agreed, 15000);
    reworked.reopen_count = 1;
    pool_.run_sync([&](sql::Connection& c) { return *store::TicketRepository::update(c, reworked, {}, {}, t0 + 2h); });
    auto r = carry_out(*tech_.openid, dialog::QuoteJob{reworked.number, 30000});
    ASSERT_TRUE(r.replace_replies);
    EXPECT_EQ(*r.replace_replies, text(dialog::TextId::tech_rework_free, reworked.number));
    expect_quote(reworked.id, qs::agreed, 15000);

    // A raise of an agreed quote handed over before anyone answered it: the agreement stands.
    auto raised = ticket(ts::accepted, tech_.id, qs::required);
    ASSERT_FALSE(carry_out(*tech_.openid, dialog::QuoteJob{raised.number, 10000}, t0 + 5min).replace_replies);
    ASSERT_FALSE(carry_out(raised.owner_openid, dialog::AgreeQuote{raised.number, 10000}, t0 + 6min).replace_replies);
    ASSERT_FALSE(carry_out(*tech_.openid, dialog::QuoteJob{raised.number, 15000}, t0 + 30min).replace_replies);
    ASSERT_EQ(reload(raised.id).quote_status, qs::pending);
    auto asked = dialog::decode(store::testing::run(io_, sessions_.load(raised.owner_openid)).data);
    ASSERT_TRUE(asked);
    ASSERT_EQ(asked->feedback.size(), 1u) << "the owner is asked about the raise";
    r = carry_out(*tech_.openid, dialog::HandOverJob{raised.number, "需要电工"}, t0 + 31min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    expect_quote(raised.id, qs::agreed, 10000);
    auto types = event_types(raised.id);
    EXPECT_NE(std::find(types.begin(), types.end(), "handed_over"), types.end());
    auto told = notices_of(raised.id, "job_handed_over");
    ASSERT_EQ(told.size(), 1u);
    auto text = nlohmann::json::parse(told[0].payload)["text"].get<std::string>();
    EXPECT_NE(text.find("加价后的报价150元已撤回"), std::string::npos) << text;
    EXPECT_NE(text.find("仍按您已同意的100元"), std::string::npos) << text;
    auto left = dialog::decode(store::testing::run(io_, sessions_.load(raised.owner_openid)).data);
    ASSERT_TRUE(left);
    EXPECT_TRUE(left->feedback.empty()) << "the withdrawn raise is no longer asked";

    auto handed = ticket(ts::accepted, tech_.id, qs::pending, 15000);
    r = carry_out(*tech_.openid, dialog::HandOverJob{handed.number, "需要电工"});
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    auto after = reload(handed.id);
    EXPECT_EQ(after.status, ts::new_);
    EXPECT_EQ(after.quote_status, qs::required) << "whoever takes it quotes afresh";
    EXPECT_FALSE(after.quote_cents);
    told = notices_of(handed.id, "job_handed_over");
    ASSERT_EQ(told.size(), 1u);
    text = nlohmann::json::parse(told[0].payload)["text"].get<std::string>();
    EXPECT_NE(text.find("之前的报价150元已撤回"), std::string::npos) << text;
    EXPECT_NE(text.find("新的师傅会重新报价"), std::string::npos) << text;
}

TEST_F(JobDeskIntegration, AJobHandedOnIsNeverGivenBackToSomeoneWhoHandedItOver) {
    auto other = add_technician("李师傅", tag_ + "-tech-b");
    auto t = ticket(ts::accepted, tech_.id);
    t.due.arrive = t0 + 2h;  // passed before the hand-over: the next push cannot ask for it
    t = pool_.run_sync([&](sql::Connection& c) {
        return *store::TicketRepository::update(c, t, {}, {}, t0 + 2h);
    });
    auto r = carry_out(*tech_.openid, dialog::HandOverJob{t.number, "需要电工"}, t0 + 3h);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    auto now = reload(t.id);
    ASSERT_EQ(now.technician_id, other.id);
    EXPECT_EQ(now.status, ts::dispatched);
    EXPECT_GT(*now.due.accept, t0 + 3h) << "a fresh acceptance window for the next technician";
    ASSERT_FALSE(watched_.empty());
    EXPECT_EQ(watched_.back().technician_id, other.id) << "the SLA timers follow the new dispatch";
    auto pushed = notices_of(t.id, "job_assigned");
    ASSERT_FALSE(pushed.empty());
    EXPECT_EQ(pushed.back().recipient, *other.openid);
    EXPECT_EQ(nlohmann::json::parse(pushed.back().payload)["visit"],
              "到场时限11月23日 12:00已过，请尽快到场");
    auto view = store::testing::run(
        io_,
        jobs_->technician_of(*other.openid, std::chrono::floor<std::chrono::seconds>(t0 + 3h)));
    ASSERT_TRUE(view);
    ASSERT_EQ(view->open_jobs.size(), 1u);
    EXPECT_EQ(view->open_jobs[0].visit, "到场时限11月23日 12:00已过，请尽快到场")
        << "the chat says the same";
    auto told = notices_of(t.id, "job_handed_over");
    ASSERT_EQ(told.size(), 1u) << "the owner had been told who accepted";
    EXPECT_EQ(told[0].recipient, t.owner_openid);
    const auto text = nlohmann::json::parse(told[0].payload)["text"].get<std::string>();
    EXPECT_NE(text.find("另派维修人员"), std::string::npos) << text;
    EXPECT_EQ(text.find("需要电工"), std::string::npos) << "the reason stays with the desk";

    // The next one hands it over too: the first said they cannot do it, so it waits for a
    // dispatcher rather than going back to them.
    r = carry_out(*other.openid, dialog::HandOverJob{t.number, "配件没有"}, t0 + 3h + 5min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    now = reload(t.id);
    EXPECT_EQ(now.status, ts::new_);
    EXPECT_FALSE(now.technician_id);
    auto types = event_types(t.id);
    EXPECT_EQ(std::count(types.begin(), types.end(), "handed_over"), 2);
    EXPECT_EQ(types.back(), "dispatch_queued");
    EXPECT_EQ(notices_of(t.id, "job_handed_over").size(), 1u)
        << "nobody told the owner of the second one's acceptance: nothing to take back";
}

// The technician's chat sees each open job with the owner's phone and when to be there, which
// 接单 answers with: the owner's booked time with the deadline it set.
TEST_F(JobDeskIntegration, ATechniciansJobsCarryTheOwnersPhoneAndWhenToBeThere) {
    auto t = ticket(ts::dispatched, tech_.id);
    t.preferred_from = t0 + 24h;  // the next day, 10:00 at the desk (UTC+8)
    t.preferred_to = t0 + 24h + 1h;
    t.due.arrive = t0 + 24h - 5min;
    pool_.run_sync(
        [&](sql::Connection& c) { return *store::TicketRepository::update(c, t, {}, {}, t0); });
    auto view = store::testing::run(
        io_, jobs_->technician_of(*tech_.openid, std::chrono::floor<std::chrono::seconds>(t0)));
    ASSERT_TRUE(view);
    auto job =
        std::find_if(view->open_jobs.begin(), view->open_jobs.end(),
                     [&](const dialog::TechnicianJob& j) { return j.ticket_number == t.number; });
    ASSERT_NE(job, view->open_jobs.end());
    EXPECT_EQ(job->phone, "13800138000");
    EXPECT_EQ(job->visit, visit_text(reload(t.id), desk().dialog.texts, desk().sla, t0));
    EXPECT_NE(job->visit.find("业主预约"), std::string::npos) << job->visit;
}

// A desk whose sla.toml counts the arrival from the acceptance and the finish from the arrival
// ([stage_starts]): the job says so until accepted, its chat says when to be there if accepted
// now, and 接单 and 到达 set those deadlines from their own times — the owner is told the
// arrival time, the SLA timers follow the saved ticket.
TEST_F(JobDeskIntegration, ADeskThatCountsFromTheAcceptanceAndTheArrivalGetsThoseDeadlinesThen) {
    config::SlaData counted = desk().sla;
    counted.policy.stage_starts[static_cast<std::size_t>(dialog::Stage::arrive)] =
        dialog::Milestone::accepted;
    counted.policy.stage_starts[static_cast<std::size_t>(dialog::Stage::finish)] =
        dialog::Milestone::arrived;
    ASSERT_TRUE(dialog::check_sla_policy(counted.policy).empty());
    JobDesk jobs(pool_, sessions_, dispatcher_, counted, desk().prices, desk().notices,
                 desk().dialog, watch());
    auto t = ticket(ts::dispatched, tech_.id);
    ASSERT_FALSE(t.due.arrive);
    EXPECT_EQ(visit_text(t, desk().dialog.texts, counted, t0), "到场时限自接单起计算")
        << "the job push's";

    const Timestamp accepted_at = t0 + 3h;
    auto due_from = [&](dialog::Stage stage, Timestamp start) {
        auto d = dialog::deadline_for(counted.policy, counted.calendar, ticket_facts(t), stage,
                                      chr::floor<chr::seconds>(start));
        return chr::time_point_cast<chr::milliseconds>(d->due);
    };
    const auto arrive_by = due_from(dialog::Stage::arrive, accepted_at);
    auto view = store::testing::run(
        io_, jobs.technician_of(*tech_.openid, chr::floor<chr::seconds>(accepted_at)));
    ASSERT_TRUE(view);
    auto job =
        std::find_if(view->open_jobs.begin(), view->open_jobs.end(),
                     [&](const dialog::TechnicianJob& j) { return j.ticket_number == t.number; });
    ASSERT_NE(job, view->open_jobs.end());
    const auto offset = counted.calendar.utc_offset();
    EXPECT_EQ(job->visit, "请于" + local_time_text(arrive_by, offset) + "前到场")
        << "if accepted now";

    std::vector<dialog::Effect> accept{dialog::AcceptJob{t.number}};
    store::testing::run(
        io_, jobs.carry_out(*tech_.openid, accept, chr::floor<chr::seconds>(accepted_at)));
    auto accepted = reload(t.id);
    EXPECT_EQ(accepted.status, ts::accepted);
    EXPECT_EQ(accepted.due.arrive, arrive_by);
    EXPECT_FALSE(accepted.due.finish) << "counted from the arrival";
    auto told = notices_of(t.id, "job_accepted");
    ASSERT_EQ(told.size(), 1u);
    EXPECT_EQ(nlohmann::json::parse(told[0].payload)["arrive_by"],
              local_time_text(arrive_by, offset));

    const Timestamp arrived_at = t0 + 5h;
    std::vector<dialog::Effect> arrive{dialog::ArriveJob{t.number}};
    store::testing::run(
        io_, jobs.carry_out(*tech_.openid, arrive, chr::floor<chr::seconds>(arrived_at)));
    auto arrived = reload(t.id);
    EXPECT_EQ(arrived.status, ts::arrived);
    EXPECT_EQ(arrived.due.finish, due_from(dialog::Stage::finish, arrived_at));
    ASSERT_FALSE(watched_.empty());
    EXPECT_EQ(watched_.back().due.finish, arrived.due.finish) << "the timers follow it";

    // 完成 without 到达: the arrival and the finish in one move. A finish deadline counted from an
    // arrival recorded in the same instant would judge nothing: the finish stays unjudged.
    auto direct = ticket(ts::accepted, tech_.id);
    direct.due.arrive = t0 + 1h;
    pool_.run_sync([&](sql::Connection& c) {
        return *store::TicketRepository::update(c, direct, {}, {}, t0);
    });
    const Timestamp done_at = t0 + 50min;
    std::vector<dialog::Effect> finish{dialog::FinishJob{direct.number, std::nullopt, ""}};
    store::testing::run(io_,
                        jobs.carry_out(*tech_.openid, finish, chr::floor<chr::seconds>(done_at)));
    auto done = reload(direct.id);
    EXPECT_EQ(done.status, ts::done);
    EXPECT_TRUE(done.at.arrived && done.at.done);
    EXPECT_FALSE(done.due.finish);
}

// A photo from the site is kept on the technician's open job, pending download like an owner's,
// with who sent it and an audit event; on a job no longer theirs it is refused with how the
// ticket stands, and nothing is kept.
TEST_F(JobDeskIntegration, APhotoFromTheSiteIsKeptOnTheSendersOpenJobOnly) {
    auto t = ticket(ts::accepted, tech_.id);
    const std::string media = tag_ + "-site-photo";
    auto r = carry_out(*tech_.openid, dialog::AttachJobPhoto{t.number, {media, "http://mmbiz.example/p"}});
    EXPECT_FALSE(r.deferred);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    auto photos = pool_.run_sync([&](sql::Connection& c) { return store::PhotoRepository::for_ticket(c, t.id); });
    ASSERT_EQ(photos.size(), 1u);
    EXPECT_EQ(photos[0].media_id, media);
    EXPECT_EQ(photos[0].owner_openid, *tech_.openid) << "who sent it";
    EXPECT_EQ(photos[0].status, "pending");
    EXPECT_EQ(event_types(t.id).back(), "photos_added");
    EXPECT_EQ(reload(t.id).status, ts::accepted) << "the job does not move";

    auto other = add_technician("赵师傅", tag_ + "-other");
    r = carry_out(*other.openid, dialog::AttachJobPhoto{t.number, {tag_ + "-not-theirs", ""}});
    ASSERT_TRUE(r.replace_replies);
    EXPECT_TRUE(r.replace_replies->find(t.number) != std::string::npos) << *r.replace_replies;
    auto done = ticket(ts::done, tech_.id);
    r = carry_out(*tech_.openid, dialog::AttachJobPhoto{done.number, {tag_ + "-too-late", ""}});
    ASSERT_TRUE(r.replace_replies) << "a finished job is no longer open";
    EXPECT_EQ(pool_.run_sync([&](sql::Connection& c) { return store::PhotoRepository::for_ticket(c, done.id); }).size(),
              0u);
    EXPECT_EQ(pool_.run_sync([&](sql::Connection& c) { return store::PhotoRepository::for_ticket(c, t.id); }).size(),
              1u);
}

TEST_F(JobDeskIntegration, AQuoteForATicketThatNeedsNoneSaysSo) {
    auto t = ticket(ts::accepted, tech_.id);
    auto r = carry_out(*tech_.openid, dialog::QuoteJob{t.number, 15000});
    ASSERT_TRUE(r.replace_replies);
    EXPECT_EQ(*r.replace_replies, text(dialog::TextId::tech_quote_not_needed, t.number));
    EXPECT_EQ(reload(t.id).quote_status, qs::none);
}

// 下班 in the technician's chat: dispatch passes them over (a job handed over waits for a
// dispatcher rather than waking them), their chat knows it, the jobs they hold stay theirs; 上班
// and the next dispatch gives them the job. Someone not a technician changes nothing.
TEST_F(JobDeskIntegration, ATechnicianOffDutyGetsNoNewJobsUntilBackOnDuty) {
    auto other = add_technician("李师傅", tag_ + "-tech-b");
    auto held = ticket(ts::accepted, other.id);
    auto r = carry_out(*other.openid, dialog::SetDuty{false});
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    auto view = store::testing::run(
        io_, jobs_->technician_of(*other.openid, chr::floor<chr::seconds>(t0 + 3h)));
    ASSERT_TRUE(view);
    EXPECT_FALSE(view->on_duty);
    ASSERT_EQ(view->open_jobs.size(), 1u) << "the job in hand stays theirs";
    EXPECT_EQ(view->open_jobs[0].ticket_number, held.number);
    EXPECT_EQ(reload(held.id).technician_id, other.id);

    auto t = ticket(ts::accepted, tech_.id);
    r = carry_out(*tech_.openid, dialog::HandOverJob{t.number, "需要电工"}, t0 + 3h);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(reload(t.id).status, ts::new_) << "nobody on duty: it waits for a dispatcher";
    EXPECT_FALSE(reload(t.id).technician_id);

    r = carry_out(*other.openid, dialog::SetDuty{true}, t0 + 4h);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    view = store::testing::run(
        io_, jobs_->technician_of(*other.openid, chr::floor<chr::seconds>(t0 + 4h)));
    ASSERT_TRUE(view);
    EXPECT_TRUE(view->on_duty);
    auto outcome =
        store::testing::run(io_, dispatcher_.dispatch(t.id, {tech_.id}, "system", "queue_retry",
                                                      chr::floor<chr::seconds>(t0 + 4h)));
    EXPECT_EQ(outcome.kind, DispatchOutcome::Kind::dispatched);
    EXPECT_EQ(reload(t.id).technician_id, other.id) << "back on duty, the next dispatch finds them";

    r = carry_out(tag_ + "-not-a-technician", dialog::SetDuty{false});
    ASSERT_TRUE(r.replace_replies) << "only a bound technician has a duty to set";

    // Off duty again, a 返修 of their job is not pushed to them in the night: the dispatchers
    // are told, and it waits for their 接单.
    auto staff = add_technician("钱客服", tag_ + "-dispatcher-duty");
    staff.is_dispatcher = true;
    staff.on_duty = false;
    pool_.run_sync(
        [&](sql::Connection& c) { return store::TechnicianRepository::update(c, staff, t0).ok(); });
    auto finished = ticket(ts::done, other.id);
    (void)carry_out(*other.openid, dialog::SetDuty{false}, t0 + 5h);
    (void)carry_out(finished.owner_openid, dialog::ReportNotFixed{finished.number, "还是漏"},
                    t0 + 6h);
    EXPECT_EQ(reload(finished.id).status, ts::dispatched);
    EXPECT_EQ(reload(finished.id).technician_id, other.id);
    EXPECT_TRUE(notices_of(finished.id, "job_reopened").empty()) << "no push while off duty";
    auto told = notices_of(finished.id, "reopen_unassigned");
    ASSERT_EQ(told.size(), 1u);
    EXPECT_EQ(told[0].recipient, *staff.openid);
    EXPECT_NE(nlohmann::json::parse(told[0].payload)["text"].get<std::string>().find("下班"),
              std::string::npos);
    // Back in the morning they take it after all: the dispatchers asked to give it hear so.
    (void)carry_out(*other.openid, dialog::SetDuty{true}, t0 + 14h);
    r = carry_out(*other.openid, dialog::AcceptJob{finished.number}, t0 + 14h);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(reload(finished.id).status, ts::accepted);
    auto taken = notices_of(finished.id, "accepted_after_queue");
    ASSERT_EQ(taken.size(), 1u);
    EXPECT_EQ(taken[0].recipient, *staff.openid);
}

// Two jobs of one owner done one after the other: the second's push says it is done too, then asks
// the question the owner's next answer goes to (the first's), not that one alone as if the second
// were the first.
TEST_F(JobDeskIntegration, ASecondJobDoneWhileTheFirstWaitsSaysSoBeforeTheFirstsQuestion) {
    auto first = ticket(ts::accepted, tech_.id);
    auto second = ticket(ts::accepted, tech_.id);
    second.owner_openid = first.owner_openid;
    second = pool_.run_sync([&](sql::Connection& c) {
        return *store::TicketRepository::update(c, second, {}, {}, t0 + 2h);
    });
    auto r = carry_out(*tech_.openid, dialog::FinishJob{first.number, std::nullopt, ""}, t0 + 3h);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    r = carry_out(*tech_.openid, dialog::FinishJob{second.number, std::nullopt, ""}, t0 + 4h);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    auto done = notices_of(second.id, "job_done");
    ASSERT_EQ(done.size(), 1u);
    const auto text = nlohmann::json::parse(done[0].payload)["text"].get<std::string>();
    EXPECT_EQ(
        text.rfind(desk().notices.render("owner_job_done_behind", {{"number", second.number}}), 0),
        0u)
        << text;
    EXPECT_NE(text.find(first.number), std::string::npos) << "then the first's question: " << text;
    // The first's own push asked about it alone.
    auto first_done = notices_of(first.id, "job_done");
    ASSERT_EQ(first_done.size(), 1u);
    EXPECT_NE(nlohmann::json::parse(first_done[0].payload)["text"].get<std::string>().rfind(
                  desk().notices.render("owner_job_done_behind", {{"number", first.number}}), 0),
              0u);
}

// A job whose acceptance timed out with nobody else free stays its technician's, and the
// dispatchers are asked to chase them; when the technician accepts after all, the dispatchers
// hear it is taken (also from a 到达 without a 接单), so nobody phones or re-dispatches it. An
// acceptance nobody chased tells them nothing.
TEST_F(JobDeskIntegration, ALateAcceptanceTellsTheDispatchersWhoWereAskedToChaseIt) {
    auto staff = add_technician("孙客服", tag_ + "-dispatcher-chase");
    staff.is_dispatcher = true;
    staff.trades = {"staff-" + tag_};
    pool_.run_sync(
        [&](sql::Connection& c) { return store::TechnicianRepository::update(c, staff, t0).ok(); });

    auto t = ticket(ts::dispatched, tech_.id);
    t.due.arrive = t0 + 30min;  // gone by when it is accepted
    t = pool_.run_sync([&](sql::Connection& c) {
        return *store::TicketRepository::update(c, t, {}, {}, t0 + 2h);
    });
    auto outcome = store::testing::run(
        io_, dispatcher_.dispatch(t.id, {tech_.id}, "sla", "accept_timeout",
                                  chr::floor<chr::seconds>(t0 + 20min), tech_.id));
    ASSERT_EQ(outcome.kind, DispatchOutcome::Kind::queued);
    ASSERT_EQ(reload(t.id).technician_id, tech_.id);
    ASSERT_EQ(notices_of(t.id, "dispatch_queued").size(), 1u) << "the dispatchers were asked";

    auto r = carry_out(*tech_.openid, dialog::AcceptJob{t.number}, t0 + 40min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(reload(t.id).status, ts::accepted);
    auto told = notices_of(t.id, "accepted_after_queue");
    ASSERT_EQ(told.size(), 1u);
    EXPECT_EQ(told[0].recipient, *staff.openid);
    const auto note = nlohmann::json::parse(told[0].payload)["text"].get<std::string>();
    EXPECT_NE(note.find(t.number), std::string::npos) << note;
    EXPECT_NE(note.find("已由" + tech_.name + "接手"), std::string::npos) << note;
    // The owner is not given an arrival time already past: it is on its way.
    auto owner_told = notices_of(t.id, "job_accepted");
    ASSERT_EQ(owner_told.size(), 1u);
    const auto payload = nlohmann::json::parse(owner_told[0].payload);
    EXPECT_EQ(
        payload["text"].get<std::string>(),
        desk().notices.render(
            "owner_job_accepted_overdue",
            {{"number", t.number}, {"technician", tech_.name}, {"technician_phone", tech_.phone}}));
    EXPECT_EQ(payload["arrive_by"], desk().notices.render("arrive_soon"));

    // On site without a 接单 first: the same.
    auto arrived = ticket(ts::dispatched, tech_.id);
    outcome = store::testing::run(
        io_, dispatcher_.dispatch(arrived.id, {tech_.id}, "sla", "accept_timeout",
                                  chr::floor<chr::seconds>(t0 + 20min), tech_.id));
    ASSERT_EQ(outcome.kind, DispatchOutcome::Kind::queued);
    r = carry_out(*tech_.openid, dialog::ArriveJob{arrived.number}, t0 + 50min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(reload(arrived.id).status, ts::arrived);
    EXPECT_EQ(notices_of(arrived.id, "accepted_after_queue").size(), 1u);

    // Queued with a note, then given by the system (the queue's retry) once someone came on
    // duty: its acceptance tells the dispatchers, who could still be dispatching it by hand.
    const auto duty = [&](bool on) {
        pool_.run_sync([&](sql::Connection& c) {
            store::TechnicianRepository::set_on_duty(c, tech_.id, on, t0);
            return true;
        });
    };
    duty(false);
    auto waited = ticket(ts::new_, std::nullopt);
    outcome = store::testing::run(io_, dispatcher_.dispatch(waited.id, {}, "system", "created",
                                                            chr::floor<chr::seconds>(t0 + 5min)));
    ASSERT_EQ(outcome.kind, DispatchOutcome::Kind::queued);
    duty(true);
    outcome = store::testing::run(io_, dispatcher_.dispatch(waited.id, {}, "system", "queue_retry",
                                                            chr::floor<chr::seconds>(t0 + 10min)));
    ASSERT_EQ(outcome.kind, DispatchOutcome::Kind::dispatched);
    r = carry_out(*tech_.openid, dialog::AcceptJob{waited.number}, t0 + 15min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(notices_of(waited.id, "accepted_after_queue").size(), 1u);

    // Queued, then given by a dispatcher's own hand: they know; no note.
    duty(false);
    auto handed = ticket(ts::new_, std::nullopt);
    outcome = store::testing::run(io_, dispatcher_.dispatch(handed.id, {}, "system", "created",
                                                            chr::floor<chr::seconds>(t0 + 5min)));
    ASSERT_EQ(outcome.kind, DispatchOutcome::Kind::queued);
    duty(true);
    auto given = store::testing::run(
        io_, dispatcher_.dispatch_by_hand(handed.number, tech_.id, "孙客服",
                                          chr::floor<chr::seconds>(t0 + 10min)));
    ASSERT_TRUE(given) << given.error().message();
    r = carry_out(*tech_.openid, dialog::AcceptJob{handed.number}, t0 + 15min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(reload(handed.id).status, ts::accepted);
    EXPECT_TRUE(notices_of(handed.id, "accepted_after_queue").empty());

    // Accepted in the ordinary way: no note.
    auto plain = ticket(ts::dispatched, tech_.id);
    r = carry_out(*tech_.openid, dialog::AcceptJob{plain.number}, t0 + 40min);
    EXPECT_FALSE(r.replace_replies) << *r.replace_replies;
    EXPECT_EQ(reload(plain.id).status, ts::accepted);
    EXPECT_TRUE(notices_of(plain.id, "accepted_after_queue").empty());
}

}  // namespace
}  // namespace repairbot::bot
