// The admin CLI's pure parts: bind codes from an unambiguous alphabet, `technician add` options
// validated with errors that name the option and the fix, usage errors answered with exit 2
// before any database work, and the tables and the ticket report.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "bot/admin_command.h"
#include "config/dialog_data.h"

namespace repairbot::bot {
namespace {

namespace chr = std::chrono;
using store::Timestamp;

Timestamp local(int y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
    auto day = chr::sys_days{chr::year{y} / chr::month{mo} / chr::day{d}};
    return chr::time_point_cast<chr::milliseconds>(day) + chr::hours{h} + chr::minutes{mi} -
           chr::hours{8};
}

const std::vector<std::string> kTrades{"水", "电", "燃气", "门窗", "电梯", "土建", "综合"};

// ---- bind codes ----

TEST(AdminBindCode, AlphabetHasNoLookAlikes) {
    EXPECT_EQ(kBindCodeAlphabet.size(), 32u);
    EXPECT_EQ(std::set<char>(kBindCodeAlphabet.begin(), kBindCodeAlphabet.end()).size(), 32u);
    for (char c : {'0', 'O', '1', 'I'})
        EXPECT_EQ(kBindCodeAlphabet.find(c), std::string_view::npos) << c;
}

TEST(AdminBindCode, EveryByteMapsIntoTheAlphabetEvenly) {
    std::vector<unsigned char> bytes(256);
    for (int i = 0; i < 256; ++i)
        bytes[static_cast<std::size_t>(i)] = static_cast<unsigned char>(i);
    const std::string code = bind_code_from_bytes(bytes);
    ASSERT_EQ(code.size(), 256u);
    std::map<char, int> seen;
    for (char c : code) {
        EXPECT_NE(kBindCodeAlphabet.find(c), std::string_view::npos) << c;
        ++seen[c];
    }
    EXPECT_EQ(seen.size(), 32u);
    for (const auto& [c, n] : seen) EXPECT_EQ(n, 8) << c;  // no symbol favoured
}

TEST(AdminBindCode, FreshCodesAreEightSymbolsAndDiffer) {
    std::set<std::string> codes;
    for (int i = 0; i < 1000; ++i) {
        auto code = new_bind_code();
        ASSERT_EQ(code.size(), kBindCodeLength);
        for (char c : code) ASSERT_NE(kBindCodeAlphabet.find(c), std::string_view::npos) << code;
        codes.insert(code);
    }
    EXPECT_EQ(codes.size(), 1000u);  // 32^8 ≈ 1.1e12 codes: a clash here means a broken RNG
}

// ---- technician add options ----

TEST(AdminTechnicianOptions, ReadsAFullTechnician) {
    auto t = technician_from_options({{"name", " 张师傅 "},
                                      {"phone", "13800138000"},
                                      {"trades", "水，电、门窗,水"},
                                      {"buildings", "1, 2,3"},
                                      {"capacity", "8"},
                                      {"supervisor", ""},
                                      {"manager", ""}},
                                     kTrades);
    ASSERT_TRUE(t) << t.error().detail;
    EXPECT_EQ(t->name, "张师傅");
    EXPECT_EQ(t->phone, "13800138000");
    EXPECT_EQ(t->trades, (std::vector<std::string>{"水", "电", "门窗"}));
    EXPECT_EQ(t->buildings, (std::vector<std::string>{"1", "2", "3"}));
    EXPECT_EQ(t->capacity, 8u);
    EXPECT_TRUE(t->is_supervisor);
    EXPECT_FALSE(t->is_dispatcher);
    EXPECT_TRUE(t->is_manager);
    EXPECT_TRUE(t->active);
    EXPECT_TRUE(t->on_duty);
    EXPECT_FALSE(t->openid);
}

TEST(AdminTechnicianOptions, DefaultsServeEveryBuildingWithCapacityFive) {
    auto t = technician_from_options(
        {{"name", "李师傅"}, {"phone", "19912345678"}, {"trades", "电"}}, kTrades);
    ASSERT_TRUE(t) << t.error().detail;
    EXPECT_TRUE(t->buildings.empty());
    EXPECT_EQ(t->capacity, 5u);
    EXPECT_FALSE(t->is_supervisor || t->is_dispatcher || t->is_manager);
}

TEST(AdminTechnicianOptions, EachProblemNamesTheOptionAndTheFix) {
    const std::map<std::string, std::string> good{
        {"name", "张师傅"}, {"phone", "13800138000"}, {"trades", "水"}};
    auto with = [&good](std::string key, std::optional<std::string> value) {
        auto o = good;
        if (value)
            o[key] = *value;
        else
            o.erase(key);
        return o;
    };
    struct Case {
        std::map<std::string, std::string> options;
        std::string starts;
        std::string fix;
    };
    for (const auto& c : {
             Case{with("name", std::nullopt), "--name is required", "--name 张师傅"},
             Case{with("name", "  "), "--name is required", "--name"},
             Case{with("phone", std::nullopt), "--phone is required", "11 digits"},
             Case{with("phone", "1380013800"), "--phone: '1380013800' is not a Chinese mobile",
                  "e.g. --phone 13800138000"},
             Case{with("phone", "12800138000"), "--phone: '12800138000'", "13-19"},
             Case{with("phone", "+8613800138000"), "--phone: '+8613800138000'", "without"},
             Case{with("trades", std::nullopt), "--trades is required", "水,电"},
             Case{with("trades", ","), "--trades is required", "--trades 水,电"},
             Case{with("trades", "水,木工"), "--trades: '木工' is not a trade", "水,电,燃气"},
             Case{with("buildings", ","), "--buildings: empty", "--buildings 1,2,3"},
             Case{with("capacity", "0"), "--capacity: '0'", "1 to 50"},
             Case{with("capacity", "51"), "--capacity: '51'", "1 to 50"},
             Case{with("capacity", "many"), "--capacity: 'many'", "1 to 50"},
             Case{with("supervisor", "yes"), "--supervisor takes no value", "yes"},
             Case{with("nmae", "x"), "unknown option --nmae", "nmae"},
         }) {
        auto t = technician_from_options(c.options, kTrades);
        ASSERT_FALSE(t) << c.starts;
        EXPECT_EQ(t.code(), std::errc::invalid_argument);
        EXPECT_EQ(t.error().detail.rfind(c.starts, 0), 0u) << t.error().detail;
        EXPECT_NE(t.error().detail.find(c.fix), std::string::npos) << t.error().detail;
    }
}

TEST(AdminTechnicianOptions, TradesComeFromTheShippedCatalog) {
    auto data = config::load_dialog_data(std::string(REPAIRBOT_SOURCE_DIR) + "/config");
    ASSERT_TRUE(data) << data.error().detail;
    auto trades = catalog_trades(data->catalog);
    EXPECT_NE(std::find(trades.begin(), trades.end(), "水"), trades.end());
    EXPECT_NE(std::find(trades.begin(), trades.end(), "电"), trades.end());
    EXPECT_EQ(std::set<std::string>(trades.begin(), trades.end()).size(), trades.size());
}

// ---- usage errors, before any database work ----

struct CliRun {
    int code;
    std::string out, err;
};

CliRun admin(std::string command, std::vector<std::string> args,
             std::map<std::string, std::string> options = {}) {
    config::Settings settings;
    settings.data_dir = std::string(REPAIRBOT_SOURCE_DIR) + "/config";
    settings.mysql.port = 1;  // nothing listens: a test reaching the database fails loudly
    CommandLine cl{std::move(command), "", std::move(args), std::move(options)};
    std::ostringstream out, err;
    int code = run_admin(settings, cl, local(2026, 11, 21, 10), out, err);
    return {code, out.str(), err.str()};
}

TEST(AdminUsage, UnknownVerbsAndOptionsExitTwoWithTheUsage) {
    struct Case {
        CliRun run;
        std::string says;
    };
    for (const auto& c : {
             Case{admin("technician", {}), "technician: say what to do"},
             Case{admin("technician", {"fire"}), "unknown command 'fire'"},
             Case{admin("ticket", {"delete"}), "unknown command 'delete'"},
             Case{admin("technician", {"list"}, {{"colour", ""}}), "unknown option --colour"},
             Case{admin("technician", {"list"}, {{"all", "yes"}}), "--all takes no value"},
             Case{admin("technician", {"disable"}), "give the technician's ID"},
             Case{admin("technician", {"disable", "abc"}), "give the technician's ID"},
             Case{admin("technician", {"enable", "3", "4"}), "unexpected argument '4'"},
             Case{admin("technician", {"duty", "3", "maybe"}), "say 'on' or 'off'"},
             Case{admin("technician", {"bind-code", "3"}, {{"force", ""}}),
                  "unknown option --force"},
             Case{admin("ticket", {"show"}), "give the ticket number"},
             Case{admin("ticket", {"show", "BX1"}, {{"csv", ""}}), "unknown option --csv"},
             Case{admin("ticket", {"list"}, {{"status", "open"}}), "--status: 'open'"},
             Case{admin("ticket", {"list"}, {{"json", "x"}}), "--json takes no value"},
         }) {
        EXPECT_EQ(c.run.code, kExitUsage) << c.says << "\n" << c.run.err;
        EXPECT_NE(c.run.err.find(c.says), std::string::npos) << c.run.err;
        EXPECT_NE(c.run.err.find("usage: repairbot"), std::string::npos) << c.run.err;
        EXPECT_TRUE(c.run.out.empty()) << c.run.out;
    }
}

TEST(AdminUsage, BadPhoneNamesPhoneAndExitsTwo) {
    auto r =
        admin("technician", {"add"}, {{"name", "张师傅"}, {"phone", "12345"}, {"trades", "水"}});
    EXPECT_EQ(r.code, kExitUsage);
    EXPECT_NE(r.err.find("--phone: '12345'"), std::string::npos) << r.err;
}

TEST(AdminUsage, BrokenDataDirIsAConfigurationError) {
    config::Settings settings;
    settings.data_dir = "/nonexistent-repairbot-config";
    CommandLine cl{"technician",
                   "",
                   {"add"},
                   {{"name", "张师傅"}, {"phone", "13800138000"}, {"trades", "水"}}};
    std::ostringstream out, err;
    EXPECT_EQ(run_admin(settings, cl, local(2026, 11, 21), out, err), kExitUsage);
    EXPECT_NE(err.str().find("REPAIRBOT_DATA_DIR"), std::string::npos) << err.str();
}

// ---- what is printed ----

TEST(AdminTables, TechnicianTableShowsTheFullPhoneAndState) {
    store::Technician a;
    a.id = 3;
    a.name = "张师傅";
    a.phone = "13800138000";
    a.trades = {"水", "电"};
    a.is_supervisor = true;
    a.openid = "o-tech";
    store::Technician b;
    b.id = 12;
    b.name = "Li";
    b.phone = "13900139000";
    b.trades = {"门窗"};
    b.buildings = {"1", "2"};
    b.on_duty = false;
    b.active = false;
    const std::string table = technician_table({a, b});
    std::istringstream lines(table);
    std::string header, row_a, row_b;
    std::getline(lines, header);
    std::getline(lines, row_a);
    std::getline(lines, row_b);
    EXPECT_EQ(header.rfind("ID", 0), 0u);
    EXPECT_NE(row_a.find("13800138000"), std::string::npos);
    EXPECT_NE(row_a.find("水,电"), std::string::npos);
    EXPECT_NE(row_a.find("supervisor"), std::string::npos);
    EXPECT_NE(row_b.find("1,2"), std::string::npos);
    // Columns line up although 张师傅 is three wide characters: PHONE starts in one column.
    EXPECT_EQ(header.find("PHONE"), row_b.find("13900139000"));
    EXPECT_NE(technician_table({}).find("(no technicians)"), std::string::npos);
}

TEST(AdminTables, TicketReportShowsStagesPhotosAndEvents) {
    store::Ticket t;
    t.number = "BX20261121-0007";
    t.status = "accepted";
    t.urgency = "normal";
    t.fault_type = "水管漏水";
    t.created_at = local(2026, 11, 21, 9);
    t.at.dispatched = local(2026, 11, 21, 9, 5);
    t.due.dispatch = local(2026, 11, 21, 9, 10);
    t.late.dispatch = false;
    t.due.arrive = local(2026, 11, 21, 13);
    store::Photo p;
    p.media_id = "MEDIA-1";
    p.pic_url = "http://mmbiz.qpic.cn/1";
    store::TicketEvent e{1, 1, local(2026, 11, 21, 9), "o-owner", "owner", "created", "{}"};
    const std::string text = ticket_report(TicketView{t, {}, std::vector{p}, std::vector{e}},
                                           config::SlaData{}, local(2026, 11, 21, 10));
    EXPECT_NE(text.find("ticket BX20261121-0007"), std::string::npos);
    EXPECT_NE(text.find("2026-11-21T09:10:00+08:00"), std::string::npos);
    EXPECT_NE(text.find("on_time"), std::string::npos);
    EXPECT_NE(text.find("pending"), std::string::npos);
    EXPECT_NE(text.find("MEDIA-1"), std::string::npos);
    EXPECT_NE(text.find("o-owner (owner)"), std::string::npos);
}

TEST(AdminTables, TicketReportOfAJobHandedOverAfterItsAcceptanceSaysWhoseAcceptanceItAwaits) {
    store::Ticket t;
    t.number = "BX20261121-0009";
    t.status = "dispatched";  // handed over by the one who accepted, given to the next
    t.urgency = "emergency";
    t.created_at = local(2026, 11, 21, 9);
    t.at.dispatched = local(2026, 11, 21, 9, 1);
    t.at.accepted = local(2026, 11, 21, 9, 2);
    t.late.accept = false;
    t.due.accept = local(2026, 11, 21, 9, 15);  // the next technician's window
    const std::string text =
        ticket_report(TicketView{t, {}, {}, {}}, config::SlaData{}, local(2026, 11, 21, 9, 10));
    EXPECT_NE(text.find("waiting for the technician it is with now to accept by 2026-11-21T09:15:00+08:00"),
              std::string::npos)
        << text;
    t.status = "accepted";
    EXPECT_EQ(ticket_report(TicketView{t, {}, {}, {}}, config::SlaData{}, local(2026, 11, 21, 9, 10))
                  .find("waiting for the technician"),
              std::string::npos);
}

TEST(AdminTables, TicketReportOfAReopenedJobShowsTheRevisit) {
    store::Ticket t;
    t.number = "BX20261121-0008";
    t.status = "dispatched";
    t.urgency = "normal";
    t.reopen_count = 1;
    t.created_at = local(2026, 11, 21, 9);
    t.at.dispatched = local(2026, 11, 21, 9, 5);
    t.at.accepted = local(2026, 11, 21, 9, 20);
    t.late.accept = false;
    t.revisit.reopened = local(2026, 11, 22, 9);
    t.revisit.accept_due = local(2026, 11, 22, 9, 30);
    const std::string text =
        ticket_report(TicketView{t, {}, {}, {}}, config::SlaData{}, local(2026, 11, 22, 10));
    const auto revisit = text.find("revisit (返修 1, reopened 2026-11-22T09:00:00+08:00)");
    ASSERT_NE(revisit, std::string::npos) << text;
    std::istringstream rows(text.substr(revisit));
    std::string line, accept;
    while (std::getline(rows, line))
        if (line.rfind("  accept", 0) == 0) accept = line;
    EXPECT_NE(accept.find("2026-11-22T09:30:00+08:00"), std::string::npos) << accept;
    EXPECT_NE(accept.find("late"), std::string::npos) << "unaccepted 30 min after: " << accept;
}

}  // namespace
}  // namespace repairbot::bot
