// Test support: runs a unit of SQL work against the MariaDB the bot under test uses. Blocking.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include "config/loader.h"
#include "store/mysql_pool.h"
#include "tests/e2e/bot_process.h"

namespace repairbot::testing {

template <class F>
auto with_mysql(F work) {
    auto settings = config::load("", bot_environment(0)).settings;
    boost::asio::thread_pool pool(1);
    store::MysqlPool mysql(pool, settings.mysql);
    auto result = mysql.run_sync(std::move(work));
    pool.join();
    return result;
}

}  // namespace repairbot::testing
