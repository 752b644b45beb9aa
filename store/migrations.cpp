#include "store/migrations.h"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <set>

#include "config/log.h"
#include "store/errors.h"
#include "store/mysql_pool.h"

namespace repairbot::store {
namespace {

bool blank(std::string_view s) {
    return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::set<std::string> applied_names(sql::Connection& c) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SELECT name FROM schema_migrations"));
    std::set<std::string> out;
    while (rs->next()) out.insert(rs->getString(1));
    return out;
}

Result<std::vector<std::string>> apply(sql::Connection& c,
                                       const std::vector<Migration>& migrations) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    {
        std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SELECT VERSION()"));
        const std::string version = rs->next() ? std::string(rs->getString(1)) : std::string();
        if (!server_supported(version))
            return Error{StoreErrc::migration_failed,
                         "the database server is '" + version +
                             "'; repairbot needs MariaDB 10.5 or later (it writes with INSERT ... "
                             "RETURNING): point REPAIRBOT_MYSQL_URL at such a server"};
    }
    st->execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " name VARCHAR(191) NOT NULL PRIMARY KEY,"
        " applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)"
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci");
    // Two processes starting at once: the second waits, then finds nothing left to do.
    {
        std::unique_ptr<sql::ResultSet> rs(
            st->executeQuery("SELECT GET_LOCK('repairbot.migrate', 60)"));
        if (!rs->next() || rs->getInt(1) != 1) {
            return Error{StoreErrc::migration_failed, "could not take the migration lock in 60 s"};
        }
    }
    std::vector<std::string> done;
    Result<std::vector<std::string>> result = done;
    try {
        const auto seen = applied_names(c);
        for (const auto& m : migrations) {
            if (seen.count(m.name)) continue;
            for (const auto& statement : split_sql_statements(m.sql)) {
                try {
                    st->execute(statement);
                } catch (const sql::SQLException& e) {
                    if (is_unreachable_mysql_error(e.getErrorCode())) throw;
                    result = Error{StoreErrc::migration_failed, m.name + ": " + e.what()};
                    break;
                }
            }
            if (!result) break;
            std::unique_ptr<sql::PreparedStatement> ins(
                c.prepareStatement("INSERT INTO schema_migrations (name) VALUES (?)"));
            ins->setString(1, m.name);
            ins->execute();
            log::info("store.migrate", "applied", {{"migration", m.name}});
            done.push_back(m.name);
        }
        if (result) result = done;
    } catch (...) {
        st->execute("DO RELEASE_LOCK('repairbot.migrate')");
        throw;
    }
    st->execute("DO RELEASE_LOCK('repairbot.migrate')");
    return result;
}

}  // namespace

bool server_supported(std::string_view v) {
    if (v.find("MariaDB") == std::string_view::npos) return false;
    unsigned major = 0, minor = 0;
    std::size_t i = 0;
    auto number = [&](unsigned& out) {
        const std::size_t start = i;
        while (i < v.size() && v[i] >= '0' && v[i] <= '9' && i - start < 4) out = out * 10 + unsigned(v[i++] - '0');
        return i > start;
    };
    // Old servers behind a replication-compatible prefix report "5.5.5-10.11.6-MariaDB".
    if (v.rfind("5.5.5-", 0) == 0) i = 6;
    if (!number(major) || i >= v.size() || v[i++] != '.' || !number(minor)) return false;
    return major > 10 || (major == 10 && minor >= 5);
}

std::vector<std::string> split_sql_statements(std::string_view sql) {
    std::vector<std::string> out;
    std::string current;
    char quote = 0;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char ch = sql[i];
        const char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
        if (quote) {
            current += ch;
            if (ch == '\\' && quote != '`' && i + 1 < sql.size()) {
                current += sql[++i];
            } else if (ch == quote) {
                if (next == quote) {
                    current += sql[++i];  // doubled quote inside a literal
                } else {
                    quote = 0;
                }
            }
            continue;
        }
        if (ch == '\'' || ch == '"' || ch == '`') {
            quote = ch;
            current += ch;
        } else if ((ch == '-' && next == '-' &&
                    (i + 2 >= sql.size() || sql[i + 2] == ' ' || sql[i + 2] == '\t' ||
                     sql[i + 2] == '\n' || sql[i + 2] == '\r')) ||
                   ch == '#') {
            while (i < sql.size() && sql[i] != '\n') ++i;
            current += '\n';
        } else if (ch == '/' && next == '*') {
            const auto end = sql.find("*/", i + 2);
            i = end == std::string_view::npos ? sql.size() : end + 1;
            current += ' ';
        } else if (ch == ';') {
            if (!blank(current)) out.push_back(current);
            current.clear();
        } else {
            current += ch;
        }
    }
    if (!blank(current)) out.push_back(current);
    for (auto& s : out) {
        const auto b = s.find_first_not_of(" \t\r\n");
        const auto e = s.find_last_not_of(" \t\r\n");
        s = s.substr(b, e - b + 1);
    }
    return out;
}

Result<std::vector<std::string>> migrate(const config::MysqlSettings& settings,
                                         const std::vector<Migration>& migrations) {
    auto one = settings;
    one.pool_size = 1;
    one.max_attempts = 1;  // DDL is not transactional: never repeat a half-applied migration
    boost::asio::thread_pool unused(1);
    MysqlPool pool(unused, one);
    auto result = pool.run_sync([&migrations](sql::Connection& c) { return apply(c, migrations); });
    unused.join();
    return result;
}

Result<std::vector<std::string>> migrate(const config::MysqlSettings& settings) {
    return migrate(settings, embedded_migrations());
}

}  // namespace repairbot::store
