// The admin commands of the real binary, configured through the environment like an operator's
// shell: `technician add` prints the bind code alone on the last line (scripts read it there),
// `technician list` shows the new technician, bad options exit 2 naming the option.
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>

#include <boost/asio/thread_pool.hpp>

#include <random>

#include "bot/admin_command.h"
#include "store/mysql_pool.h"
#include "tests/e2e/bot_process.h"
#include "tests/integration/store_env.h"

namespace repairbot::testing {
namespace {

std::string last_line(const std::string& text) {
    auto end = text.find_last_not_of('\n');
    if (end == std::string::npos) return "";
    auto start = text.rfind('\n', end);
    start = start == std::string::npos ? 0 : start + 1;
    return text.substr(start, end - start + 1);
}

class AdminCli : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        auto [code, out] =
            run_bot_command({"migrate"}, bot_environment(free_port()), "admin-migrate");
        ASSERT_EQ(code, 0) << out;
    }

    void TearDown() override {
        // The technicians this test added, with their codes.
        boost::asio::thread_pool blocking(1);
        {
            store::MysqlPool pool(blocking, store::testing::parse_mysql_url(test_mysql_url()));
            const std::string like = tag_ + "%";
            pool.run_sync([&like](sql::Connection& c) {
                for (const char* q : {"DELETE b FROM bind_codes b JOIN technicians t ON "
                                      "t.id = b.technician_id WHERE t.name LIKE ?",
                                      "DELETE FROM technicians WHERE name LIKE ?"}) {
                    std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(q));
                    st->setString(1, like);
                    st->executeUpdate();
                }
            });
        }
        blocking.join();
    }

    std::pair<int, std::string> repairbot(std::vector<std::string> args, const std::string& log) {
        return run_bot_command(std::move(args), bot_environment(free_port()), "admin-" + log);
    }

    std::string tag_ = [] {
        std::random_device rd;
        return "e2eadm-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 100000);
    }();
};

TEST_F(AdminCli, TechnicianAddPrintsTheBindCodeAloneOnTheLastLine) {
    const std::string name = tag_ + "张师傅";
    auto [code, out] = repairbot({"technician", "add", "--name", name, "--phone", "13600000003",
                                  "--trades", "水,电", "--buildings", "1,2,3", "--dispatcher"},
                                 "add");
    ASSERT_EQ(code, 0) << out;
    const std::string bind_code = last_line(out);
    ASSERT_EQ(bind_code.size(), bot::kBindCodeLength) << out;
    for (char c : bind_code)
        EXPECT_NE(bot::kBindCodeAlphabet.find(c), std::string_view::npos) << bind_code;
    EXPECT_EQ(out.find("e2e-admin-token-DO-NOT-LOG"), std::string::npos);

    auto [list_code, list] = repairbot({"technician", "list"}, "list");
    ASSERT_EQ(list_code, 0) << list;
    auto row_at = list.find(name);
    ASSERT_NE(row_at, std::string::npos) << list;
    const std::string row = list.substr(row_at, list.find('\n', row_at) - row_at);
    EXPECT_NE(row.find("13600000003"), std::string::npos) << row;
    EXPECT_NE(row.find("水,电"), std::string::npos) << row;
    EXPECT_NE(row.find("dispatcher"), std::string::npos) << row;
}

TEST_F(AdminCli, BadPhoneExitsTwoNamingPhone) {
    auto [code, out] = repairbot(
        {"technician", "add", "--name", tag_ + "李师傅", "--phone", "1360000000", "--trades", "水"},
        "badphone");
    EXPECT_EQ(code, 2) << out;
    EXPECT_NE(out.find("--phone"), std::string::npos) << out;
    EXPECT_NE(out.find("1360000000"), std::string::npos) << out;
    auto [list_code, list] = repairbot({"technician", "list", "--all"}, "badphone-list");
    ASSERT_EQ(list_code, 0) << list;
    EXPECT_EQ(list.find(tag_), std::string::npos) << list;  // nothing was added
}

TEST_F(AdminCli, UnknownTradeAndVerbExitTwo) {
    auto [trade_code, trade] = repairbot({"technician", "add", "--name", tag_ + "赵师傅", "--phone",
                                          "13600000004", "--trades", "木工"},
                                         "badtrade");
    EXPECT_EQ(trade_code, 2) << trade;
    EXPECT_NE(trade.find("--trades: '木工'"), std::string::npos) << trade;
    auto [verb_code, verb] = repairbot({"ticket", "erase"}, "badverb");
    EXPECT_EQ(verb_code, 2) << verb;
    EXPECT_NE(verb.find("usage"), std::string::npos) << verb;
}

TEST_F(AdminCli, TicketCommandsAnswerFromTheDatabase) {
    auto [list_code, list] =
        repairbot({"ticket", "list", "--openid", tag_ + "-nobody", "--json"}, "ticket-list");
    ASSERT_EQ(list_code, 0) << list;
    EXPECT_NE(list.find("[]"), std::string::npos) << list;
    auto [show_code, show] = repairbot({"ticket", "show", "BX19990101-9999"}, "ticket-show");
    EXPECT_EQ(show_code, 1) << show;
    EXPECT_NE(show.find("no ticket numbered BX19990101-9999"), std::string::npos) << show;
}

}  // namespace
}  // namespace repairbot::testing
