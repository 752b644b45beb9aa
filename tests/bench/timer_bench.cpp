// The SLA engine's timer index on the real Redis (issue 7): 1,000,000 timers with the engine's
// ids (bot/timer_plan.h) scheduled and then claimed and acked as SlaTimers::fire_due does;
// schedule and claim rates, Redis memory per timer (MEMORY USAGE of the index key; target
// <= 200 bytes), and the firing lag of a poller at the engine's 500 ms interval against timers
// falling due in real time (target <= 1 s). Settings from REPAIRBOT_REDIS_URL; own key names.
#include <benchmark/benchmark.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <vector>

#include "bot/timer_plan.h"
#include "store/redis.h"
#include "store/timer_index.h"
#include "tests/integration/store_env.h"

namespace repairbot::bot {
namespace {

namespace asio = boost::asio;
namespace chr = std::chrono;
using store::Timestamp;

constexpr std::size_t kTimers = 1'000'000;
constexpr std::uint32_t kClaimBatch = 1000;
const std::string kName = "timer-bench-" + std::to_string(::getpid());

// Realistic ids: tickets from 1,000,000 on, each with the 12 timers a ticket can have. Built once,
// outside the timed parts.
const std::vector<std::string>& ids() {
    static const std::vector<std::string> all = [] {
        std::vector<std::string> out;
        out.reserve(kTimers);
        for (std::size_t ticket = 1'000'000; out.size() < kTimers; ++ticket)
            for (auto& id : ticket_timer_ids(ticket))
                if (out.size() < kTimers) out.push_back(std::move(id));
        return out;
    }();
    return all;
}

Timestamp now_ms() { return chr::time_point_cast<chr::milliseconds>(chr::system_clock::now()); }

long long memory_usage(asio::io_context& io, store::Redis& redis, const std::string& key) {
    auto r = store::testing::run(io, redis.command({"MEMORY", "USAGE", key, "SAMPLES", "0"}));
    return r && r->is_integer() ? r->integer : 0;
}

asio::awaitable<void> schedule_range(store::TimerIndex& index, std::size_t from, std::size_t to,
                                     Timestamp base) {
    for (std::size_t i = from; i < to; ++i)
        co_await index.schedule(ids()[i], base + chr::milliseconds(i % 100000));
}

asio::awaitable<void> claim_all(store::TimerIndex& index, Timestamp at, std::size_t& claimed) {
    for (;;) {
        auto batch = co_await index.claim(at, chr::seconds(60), kClaimBatch);
        if (batch.empty()) break;
        for (auto& t : batch) co_await index.ack(std::move(t.id));
        claimed += batch.size();
    }
}

// 1,000,000 ZADDs from 200 coroutines on one connection (hiredis pipelines them), then every
// timer claimed in batches of 1,000 and acked one by one.
void BM_ScheduleAndClaimOneMillion(benchmark::State& state) {
    asio::io_context io;
    store::Redis redis(io.get_executor(), store::testing::redis_settings());
    store::TimerIndex index(redis, kName);
    const auto due_key = redis.key("{" + kName + "}:due");
    (void)ids();
    for (auto _ : state) {
        store::testing::run(io, index.clear());
        const auto base = now_ms() - chr::hours(1);
        auto start = chr::steady_clock::now();
        constexpr std::size_t workers = 200;
        std::atomic<std::size_t> left{workers};
        for (std::size_t w = 0; w < workers; ++w) {
            auto from = kTimers * w / workers, to = kTimers * (w + 1) / workers;
            asio::co_spawn(io, schedule_range(index, from, to, base), [&](std::exception_ptr e) {
                if (e) std::abort();
                --left;
            });
        }
        io.restart();
        while (left > 0) io.run_one();
        const double schedule_s = chr::duration<double>(chr::steady_clock::now() - start).count();
        const auto bytes = memory_usage(io, redis, due_key);
        if (store::testing::run(io, index.size()) != kTimers) std::abort();

        start = chr::steady_clock::now();
        std::size_t claimed = 0;
        store::testing::run(io, claim_all(index, now_ms(), claimed));
        const double claim_s = chr::duration<double>(chr::steady_clock::now() - start).count();
        if (claimed != kTimers) std::abort();

        state.counters["schedule_per_s"] = static_cast<double>(kTimers) / schedule_s;
        state.counters["claim_ack_per_s"] = static_cast<double>(kTimers) / claim_s;
        state.counters["bytes_per_timer"] = static_cast<double>(bytes) / kTimers;
        state.counters["schedule_s"] = schedule_s;
        state.counters["claim_s"] = claim_s;
    }
    store::testing::run(io, index.clear());
    redis.close();
    store::testing::drain(io);
}
BENCHMARK(BM_ScheduleAndClaimOneMillion)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

// The same 1,000,000 as the start-up rebuild writes them: Lua batches of 1,000.
void BM_RebuildOneMillion(benchmark::State& state) {
    asio::io_context io;
    store::Redis redis(io.get_executor(), store::testing::redis_settings());
    store::TimerIndex index(redis, kName);
    for (auto _ : state) {
        store::testing::run(io, index.clear());
        std::vector<std::pair<std::string, Timestamp>> timers;
        timers.reserve(kTimers);
        const auto base = now_ms();
        for (std::size_t i = 0; i < kTimers; ++i)
            timers.emplace_back(ids()[i], base + chr::milliseconds(i));
        auto start = chr::steady_clock::now();
        auto n = store::testing::run(io, index.rebuild(std::move(timers)));
        const double s = chr::duration<double>(chr::steady_clock::now() - start).count();
        if (n != kTimers) std::abort();
        state.counters["rebuild_per_s"] = static_cast<double>(kTimers) / s;
    }
    store::testing::run(io, index.clear());
    redis.close();
    store::testing::drain(io);
}
BENCHMARK(BM_RebuildOneMillion)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

asio::awaitable<void> poll_until(store::TimerIndex& index, std::size_t expected,
                                 std::vector<double>& lags_ms) {
    asio::steady_timer wait(co_await asio::this_coro::executor);
    while (lags_ms.size() < expected) {
        auto at = now_ms();
        auto batch = co_await index.claim(at, chr::seconds(60), 100);
        for (auto& t : batch) {
            lags_ms.push_back(static_cast<double>((now_ms() - t.due).count()));
            co_await index.ack(std::move(t.id));
        }
        if (batch.size() < 100) {
            wait.expires_after(chr::milliseconds(500));  // SlaTimersOptions::poll_interval
            co_await wait.async_wait(asio::use_awaitable);
        }
    }
}

// Firing lag: timers falling due over 20 s of real time at `range(0)` a second (1,000 is far
// above a desk's load; 10,000 is the index under stress) under one poller with the engine's
// batch of 100 and 500 ms idle wait, acking one by one as the engine does.
void BM_FiringLag(benchmark::State& state) {
    asio::io_context io;
    store::Redis redis(io.get_executor(), store::testing::redis_settings());
    store::TimerIndex index(redis, kName + "-lag");
    const auto per_s = static_cast<std::size_t>(state.range(0));
    const std::size_t n = per_s * 20;
    for (auto _ : state) {
        store::testing::run(io, index.clear());
        std::vector<std::pair<std::string, Timestamp>> timers;
        const auto base = now_ms() + chr::seconds(2);
        for (std::size_t i = 0; i < n; ++i)
            timers.emplace_back(ids()[i], base + chr::milliseconds(i * 1000 / per_s));
        (void)store::testing::run(io, index.rebuild(std::move(timers)));
        std::vector<double> lags;
        lags.reserve(n);
        store::testing::run(io, poll_until(index, n, lags));
        std::sort(lags.begin(), lags.end());
        state.counters["lag_p50_ms"] = lags[lags.size() / 2];
        state.counters["lag_p99_ms"] = lags[lags.size() * 99 / 100];
        state.counters["lag_max_ms"] = lags.back();
    }
    store::testing::run(io, index.clear());
    redis.close();
    store::testing::drain(io);
}
BENCHMARK(BM_FiringLag)->Arg(1000)->Arg(10000)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

}  // namespace
}  // namespace repairbot::bot
