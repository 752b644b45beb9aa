// SqlBatch against the real MariaDB: statements run in order in one round trip, rows a
// statement returns are read past, a failing statement stops the batch and is named (the ones
// before it ran), the connection stays usable afterwards, and any text arrives byte for byte.
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <string>
#include <vector>

#include "store/mysql_pool.h"
#include "store/sql_batch.h"
#include "store/transaction.h"
#include "tests/integration/store_env.h"

namespace repairbot::store {
namespace {

void exec(sql::Connection& c, const std::string& q) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    st->execute(q);
}

std::vector<std::string> values(sql::Connection& c) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SELECT v FROM batch_probe ORDER BY id"));
    std::vector<std::string> out;
    while (rs->next()) out.push_back(rs->getString(1));
    return out;
}

class StoreSqlBatch : public ::testing::Test {
  protected:
    template <class F>
    auto sync(F f) {
        return pool_.run_sync([f = std::move(f)](sql::Connection& c) {
            // A temporary table: this connection's alone, and its DDL commits nothing.
            exec(c,
                 "CREATE TEMPORARY TABLE IF NOT EXISTS batch_probe (id INT AUTO_INCREMENT PRIMARY KEY, "
                 "v VARCHAR(64) CHARACTER SET utf8mb4 NOT NULL, UNIQUE KEY (v)) ENGINE=InnoDB");
            exec(c, "DELETE FROM batch_probe");
            return f(c);
        });
    }
    void TearDown() override { blocking_.join(); }

    boost::asio::thread_pool blocking_{1};
    MysqlPool pool_{blocking_, [] {
                        auto s = testing::mysql_settings();
                        s.pool_size = 1;
                        return s;
                    }()};
};

TEST_F(StoreSqlBatch, RunsEveryStatementInOrderReadingPastReturnedRows) {
    auto seen = sync([](sql::Connection& c) {
        SqlBatch b;
        b.add("INSERT INTO batch_probe (v) VALUES (?)", std::string("first"));
        b.add("INSERT INTO batch_probe (v) VALUES (?) RETURNING v", std::string("second"));
        b.add("UPDATE batch_probe SET v = ? WHERE v = ?", std::string("first!"), std::string("first"));
        b.run(c);
        return values(c);  // the connection is in sync: the next query works
    });
    EXPECT_EQ(seen, (std::vector<std::string>{"first!", "second"}));
}

TEST_F(StoreSqlBatch, TextThatLooksLikeSqlIsStoredByteForByte) {
    const std::vector<std::string> texts = {"x'); DROP TABLE batch_probe; --", "\\'\"`;", "完成😀", "?"};
    auto stored = sync([&texts](sql::Connection& c) {
        SqlBatch b;
        for (const auto& t : texts) b.add("INSERT INTO batch_probe (v) VALUES (?)", t);
        b.run(c);
        return values(c);
    });
    EXPECT_EQ(stored, texts);
}

TEST_F(StoreSqlBatch, AFailingStatementIsNamedStopsTheRestAndLeavesTheConnectionUsable) {
    struct Outcome {
        int code = 0;
        std::size_t statement = 99;
        std::vector<std::string> left;
        std::vector<std::string> after;
    };
    auto out = sync([](sql::Connection& c) {
        Outcome o;
        SqlBatch b;
        b.add("INSERT INTO batch_probe (v) VALUES ('a')");
        b.add("INSERT INTO batch_probe (v) VALUES ('a')");  // duplicate key
        b.add("INSERT INTO batch_probe (v) VALUES ('c')");  // never runs
        try {
            b.run(c);
        } catch (const SqlBatchError& e) {
            o.code = e.getErrorCode();
            o.statement = e.statement();
        }
        o.left = values(c);
        SqlBatch next;
        next.add("INSERT INTO batch_probe (v) VALUES ('d')");
        next.run(c);
        o.after = values(c);
        return o;
    });
    EXPECT_EQ(out.code, 1062);
    EXPECT_EQ(out.statement, 1u);
    EXPECT_EQ(out.left, (std::vector<std::string>{"a"}));
    EXPECT_EQ(out.after, (std::vector<std::string>{"a", "d"}));
}

TEST_F(StoreSqlBatch, ATransactionRollsBackWhenTheBatchCarryingItsCommitFails) {
    auto left = sync([](sql::Connection& c) {
        {
            Transaction trx(c);
            exec(c, "INSERT INTO batch_probe (v) VALUES ('kept-or-not')");
            SqlBatch rest;
            rest.add("INSERT INTO batch_probe (v) VALUES ('kept-or-not')");  // duplicate: stops here
            rest.add(trx.commit_sql());
            EXPECT_THROW(rest.run(c), SqlBatchError);
        }  // the scope rolls back
        return values(c);
    });
    EXPECT_TRUE(left.empty());
}

TEST_F(StoreSqlBatch, ATransactionCommitsWithTheBatchCarryingItsCommit) {
    auto left = sync([](sql::Connection& c) {
        {
            Transaction trx(c);
            SqlBatch all;
            all.add("INSERT INTO batch_probe (v) VALUES ('kept')").add(trx.commit_sql());
            all.run(c);
            trx.committed();
        }
        exec(c, "ROLLBACK");  // nothing open: what the batch committed stays
        return values(c);
    });
    EXPECT_EQ(left, (std::vector<std::string>{"kept"}));
}

}  // namespace
}  // namespace repairbot::store
