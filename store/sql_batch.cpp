#include "store/sql_batch.h"

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <memory>
#include <optional>
#include <utility>

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

namespace {

// Where the rows of `statement` are: [first, second) from the '(' after ` VALUES` to the ')'
// that closes its last row, when it is an `INSERT … VALUES (…)[, (…)] [tail]` whose `?` are all
// inside its rows (at least one). Templates are code (values are only ever `?`), so their
// parentheses balance and they hold no quoted '(' of a value.
std::optional<std::pair<std::size_t, std::size_t>> rows_of(std::string_view statement) {
    if (!statement.starts_with("INSERT ")) return std::nullopt;
    const std::size_t values = statement.find(" VALUES");
    if (values == std::string_view::npos) return std::nullopt;
    std::size_t at = values + 7;
    auto skip_spaces = [&] {
        while (at < statement.size() && (statement[at] == ' ' || statement[at] == '\n' || statement[at] == '\t')) ++at;
    };
    skip_spaces();
    const std::size_t first = at;
    std::size_t end = std::string_view::npos;
    while (at < statement.size() && statement[at] == '(') {
        int depth = 0;
        for (; at < statement.size(); ++at) {
            if (statement[at] == '(') ++depth;
            if (statement[at] == ')' && --depth == 0) break;
        }
        if (at == statement.size()) return std::nullopt;
        end = ++at;
        skip_spaces();
        if (at < statement.size() && statement[at] == ',') {
            ++at;
            skip_spaces();
        } else {
            break;
        }
    }
    if (end == std::string_view::npos) return std::nullopt;
    const auto has_value = [](std::string_view part) { return part.find('?') != std::string_view::npos; };
    if (has_value(statement.substr(0, first)) || has_value(statement.substr(end)) ||
        !has_value(statement.substr(first, end - first)))
        return std::nullopt;
    return std::make_pair(first, end);
}

}  // namespace

void SqlBatch::keep_rows(std::string_view statement) {
    // With Merge::rows, text_ holds only the statement just written (statements_ stays 0, so no
    // separator was added before it).
    std::string text = std::move(text_);
    text_.clear();
    statements_ = 0;
    joined_.clear();
    const auto rows = rows_of(statement);
    if (!rows) {
        pieces_.push_back({std::move(text), 0});
        return;
    }
    const std::size_t tail = statement.size() - rows->second;
    // The text around the rows, the head's length first (so no head and tail run together).
    std::string key = std::to_string(rows->first);
    key += ':';
    key += statement.substr(0, rows->first);
    key += statement.substr(rows->second);
    const auto [it, first] = piece_of_.try_emplace(std::move(key), pieces_.size());
    if (first) {
        pieces_.push_back({std::move(text), tail});
        return;
    }
    Piece& piece = pieces_[it->second];
    // The head and tail are the template's own text (no `?` in them), so the rows are what lies
    // between them in the rendered statement.
    const std::string_view added(text.data() + rows->first, text.size() - rows->first - tail);
    std::string more;
    more.reserve(added.size() + 1);
    more += ',';
    more += added;
    piece.text.insert(piece.text.size() - piece.tail, more);
}

const std::string& SqlBatch::text() const {
    if (!merge_rows_) return text_;
    if (joined_.empty()) {
        for (const auto& p : pieces_) {
            if (!joined_.empty()) joined_ += ";\n";
            joined_ += p.text;
        }
    }
    return joined_;
}

void SqlBatch::run(sql::Connection& c) const {
    const std::size_t statements = size();
    if (statements == 0) return;
    std::unique_ptr<sql::Statement> st(c.createStatement());
    std::size_t i = 0;
    try {
        bool has_rows = st->execute(text());
        for (;;) {
            // Every result the server sent is read before run() returns: a result left unread
            // puts the connection out of sync ("Commands out of sync") for its next user.
            if (has_rows) std::unique_ptr<sql::ResultSet>(st->getResultSet());
            // Connector/C++ 1.1 cannot tell "no more results" from "a result without rows"
            // (getUpdateCount() is -1 after getMoreResults()), so the count says when to stop.
            if (++i == statements) break;
            has_rows = st->getMoreResults();
        }
    } catch (const sql::SQLException& e) {
        // A failing statement ends the server's answers; should reading a result have failed
        // instead, the results after it are still read (or the link is gone, and the pool drops
        // the connection).
        for (std::size_t left = i + 1; left < statements; ++left) {
            try {
                st->getMoreResults();
            } catch (...) {
                break;
            }
        }
        throw SqlBatchError(e, i, statements);
    }
}

}  // namespace repairbot::store
