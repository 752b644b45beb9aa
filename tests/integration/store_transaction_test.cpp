// store::Transaction against the real MariaDB: a transaction opened inside another is a
// savepoint, so the outer one decides what sticks. (MariaDB commits an open transaction when
// another START TRANSACTION arrives: without savepoints, TicketRepository::update inside a
// caller's transaction committed the caller's rows and could not take them back on a conflict.)
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <string>
#include <vector>

#include "store/mysql_pool.h"
#include "store/transaction.h"
#include "tests/integration/store_env.h"

namespace repairbot::store {
namespace {

void exec(sql::Connection& c, const std::string& q) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    st->execute(q);
}

std::vector<std::string> rows(sql::Connection& c) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SELECT v FROM tx_probe ORDER BY v"));
    std::vector<std::string> out;
    while (rs->next()) out.push_back(rs->getString(1));
    return out;
}

class StoreTransaction : public ::testing::Test {
protected:
    template <class F>
    auto sync(F f) {
        return pool_.run_sync([f = std::move(f)](sql::Connection& c) {
            // A temporary table: its DDL commits nothing, and it is this connection's alone.
            exec(c, "CREATE TEMPORARY TABLE IF NOT EXISTS tx_probe (v VARCHAR(16)) ENGINE=InnoDB");
            exec(c, "DELETE FROM tx_probe");
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

TEST_F(StoreTransaction, AnOuterRollbackTakesBackWhatAnInnerTransactionCommitted) {
    auto left = sync([](sql::Connection& c) {
        {
            Transaction outer(c);
            exec(c, "INSERT INTO tx_probe VALUES ('outer')");
            {
                Transaction inner(c);
                exec(c, "INSERT INTO tx_probe VALUES ('inner')");
                inner.commit();
            }
            outer.rollback();
        }
        return rows(c);
    });
    EXPECT_TRUE(left.empty());
}

TEST_F(StoreTransaction, AnInnerRollbackKeepsTheOuterTransactionsEarlierRows) {
    auto left = sync([](sql::Connection& c) {
        {
            Transaction outer(c);
            exec(c, "INSERT INTO tx_probe VALUES ('outer')");
            {
                Transaction inner(c);
                exec(c, "INSERT INTO tx_probe VALUES ('inner')");
                inner.rollback();  // e.g. a version conflict in TicketRepository::update
            }
            exec(c, "INSERT INTO tx_probe VALUES ('after')");
            outer.commit();
        }
        return rows(c);
    });
    EXPECT_EQ(left, (std::vector<std::string>{"after", "outer"}));
}

TEST_F(StoreTransaction, LeavingTheOuterScopeWithoutCommitRollsEverythingBack) {
    auto left = sync([](sql::Connection& c) {
        {
            Transaction outer(c);
            exec(c, "INSERT INTO tx_probe VALUES ('outer')");
            Transaction inner(c);
            exec(c, "INSERT INTO tx_probe VALUES ('inner')");
            inner.commit();
        }
        // The connection is back in autocommit: a plain statement sticks on its own.
        exec(c, "INSERT INTO tx_probe VALUES ('plain')");
        return rows(c);
    });
    EXPECT_EQ(left, (std::vector<std::string>{"plain"}));
}

TEST_F(StoreTransaction, ASecondTransactionAfterTheFirstEndedIsATopLevelOneAgain) {
    auto left = sync([](sql::Connection& c) {
        {
            Transaction first(c);
            exec(c, "INSERT INTO tx_probe VALUES ('first')");
            first.commit();
        }
        {
            Transaction second(c);
            exec(c, "INSERT INTO tx_probe VALUES ('second')");
        }  // not committed: rolled back, the first stays
        return rows(c);
    });
    EXPECT_EQ(left, (std::vector<std::string>{"first"}));
}

}  // namespace
}  // namespace repairbot::store
