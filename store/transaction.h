// A MySQL transaction on one connection as a scope: commit() makes it stick, leaving the scope
// without commit() (an exception, an early return) rolls it back. Blocking, like the connection.
//
// START TRANSACTION ... COMMIT on a connection that stays in autocommit mode: two round trips
// per transaction. (Toggling autocommit off and on around COMMIT took three; a ticket's
// creation and dispatch run several transactions — docs/performance.md.)
#pragma once

#include <cppconn/connection.h>
#include <cppconn/statement.h>

#include <memory>

namespace repairbot::store {

class Transaction {
public:
    // Starts the transaction (a round trip). Throws sql::SQLException.
    explicit Transaction(sql::Connection& c) : c_(c) { run("START TRANSACTION"); }
    // Rolls back unless committed or rolled back; never throws (a dead link rolls back anyway).
    ~Transaction() {
        if (!done_) {
            try {
                run("ROLLBACK");
            } catch (...) {
            }
        }
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    // Commits. Throws sql::SQLException (MysqlPool retries the whole unit of work on deadlock
    // / lost connection; the destructor then rolls back what is left).
    void commit() {
        run("COMMIT");
        done_ = true;
    }
    // Rolls back now. Throws sql::SQLException.
    void rollback() {
        done_ = true;
        run("ROLLBACK");
    }

private:
    void run(const char* sql) {
        std::unique_ptr<sql::Statement> st(c_.createStatement());
        st->execute(sql);
    }

    sql::Connection& c_;
    bool done_ = false;
};

}  // namespace repairbot::store
