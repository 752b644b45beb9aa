#include "store/sql_batch.h"

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <memory>

namespace repairbot::store {

SqlBatchError::SqlBatchError(const sql::SQLException& cause, std::size_t statement, std::size_t statements)
    : sql::SQLException("statement " + std::to_string(statement + 1) + " of " + std::to_string(statements) +
                            " in a batch: " + cause.what(),
                        cause.getSQLState(), cause.getErrorCode()),
      statement_(statement) {}

std::size_t SqlBatch::begin_statement() {
    const std::size_t mark = text_.size();
    if (statements_ > 0) text_ += ";\n";
    return mark;
}

void SqlBatch::append_up_to_placeholder(std::string_view statement, std::size_t& from) {
    const auto hole = statement.find('?', from);
    if (hole == std::string_view::npos)
        throw std::logic_error("SqlBatch::add: more values than placeholders in: " + std::string(statement));
    text_.append(statement.substr(from, hole - from));
    from = hole + 1;
}

void SqlBatch::end_statement(std::string_view statement, std::size_t from, std::size_t mark) {
    if (statement.find('?', from) != std::string_view::npos) {
        text_.resize(mark);
        throw std::logic_error("SqlBatch::add: fewer values than placeholders in: " + std::string(statement));
    }
    text_.append(statement.substr(from));
    ++statements_;
}

void SqlBatch::render(std::string& out, std::string_view s) {
    if (s.empty()) {
        out += "''";
        return;
    }
    // Hex: the bytes arrive as they are, with no quoting or backslash rules involved; the
    // introducer makes them utf8mb4 text (invalid UTF-8 is refused by the server, as a bound
    // parameter would be), in the session's collation as a bound parameter or '' is (the
    // introducer alone would give utf8mb4's default, utf8mb4_general_ci).
    static constexpr char digits[] = "0123456789ABCDEF";
    static constexpr std::string_view collate = "' COLLATE utf8mb4_unicode_ci";
    out.reserve(out.size() + 11 + 2 * s.size() + collate.size());
    out += "_utf8mb4 X'";
    for (unsigned char ch : s) {
        out += digits[ch >> 4];
        out += digits[ch & 0x0F];
    }
    out += collate;
}

void SqlBatch::render(std::string& out, Timestamp t) {
    out += '\'';
    out += to_sql_datetime(t);  // digits, '-', ':', ' ' and '.' only
    out += '\'';
}

void SqlBatch::run(sql::Connection& c) const {
    if (statements_ == 0) return;
    std::unique_ptr<sql::Statement> st(c.createStatement());
    std::size_t i = 0;
    try {
        bool has_rows = st->execute(text_);
        for (;;) {
            // Every result the server sent is read before run() returns: a result left unread
            // puts the connection out of sync ("Commands out of sync") for its next user.
            if (has_rows) std::unique_ptr<sql::ResultSet>(st->getResultSet());
            // Connector/C++ 1.1 cannot tell "no more results" from "a result without rows"
            // (getUpdateCount() is -1 after getMoreResults()), so the count says when to stop.
            if (++i == statements_) break;
            has_rows = st->getMoreResults();
        }
    } catch (const sql::SQLException& e) {
        // A failing statement ends the server's answers; should reading a result have failed
        // instead, the results after it are still read (or the link is gone, and the pool drops
        // the connection).
        for (std::size_t left = i + 1; left < statements_; ++left) {
            try {
                st->getMoreResults();
            } catch (...) {
                break;
            }
        }
        throw SqlBatchError(e, i, statements_);
    }
}

}  // namespace repairbot::store
