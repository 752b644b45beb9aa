// Store throughput on the real servers: tickets created per second (target >= 1,000) and session
// load+save round trips per second (target >= 20,000), plus the measurement behind the choice of
// hiredis async on the event loop over blocking hiredis on a thread pool (store/redis.h).
// Settings from REPAIRBOT_MYSQL_URL / REPAIRBOT_REDIS_URL, as the integration tests.
#include <benchmark/benchmark.h>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <hiredis/hiredis.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <thread>

#include "store/migrations.h"
#include "store/mysql_pool.h"
#include "store/redis.h"
#include "store/session_store.h"
#include "store/ticket_repository.h"
#include "tests/integration/store_env.h"

namespace repairbot::store {
namespace {

const std::string kRun = "bench" + std::to_string(::getpid()) + ":";

NewTicket bench_ticket(std::uint64_t i) {
    NewTicket n;
    n.ticket.idempotency_key = kRun + std::to_string(i);
    n.ticket.owner_openid = "o-bench-" + std::to_string(i % 1000);
    n.ticket.reporter_name = "李四";
    n.ticket.phone = "13800138000";
    n.ticket.address = "5栋1单元502";
    n.ticket.fault_type = "电";
    n.ticket.trade = "电";
    n.ticket.urgency = "normal";
    n.ticket.description = "客厅插座没电";
    n.ticket.created_at =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    n.first_event = NewEvent{n.ticket.owner_openid, "owner", "created", "{}"};
    n.outbox.push_back(
        NewOutbox{"template", "dispatcher", R"({"template":"new_job"})", std::nullopt});
    return n;
}

boost::asio::awaitable<void> create_ticket(MysqlPool& pool, std::uint64_t i,
                                           std::atomic<int>& left) {
    auto work = [i](sql::Connection& c) { return TicketRepository::create(c, bench_ticket(i)); };
    auto r = co_await pool.run(std::move(work));
    if (!r || !r->created) std::abort();
    --left;
}

// Tickets created per second: 500 concurrent creates per iteration through one pool.
void BM_TicketsCreated(benchmark::State& state) {
    auto settings = testing::mysql_settings();
    settings.pool_size = static_cast<unsigned>(state.range(0));
    if (auto m = migrate(settings); !m) {
        state.SkipWithError(m.error().message().c_str());
        return;
    }
    boost::asio::thread_pool blocking(settings.pool_size);
    MysqlPool pool(blocking, settings);
    static std::atomic<std::uint64_t> next{0};
    constexpr int batch = 500;
    for (auto _ : state) {
        boost::asio::io_context io;
        std::atomic<int> left{batch};
        for (int i = 0; i < batch; ++i)
            boost::asio::co_spawn(io, create_ticket(pool, next++, left), boost::asio::detached);
        io.run();
    }
    state.counters["tickets_per_s"] = benchmark::Counter(
        static_cast<double>(state.iterations()) * batch, benchmark::Counter::kIsRate);
    pool.run_sync([](sql::Connection& c) {
        for (const char* q : {"DELETE e FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
                              "WHERE t.idempotency_key LIKE ?",
                              "DELETE o FROM outbox o JOIN tickets t ON t.id = o.ticket_id WHERE "
                              "t.idempotency_key LIKE ?",
                              "DELETE FROM tickets WHERE idempotency_key LIKE ?"}) {
            std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(q));
            st->setString(1, kRun + "%");
            st->executeUpdate();
        }
    });
    blocking.join();
}
BENCHMARK(BM_TicketsCreated)->Arg(8)->Arg(16)->UseRealTime()->Unit(benchmark::kMillisecond);

boost::asio::awaitable<void> load_save(SessionStore& sessions, std::string openid, int rounds,
                                       std::atomic<int>& left) {
    for (int i = 0; i < rounds; ++i) {
        auto s = co_await sessions.load(openid);
        auto v = co_await sessions.save(openid, s.version, "state:" + std::to_string(i));
        if (!v) std::abort();  // one writer per openid: never a conflict
    }
    --left;
}

// Session load+save round trips per second: 64 users in flight on one connection.
void BM_SessionLoadSave(benchmark::State& state) {
    boost::asio::io_context io;
    Redis redis(io.get_executor(), testing::redis_settings());
    SessionStore sessions(redis, std::chrono::seconds(60));
    constexpr int users = 64, rounds = 100;
    for (auto _ : state) {
        std::atomic<int> left{users};
        for (int u = 0; u < users; ++u) {
            boost::asio::co_spawn(io,
                                  load_save(sessions, kRun + "u" + std::to_string(u), rounds, left),
                                  boost::asio::detached);
        }
        while (left > 0) io.run_one();
    }
    state.counters["sessions_per_s"] = benchmark::Counter(
        static_cast<double>(state.iterations()) * users * rounds, benchmark::Counter::kIsRate);
    for (int u = 0; u < users; ++u)
        (void)testing::run(io, sessions.erase(kRun + "u" + std::to_string(u)));
    redis.close();
    testing::drain(io);
}
BENCHMARK(BM_SessionLoadSave)->UseRealTime()->Unit(benchmark::kMillisecond);

boost::asio::awaitable<void> pings(Redis& redis, int n, std::atomic<int>& left) {
    for (int i = 0; i < n; ++i) {
        if (!co_await redis.ping()) std::abort();
    }
    --left;
}

// hiredis async on the event loop: PING round trips with `range(0)` coroutines in flight.
void BM_RedisPingAsync(benchmark::State& state) {
    boost::asio::io_context io;
    Redis redis(io.get_executor(), testing::redis_settings());
    const int in_flight = static_cast<int>(state.range(0));
    const int per = 6400 / in_flight;
    for (auto _ : state) {
        std::atomic<int> left{in_flight};
        for (int i = 0; i < in_flight; ++i)
            boost::asio::co_spawn(io, pings(redis, per, left), boost::asio::detached);
        while (left > 0) io.run_one();
    }
    state.counters["pings_per_s"] = benchmark::Counter(
        static_cast<double>(state.iterations()) * per * in_flight, benchmark::Counter::kIsRate);
    redis.close();
    testing::drain(io);
}
BENCHMARK(BM_RedisPingAsync)->Arg(1)->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond);

// The alternative: blocking hiredis, one connection per thread of a `range(0)`-thread pool,
// each thread doing its share of PINGs back to back (the best case for a pool).
void BM_RedisPingBlockingPool(benchmark::State& state) {
    const auto settings = testing::redis_settings();
    const int threads = static_cast<int>(state.range(0));
    const int per = 6400 / threads;
    std::vector<redisContext*> contexts;
    for (int t = 0; t < threads; ++t)
        contexts.push_back(redisConnect(settings.host.c_str(), settings.port));
    for (auto _ : state) {
        boost::asio::thread_pool pool(static_cast<std::size_t>(threads));
        for (int t = 0; t < threads; ++t) {
            boost::asio::post(pool, [c = contexts[static_cast<std::size_t>(t)], per] {
                for (int i = 0; i < per; ++i) {
                    auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
                    if (!r) std::abort();
                    freeReplyObject(r);
                }
            });
        }
        pool.join();
    }
    state.counters["pings_per_s"] = benchmark::Counter(
        static_cast<double>(state.iterations()) * per * threads, benchmark::Counter::kIsRate);
    for (auto* c : contexts) redisFree(c);
}
BENCHMARK(BM_RedisPingBlockingPool)->Arg(1)->Arg(4)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace repairbot::store
