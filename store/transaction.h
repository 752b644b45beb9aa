// A MySQL transaction on one connection as a scope: commit() makes it stick, leaving the scope
// without commit() (an exception, an early return) rolls it back. Blocking, like the connection.
//
// START TRANSACTION ... COMMIT on a connection that stays in autocommit mode: two round trips
// per transaction. (Toggling autocommit off and on around COMMIT took three; a ticket's
// creation and dispatch run several transactions — docs/performance.md.)
//
// Nesting: a Transaction opened while another is open on the same connection (a repository
// function that opens its own, called inside a caller's) is a SAVEPOINT: its commit releases the
// savepoint, its rollback returns to it, and only the outermost decides what sticks. (MariaDB
// would otherwise commit the open transaction at the second START TRANSACTION.) Scopes must
// nest properly, on one thread, as scopes do.
#pragma once

#include <cppconn/connection.h>
#include <cppconn/statement.h>

#include <memory>
#include <string>
#include <unordered_map>

namespace repairbot::store {

class Transaction {
public:
    // Starts the transaction, or a savepoint inside an open one (a round trip). Throws
    // sql::SQLException.
    explicit Transaction(sql::Connection& c) : c_(c), depth_(open_depth()) {
        run(depth_ == 0 ? std::string("START TRANSACTION") : "SAVEPOINT " + savepoint());
        ++open_depth();
    }
    // For a commit that travels as the last statement of the caller's SqlBatch, with the last
    // rows of the work (one round trip instead of two): commit_sql() is the statement (COMMIT,
    // or RELEASE SAVEPOINT for an inner one), and committed() records that the batch ending in it
    // has run. Until then the scope rolls back as usual.
    [[nodiscard]] std::string commit_sql() const {
        return depth_ == 0 ? std::string("COMMIT") : "RELEASE SAVEPOINT " + savepoint();
    }
    void committed() { end(); }

    // Rolls back unless committed or rolled back; never throws (a dead link rolls back anyway).
    ~Transaction() {
        if (!done_) {
            end();
            try {
                run(depth_ == 0 ? std::string("ROLLBACK") : "ROLLBACK TO SAVEPOINT " + savepoint());
            } catch (...) {
            }
        }
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    // Commits (an inner one: releases its savepoint, the outer decides). Throws
    // sql::SQLException (MysqlPool retries the whole unit of work on deadlock / lost
    // connection; the destructor then rolls back what is left).
    void commit() {
        run(commit_sql());
        end();
    }
    // Rolls back now (an inner one: to its savepoint). Throws sql::SQLException.
    void rollback() {
        end();
        run(depth_ == 0 ? std::string("ROLLBACK") : "ROLLBACK TO SAVEPOINT " + savepoint());
    }

private:
    // Transactions open per connection on this thread (a connection is used by one thread at
    // a time, and a scope never spans threads).
    int& open_depth() { return depths()[&c_]; }
    void end() {
        done_ = true;
        if (--open_depth() == 0) forget();
    }
    // A connection with no transaction open leaves the map (connections come and go with
    // reconnects; the map stays as small as the transactions open at once).
    void forget() { depths().erase(&c_); }
    static std::unordered_map<const sql::Connection*, int>& depths() {
        thread_local std::unordered_map<const sql::Connection*, int> open;
        return open;
    }
    std::string savepoint() const { return "repairbot_" + std::to_string(depth_); }
    void run(const std::string& sql) {
        std::unique_ptr<sql::Statement> st(c_.createStatement());
        st->execute(sql);
    }

    sql::Connection& c_;
    const int depth_;
    bool done_ = false;
};

}  // namespace repairbot::store
