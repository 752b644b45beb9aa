// Pure parts of the store: time and number formats, the migration splitter, digests, error
// classification and codes.
#include <gtest/gtest.h>

#include "store/errors.h"
#include "store/lua_script.h"
#include "store/migrations.h"
#include "store/mysql_pool.h"
#include "store/redis.h"
#include "store/sql_values.h"
#include "store/technician_repository.h"

namespace repairbot::store {
namespace {

using namespace std::chrono;

Timestamp utc(int y, unsigned mo, unsigned d, int h, int mi, int s, int ms = 0) {
    return Timestamp{sys_days{year{y} / month{mo} / day{d}}} + hours{h} + minutes{mi} + seconds{s} +
           milliseconds{ms};
}

TEST(StoreSqlValues, DatetimeRoundTripsWithMilliseconds) {
    const auto t = utc(2026, 11, 21, 4, 5, 6, 789);
    EXPECT_EQ(to_sql_datetime(t), "2026-11-21 04:05:06.789");
    EXPECT_EQ(parse_sql_datetime("2026-11-21 04:05:06.789"), t);
    EXPECT_EQ(parse_sql_datetime("2026-11-21 04:05:06"), utc(2026, 11, 21, 4, 5, 6));
    EXPECT_EQ(parse_sql_datetime("2026-11-21 04:05:06.7"), utc(2026, 11, 21, 4, 5, 6, 700));
    EXPECT_EQ(parse_sql_datetime("2026-11-21 04:05:06.789123"), t);
    EXPECT_EQ(to_sql_datetime(utc(1999, 1, 2, 0, 0, 0)), "1999-01-02 00:00:00.000");
}

TEST(StoreSqlValues, MalformedDatetimesAreRejected) {
    for (const char* bad : {"", "2026-11-21", "2026-13-01 00:00:00", "2026-02-30 00:00:00",
                            "2026-11-21T04:05:06", "2026-11-21 24:00:00", "2026-11-21 04:05:06.",
                            "2026-11-21 04:05:06x", "abcd-11-21 04:05:06"}) {
        EXPECT_FALSE(parse_sql_datetime(bad)) << bad;
    }
}

TEST(StoreSqlValues, TicketNumbersUseTheDesksDayInUtcPlus8) {
    EXPECT_EQ(format_ticket_number(utc(2026, 11, 21, 3, 0, 0), 7), "BX20261121-0007");
    // 16:00 UTC is midnight in China: the next day's numbers.
    EXPECT_EQ(format_ticket_number(utc(2026, 11, 21, 15, 59, 59, 999), 1), "BX20261121-0001");
    EXPECT_EQ(format_ticket_number(utc(2026, 11, 21, 16, 0, 0), 1), "BX20261122-0001");
    EXPECT_EQ(format_ticket_number(utc(2026, 12, 31, 16, 0, 0), 9999), "BX20270101-9999");
    EXPECT_EQ(format_ticket_number(utc(2026, 11, 21, 3, 0, 0), 12345), "BX20261121-12345");
    EXPECT_EQ(desk_day(utc(2026, 11, 21, 16, 0, 0)), "2026-11-22");
    EXPECT_EQ(desk_day(utc(2026, 11, 21, 15, 0, 0)), "2026-11-21");
}

TEST(StoreMigrations, SplitterKeepsSemicolonsInsideQuotesAndDropsComments) {
    const auto parts = split_sql_statements(
        "-- a comment; with a semicolon\n"
        "CREATE TABLE a (x VARCHAR(8) DEFAULT ';');  # another; comment\n"
        "INSERT INTO a VALUES ('it''s; fine'), (\"q\\\"; x\");\n"
        "/* block; comment */ SELECT `we;ird`;\n"
        "   \n;;\n"
        "SELECT 1 -- trailing; comment\n");
    ASSERT_EQ(parts.size(), 4u);
    EXPECT_EQ(parts[0], "CREATE TABLE a (x VARCHAR(8) DEFAULT ';')");
    EXPECT_EQ(parts[1], "INSERT INTO a VALUES ('it''s; fine'), (\"q\\\"; x\")");
    EXPECT_EQ(parts[2], "SELECT `we;ird`");
    EXPECT_EQ(parts[3], "SELECT 1");
}

TEST(StoreMigrations, EmbeddedMigrationsAreOrderedAndEveryOneSplits) {
    const auto& all = embedded_migrations();
    ASSERT_FALSE(all.empty());
    EXPECT_EQ(all.front().name, "0001_schema");
    for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].name, all[i].name);
    const auto statements = split_sql_statements(all.front().sql);
    EXPECT_GE(statements.size(), 11u);  // one CREATE TABLE per table
    for (const auto& s : statements)
        EXPECT_EQ(s.rfind("CREATE TABLE IF NOT EXISTS", 0), 0u) << s.substr(0, 60);
}

TEST(StoreDigests, Sha1AndSha256MatchKnownVectors) {
    EXPECT_EQ(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(LuaScript("return 1").sha1(), sha1_hex("return 1"));
}

TEST(StoreMysqlErrors, TransientAndUnreachableNumbersAreClassified) {
    for (int e : {1213, 1205, 2006, 2013}) EXPECT_TRUE(is_transient_mysql_error(e)) << e;
    for (int e : {1062, 1064, 1146, 2003}) EXPECT_FALSE(is_transient_mysql_error(e)) << e;
    for (int e : {2002, 2003, 2006, 2013}) EXPECT_TRUE(is_unreachable_mysql_error(e)) << e;
    for (int e : {1213, 1062}) EXPECT_FALSE(is_unreachable_mysql_error(e)) << e;
}

TEST(StoreErrors, CodesCompareAndNameThemselves) {
    std::error_code ec = StoreErrc::version_conflict;
    EXPECT_EQ(ec, StoreErrc::version_conflict);
    EXPECT_NE(ec, StoreErrc::not_found);
    EXPECT_STREQ(ec.category().name(), "repairbot.store");
    EXPECT_EQ(ec.message(), "version conflict");
    EXPECT_EQ(Error({StoreErrc::not_found, "ticket"}).message(), "not found: ticket");
}

TEST(StoreRedisArgs, BuildsBinarySafeArgumentLists) {
    const std::string bin("a\0b", 3);
    const auto v = redis_args("SET", std::string("k"), bin);
    ASSERT_EQ(v.size(), 3u);
    EXPECT_EQ(v[2].size(), 3u);
    EXPECT_EQ(RedisReply::of_array({RedisReply::of_integer(1), RedisReply::nil()}),
              RedisReply::of_array({RedisReply::of_integer(1), RedisReply::nil()}));
    EXPECT_TRUE(RedisReply::of_status("OK").is_status("OK"));
}

TEST(StoreTechnicianLists, CommaListsRoundTripAndSkipEmptyItems) {
    EXPECT_EQ(join_list({"水", "电", "", "门窗"}), "水,电,门窗");
    EXPECT_EQ(split_list("水,电,,门窗,"), (std::vector<std::string>{"水", "电", "门窗"}));
    EXPECT_TRUE(split_list("").empty());
    EXPECT_EQ(split_list(join_list({"1", "2"})), (std::vector<std::string>{"1", "2"}));
}

TEST(StoreServerVersion, OnlyMariaDbFromTenFiveHasTheReturningClauseTheStoreWritesWith) {
    EXPECT_TRUE(server_supported("10.11.19-MariaDB-0+deb12u1"));
    EXPECT_TRUE(server_supported("10.5.0-MariaDB"));
    EXPECT_TRUE(server_supported("11.4.2-MariaDB-log"));
    EXPECT_TRUE(server_supported("5.5.5-10.6.12-MariaDB"));
    EXPECT_FALSE(server_supported("10.4.32-MariaDB"));
    EXPECT_FALSE(server_supported("8.0.36"));            // MySQL: no INSERT ... RETURNING
    EXPECT_FALSE(server_supported("5.7.44-log"));
    EXPECT_FALSE(server_supported(""));
    EXPECT_FALSE(server_supported("MariaDB"));
}

}  // namespace
}  // namespace repairbot::store
