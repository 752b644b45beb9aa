// Statements sent to MariaDB together, as one multi-statement text: one round trip for a unit
// of work whose statements need nothing back from each other (a new ticket's events, outbox
// rows, photos, the owner's profile and its COMMIT — docs/performance.md). Used by the
// repositories; blocking like the connection it runs on.
//
// Values are written into the text as literals, never spliced: strings as _utf8mb4 X'hex'
// COLLATE utf8mb4_unicode_ci (the session's collation; no escaping rules to get wrong, whatever
// the sql_mode, so no injection), integers as digits,
// booleans as 0/1, timestamps as their DATETIME(3) string, an empty optional as NULL. Each `?`
// in a statement takes the next value, so a statement must not contain `?` of its own (the
// store's SQL never does; add() checks the count).
//
// The connection must allow multi-statements (MysqlPool opens its connections with
// CLIENT_MULTI_STATEMENTS). The server runs the statements in order and stops at the first
// that fails: run() then throws SqlBatchError (a sql::SQLException with the server's error
// code and SQL state, so MysqlPool's retry rules apply — a lost link too, which then names the
// statement being read when it went) naming which statement failed; the ones before it have
// run, and a transaction they opened stays open for the caller's Transaction scope to roll back.
#pragma once

#include <cppconn/exception.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/sql_values.h"

namespace sql {
class Connection;
}  // namespace sql

namespace repairbot::store {

class SqlBatchError : public sql::SQLException {
  public:
    SqlBatchError(const sql::SQLException& cause, std::size_t statement, std::size_t statements);
    // 0-based index of the statement that failed, among those sent (with Merge::rows, merged
    // statements count once).
    [[nodiscard]] std::size_t statement() const { return statement_; }

  private:
    std::size_t statement_;
};

class SqlBatch {
  public:
    // Rows: statements `INSERT … VALUES (…)[,(…)…] [tail]` whose text outside their rows is the
    // same (and holds no `?`; their values are all in the rows) go to the server as ONE
    // multi-row statement, at the place of the first of them, with their rows in the order
    // added — MariaDB's cost is per statement, not per row (docs/performance.md, step 39). Only for a batch whose statements do not depend on each
    // other's order: rows may run before statements added between them. Every other statement
    // (an INSERT … SELECT, an UPDATE, COMMIT) keeps its place. size() counts the statements sent.
    enum class Merge { statements, rows };

    SqlBatch() = default;
    explicit SqlBatch(Merge merge) : merge_rows_(merge == Merge::rows) {}

    // Appends `statement` with each `?` replaced by the next value. Throws std::logic_error when
    // the placeholders and the values do not match (a programming error).
    template <class... A>
    SqlBatch& add(std::string_view statement, const A&... values) {
        const std::size_t mark = begin_statement();
        std::size_t from = 0;
        try {
            (append_value(statement, from, values), ...);
        } catch (...) {
            text_.resize(mark);
            throw;
        }
        end_statement(statement, from, mark);
        if (merge_rows_) keep_rows(statement);
        return *this;
    }

    [[nodiscard]] std::size_t size() const { return merge_rows_ ? pieces_.size() : statements_; }
    [[nodiscard]] bool empty() const { return size() == 0; }
    // The text as sent (for tests; it holds the values, so never log it).
    [[nodiscard]] const std::string& text() const;

    // Sends every statement in one round trip and reads every result (rows a statement returns
    // are read and dropped), also when something fails, so the connection stays in sync for its
    // next user. Throws SqlBatchError when a statement fails (the server ran the ones before it
    // and none after) or the link does. An empty batch sends nothing.
    void run(sql::Connection& c) const;

  private:
    // Returns where the statement starts in text_ (to undo a failed add()).
    std::size_t begin_statement();
    // The statement's text from `from` up to its next `?`, then `v` in place of the `?`.
    template <class T>
    void append_value(std::string_view statement, std::size_t& from, const T& v) {
        append_up_to_placeholder(statement, from);
        render(text_, v);
    }
    void append_up_to_placeholder(std::string_view statement, std::size_t& from);
    // The rest of the statement, which must hold no further `?`.
    void end_statement(std::string_view statement, std::size_t from, std::size_t mark);

    static void render(std::string& out, std::string_view s);
    static void render(std::string& out, const std::string& s) { render(out, std::string_view(s)); }
    static void render(std::string& out, const char* s) { render(out, std::string_view(s)); }
    static void render(std::string& out, std::uint64_t v) { out += std::to_string(v); }
    static void render(std::string& out, std::uint32_t v) { out += std::to_string(v); }
    static void render(std::string& out, int v) { out += std::to_string(v); }
    static void render(std::string& out, bool v) { out += v ? '1' : '0'; }
    static void render(std::string& out, Timestamp t);
    template <class T>
    static void render(std::string& out, const std::optional<T>& v) {
        if (v)
            render(out, *v);
        else
            out += "NULL";
    }

    // Merge::rows: moves the statement just written (all of text_) into pieces_, into the
    // piece with the same text outside its rows when there is one.
    void keep_rows(std::string_view statement);

    std::string text_;
    std::size_t statements_ = 0;
    // Merge::rows: the statements to send, and their text joined (built by text(), emptied by add()).
    struct Piece {
        std::string text;
        std::size_t tail = 0;  // the length of the text after the rows
    };
    bool merge_rows_ = false;
    std::vector<Piece> pieces_;
    std::unordered_map<std::string, std::size_t> piece_of_;  // text outside the rows -> piece
    mutable std::string joined_;
};

}  // namespace repairbot::store
