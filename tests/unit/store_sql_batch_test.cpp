// SqlBatch's text: every value a literal that needs no escaping rules (strings as hex), the
// placeholders checked against the values, statements joined in order.
#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "store/sql_batch.h"
#include "store/sql_values.h"

namespace repairbot::store {
namespace {

using namespace std::chrono;

TEST(StoreSqlBatch, StringsTravelAsUtf8mb4HexInTheSessionsCollationSoQuotesAndBackslashesAreJustBytes) {
    SqlBatch b;
    b.add("INSERT INTO t (v) VALUES (?)", std::string("a'\\;--"));
    // a ' \ ; - -
    EXPECT_EQ(b.text(), "INSERT INTO t (v) VALUES (_utf8mb4 X'61275C3B2D2D' COLLATE utf8mb4_unicode_ci)");
}

TEST(StoreSqlBatch, ChineseTextIsItsUtf8Bytes) {
    SqlBatch b;
    b.add("SELECT ?", std::string("完成"));
    EXPECT_EQ(b.text(), "SELECT _utf8mb4 X'E5AE8CE68890' COLLATE utf8mb4_unicode_ci");
}

TEST(StoreSqlBatch, EmptyStringsNumbersFlagsTimesAndAbsentValuesHaveTheirOwnLiterals) {
    SqlBatch b;
    const Timestamp at = Timestamp{sys_days{year{2026} / 12 / 3}} + hours{22} + minutes{5} + milliseconds{7};
    b.add("SELECT ?, ?, ?, ?, ?, ?, ?, ?", std::string(), std::uint64_t{18446744073709551615ULL},
          std::uint32_t{7}, -3, true, false, at, std::optional<std::string>{});
    EXPECT_EQ(b.text(), "SELECT '', 18446744073709551615, 7, -3, 1, 0, '2026-12-03 22:05:00.007', NULL");
}

TEST(StoreSqlBatch, AnOptionalWithAValueIsThatValue) {
    SqlBatch b;
    b.add("SELECT ?, ?", std::optional<std::uint64_t>{42}, std::optional<bool>{true});
    EXPECT_EQ(b.text(), "SELECT 42, 1");
}

TEST(StoreSqlBatch, StatementsAreJoinedInOrderAndCounted) {
    SqlBatch b;
    EXPECT_TRUE(b.empty());
    b.add("START TRANSACTION").add("DELETE FROM t WHERE id = ?", std::uint64_t{5}).add("COMMIT");
    EXPECT_EQ(b.size(), 3u);
    EXPECT_EQ(b.text(), "START TRANSACTION;\nDELETE FROM t WHERE id = 5;\nCOMMIT");
}

TEST(StoreSqlBatch, MoreValuesThanPlaceholdersIsRefusedAndLeavesTheBatchAsItWas) {
    SqlBatch b;
    b.add("DO ?", 1);
    EXPECT_THROW(b.add("DO ?", 1, 2), std::logic_error);
    EXPECT_EQ(b.text(), "DO 1");
    EXPECT_EQ(b.size(), 1u);
}

TEST(StoreSqlBatch, FewerValuesThanPlaceholdersIsRefusedAndLeavesTheBatchAsItWas) {
    SqlBatch b;
    b.add("DO ?", 1);
    EXPECT_THROW(b.add("DO ?, ?", 1), std::logic_error);
    EXPECT_EQ(b.text(), "DO 1");
    EXPECT_EQ(b.size(), 1u);
}

TEST(StoreSqlBatch, MergingRowsSendsInsertsWithTheSameTextOutsideTheirRowsAsOneStatementAtTheFirstOnesPlace) {
    SqlBatch b(SqlBatch::Merge::rows);
    b.add("INSERT INTO e (t, k) VALUES (?, ?)", 1, 10);
    b.add("INSERT INTO n (t) SELECT ? FROM x", 1);            // not rows: keeps its place
    b.add("INSERT INTO e (t, k) VALUES (?, ?),(?, ?)", 2, 20, 2, 21);  // two rows, same text around them
    b.add("INSERT INTO e (t, k) VALUES (?, NOW(3))", 3);       // a function inside a row
    b.add("INSERT INTO o (id) VALUES (?) ON DUPLICATE KEY UPDATE id = VALUES(id)", 1);
    b.add("INSERT INTO o (id) VALUES (?) ON DUPLICATE KEY UPDATE id = VALUES(id)", 2);
    b.add("INSERT INTO o (id) VALUES (?)", 3);                 // another tail: its own statement
    b.add("COMMIT");
    EXPECT_EQ(b.size(), 5u);
    EXPECT_EQ(b.text(),
              "INSERT INTO e (t, k) VALUES (1, 10),(2, 20),(2, 21),(3, NOW(3));\n"
              "INSERT INTO n (t) SELECT 1 FROM x;\n"
              "INSERT INTO o (id) VALUES (1),(2) ON DUPLICATE KEY UPDATE id = VALUES(id);\n"
              "INSERT INTO o (id) VALUES (3);\n"
              "COMMIT");
}

TEST(StoreSqlBatch, MergingRowsLeavesAStatementWithValuesOutsideItsRowsAndAFailedAddAsTheyWere) {
    SqlBatch b(SqlBatch::Merge::rows);
    b.add("INSERT INTO e (t) VALUES (?) ON DUPLICATE KEY UPDATE t = ?", 1, 2);
    b.add("INSERT INTO e (t) VALUES (?) ON DUPLICATE KEY UPDATE t = ?", 3, 4);
    EXPECT_THROW(b.add("INSERT INTO e (t) VALUES (?) ON DUPLICATE KEY UPDATE t = ?", 5), std::logic_error);
    EXPECT_EQ(b.size(), 2u);
    EXPECT_EQ(b.text(),
              "INSERT INTO e (t) VALUES (1) ON DUPLICATE KEY UPDATE t = 2;\n"
              "INSERT INTO e (t) VALUES (3) ON DUPLICATE KEY UPDATE t = 4");
    b.add("COMMIT");
    EXPECT_EQ(b.size(), 3u);
}

TEST(StoreSqlBatch, MergingRowsLeavesInsertsWithoutValuesInRowsAndSelectsApart) {
    SqlBatch b(SqlBatch::Merge::rows);
    b.add("INSERT INTO t (a) VALUES (1)");
    b.add("INSERT INTO t (a) VALUES (1)");  // no value in its rows: its own statement
    b.add("INSERT INTO t (a) SELECT a FROM u ON DUPLICATE KEY UPDATE a = VALUES(a)");
    b.add("INSERT INTO t (a) SELECT a FROM u ON DUPLICATE KEY UPDATE a = VALUES(a)");
    b.add("UPDATE t SET a = ? WHERE b IN (SELECT 1) AND c = VALUES(c)", 5);
    EXPECT_EQ(b.size(), 5u);
}

}  // namespace
}  // namespace repairbot::store
