// What the operator's terminal commands share (bot/cli_support.h): tables whose columns line up
// on a terminal whatever mix of Chinese, ASCII and desk punctuation (— … ①) the cells hold, one
// ID syntax, one option check, one usage-error shape, one database-trouble message.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>

#include "bot/callback_command.h"
#include "bot/cli_support.h"

namespace repairbot::bot {
namespace {

namespace chr = std::chrono;
using store::Timestamp;

Timestamp local(int y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
    auto day = chr::sys_days{chr::year{y} / chr::month{mo} / chr::day{d}};
    return chr::time_point_cast<chr::milliseconds>(day) + chr::hours{h} + chr::minutes{mi} -
           chr::hours{8};
}

// ---- display width ----

TEST(CliDisplayWidth, ChineseAndFullWidthCharactersTakeTwoColumns) {
    EXPECT_EQ(display_width("张师傅"), 6u);
    EXPECT_EQ(display_width("3号楼电梯厅"), 11u);      // the digit is one column
    EXPECT_EQ(display_width("，"), 2u);                // full-width comma U+FF0C
    EXPECT_EQ(display_width("、"), 2u);                // U+3001
    EXPECT_EQ(display_width("한"), 2u);                // Hangul
    EXPECT_EQ(display_width("\U0001F527"), 2u);       // 🔧 an emoji, as terminals show it
    EXPECT_EQ(display_width("\xF0\xA0\x80\x80"), 2u);  // U+20000, CJK extension B (4 bytes)
}

TEST(CliDisplayWidth, AsciiAndDeskPunctuationTakeOneColumn) {
    EXPECT_EQ(display_width(""), 0u);
    EXPECT_EQ(display_width("BX20261121-0007"), 15u);
    // Ambiguous-width characters that desk texts use: one column each, although each is three
    // bytes of UTF-8 (the renderer once counted every three-byte character as two).
    EXPECT_EQ(display_width("—"), 1u);  // U+2014 em dash
    EXPECT_EQ(display_width("…"), 1u);  // U+2026 ellipsis
    EXPECT_EQ(display_width("①"), 1u);  // U+2460 circled one
    EXPECT_EQ(display_width("é"), 1u);  // two bytes
    EXPECT_EQ(display_width("漏水—急"), 7u);
    EXPECT_EQ(display_width("灯不亮…①"), 8u);
}

TEST(CliDisplayWidth, BrokenUtf8CountsWithoutReadingPastTheEnd) {
    EXPECT_EQ(display_width("\xE6\xB0"), 1u);  // 水 cut after two of its three bytes
    EXPECT_EQ(display_width("\x80\x80"), 2u);  // stray continuation bytes
    EXPECT_EQ(display_width("ab\xF0"), 3u);    // a lead byte alone at the end
    EXPECT_EQ(display_width(std::string_view("\0", 1)), 1u);
}

// ---- tables ----

TEST(CliTable, ColumnsArePaddedToTheWidestCellTwoSpacesApart) {
    EXPECT_EQ(render_table({{"ID", "NAME", "NOTE"}, {"1", "张师傅", "—"}, {"12", "Li", "…①"}}),
              "ID  NAME    NOTE\n"
              "1   张师傅  —\n"
              "12  Li      …①\n");
}

TEST(CliTable, DashEllipsisAndCircledDigitsAreOneColumnWide) {
    // 漏水—急 is 7 columns and 灯…① is 4: the next column starts at column 9 on every line.
    EXPECT_EQ(render_table({{"FAULT", "URGENCY"}, {"漏水—急", "emergency"}, {"灯…①", "normal"}}),
              "FAULT    URGENCY\n"
              "漏水—急  emergency\n"
              "灯…①     normal\n");
}

TEST(CliTable, MixedRowsStartEveryColumnAtTheSameTerminalColumn) {
    const std::vector<std::vector<std::string>> rows{
        {"ADDRESS", "REPORTER", "TEXT"},
        {"3号楼电梯厅", "王…", "电梯停了—有人"},
        {"1-2-301", "Zhang ①", "x"},
        {"한국", "李", "①②③"},
    };
    std::istringstream lines(render_table(rows));
    std::string line;
    std::size_t n = 0;
    for (; std::getline(lines, line); ++n) {
        ASSERT_LT(n, rows.size());
        const auto& row = rows[n];
        // Every line is its cells in order; the text before cell 1 and 2 has the same width.
        const auto at1 = line.find(row[1], row[0].size());
        const auto at2 = line.find(row[2], at1 + row[1].size());
        ASSERT_NE(at1, std::string::npos) << line;
        ASSERT_NE(at2, std::string::npos) << line;
        EXPECT_EQ(display_width(line.substr(0, at1)), 13u) << line;  // 3号楼电梯厅 + 2
        EXPECT_EQ(display_width(line.substr(0, at2)), 23u) << line;  // + REPORTER + 2
        EXPECT_EQ(line.substr(at2), row[2]) << "the last cell is not padded";
    }
    EXPECT_EQ(n, rows.size());
}

TEST(CliTable, ShortRowsAndEmptyTables) {
    EXPECT_EQ(render_table({}), "");
    EXPECT_EQ(render_table({{"ID", "NAME"}}), "ID  NAME\n");
    EXPECT_EQ(render_table({{"ID", "NAME", "NOTE"}, {"7"}}),
              "ID  NAME  NOTE\n"
              "7\n");
}

TEST(CliTable, CallbackQueueAlignsAfterAWideOrPunctuatedName) {
    store::CallbackEntry e;
    e.callback.id = 7;
    e.callback.kind = "sample";
    e.callback.due_at = local(2026, 11, 21, 10);
    e.callback.outcome = "unsatisfied";
    e.callback.done_by = "王—";
    e.callback.notes = "水管还在滴…";
    e.ticket_number = "BX20261121-0007";
    EXPECT_EQ(callback_table({e}),
              "ID  TICKET           KIND    DUE                        DONE  OUTCOME      BY   "
              "NOTES\n"
              "7   BX20261121-0007  sample  2026-11-21T10:00:00+08:00  -     unsatisfied  王—  "
              "水管还在滴…\n");
}

// ---- ids and options ----

TEST(CliIds, OnlyPositiveDecimalNumbersAreIds) {
    EXPECT_EQ(parse_id("7"), 7u);
    EXPECT_EQ(parse_id("18446744073709551615"), 18446744073709551615u);
    for (const char* bad :
         {"", "0", "-1", "+1", " 1", "1 ", "12a", "0x10", "1.0", "18446744073709551616", "３"}) {
        EXPECT_EQ(parse_id(bad), std::nullopt) << bad;
    }
}

TEST(CliOptions, UnknownOptionsAndFlagsWithValuesAreNamed) {
    const std::set<std::string> allowed{"limit", "json"};
    const std::set<std::string> flags{"json"};
    EXPECT_EQ(check_options({}, allowed, flags), std::nullopt);
    EXPECT_EQ(check_options({{"limit", "5"}, {"json", ""}}, allowed, flags), std::nullopt);
    EXPECT_EQ(check_options({{"colour", "red"}}, allowed, flags), "unknown option --colour");
    EXPECT_EQ(check_options({{"json", "yes"}}, allowed, flags),
              "--json takes no value (got 'yes')");
}

// ---- what a command prints when it stops ----

struct CommandRun {
    config::Settings settings;
    CommandLine cl{"ticket", "", {"list"}, {}};
    std::ostringstream out, err;
    CommandContext context() {
        const std::string_view usage = "  ticket list\n";
        return CommandContext{settings, cl, local(2026, 11, 21, 10), out, err, usage, "cli_test"};
    }
};

TEST(CliUsage, UsageErrorNamesTheCommandThenPrintsTheUsage) {
    CommandRun run;
    EXPECT_EQ(usage_error(run.context(), "ticket list: unknown option --csv"), kExitUsage);
    EXPECT_EQ(run.err.str(),
              "repairbot ticket: ticket list: unknown option --csv\n"
              "usage: repairbot\n"
              "  ticket list\n");
    EXPECT_EQ(run.out.str(), "");
}

TEST(CliDatabase, AnUnreachableDatabaseIsExitOneWithWhatToCheck) {
    CommandRun run;
    run.settings.mysql.host = "127.0.0.1";
    run.settings.mysql.port = 1;  // nothing listens
    bool worked = false;
    const int code = with_database(run.context(), [&worked](sql::Connection&) {
        worked = true;
        return kExitOk;
    });
    EXPECT_EQ(code, kExitFailure);
    EXPECT_FALSE(worked);
    const std::string err = run.err.str();
    EXPECT_EQ(err.rfind("repairbot ticket: the database cannot be reached (", 0), 0u) << err;
    EXPECT_NE(err.find(").\nCheck that the server in REPAIRBOT_MYSQL_URL is running and "
                       "reachable.\n"),
              std::string::npos)
        << err;
    EXPECT_EQ(run.out.str(), "");
}

}  // namespace
}  // namespace repairbot::bot
