// The terminal chat, driven from a script (stdin) like a newcomer's first minutes: the real
// wechat-chat binary talks to the real bot, which pushes through the WeChat simulator. An
// owner's report typed line by line gets the ticket number back; a bound technician's chat
// shows the job push as it arrives.
#include <gtest/gtest.h>

#include <fstream>

#include "adapters/wechat/sim/api_server.h"
#include "store/technician_repository.h"
#include "tests/e2e/test_mysql.h"
#include "tests/e2e/wechat_channel.h"

namespace repairbot::testing {
namespace {

// `wechat-chat ARGS < input_file`, output in `log`.
std::unique_ptr<Process> start_chat(const std::vector<std::string>& args, const std::string& input,
                                    const std::string& tag) {
    const std::string input_path = "/tmp/repairbot-e2e-chat-" + tag + "-" + std::to_string(::getpid()) + ".in";
    std::ofstream(input_path) << input;
    std::vector<std::string> argv{"/bin/sh", "-c", "exec \"$0\" \"$@\" < " + input_path, REPAIRBOT_CHAT_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return std::make_unique<Process>(argv, std::map<std::string, std::string>{{"COLUMNS", "<unset>"}},
                                     "/tmp/repairbot-e2e-chat-" + tag + ".log");
}

class TerminalChat : public ::testing::Test {
protected:
    void SetUp() override {
        auto env = bot_environment(0);
        api_ = std::make_unique<wechat::sim::ApiServer>(
            wechat::sim::ApiServerOptions{env["REPAIRBOT_WECHAT_APPID"], env["REPAIRBOT_WECHAT_SECRET"]});
        ASSERT_TRUE(api_->start().ok());
        technician_openid_ = fresh_openid("chat_tech");
        // This test's plumber is the only one on duty and already bound, so the job is theirs.
        technician_id_ = with_mysql([&](sql::Connection& c) {
            const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
            for (auto t : store::TechnicianRepository::list(c, true)) {
                t.on_duty = false;
                (void)store::TechnicianRepository::update(c, t, now);
            }
            store::Technician t;
            t.openid = technician_openid_;
            t.name = "赵师傅";
            t.phone = "13911113333";
            t.trades = {"水", "电"};
            t.capacity = 5;
            auto added = store::TechnicianRepository::add(c, t, now);
            return added ? added->id : 0;
        });
        ASSERT_NE(technician_id_, 0u);
    }

    void TearDown() override {
        with_mysql([&](sql::Connection& c) {
            if (auto t = store::TechnicianRepository::find_by_id(c, technician_id_)) {
                t->active = false;
                t->on_duty = false;
                (void)store::TechnicianRepository::update(
                    c, *t, std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
            }
            return 0;
        });
    }

    std::vector<std::string> chat_args(const BotProcess& bot, const std::string& openid) const {
        const auto account = e2e_account();
        return {"--url", "http://127.0.0.1:" + std::to_string(bot.port()) + "/wechat", "--token", account.token,
                "--aes-key", account.aes_key, "--appid", account.appid, "--openid", openid,
                "--api", api_->base_url(), "--poll-ms", "100", "--linger-ms", "1000"};
    }

    std::unique_ptr<wechat::sim::ApiServer> api_;
    std::string technician_openid_;
    std::uint64_t technician_id_ = 0;
};

std::string ticket_number_in(const std::string& text) {
    const auto at = text.find("BX");
    if (at == std::string::npos) return {};
    const auto end = text.find_first_not_of("BX0123456789-", at);
    return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

TEST_F(TerminalChat, AnOwnersReportTypedThroughStdinGetsTheTicketNumberAndTheTechnicianSeesTheJob) {
    BotProcess bot("chat", {{"REPAIRBOT_WECHAT_API_BASE", api_->base_url()}});
    ASSERT_TRUE(bot.started()) << bot.output();

    // The technician's chat is open before the report, waiting for the job.
    auto technician = start_chat(chat_args(bot, technician_openid_), "/wait 30 新工单|新的维修工单\n", "tech");
    // Every slot in one message, then: no photos, as soon as possible, confirm.
    auto owner = start_chat(chat_args(bot, fresh_openid("chat_owner")),
                            "/help\n"
                            "3栋2单元502厨房水管漏水了，电话13800138000\n"
                            "没有\n"
                            "尽快\n"
                            "确认\n",
                            "owner");
    ASSERT_EQ(owner->wait(std::chrono::seconds(60)), 0) << owner->output() << bot.output();
    const std::string said = owner->output();
    EXPECT_NE(said.find("you  > 3栋2单元502厨房水管漏水了，电话13800138000"), std::string::npos) << said;
    EXPECT_NE(said.find("bot  < "), std::string::npos) << said;
    EXPECT_NE(said.find("/location LAT LNG"), std::string::npos) << "/help answers with the commands\n" << said;
    const std::string number = ticket_number_in(said.substr(said.find("工单号") == std::string::npos ? 0 : said.find("工单号")));
    ASSERT_FALSE(number.empty()) << said;
    EXPECT_NE(said.find("工单号"), std::string::npos) << said;

    ASSERT_EQ(technician->wait(std::chrono::seconds(40)), 0)
        << "the /wait for the job push timed out\n" << technician->output() << bot.output();
    const std::string seen = technician->output();
    // A technician who never wrote to the account gets the job as a template message.
    const auto push = seen.find("push * [模板消息] 您有一张新的维修工单");
    ASSERT_NE(push, std::string::npos) << seen;
    EXPECT_NE(seen.find(number, push), std::string::npos) << "the push names the owner's ticket\n" << seen;
    EXPECT_NE(seen.find("3栋2单元502", push), std::string::npos) << seen;
}

TEST_F(TerminalChat, SlashCommandsSendWhatAPhoneSendsAndMistakesAreExplainedNotSent) {
    BotProcess bot("chat-commands", {{"REPAIRBOT_WECHAT_API_BASE", api_->base_url()}});
    ASSERT_TRUE(bot.started()) << bot.output();
    const std::string photo = "/tmp/repairbot-e2e-chat-photo-" + std::to_string(::getpid()) + ".jpg";
    std::ofstream(photo, std::ios::binary) << std::string("\xff\xd8\xff\xe0 photo bytes \xff\xd9", 17);
    auto owner = start_chat(chat_args(bot, fresh_openid("chat_cmds")),
                            "/subscribe\n"
                            "/location 23.13 北\n"
                            "/voice 3栋2单元502卫生间灯不亮了\n"
                            "/photo " + photo + "\n",
                            "commands");
    ASSERT_EQ(owner->wait(std::chrono::seconds(60)), 0) << owner->output() << bot.output();
    const std::string said = owner->output();
    EXPECT_NE(said.find("you  > [关注公众号]"), std::string::npos) << said;
    EXPECT_NE(said.find("---- give the latitude and longitude as numbers"), std::string::npos) << said;
    EXPECT_EQ(said.find("you  > [位置]"), std::string::npos) << "a malformed location is not sent\n" << said;
    EXPECT_NE(said.find("you  > [语音] 3栋2单元502卫生间灯不亮了"), std::string::npos) << said;
    EXPECT_NE(said.find("you  > [图片] "), std::string::npos) << said;
    // Each sent message got a passive reply from the bot (the photo's is the photo step's).
    std::size_t replies = 0;
    for (std::size_t at = 0; (at = said.find("bot  < ", at)) != std::string::npos; ++at) ++replies;
    EXPECT_EQ(replies, 3u) << said;
    EXPECT_NE(said.find("照片"), std::string::npos) << said;
}

}  // namespace
}  // namespace repairbot::testing
