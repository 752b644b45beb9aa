// A database of a test suite's own, beside the shared test database (its name plus a suffix):
// for suites that read, count or claim whole tables, where the rows of suites ctest runs in
// parallel would be in the way. Blocking helpers, each on a pool of one connection.
#pragma once

#include <cppconn/connection.h>
#include <cppconn/statement.h>

#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <string>
#include <vector>

#include "store/migrations.h"
#include "store/mysql_pool.h"
#include "tests/integration/store_env.h"

namespace repairbot::store::testing {

// Runs `f` on one connection to `settings` and returns what it returns.
template <class F>
auto with_mysql(const config::MysqlSettings& settings, F f) {
    boost::asio::thread_pool pool(1);
    MysqlPool mysql(pool, settings);
    auto out = mysql.run_sync(std::move(f));
    pool.join();
    return out;
}

// Runs one statement on `settings`.
inline void execute_on(const config::MysqlSettings& settings, const std::string& statement) {
    with_mysql(settings, [&statement](sql::Connection& c) {
        std::unique_ptr<sql::Statement>(c.createStatement())->execute(statement);
        return 0;
    });
}

// The shared test database's settings, naming `<its name>_<suffix>` instead.
inline config::MysqlSettings private_mysql_settings(const std::string& suffix) {
    auto s = mysql_settings();
    s.database += "_" + suffix;
    return s;
}

// Creates the database `settings` names (when missing) and migrates it: the migrations applied.
inline Result<std::vector<std::string>> create_database(const config::MysqlSettings& settings) {
    execute_on(mysql_settings(), "CREATE DATABASE IF NOT EXISTS `" + settings.database +
                                     "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
    return migrate(settings);
}

inline void drop_database(const config::MysqlSettings& settings) {
    execute_on(mysql_settings(), "DROP DATABASE IF EXISTS `" + settings.database + "`");
}

}  // namespace repairbot::store::testing
