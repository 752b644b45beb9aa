// Small helpers for binding and reading the store's values with Connector/C++ prepared
// statements (used by the repositories only). Blocking like the statements they serve.
#pragma once

#include <cppconn/connection.h>
#include <cppconn/datatype.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <optional>
#include <string>

#include "store/sql_values.h"
#include "store/statement_cache.h"
#include "store/transaction.h"

namespace repairbot::store::sql_row {

// The connection's cached prepared statement for `q` (see StatementCache); not owned.
inline sql::PreparedStatement* prepare(sql::Connection& c, const std::string& q) {
    auto* st = &StatementCache::get(c, q);
    st->clearParameters();
    return st;
}

inline void bind(sql::PreparedStatement& st, int i, const std::string& v) {
    st.setString(i, v);
}
inline void bind(sql::PreparedStatement& st, int i, Timestamp v) {
    st.setString(i, to_sql_datetime(v));
}
inline void bind(sql::PreparedStatement& st, int i, bool v) {
    st.setBoolean(i, v);
}
inline void bind(sql::PreparedStatement& st, int i, std::uint64_t v) {
    st.setUInt64(i, v);
}
inline void bind(sql::PreparedStatement& st, int i, std::uint32_t v) {
    st.setUInt(i, v);
}
inline void bind(sql::PreparedStatement& st, int i, int v) {
    st.setInt(i, v);
}
inline void bind(sql::PreparedStatement& st, int i, const std::optional<Timestamp>& v) {
    if (v)
        bind(st, i, *v);
    else
        st.setNull(i, sql::DataType::TIMESTAMP);
}
inline void bind(sql::PreparedStatement& st, int i, const std::optional<std::string>& v) {
    if (v)
        bind(st, i, *v);
    else
        st.setNull(i, sql::DataType::VARCHAR);
}
inline void bind(sql::PreparedStatement& st, int i, const std::optional<std::uint64_t>& v) {
    if (v)
        bind(st, i, *v);
    else
        st.setNull(i, sql::DataType::BIGINT);
}
inline void bind(sql::PreparedStatement& st, int i, const std::optional<std::uint32_t>& v) {
    if (v)
        bind(st, i, *v);
    else
        st.setNull(i, sql::DataType::INTEGER);
}
inline void bind(sql::PreparedStatement& st, int i, const std::optional<bool>& v) {
    if (v)
        bind(st, i, *v);
    else
        st.setNull(i, sql::DataType::TINYINT);
}
inline void bind(sql::PreparedStatement& st, int i, const std::optional<int>& v) {
    if (v)
        bind(st, i, *v);
    else
        st.setNull(i, sql::DataType::INTEGER);
}

// "?,?,…,?": `n` (at least 1) parameter markers for an IN list.
inline std::string placeholders(std::size_t n) {
    std::string out = "?";
    for (std::size_t i = 1; i < n; ++i) out += ",?";
    return out;
}

// Binds every argument in order, from parameter `after` + 1 (a row of a multi-row statement).
template <class... A>
void bind_after(sql::PreparedStatement& st, int after, const A&... a) {
    int i = after;
    (bind(st, ++i, a), ...);
}

// Binds every argument in order, from parameter 1.
template <class... A>
void bind_all(sql::PreparedStatement& st, const A&... a) {
    bind_after(st, 0, a...);
}

inline std::string str(sql::ResultSet& rs, const char* col) {
    return rs.getString(col);
}
inline std::optional<std::string> opt_str(sql::ResultSet& rs, const char* col) {
    if (rs.isNull(col)) return std::nullopt;
    return std::string(rs.getString(col));
}
inline Timestamp time(sql::ResultSet& rs, const char* col) {
    return parse_sql_datetime(std::string(rs.getString(col))).value_or(Timestamp{});
}
inline std::optional<Timestamp> opt_time(sql::ResultSet& rs, const char* col) {
    if (rs.isNull(col)) return std::nullopt;
    return parse_sql_datetime(std::string(rs.getString(col)));
}
inline std::optional<std::uint64_t> opt_u64(sql::ResultSet& rs, const char* col) {
    if (rs.isNull(col)) return std::nullopt;
    return static_cast<std::uint64_t>(rs.getUInt64(col));
}
inline std::optional<std::uint32_t> opt_u32(sql::ResultSet& rs, const char* col) {
    if (rs.isNull(col)) return std::nullopt;
    return static_cast<std::uint32_t>(rs.getUInt(col));
}
inline std::optional<bool> opt_bool(sql::ResultSet& rs, const char* col) {
    if (rs.isNull(col)) return std::nullopt;
    return rs.getBoolean(col);
}
inline std::optional<int> opt_int(sql::ResultSet& rs, const char* col) {
    if (rs.isNull(col)) return std::nullopt;
    return static_cast<int>(rs.getInt(col));
}

// Runs a query and returns its result set.
inline std::unique_ptr<sql::ResultSet> query(sql::PreparedStatement& st) {
    return std::unique_ptr<sql::ResultSet>(st.executeQuery());
}

inline std::uint64_t last_insert_id(sql::Connection& c) {
    auto st = prepare(c, "SELECT LAST_INSERT_ID()");
    auto rs = query(*st);
    rs->next();
    return rs->getUInt64(1);
}

using store::Transaction;

}  // namespace repairbot::store::sql_row
