// A repair from 报修 to 回访 through the real binary, MariaDB, Redis and the simulated WeChat
// platform: the technician binds with a code from the admin CLI and works the job from chat
// (接单, 完成 费用 50), the owner is told at each step and answers in chat (没修好 → 返修, 修好了,
// 2 stars with a comment → complaint and callback), and every step is in the audit log.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "adapters/wechat/sim/api_server.h"
#include "bot/outbox_sender.h"
#include "config/push_templates.h"
#include "store/feedback_repository.h"
#include "store/outbox_repository.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"
#include "tests/e2e/test_mysql.h"
#include "tests/e2e/wechat_channel.h"

namespace repairbot::testing {
namespace {

using wechat::Mode;

std::string last_line(const std::string& out) {
    auto end = out.find_last_not_of("\n ");
    if (end == std::string::npos) return {};
    auto start = out.rfind('\n', end);
    return out.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
}

std::string ticket_number_in(const std::string& text) {
    auto at = text.find("BX");
    if (at == std::string::npos) return {};
    auto end = text.find_first_not_of("BX0123456789-", at);
    return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

class RepairLoop : public ::testing::Test {
protected:
    void SetUp() override {
        auto env = bot_environment(0);
        api_ = std::make_unique<wechat::sim::ApiServer>(
            wechat::sim::ApiServerOptions{env["REPAIRBOT_WECHAT_APPID"], env["REPAIRBOT_WECHAT_SECRET"]});
        ASSERT_TRUE(api_->start().ok());
        // Nobody else on duty: the jobs can only go to this test's technicians.
        with_mysql([&](sql::Connection& c) {
            auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
            for (auto t : store::TechnicianRepository::list(c, true)) {
                t.on_duty = false;
                (void)store::TechnicianRepository::update(c, t, now);
            }
            return 0;
        });
    }
    void TearDown() override {
        with_mysql([&](sql::Connection& c) {
            auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
            for (auto id : technicians_) {
                auto t = store::TechnicianRepository::find_by_id(c, id);
                if (!t) continue;
                t->active = false;
                t->on_duty = false;
                (void)store::TechnicianRepository::update(c, *t, now);
            }
            return 0;
        });
    }

    std::map<std::string, std::string> env() const {
        auto e = bot_environment(0);
        e.erase("REPAIRBOT_LISTEN");
        e["REPAIRBOT_WECHAT_API_BASE"] = api_->base_url();
        return e;
    }

    // Adds a technician with the admin CLI and binds `openid` to it by chatting 绑定 <code>.
    void add_and_bind(WechatChannel& phone, const std::string& name, const std::string& openid) {
        auto [code, out] = run_bot_command({"technician", "add", "--name", name, "--phone", "13911112222",
                                            "--trades", "水,电"},
                                           env(), "loop-add");
        ASSERT_EQ(code, 0) << out;
        auto bind_code = last_line(out);
        ASSERT_FALSE(bind_code.empty()) << out;
        auto reply = phone.say(openid, "绑定 " + bind_code);
        EXPECT_NE(reply.find("绑定成功"), std::string::npos) << reply;
        auto id = with_mysql([&](sql::Connection& c) {
            auto t = store::TechnicianRepository::find_by_openid(c, openid);
            return t ? t->id : 0;
        });
        ASSERT_NE(id, 0u);
        technicians_.push_back(id);
    }

    // Texts the simulated WeChat delivered to `openid` (customer-service messages and templates).
    std::vector<std::string> messages_to(const std::string& openid) const {
        std::vector<std::string> out;
        for (const char* path : {"/cgi-bin/message/custom/send", "/cgi-bin/message/template/send"})
            for (auto& call : api_->calls(path))
                if (call.errcode == 0 && call.json.is_object() && call.json.value("touser", "") == openid)
                    out.push_back(call.body);
        return out;
    }
    bool told(const std::string& openid, const std::string& needle) const {
        for (auto& m : messages_to(openid))
            if (m.find(needle) != std::string::npos) return true;
        return false;
    }

    store::Ticket ticket(const std::string& number) {
        auto t = with_mysql([&](sql::Connection& c) { return store::TicketRepository::find_by_number(c, number); });
        EXPECT_TRUE(t.ok());
        return t.ok() ? *t : store::Ticket{};
    }
    std::vector<std::string> event_types(const store::Ticket& t) {
        auto events = with_mysql([&](sql::Connection& c) { return store::TicketRepository::events(c, t.id); });
        std::vector<std::string> out;
        for (auto& e : events) out.push_back(e.type);
        return out;
    }

    std::unique_ptr<wechat::sim::ApiServer> api_;
    std::vector<std::uint64_t> technicians_;
};

TEST_F(RepairLoop, ReportToDoneToRatedThroughTheChats) {
    BotProcess bot("loop", {{"REPAIRBOT_WECHAT_API_BASE", api_->base_url()}});
    ASSERT_TRUE(bot.started()) << bot.output();
    WechatChannel phone(bot.port(), Mode::safe);
    const auto tech = fresh_openid("tech");
    const auto owner = fresh_openid("owner");
    add_and_bind(phone, "李师傅", tech);

    // The owner reports; the job is pushed to the technician.
    auto created = phone.finish_report(owner, phone.say(owner, "5栋1单元301卫生间水管接头漏水，电话13800138000"));
    auto number = ticket_number_in(created);
    ASSERT_FALSE(number.empty()) << created;
    ASSERT_TRUE(eventually([&] { return told(tech, number); }, std::chrono::seconds(15))) << bot.output();

    // 接单: the technician's reply, the owner told with the technician's name and phone.
    auto accepted = phone.say(tech, "接单");
    EXPECT_NE(accepted.find("已接单"), std::string::npos) << accepted;
    EXPECT_EQ(ticket(number).status, "accepted");
    EXPECT_TRUE(eventually([&] { return told(owner, "李师傅") && told(owner, "13911112222"); },
                           std::chrono::seconds(15)))
        << bot.output();
    // 进度: the owner's list names who accepted and when they promised to arrive.
    auto progress = phone.say(owner, "进度");
    EXPECT_NE(progress.find(number + "｜水｜师傅已接单（李师傅，预计"), std::string::npos) << progress;
    EXPECT_NE(progress.find("前到场）"), std::string::npos) << progress;

    // 完成 费用 50: the owner is asked to confirm, with the fee.
    auto done = phone.say(tech, "完成 费用 50");
    EXPECT_NE(done.find("已完成"), std::string::npos) << done;
    auto t = ticket(number);
    EXPECT_EQ(t.status, "done");
    EXPECT_EQ(t.fee_cents, 5000u);
    EXPECT_TRUE(eventually([&] { return told(owner, "修好了请回复"); }, std::chrono::seconds(15))) << bot.output();

    // 没修好 → reopened to the same technician, who is told; 接单 and 完成 again.
    auto not_fixed = phone.say(owner, "2");
    EXPECT_NE(not_fixed.find("返修"), std::string::npos) << not_fixed;
    t = ticket(number);
    EXPECT_EQ(t.status, "dispatched");
    EXPECT_EQ(t.reopen_count, 1u);
    EXPECT_EQ(t.technician_id, technicians_.front());
    EXPECT_TRUE(eventually([&] { return told(tech, "返修"); }, std::chrono::seconds(15))) << bot.output();
    EXPECT_TRUE(told(tech, "业主反馈：没修好")) << "the owner's word";
    EXPECT_FALSE(told(tech, "业主反馈：业主反馈")) << "said once";
    EXPECT_NE(phone.say(tech, "接单").find("已接单"), std::string::npos);
    EXPECT_NE(phone.say(tech, "完成").find("已完成"), std::string::npos);

    // The owner's chat session expires before they answer (a day idle): the question is lost,
    // and their "1" would be taken for something else. 进度 lists the job and asks it again.
    const std::string session_key = "rb:{" + owner + "}:session";
    ASSERT_EQ(std::system(
                  ("redis-cli -u '" + test_redis_url() + "' DEL '" + session_key + "' > /dev/null")
                      .c_str()),
              0);
    auto asked_again = phone.say(owner, "进度");
    EXPECT_NE(asked_again.find(number), std::string::npos) << asked_again;
    EXPECT_NE(asked_again.find("修好了请回复"), std::string::npos) << asked_again;
    // An answer is read as one from the second after the question (dialog/feedback.h): a person
    // takes longer than that to type it.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));

    // 修好了, then 2 stars with a comment: rated, and a complaint called back within 3 days.
    auto fixed = phone.say(owner, "1");
    EXPECT_EQ(ticket(number).status, "confirmed") << fixed;
    auto two = phone.say(owner, "2");
    EXPECT_NE(two.find("必填"), std::string::npos) << "a low score asks for a comment: " << two;
    auto thanks = phone.say(owner, "师傅来晚了，态度也不好");
    EXPECT_NE(thanks.find("感谢"), std::string::npos) << thanks;
    t = ticket(number);
    EXPECT_EQ(t.status, "rated") << "a complaint's callback is still open";
    auto complaints = with_mysql([&](sql::Connection& c) {
        return store::FeedbackRepository::complaints(c, "", 50);
    });
    auto mine = std::find_if(complaints.begin(), complaints.end(),
                             [&](const store::Complaint& c) { return c.ticket_id == t.id; });
    ASSERT_NE(mine, complaints.end());
    EXPECT_EQ(mine->source, "low_rating");
    auto callbacks = with_mysql([&](sql::Connection& c) {
        store::CallbackFilter f;
        f.kind = "complaint";
        f.done = false;
        f.limit = 1000;
        return store::FeedbackRepository::callbacks(c, f);
    });
    auto cb = std::find_if(callbacks.begin(), callbacks.end(),
                           [&](const store::Callback& c) { return c.ticket_id == t.id; });
    ASSERT_NE(cb, callbacks.end());
    auto in_three_days = std::chrono::system_clock::now() + std::chrono::hours(72);
    EXPECT_LT(std::chrono::abs(cb->due_at - std::chrono::time_point_cast<std::chrono::milliseconds>(in_three_days)),
              std::chrono::minutes(5));

    // The audit log tells the whole story, in order.
    auto types = event_types(t);
    std::vector<std::string> expected{"created", "dispatched", "accepted", "done", "reopened",
                                      "accepted", "done", "confirmed", "rated"};
    std::vector<std::string> seen;
    for (auto& type : types)
        if (std::find(expected.begin(), expected.end(), type) != expected.end()) seen.push_back(type);
    EXPECT_EQ(seen, expected);

    // The supervisor records the handling (DOMAIN.md: called back within 3 days of it), then the
    // dispatcher calls back and records it: the ticket closes.
    auto [handled_code, handled_out] =
        run_bot_command({"complaint", "handle", std::to_string(mine->id), "--resolution",
                         "已向业主致歉，批评教育维修工", "--by", "李主管"},
                        env(), "loop-handle");
    EXPECT_EQ(handled_code, 0) << handled_out;
    EXPECT_NE(handled_out.find("callback " + std::to_string(cb->id) + " due"), std::string::npos)
        << "the complaint's callback moves to 3 days after the handling: " << handled_out;
    EXPECT_EQ(ticket(number).status, "rated") << "its callback is still to be made";
    auto [code, out] = run_bot_command({"callback", "done", std::to_string(cb->id), "--outcome", "satisfied",
                                        "--notes", "已致歉，业主接受"},
                                       env(), "loop-callback");
    EXPECT_EQ(code, 0) << out;
    auto after = with_mysql([&](sql::Connection& c) {
        store::CallbackFilter f;
        f.kind = "complaint";
        f.done = true;
        f.limit = 1000;
        return store::FeedbackRepository::callbacks(c, f);
    });
    EXPECT_TRUE(std::any_of(after.begin(), after.end(), [&](const store::Callback& c) {
        return c.id == cb->id && c.outcome == std::optional<std::string>("satisfied");
    }));
    // rated → callback → closed: the ticket closes with its last open callback (a sample
    // callback may also have been queued at confirmation; then it stays rated until that one).
    auto still_open = with_mysql([&](sql::Connection& c) {
        return store::FeedbackRepository::open_callbacks_for_ticket(c, t.id);
    });
    EXPECT_EQ(ticket(number).status, still_open == 0 ? "closed" : "rated");

    // Every notification of the repair carries the fields config/push_templates.h lists for its
    // event (an event without a table of its own: staff_notice's), no more, and the shipped
    // push.toml finds each field it names.
    auto templates = config::load_push_templates(REPAIRBOT_SOURCE_DIR "/config");
    ASSERT_TRUE(templates) << templates.error().detail;
    auto rows = with_mysql(
        [&](sql::Connection& c) { return store::OutboxRepository::for_ticket(c, t.id); });
    std::set<std::string> events;
    for (const auto& row : rows) {
        auto payload = nlohmann::json::parse(row.payload);
        const std::string event = payload.value("event", "");
        events.insert(event);
        auto fields = config::push_event_fields().find(event);
        if (fields == config::push_event_fields().end())
            fields = config::push_event_fields().find("staff_notice");
        for (const auto& [key, value] : payload.items())
            EXPECT_TRUE(key == "event" || std::find(fields->second.begin(), fields->second.end(),
                                                    key) != fields->second.end())
                << event << " carries " << key << ", not in push_event_fields()";
        auto worded = bot::word_notice(*templates, row.payload);
        ASSERT_TRUE(worded);
        EXPECT_EQ(worded->missing, std::vector<std::string>{}) << row.payload;
    }
    for (const char* e : {"job_assigned", "job_accepted", "job_done", "job_reopened"})
        EXPECT_TRUE(events.count(e)) << e << " among " << rows.size() << " notifications";
}

TEST_F(RepairLoop, AnotherTechniciansCommandsAreRefused) {
    BotProcess bot("loop-refuse", {{"REPAIRBOT_WECHAT_API_BASE", api_->base_url()}});
    ASSERT_TRUE(bot.started()) << bot.output();
    WechatChannel phone(bot.port(), Mode::safe);
    const auto tech = fresh_openid("tech");
    const auto other = fresh_openid("tech");
    const auto owner = fresh_openid("owner");
    add_and_bind(phone, "赵师傅", tech);
    auto number = ticket_number_in(phone.finish_report(owner, phone.say(owner, "5栋1单元302厨房水管漏水，电话13800138001")));
    ASSERT_FALSE(number.empty());
    ASSERT_EQ(ticket(number).technician_id, technicians_.front());
    // Bound afterwards, so the job went to the first; on duty but not this ticket's technician.
    add_and_bind(phone, "钱师傅", other);
    auto reply = phone.say(other, "接单 " + number);
    EXPECT_NE(reply.find("没有进行中的工单"), std::string::npos) << reply;
    EXPECT_EQ(ticket(number).status, "dispatched");
    // And an owner cannot act as a technician.
    auto owner_reply = phone.say(owner, "接单 " + number);
    EXPECT_EQ(ticket(number).status, "dispatched") << owner_reply;
}

// The desk's data files with an emergency's accept limit cut to one minute, so the SLA timers'
// re-dispatch can be watched in a test.
std::string data_dir_with_short_accept() {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("repairbot-e2e-data-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::copy(fs::path(REPAIRBOT_SOURCE_DIR) / "config", dir, fs::copy_options::recursive);
    std::ifstream in(dir / "sla.toml");
    std::stringstream text;
    text << in.rdbuf();
    std::string sla = text.str();
    const std::string from = "accept = \"5 min\"";
    auto at = sla.find(from);
    if (at != std::string::npos) sla.replace(at, from.size(), "accept = \"1 min\"");
    std::ofstream(dir / "sla.toml", std::ios::trunc) << sla;
    return dir.string();
}

TEST_F(RepairLoop, AJobNotAcceptedInTimeGoesToTheNextTechnician) {
    const auto data_dir = data_dir_with_short_accept();
    BotProcess bot("loop-timeout", {{"REPAIRBOT_WECHAT_API_BASE", api_->base_url()}, {"REPAIRBOT_DATA_DIR", data_dir}});
    ASSERT_TRUE(bot.started()) << bot.output();
    WechatChannel phone(bot.port(), Mode::safe);
    const auto first = fresh_openid("tech");
    const auto second = fresh_openid("tech");
    const auto owner = fresh_openid("owner");
    add_and_bind(phone, "孙师傅", first);
    add_and_bind(phone, "周师傅", second);

    // An emergency: accept within 1 minute (this test's sla.toml).
    auto number = ticket_number_in(phone.finish_report(owner, phone.say(owner, "6栋1单元101水管爆了，电话13800138002")));
    ASSERT_FALSE(number.empty());
    auto t = ticket(number);
    ASSERT_TRUE(t.technician_id.has_value());
    const auto first_id = *t.technician_id;
    const auto& first_openid = first_id == technicians_[0] ? first : second;
    const auto& second_openid = first_id == technicians_[0] ? second : first;
    ASSERT_TRUE(eventually([&] { return told(first_openid, number); }, std::chrono::seconds(15))) << bot.output();

    // Nobody answers: after the deadline the job goes to the other technician, who is pushed it.
    ASSERT_TRUE(eventually([&] { return ticket(number).technician_id != first_id; }, std::chrono::seconds(100)))
        << bot.output();
    EXPECT_EQ(ticket(number).status, "dispatched");
    EXPECT_TRUE(eventually([&] { return told(second_openid, number); }, std::chrono::seconds(15))) << bot.output();
    auto events = with_mysql([&](sql::Connection& c) { return store::TicketRepository::events(c, t.id); });
    bool redispatched = false;
    for (auto& e : events)
        if (e.type == "dispatched" && e.details.find("accept_timeout") != std::string::npos) redispatched = true;
    EXPECT_TRUE(redispatched) << "the audit log says why the job moved";
    // The first technician can no longer accept it; the second can.
    EXPECT_EQ(phone.say(first_openid, "接单 " + number).find("已接单"), std::string::npos);
    // By number: the shared test database may hand this technician other tests' overdue jobs.
    const auto accepted = phone.say(second_openid, "接单 " + number);
    EXPECT_NE(accepted.find("已接单"), std::string::npos) << accepted << bot.output();
    EXPECT_EQ(ticket(number).status, "accepted");
    std::filesystem::remove_all(data_dir);
}

}  // namespace
}  // namespace repairbot::testing
