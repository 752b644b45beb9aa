#include "bot/app.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <iostream>
#include <thread>

#include "bot/health.h"
#include "bot/http_server.h"
#include "config/loader.h"
#include "config/log.h"
#include "store/migrations.h"
#include "store/mysql_pool.h"
#include "store/redis.h"

namespace repairbot::bot {

namespace asio = boost::asio;

int run_migrate(const config::Settings& settings) {
    std::optional<Result<std::vector<std::string>>> result;
    try {
        result = store::migrate(settings.mysql);
    } catch (const ServiceUnavailable& e) {
        log::error("migrate", "database_unreachable", {{"error", e.what()}});
        std::cerr << "migrate failed: the database cannot be reached (" << e.what()
                  << ").\nCheck that the server in REPAIRBOT_MYSQL_URL is running and reachable"
                     " (./scripts/services start for the local one).\n";
        return kExitFailure;
    }
    auto& applied = *result;
    if (!applied) {
        log::error("migrate", "failed", {{"error", applied.error().message()}});
        std::cerr << "migrate failed: " << applied.error().message()
                  << "\nCheck that the database in REPAIRBOT_MYSQL_URL is running and reachable.\n";
        return kExitFailure;
    }
    if (applied->empty()) std::cout << "migrations: up to date\n";
    for (const auto& name : *applied) std::cout << "migrations: applied " << name << "\n";
    return kExitOk;
}

namespace {

asio::awaitable<void> stop_gracefully(HttpServer& server, store::Redis& redis,
                                      asio::io_context& ioc) {
    log::info("main", "shutting_down", {{"connections", server.open_connections()}});
    co_await server.shutdown();
    redis.close();
    log::info("main", "stopped");
    ioc.stop();
}

}  // namespace

int run_serve(const config::Settings& settings) {
    log::info("main", "starting", {{"version", REPAIRBOT_VERSION},
                                   {"config", config::describe(settings)}});
    asio::io_context ioc(static_cast<int>(settings.http.threads));
    asio::thread_pool blocking(settings.mysql.pool_size);

    store::MysqlPool mysql(blocking, settings.mysql);
    store::Redis redis(ioc.get_executor(), settings.redis);

    Router router;
    add_health_routes(router, {
        {"mysql", [&mysql]() { return mysql.ping(); }},
        {"redis", [&redis]() { return redis.ping(); }},
    });

    HttpServer server(ioc, settings.http, router);
    server.listen();
    server.start();
    auto ep = server.local_endpoint();
    log::info("main", "listening", {{"address", ep.address().to_string()}, {"port", ep.port()},
                                    {"webhook", "http://" + ep.address().to_string() + ":" +
                                                    std::to_string(ep.port()) + "/wechat"}});

    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        log::info("main", "signal", {{"signal", signo}});
        asio::co_spawn(ioc, stop_gracefully(server, redis, ioc), asio::detached);
    });

    std::vector<std::thread> extra;
    for (unsigned i = 1; i < settings.http.threads; ++i) extra.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : extra) t.join();
    blocking.join();
    return kExitOk;
}

}  // namespace repairbot::bot
