// Filing a ticket (bot/ticket_intake.h) against the real MariaDB: the confirmation's one pool hop
// inserts the ticket already given to a free technician (created + dispatched events, the job
// push, its photos, the owner's remembered profile) or, with nobody free, queued with the
// dispatchers told in the same transaction; a repeat of the same key files nothing new.
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <random>
#include <thread>

#include "bot/callback_desk.h"
#include "bot/dispatch.h"
#include "bot/ticket_intake.h"
#include "bot/timer_plan.h"
#include "config/dialog_data.h"
#include "config/notices.h"
#include "config/sla_data.h"
#include "store/feedback_repository.h"
#include "store/migrations.h"
#include "store/outbox_repository.h"
#include "store/owner_repository.h"
#include "store/photo_repository.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"
#include "tests/integration/desk_data.h"
#include "tests/integration/store_env.h"

namespace repairbot::bot {
namespace {

namespace asio = boost::asio;
namespace chr = std::chrono;
using namespace std::chrono_literals;

// Monday 23 November 2026, 10:00 at the desk (UTC+8).
const chr::sys_seconds t0 = chr::sys_days{chr::year{2026} / 11 / 23} + 2h;

using testing::desk;

class TicketIntakeIntegration : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto applied = store::migrate(store::testing::mysql_settings());
        ASSERT_TRUE(applied) << applied.error().message();
    }

    void TearDown() override {
        const std::string like = tag_ + "%";
        pool_.run_sync([&like](sql::Connection& c) {
            for (const char* q :
                 {"DELETE cb FROM callbacks cb JOIN complaints cp ON cp.id = cb.complaint_id "
                  "WHERE cp.owner_openid LIKE ?",
                  "DELETE FROM complaints WHERE owner_openid LIKE ?",
                  "DELETE FROM callbacks WHERE owner_openid LIKE ?",
                  "DELETE FROM outbox WHERE recipient LIKE ?",
                  "DELETE e FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
                  "WHERE t.owner_openid LIKE ?",
                  "DELETE o FROM outbox o JOIN tickets t ON t.id = o.ticket_id "
                  "WHERE t.owner_openid LIKE ?",
                  "DELETE FROM photos WHERE owner_openid LIKE ?",
                  "DELETE FROM tickets WHERE owner_openid LIKE ?",
                  "DELETE FROM owners WHERE openid LIKE ?",
                  "DELETE FROM technicians WHERE name LIKE ?"}) {
                std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(q));
                st->setString(1, like);
                st->executeUpdate();
            }
        });
        blocking_.join();
    }

    store::Technician add_staff(const std::string& name, const std::string& openid, bool dispatcher,
                                std::uint32_t capacity = 5) {
        store::Technician t;
        t.capacity = capacity;
        t.name = tag_ + name;
        t.phone = "13700000001";
        t.trades = {trade_};
        t.openid = openid;
        t.is_dispatcher = dispatcher;
        t.on_duty = !dispatcher;  // a dispatcher of the desk, not a candidate for the job
        return pool_.run_sync([&t](sql::Connection& c) {
            auto added = store::TechnicianRepository::add(c, t, chr::time_point_cast<chr::milliseconds>(t0));
            if (!added) throw std::runtime_error("technician: " + added.error().message());
            return *added;
        });
    }

    std::vector<dialog::Effect> confirmation(const std::string& key) { return confirmation(key, owner_); }
    std::vector<dialog::Effect> confirmation(const std::string& key, const std::string& owner) {
        dialog::RepairReport r;
        r.owner_openid = owner;
        r.address = dialog::Address{"5", "1", "502", "", false, "", std::nullopt};
        r.fault_type = "水龙头漏水";
        r.trade = trade_;
        r.description = "厨房水龙头一直滴水";
        r.photos = {{key + "-media-1", "http://mmbiz.qpic.cn/" + key + "-1"}};
        r.phone = "13800138000";
        r.received_at = t0;
        std::vector<dialog::Effect> effects;
        effects.emplace_back(dialog::CreateTicket{r, key});
        effects.emplace_back(dialog::RememberProfile{r.phone, r.address});
        return effects;
    }

    EffectsResult carry_out(std::vector<dialog::Effect> effects) {
        return store::testing::run(io_, intake_.carry_out(owner_, std::move(effects), t0));
    }

    store::Ticket only_ticket() {
        auto open = pool_.run_sync([this](sql::Connection& c) {
            store::TicketFilter f;
            f.owner_openid = owner_;
            return store::TicketRepository::list(c, f);
        });
        EXPECT_EQ(open.size(), 1u);
        return open.empty() ? store::Ticket{} : open.front();
    }
    std::vector<std::string> event_types(std::uint64_t id) {
        std::vector<std::string> out;
        for (const auto& e : pool_.run_sync([id](sql::Connection& c) { return store::TicketRepository::events(c, id); }))
            out.push_back(e.type);
        return out;
    }
    std::vector<store::OutboxMessage> outbox(std::uint64_t id) {
        return pool_.run_sync([id](sql::Connection& c) { return store::OutboxRepository::for_ticket(c, id); });
    }

    const std::string tag_ = "intk" + std::to_string(::getpid()) + "x" + std::to_string(std::random_device{}() % 100000);
    const std::string trade_ = "T" + tag_;  // no technician of another test serves it
    const std::string owner_ = tag_ + "-owner";
    std::vector<store::Ticket> watched_;
    asio::io_context io_;
    asio::thread_pool blocking_{2};
    store::MysqlPool pool_{blocking_, store::testing::mysql_settings()};
    Dispatcher dispatcher_{pool_, desk().sla, desk().notices, &desk().dialog.texts};
    std::vector<store::Callback> watched_callbacks_;
    TicketIntake intake_{pool_,
                         dispatcher_,
                         desk().sla,
                         desk().notices,
                         desk().dialog,
                         nullptr,
                         [this](store::Ticket t) -> asio::awaitable<void> {
                             watched_.push_back(std::move(t));
                             co_return;
                         },
                         [this](store::Callback cb) -> asio::awaitable<void> {
                             watched_callbacks_.push_back(std::move(cb));
                             co_return;
                         }};

    // The payloads queued to `openid`, oldest first.
    std::vector<nlohmann::json> sent_to(const std::string& openid) {
        return pool_.run_sync([&](sql::Connection& c) {
            std::unique_ptr<sql::PreparedStatement> st(
                c.prepareStatement("SELECT payload FROM outbox WHERE recipient = ? ORDER BY id"));
            st->setString(1, openid);
            std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
            std::vector<nlohmann::json> out;
            while (rs->next())
                out.push_back(nlohmann::json::parse(std::string(rs->getString("payload"))));
            return out;
        });
    }
    // The owner's handovers (人工), oldest first.
    std::vector<store::Callback> handovers(const std::string& owner) {
        return pool_.run_sync([&](sql::Connection& c) {
            store::CallbackFilter f;
            f.kind = "handover";
            f.limit = 100000;
            std::vector<store::Callback> out;
            for (auto& cb : store::FeedbackRepository::callbacks(c, f))
                if (cb.owner_openid == owner) out.push_back(std::move(cb));
            return out;
        });
    }
    EffectsResult hand_over(const std::string& owner, chr::sys_seconds at) {
        std::vector<dialog::Effect> human{
            dialog::HandToHuman{dialog::HandOffReason::owner_asked, ""}};
        return store::testing::run(io_, intake_.carry_out(owner, std::move(human), at));
    }
};

TEST_F(TicketIntakeIntegration, ATicketWithAFreeTechnicianIsFiledAlreadyDispatchedWithItsPushPhotosAndProfile) {
    auto tech = add_staff("王师傅", tag_ + "-tech", false);
    auto r = carry_out(confirmation(tag_ + "-k1"));
    ASSERT_FALSE(r.deferred);
    ASSERT_EQ(r.extra_replies.size(), 1u);

    auto t = only_ticket();
    EXPECT_EQ(t.status, store::ticket_status::dispatched);
    EXPECT_EQ(t.technician_id, tech.id);
    EXPECT_EQ(t.version, 0u);  // one insert, not an insert and an update
    ASSERT_TRUE(t.at.dispatched && t.due.accept);
    EXPECT_EQ(t.late.dispatch, std::optional<bool>(false));
    EXPECT_NE(r.extra_replies.front().find(t.number), std::string::npos);
    EXPECT_EQ(event_types(t.id), (std::vector<std::string>{"created", "dispatched"}));
    auto pushes = outbox(t.id);
    ASSERT_EQ(pushes.size(), 1u);
    EXPECT_EQ(pushes[0].recipient, *tech.openid);
    auto payload = nlohmann::json::parse(pushes[0].payload);
    EXPECT_EQ(payload["event"], "job_assigned");
    EXPECT_EQ(payload["number"], t.number);

    auto photos = pool_.run_sync([&](sql::Connection& c) { return store::PhotoRepository::for_ticket(c, t.id); });
    ASSERT_EQ(photos.size(), 1u);
    EXPECT_EQ(photos[0].status, "pending");
    auto owner = pool_.run_sync([&](sql::Connection& c) { return store::OwnerRepository::find_by_openid(c, owner_); });
    ASSERT_TRUE(owner);
    EXPECT_EQ(owner->phone, "13800138000");
    EXPECT_EQ(owner->address, "5栋1单元502");
    ASSERT_EQ(watched_.size(), 1u);
    EXPECT_EQ(watched_[0].status, store::ticket_status::dispatched);
}

// A desk counting the arrival from the dispatch and the finish from the arrival (sla.toml
// [stage_starts]): a ticket dispatched at filing gets its arrival deadline from the dispatch,
// none for the finish yet, and the owner reads when each clock starts; queued, the arrival's too.
TEST_F(TicketIntakeIntegration, ADeskCountingFromLaterMilestonesTellsTheOwnerWhenEachClockStarts) {
    config::SlaData counted = desk().sla;
    counted.policy.stage_starts[static_cast<std::size_t>(dialog::Stage::arrive)] =
        dialog::Milestone::dispatched;
    counted.policy.stage_starts[static_cast<std::size_t>(dialog::Stage::finish)] =
        dialog::Milestone::arrived;
    Dispatcher dispatcher{pool_, counted, desk().notices, &desk().dialog.texts};
    TicketIntake intake{pool_, dispatcher, counted, desk().notices, desk().dialog};

    auto queued = store::testing::run(io_, intake.carry_out(owner_, confirmation(tag_ + "-q"), t0));
    ASSERT_EQ(queued.extra_replies.size(), 1u);
    EXPECT_NE(queued.extra_replies[0].find("预计到场：派单后开始计时\n预计完成：到场后开始计时"),
              std::string::npos)
        << queued.extra_replies[0];
    auto waiting = only_ticket();
    EXPECT_EQ(waiting.status, store::ticket_status::new_);
    EXPECT_FALSE(waiting.due.arrive);
    EXPECT_TRUE(waiting.due.dispatch);

    add_staff("王师傅", tag_ + "-tech", false);
    Dispatcher fresh{pool_, counted, desk().notices,
                     &desk().dialog.texts};  // no "nobody had room" memo
    TicketIntake intake_now{pool_, fresh, counted, desk().notices, desk().dialog};
    const std::string other = tag_ + "-owner2";
    auto filed =
        store::testing::run(io_, intake_now.carry_out(other, confirmation(tag_ + "-d", other), t0));
    ASSERT_EQ(filed.extra_replies.size(), 1u);
    auto t = pool_.run_sync([&](sql::Connection& c) {
        store::TicketFilter f;
        f.owner_openid = other;
        return store::TicketRepository::list(c, f).at(0);
    });
    ASSERT_EQ(t.status, store::ticket_status::dispatched);
    auto d = dialog::deadline_for(counted.policy, counted.calendar, ticket_facts(t),
                                  dialog::Stage::arrive, t0);
    ASSERT_TRUE(d);
    EXPECT_EQ(t.due.arrive, chr::time_point_cast<chr::milliseconds>(d->due));
    EXPECT_FALSE(t.due.finish);
    const auto arrive_by = local_time_text(*t.due.arrive, counted.calendar.utc_offset());
    EXPECT_NE(
        filed.extra_replies[0].find("预计到场：" + arrive_by + "前\n预计完成：到场后开始计时"),
        std::string::npos)
        << filed.extra_replies[0];
}

// 人工: the dispatchers are told who is asking and how to reach them — the phone and home the
// desk knows, the tickets in hand, the report being filled in — not an openid nobody can call.
// A complaint reaches the supervisors the same way.
TEST_F(TicketIntakeIntegration, AHandOverAndAComplaintTellTheStaffHowToReachTheOwner) {
    auto dispatcher = add_staff("陈客服", tag_ + "-dispatcher", true);
    auto supervisor = add_staff("李主管", tag_ + "-supervisor", false);
    supervisor.is_supervisor = true;
    supervisor.on_duty = false;
    pool_.run_sync([&](sql::Connection& c) {
        return store::TechnicianRepository::update(c, supervisor,
                                                   chr::time_point_cast<chr::milliseconds>(t0))
            .ok();
    });
    pool_.run_sync([&](sql::Connection& c) {
        store::Owner o;
        o.openid = owner_;
        o.name = "张女士";
        o.phone = "13800138000";
        o.building = "5";
        o.unit = "1";
        o.room = "502";
        o.address = "5栋1单元502";
        store::OwnerRepository::remember(c, o, chr::time_point_cast<chr::milliseconds>(t0));
        return 0;
    });

    std::vector<dialog::Effect> human{dialog::HandToHuman{dialog::HandOffReason::owner_asked,
                                                          "地址：5栋1单元502\n问题：水管漏水"}};
    store::testing::run(io_, intake_.carry_out(owner_, std::move(human), t0));
    auto told = sent_to(*dispatcher.openid);
    ASSERT_EQ(told.size(), 1u);
    EXPECT_EQ(told[0]["event"], "handover");
    const std::string note = told[0]["text"];
    EXPECT_NE(note.find("张女士 13800138000，5栋1单元502"), std::string::npos) << note;
    EXPECT_NE(note.find("问题：水管漏水"), std::string::npos) << note;
    EXPECT_EQ(note.find(owner_), std::string::npos) << "no openid: " << note;

    std::vector<dialog::Effect> complaint{dialog::FileComplaint{"维修师傅态度很差"}};
    store::testing::run(io_, intake_.carry_out(owner_, std::move(complaint), t0));
    auto to_supervisor = sent_to(*supervisor.openid);
    ASSERT_EQ(to_supervisor.size(), 1u);
    EXPECT_EQ(to_supervisor[0]["event"], "complaint");
    const std::string said = to_supervisor[0]["text"];
    EXPECT_NE(said.find("维修师傅态度很差"), std::string::npos) << said;
    EXPECT_NE(said.find("13800138000"), std::string::npos) << said;

    // Someone the desk knows nothing of: said so.
    const std::string stranger = tag_ + "-stranger";
    std::vector<dialog::Effect> unknown{dialog::HandToHuman{}};
    store::testing::run(io_, intake_.carry_out(stranger, std::move(unknown), t0));
    told = sent_to(*dispatcher.openid);
    ASSERT_EQ(told.size(), 2u);
    EXPECT_NE(told[1]["text"].get<std::string>().find("尚未留下电话和地址"), std::string::npos)
        << told[1]["text"];

    // A technician's 人工 (no owner profile of theirs): the note says a technician asks, and
    // who — not an owner the desk knows nothing of.
    auto tech = add_staff("孙师傅", tag_ + "-tech-human", false);
    std::vector<dialog::Effect> from_tech{dialog::HandToHuman{}};
    store::testing::run(io_, intake_.carry_out(*tech.openid, std::move(from_tech), t0));
    told = sent_to(*dispatcher.openid);
    ASSERT_EQ(told.size(), 3u);
    const std::string tech_note = told[2]["text"];
    EXPECT_EQ(tech_note.rfind("维修工请求人工服务", 0), 0u) << tech_note;
    EXPECT_NE(tech_note.find("维修工 " + tech.name + " 13700000001"), std::string::npos)
        << tech_note;
    EXPECT_EQ(tech_note.find("尚未留下电话和地址"), std::string::npos) << tech_note;

    // A danger named while a report was being filled (dialog::report_danger): the dispatchers
    // hear its words at once, though the owner's handover is still open within its time.
    std::vector<dialog::Effect> danger{dialog::HandToHuman{dialog::HandOffReason::danger,
                                                           "地址：5栋1单元502\n问题：客厅灯不亮",
                                                           "师傅走后燃气味很重"}};
    auto reply = store::testing::run(io_, intake_.carry_out(owner_, std::move(danger), t0));
    told = sent_to(*dispatcher.openid);
    ASSERT_EQ(told.size(), 4u);
    const std::string urgent = told[3]["text"];
    EXPECT_EQ(urgent.rfind("紧急：业主提到“师傅走后燃气味很重”", 0), 0u) << urgent;
    EXPECT_NE(urgent.find("张女士 13800138000"), std::string::npos) << urgent;
    EXPECT_NE(urgent.find("问题：客厅灯不亮"), std::string::npos) << urgent;
    EXPECT_TRUE(reply.extra_replies.empty()) << "no 'already asked' answer to a danger";

    // A report just submitted said to be wrong: told at once too, as a correction to make.
    std::vector<dialog::Effect> correction{
        dialog::HandToHuman{dialog::HandOffReason::correction, "", "地址错了，是5栋1单元520"}};
    reply = store::testing::run(io_, intake_.carry_out(owner_, std::move(correction), t0));
    told = sent_to(*dispatcher.openid);
    ASSERT_EQ(told.size(), 5u);
    const std::string fix = told[4]["text"];
    EXPECT_EQ(fix.rfind("更正：业主刚提交的报修有误，业主说“地址错了，是5栋1单元520”", 0), 0u)
        << fix;
    EXPECT_NE(fix.find("张女士 13800138000"), std::string::npos) << fix;
    EXPECT_TRUE(reply.extra_replies.empty()) << "no 'already asked' answer to a correction";

    std::vector<dialog::Effect> update{
        dialog::HandToHuman{dialog::HandOffReason::update, "", "水已经漫到楼下了"}};
    store::testing::run(io_, intake_.carry_out(owner_, std::move(update), t0));
    told = sent_to(*dispatcher.openid);
    ASSERT_EQ(told.size(), 6u);
    EXPECT_EQ(told[5]["text"].get<std::string>().rfind(
                  "紧急报修补充：业主刚提交紧急报修后又说“水已经漫到楼下了”", 0),
              0u)
        << told[5]["text"];

    // A question about a quote: told, naming the ticket, also while a handover is open (it may
    // be about something else). The owner's reply is the dialogue's (the quote still waits),
    // none from the intake.
    const std::string asker = tag_ + "-asker";
    auto ask = [&](const char* words) {
        std::vector<dialog::Effect> enquiry{
            dialog::HandToHuman{dialog::HandOffReason::enquiry, "", words, "BX20261120-0007"}};
        return store::testing::run(io_, intake_.carry_out(asker, std::move(enquiry), t0));
    };
    reply = ask("能便宜点吗");
    told = sent_to(*dispatcher.openid);
    ASSERT_EQ(told.size(), 7u);
    const std::string asked = told[6]["text"];
    EXPECT_EQ(asked.rfind("报价咨询：业主对工单 BX20261120-0007的报价有疑问，说“能便宜点吗”", 0),
              0u)
        << asked;
    EXPECT_TRUE(reply.extra_replies.empty());
    reply = ask("包括材料吗");
    told = sent_to(*dispatcher.openid);
    ASSERT_EQ(told.size(), 8u) << "told though a handover is open";
    EXPECT_NE(told[7]["text"].get<std::string>().find("包括材料吗"), std::string::npos);
    EXPECT_TRUE(reply.extra_replies.empty());
    EXPECT_TRUE(reply.extra_replies.empty()) << "no 'already asked' answer to an enquiry";
}

// DOMAIN.md: a serious complaint goes to the manager at once — recorded as serious, the same
// note (its own wording) to the supervisors and the manager; an ordinary one to the supervisors.
TEST_F(TicketIntakeIntegration,
       ASeriousComplaintGoesToTheManagerAtOnceAnOrdinaryOneToTheSupervisors) {
    auto staff = [&](const std::string& name, const std::string& openid, bool supervisor) {
        auto t = add_staff(name, tag_ + openid, false);
        t.is_supervisor = supervisor;
        t.is_manager = !supervisor;
        t.on_duty = false;
        pool_.run_sync([&](sql::Connection& c) {
            return store::TechnicianRepository::update(c, t,
                                                       chr::time_point_cast<chr::milliseconds>(t0))
                .ok();
        });
        return t;
    };
    const auto supervisor = staff("李主管", "-supervisor", true);
    const auto manager = staff("王经理", "-manager", false);
    auto complain = [&](std::string text, bool serious) {
        std::vector<dialog::Effect> e{dialog::FileComplaint{std::move(text), serious}};
        store::testing::run(io_, intake_.carry_out(owner_, std::move(e), t0));
    };
    complain("师傅迟到两小时", false);
    complain("维修工把我家老人推倒受伤了", true);

    auto to_supervisor = sent_to(*supervisor.openid);
    ASSERT_EQ(to_supervisor.size(), 2u);
    EXPECT_EQ(to_supervisor[0]["text"].get<std::string>().rfind("新投诉", 0), 0u)
        << to_supervisor[0];
    const std::string serious = to_supervisor[1]["text"];
    EXPECT_EQ(serious.rfind("严重投诉", 0), 0u) << serious;
    EXPECT_NE(serious.find("推倒受伤"), std::string::npos) << serious;
    auto to_manager = sent_to(*manager.openid);
    ASSERT_EQ(to_manager.size(), 1u) << "the manager hears of the serious one only";
    EXPECT_EQ(to_manager[0]["text"], serious);
    auto severities = pool_.run_sync([&](sql::Connection& c) {
        std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(
            "SELECT severity FROM complaints WHERE owner_openid = ? ORDER BY id"));
        st->setString(1, owner_);
        std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
        std::vector<std::string> out;
        while (rs->next()) out.push_back(rs->getString(1));
        return out;
    });
    EXPECT_EQ(severities, (std::vector<std::string>{"normal", "serious"}));
}

// DOMAIN.md: an enquiry the bot cannot answer goes to a human within 10 minutes, and anything
// unanswered goes up. A 人工 is a callback the dispatchers owe the owner, due follow_ups.escalation
// (10 min) later; the note says by when and under which number to record the answer.
TEST_F(TicketIntakeIntegration,
       AHandOverIsACallbackDueInTenMinutesAskingAgainInThemChangesNothingAfterThemTellsAgain) {
    auto dispatcher = add_staff("陈客服", tag_ + "-dispatcher", true);
    EXPECT_TRUE(hand_over(owner_, t0).extra_replies.empty()) << "the dialogue's own reply says it";
    auto open = handovers(owner_);
    ASSERT_EQ(open.size(), 1u);
    EXPECT_EQ(open[0].kind, "handover");
    EXPECT_EQ(open[0].due_at, t0 + 10min);
    EXPECT_FALSE(open[0].ticket_id);
    EXPECT_FALSE(open[0].done_at);
    ASSERT_EQ(watched_callbacks_.size(), 1u) << "its timer is set at once, not at the next refresh";
    EXPECT_EQ(watched_callbacks_[0].id, open[0].id);
    EXPECT_EQ(watched_callbacks_[0].due_at, t0 + 10min);
    auto told = sent_to(*dispatcher.openid);
    ASSERT_EQ(told.size(), 1u);
    const std::string note = told[0]["text"];
    EXPECT_NE(note.find("请在11月23日 10:10前联系"), std::string::npos) << note;
    EXPECT_NE(note.find("编号" + std::to_string(open[0].id)), std::string::npos) << note;
    EXPECT_EQ(note.find("已请求过"), std::string::npos) << note;

    // Impatient, within the ten minutes: the owner hears by when; nothing new is filed or told.
    auto again = hand_over(owner_, t0 + 3min);
    ASSERT_EQ(again.extra_replies.size(), 1u);
    EXPECT_NE(again.extra_replies[0].find("11月23日 10:10前会有工作人员联系您"), std::string::npos)
        << again.extra_replies[0];
    ASSERT_EQ(handovers(owner_).size(), 1u);
    EXPECT_EQ(handovers(owner_)[0].due_at, t0 + 10min) << "the first request's clock stands";
    EXPECT_EQ(sent_to(*dispatcher.openid).size(), 1u) << "told once";

    // After the ten minutes with no answer recorded: the same handover, due anew, told again as
    // such.
    EXPECT_TRUE(hand_over(owner_, t0 + 15min).extra_replies.empty());
    auto renewed = handovers(owner_);
    ASSERT_EQ(renewed.size(), 1u);
    EXPECT_EQ(renewed[0].id, open[0].id);
    EXPECT_EQ(renewed[0].due_at, t0 + 25min);
    EXPECT_EQ(renewed[0].created_at, t0) << "the first request is kept";
    EXPECT_EQ(watched_callbacks_.back().due_at, t0 + 25min);
    told = sent_to(*dispatcher.openid);
    ASSERT_EQ(told.size(), 2u);
    const std::string note2 = told[1]["text"];
    EXPECT_NE(note2.find("11月23日 10:00已请求过一次"), std::string::npos) << note2;
    EXPECT_NE(note2.find("请在11月23日 10:25前联系"), std::string::npos) << note2;

    // Answered and recorded: the next 人工 is a new request with its own 10 minutes.
    auto done = pool_.run_sync([&](sql::Connection& c) {
        return mark_callback_done(c, desk().sla, &desk().notices, open[0].id,
                                  {"satisfied", "电话解答了停水时间", "陈客服", false},
                                  chr::time_point_cast<chr::milliseconds>(t0 + 20min));
    });
    ASSERT_TRUE(done) << done.error().message();
    hand_over(owner_, t0 + 1h);
    auto all = handovers(owner_);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_NE(all[1].id, open[0].id);
    EXPECT_EQ(all[1].due_at, t0 + 1h + 10min);
    EXPECT_EQ(sent_to(*dispatcher.openid).size(), 3u);
}

// With no dispatcher bound nobody could answer: the supervisors hear of it at once.
TEST_F(TicketIntakeIntegration, WithNoDispatcherAHandOverGoesToTheSupervisorsAtOnce) {
    const auto dispatchers = pool_.run_sync([](sql::Connection& c) {
        std::unique_ptr<sql::PreparedStatement> st(
            c.prepareStatement("SELECT COUNT(*) FROM technicians WHERE is_dispatcher = 1 AND "
                               "active = 1 AND openid IS NOT NULL"));
        std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
        rs->next();
        return rs->getInt(1);
    });
    if (dispatchers > 0)
        GTEST_SKIP() << "a dispatcher of another run is bound in the shared database";
    auto supervisor = add_staff("李主管", tag_ + "-supervisor", false);
    supervisor.is_supervisor = true;
    supervisor.on_duty = false;
    pool_.run_sync([&](sql::Connection& c) {
        return store::TechnicianRepository::update(c, supervisor,
                                                   chr::time_point_cast<chr::milliseconds>(t0))
            .ok();
    });
    hand_over(owner_, t0);
    auto told = sent_to(*supervisor.openid);
    ASSERT_EQ(told.size(), 1u);
    EXPECT_EQ(told[0]["event"], "handover");
    EXPECT_NE(told[0]["text"].get<std::string>().find("业主请求人工服务"), std::string::npos)
        << told[0];
    EXPECT_EQ(handovers(owner_).size(), 1u) << "still owed: the escalation at its due time follows";
}

TEST_F(TicketIntakeIntegration, WithNobodyFreeTheTicketIsQueuedTheDispatchersAreToldOnceAndARepeatDispatchesWhenSomeoneIsFree) {
    auto dispatcher = add_staff("调度小张", tag_ + "-dispatcher", true);
    auto r = carry_out(confirmation(tag_ + "-k2"));
    ASSERT_FALSE(r.deferred);

    auto t = only_ticket();
    EXPECT_EQ(t.status, store::ticket_status::new_);
    EXPECT_FALSE(t.technician_id);
    EXPECT_EQ(event_types(t.id), (std::vector<std::string>{"created", "dispatch_queued"}));
    bool told = false;
    for (const auto& m : outbox(t.id))
        if (m.recipient == *dispatcher.openid) {
            told = true;
            EXPECT_EQ(nlohmann::json::parse(m.payload)["text"],
                      "工单" + t.number + "（水龙头漏水，" + t.address +
                          "）暂无可派的维修人员，请人工派单。")
                << "notices.toml staff_dispatch_queued";
        }
    EXPECT_TRUE(told);
    ASSERT_EQ(watched_.size(), 1u);
    EXPECT_EQ(watched_[0].status, store::ticket_status::new_);

    // The same confirmation again (a session conflict re-ran the step, or the hop was retried
    // after its commit): nothing new is recorded and the dispatchers are not told twice.
    const auto notes = outbox(t.id).size();
    auto again = carry_out(confirmation(tag_ + "-k2"));
    ASSERT_FALSE(again.deferred);
    EXPECT_EQ(event_types(t.id), (std::vector<std::string>{"created", "dispatch_queued"}));
    EXPECT_EQ(outbox(t.id).size(), notes);

    // Once someone is free, the next repeat gives it to them.
    auto tech = add_staff("王师傅", tag_ + "-tech", false);
    (void)carry_out(confirmation(tag_ + "-k2"));
    EXPECT_EQ(only_ticket().technician_id, tech.id);
    EXPECT_EQ(event_types(t.id), (std::vector<std::string>{"created", "dispatch_queued", "dispatched"}));
}

TEST_F(TicketIntakeIntegration, WithQueueNotesOnlyAnEmergencyNobodyCanTakeIsToldAtOnceOnItsOwn) {
    auto dispatcher = add_staff("调度小张", tag_ + "-dispatcher", true);
    dispatcher_.use_queue_notes(true);
    auto told_of = [&](const store::Ticket& t) {
        std::size_t n = 0;
        for (const auto& m : outbox(t.id)) n += m.recipient == *dispatcher.openid;
        return n;
    };

    EXPECT_EQ(carry_out(confirmation(tag_ + "-n1")).extra_replies.size(), 1u)
        << "a normal ticket's owner is told when to expect someone, nothing more";
    auto normal = only_ticket();
    EXPECT_EQ(normal.status, store::ticket_status::new_);
    EXPECT_EQ(event_types(normal.id), (std::vector<std::string>{"created", "dispatch_queued"}));
    EXPECT_EQ(told_of(normal), 0u) << "left to the next queue note";

    auto effects = confirmation(tag_ + "-e1");
    auto& report = std::get<dialog::CreateTicket>(effects[0]).report;
    report.urgency = dialog::Urgency::emergency;
    report.fault_type = "水管爆裂";
    report.received_at += 1min;
    auto answered = carry_out(std::move(effects));
    ASSERT_EQ(answered.extra_replies.size(), 2u) << "the ticket, and that nobody has it yet";
    EXPECT_EQ(answered.extra_replies[1], desk().notices.render("owner_emergency_queued"));
    std::optional<store::Ticket> emergency;
    for (auto& t : pool_.run_sync([this](sql::Connection& c) {
             store::TicketFilter f;
             f.owner_openid = owner_;
             return store::TicketRepository::list(c, f);
         }))
        if (t.urgency == "emergency") emergency = t;
    ASSERT_TRUE(emergency);
    EXPECT_EQ(emergency->status, store::ticket_status::new_);
    EXPECT_EQ(told_of(*emergency), 1u) << "an emergency does not wait for the note";
    for (const auto& m : outbox(emergency->id)) {
        if (m.recipient != *dispatcher.openid) continue;
        EXPECT_EQ(nlohmann::json::parse(m.payload)["text"].get<std::string>().rfind(
                      "【紧急】工单" + emergency->number, 0),
                  0u)
            << m.payload;
    }
}

// The storm's shortcut (NoRoomMemo): for a second after nobody of the trade had room, the next
// ticket of that trade and building is queued without counting open jobs again — even if
// someone was put on duty meanwhile (outside this process: seen within the hold). A job accepted
// changes nothing; a job ended here ends the memo at once; an emergency is always counted, and
// the room its count finds ends the memo for the tickets after it.
TEST_F(TicketIntakeIntegration, ForASecondAfterNobodyHadRoomATicketIsQueuedWithoutCountingAJobSavedHereEndsThat) {
    dispatcher_.hold_no_room_for(std::chrono::minutes(10));  // no flakiness on a slow machine
    auto minute = 0;
    auto file = [&](const std::string& key, dialog::Urgency urgency = dialog::Urgency::normal) {
        auto effects = confirmation(tag_ + key);
        auto& report = std::get<dialog::CreateTicket>(effects[0]).report;
        report.urgency = urgency;
        report.received_at += std::chrono::minutes(++minute);
        (void)carry_out(std::move(effects));
        for (const auto& t : pool_.run_sync([this](sql::Connection& c) {
                 store::TicketFilter f;
                 f.owner_openid = owner_;
                 return store::TicketRepository::list(c, f);
             }))
            if (t.idempotency_key == tag_ + key) return t;
        ADD_FAILURE() << "no ticket for " << key;
        return store::Ticket{};
    };
    auto on_duty = [&](store::Technician t, bool on) {
        t.on_duty = on;
        pool_.run_sync([&t](sql::Connection& c) {
            (void)store::TechnicianRepository::update(c, t, chr::time_point_cast<chr::milliseconds>(t0));
        });
    };

    EXPECT_EQ(file("-m1").status, store::ticket_status::new_) << "nobody at all: counted, nobody";
    auto tech = add_staff("王师傅", tag_ + "-tech", false);
    EXPECT_EQ(file("-m2").status, store::ticket_status::new_) << "the memo: not counted";

    store::Ticket accepted;  // a job moving on frees nobody: the memo stays
    accepted.status = store::ticket_status::accepted;
    dispatcher_.ticket_saved(accepted);
    EXPECT_EQ(file("-m3").status, store::ticket_status::new_);

    store::Ticket done;  // a job ended in this process
    done.status = store::ticket_status::done;
    dispatcher_.ticket_saved(done);
    auto counted = file("-m4");
    EXPECT_EQ(counted.status, store::ticket_status::dispatched) << "counted again after a job ended";
    EXPECT_EQ(counted.technician_id, tech.id);

    on_duty(tech, false);
    EXPECT_EQ(file("-m5").status, store::ticket_status::new_) << "counted, nobody: the memo again";
    on_duty(tech, true);
    auto urgent = file("-m6", dialog::Urgency::emergency);
    EXPECT_EQ(urgent.technician_id, tech.id) << "an emergency is counted despite the memo";
    EXPECT_EQ(file("-m7").technician_id, tech.id) << "the room the emergency's count saw ended the memo";
}

TEST_F(TicketIntakeIntegration, TheSameConfirmationTwiceFilesOneTicketAndDispatchesItOnce) {
    auto tech = add_staff("王师傅", tag_ + "-tech", false);
    (void)carry_out(confirmation(tag_ + "-k3"));
    auto again = carry_out(confirmation(tag_ + "-k3"));
    ASSERT_FALSE(again.deferred);
    auto t = only_ticket();
    EXPECT_EQ(t.technician_id, tech.id);
    EXPECT_EQ(event_types(t.id), (std::vector<std::string>{"created", "dispatched"}));
    EXPECT_EQ(outbox(t.id).size(), 1u);
}

// Confirmations from `owners` (owner, effects) carried out at once on one event loop, as
// concurrent webhooks are; returns when all are done, with which of them threw.
std::vector<bool> carry_out_together(asio::io_context& io, TicketIntake& intake,
                                     const std::vector<std::pair<std::string, std::vector<dialog::Effect>>>& owners,
                                     std::vector<EffectsResult>& results) {
    results.assign(owners.size(), {});
    std::vector<bool> threw(owners.size(), false);
    for (std::size_t i = 0; i < owners.size(); ++i) {
        asio::co_spawn(io, intake.carry_out(owners[i].first, owners[i].second, t0),
                       [&results, &threw, i](std::exception_ptr e, EffectsResult r) {
                           threw[i] = static_cast<bool>(e);
                           results[i] = std::move(r);
                       });
    }
    io.restart();
    io.run();  // returns only when every confirmation has its answer: waiting ones keep it busy
    return threw;
}

TEST_F(TicketIntakeIntegration, ConfirmationsArrivingTogetherAreFiledAsOneGroupAndNoTechnicianGetsMoreThanTheRoomHeHas) {
    auto tech = add_staff("王师傅", tag_ + "-tech", false, /*capacity=*/2);
    std::vector<std::pair<std::string, std::vector<dialog::Effect>>> owners;
    for (int i = 0; i < 5; ++i) {
        const std::string owner = tag_ + "-owner-" + std::to_string(i);
        owners.emplace_back(owner, confirmation(tag_ + "-g" + std::to_string(i), owner));
    }
    std::vector<EffectsResult> results;
    EXPECT_EQ(carry_out_together(io_, intake_, owners, results), std::vector<bool>(5, false));

    EXPECT_EQ(intake_.filing_stats().groups, 1u);
    EXPECT_EQ(intake_.filing_stats().tickets, 5u);
    std::vector<std::string> numbers;
    int dispatched = 0, queued = 0;
    for (std::size_t i = 0; i < owners.size(); ++i) {
        ASSERT_FALSE(results[i].deferred) << i;
        auto mine = pool_.run_sync([&](sql::Connection& c) {
            store::TicketFilter f;
            f.owner_openid = owners[i].first;
            return store::TicketRepository::list(c, f);
        });
        ASSERT_EQ(mine.size(), 1u) << owners[i].first;
        const auto& t = mine.front();
        numbers.push_back(t.number);
        // Each owner is told their own ticket's number.
        ASSERT_EQ(results[i].extra_replies.size(), 1u);
        EXPECT_NE(results[i].extra_replies[0].find(t.number), std::string::npos) << results[i].extra_replies[0];
        if (t.technician_id == tech.id) {
            ++dispatched;
            EXPECT_EQ(event_types(t.id), (std::vector<std::string>{"created", "dispatched"}));
            EXPECT_EQ(outbox(t.id).size(), 1u);  // the job push
        } else {
            ++queued;
            EXPECT_EQ(t.status, "new");
            EXPECT_EQ(event_types(t.id), (std::vector<std::string>{"created", "dispatch_queued"}));
        }
        auto photos = pool_.run_sync([&](sql::Connection& c) { return store::PhotoRepository::for_ticket(c, t.id); });
        ASSERT_EQ(photos.size(), 1u);
        EXPECT_EQ(photos[0].media_id, tag_ + "-g" + std::to_string(i) + "-media-1");
        auto profile = pool_.run_sync([&](sql::Connection& c) { return store::OwnerRepository::find_by_openid(c, owners[i].first); });
        ASSERT_TRUE(profile);
        EXPECT_EQ(profile->room, "502");
    }
    EXPECT_EQ(dispatched, 2) << "the technician had room for two";
    EXPECT_EQ(queued, 3);
    // Numbers in the order the confirmations came, one after another.
    for (std::size_t i = 1; i < numbers.size(); ++i) {
        EXPECT_EQ(std::stoull(numbers[i].substr(numbers[i].rfind('-') + 1)),
                  std::stoull(numbers[i - 1].substr(numbers[i - 1].rfind('-') + 1)) + 1)
            << numbers[i - 1] << " " << numbers[i];
    }
    EXPECT_EQ(watched_.size(), 5u);
}

TEST_F(TicketIntakeIntegration, ManyConfirmationsOnSeveralThreadsNeverGiveATechnicianMoreThanHisRoom) {
    // Two io threads, two writers, groups and lone filings as they come: every choice counts the
    // jobs given by filings not committed yet, so the room is never overbooked.
    auto tech = add_staff("王师傅", tag_ + "-tech", false, /*capacity=*/3);
    TicketIntake intake{pool_, dispatcher_, desk().sla, desk().notices, desk().dialog};  // no watch: 2 threads
    asio::io_context io(2);
    std::atomic<int> threw{0};
    std::vector<std::string> owners;
    for (int i = 0; i < 12; ++i) {
        owners.push_back(tag_ + "-owner-" + std::to_string(i));
        asio::co_spawn(io, intake.carry_out(owners.back(), confirmation(tag_ + "-m" + std::to_string(i), owners.back()), t0),
                       [&threw](std::exception_ptr e, EffectsResult) {
                           if (e) ++threw;
                       });
    }
    std::thread second([&io] { io.run(); });
    io.run();
    second.join();
    EXPECT_EQ(threw.load(), 0);
    int dispatched = 0, filed = 0;
    for (const auto& owner : owners) {
        auto mine = pool_.run_sync([&](sql::Connection& c) {
            store::TicketFilter f;
            f.owner_openid = owner;
            return store::TicketRepository::list(c, f);
        });
        filed += static_cast<int>(mine.size());
        for (const auto& t : mine) dispatched += t.technician_id == tech.id;
    }
    EXPECT_EQ(filed, 12);
    EXPECT_EQ(dispatched, 3);
}

TEST_F(TicketIntakeIntegration, AGroupWithARepeatedConfirmationIsFiledOneByOneTheRepeatFilesNothingNewTheRoomLeftIsUsed) {
    // Room for two: the first confirmation takes one; of the group after it, which cannot be
    // created together (its first is that confirmation again), the next takes the last room
    // and the third is queued — the group's own count of the room it would have taken is not
    // remembered as "nobody free" when it is filed one by one.
    auto tech = add_staff("王师傅", tag_ + "-tech", false, /*capacity=*/2);
    const std::string first_owner = tag_ + "-owner-0";
    std::vector<EffectsResult> first;
    carry_out_together(io_, intake_, {{first_owner, confirmation(tag_ + "-r0", first_owner)}}, first);
    std::vector<std::pair<std::string, std::vector<dialog::Effect>>> owners;
    owners.emplace_back(first_owner, confirmation(tag_ + "-r0", first_owner));  // the same again
    for (int i = 1; i < 3; ++i) {
        const std::string owner = tag_ + "-owner-" + std::to_string(i);
        owners.emplace_back(owner, confirmation(tag_ + "-r" + std::to_string(i), owner));
    }
    std::vector<EffectsResult> results;
    EXPECT_EQ(carry_out_together(io_, intake_, owners, results), std::vector<bool>(3, false));

    EXPECT_EQ(intake_.filing_stats().groups, 0u) << "the group could not be created together";
    std::vector<store::Ticket> tickets;
    for (std::size_t i = 0; i < owners.size(); ++i) {
        ASSERT_FALSE(results[i].deferred) << i;
        auto mine = pool_.run_sync([&](sql::Connection& c) {
            store::TicketFilter f;
            f.owner_openid = owners[i].first;
            return store::TicketRepository::list(c, f);
        });
        ASSERT_EQ(mine.size(), 1u) << owners[i].first;
        tickets.push_back(mine.front());
    }
    EXPECT_EQ(tickets[0].technician_id, tech.id);
    EXPECT_EQ(event_types(tickets[0].id), (std::vector<std::string>{"created", "dispatched"}));
    EXPECT_EQ(outbox(tickets[0].id).size(), 1u) << "one job push, also for the repeat";
    EXPECT_EQ(tickets[1].technician_id, tech.id) << "the room left";
    EXPECT_EQ(event_types(tickets[1].id), (std::vector<std::string>{"created", "dispatched"}));
    EXPECT_FALSE(tickets[2].technician_id);
    EXPECT_EQ(event_types(tickets[2].id), (std::vector<std::string>{"created", "dispatch_queued"}));
}

TEST_F(TicketIntakeIntegration, InAGroupATicketWhoseRowsFailFailsOnlyItsOwnConfirmation) {
    add_staff("王师傅", tag_ + "-tech", false);
    std::vector<std::pair<std::string, std::vector<dialog::Effect>>> owners;
    for (int i = 0; i < 3; ++i) {
        const std::string owner = tag_ + "-owner-" + std::to_string(i);
        owners.emplace_back(owner, confirmation(tag_ + "-f" + std::to_string(i), owner));
    }
    // A photo id longer than its column (128): MariaDB refuses the row (1406, strict mode).
    std::get<dialog::CreateTicket>(owners[1].second[0]).report.photos[0].media_id = std::string(200, 'm');
    std::vector<EffectsResult> results;
    auto threw = carry_out_together(io_, intake_, owners, results);

    EXPECT_EQ(intake_.filing_stats().groups, 0u);
    EXPECT_EQ(threw, (std::vector<bool>{false, true, false})) << "the SQL error reaches only its own confirmation";
    for (std::size_t i = 0; i < owners.size(); ++i) {
        auto mine = pool_.run_sync([&](sql::Connection& c) {
            store::TicketFilter f;
            f.owner_openid = owners[i].first;
            return store::TicketRepository::list(c, f);
        });
        if (i == 1) {
            EXPECT_TRUE(mine.empty()) << "nothing of it filed";
        } else {
            EXPECT_FALSE(results[i].deferred) << i;
            ASSERT_EQ(mine.size(), 1u) << owners[i].first;
            EXPECT_EQ(event_types(mine.front().id), (std::vector<std::string>{"created", "dispatched"}));
        }
    }
}

}  // namespace
}  // namespace repairbot::bot
