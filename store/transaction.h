// A MySQL transaction on one connection as a scope: commit() makes it stick, leaving the scope
// without commit() (an exception, an early return) rolls it back. Blocking, like the connection.
#pragma once

#include <cppconn/connection.h>

namespace repairbot::store {

class Transaction {
public:
    // Turns autocommit off on `c` (a round trip). Throws sql::SQLException.
    explicit Transaction(sql::Connection& c) : c_(c) { c_.setAutoCommit(false); }
    // Rolls back unless committed or rolled back; never throws (a dead link rolls back anyway).
    ~Transaction() {
        if (!done_) {
            try {
                c_.rollback();
                c_.setAutoCommit(true);
            } catch (...) {
            }
        }
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    // Commits and restores autocommit. Throws sql::SQLException (MysqlPool retries the whole
    // unit of work on deadlock / lost connection).
    void commit() {
        c_.commit();
        c_.setAutoCommit(true);
        done_ = true;
    }
    // Rolls back now and restores autocommit. Throws sql::SQLException.
    void rollback() {
        c_.rollback();
        c_.setAutoCommit(true);
        done_ = true;
    }

private:
    sql::Connection& c_;
    bool done_ = false;
};

}  // namespace repairbot::store
