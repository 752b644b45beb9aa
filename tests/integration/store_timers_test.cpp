// The timer index against the real Redis: 10,000 timers claimed by 3 concurrent workers fire
// exactly once; a worker that dies without acking has its timers re-claimed after the lease.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <mutex>
#include <set>
#include <thread>

#include "store/redis.h"
#include "store/timer_index.h"
#include "tests/integration/store_env.h"

namespace repairbot::store {
namespace {

using namespace std::chrono_literals;

const Timestamp t0{std::chrono::milliseconds{1'800'000'000'000}};

boost::asio::awaitable<void> schedule_all(TimerIndex& index, int n) {
    co_await index.clear();
    std::vector<std::pair<std::string, Timestamp>> timers;
    for (int i = 0; i < n; ++i)
        timers.emplace_back("ticket:" + std::to_string(i) + ":arrive",
                            t0 + std::chrono::milliseconds(i));
    co_await index.rebuild(std::move(timers));
}

boost::asio::awaitable<void> work(Redis& redis, TimerIndex& index,
                                  std::vector<std::string>& fired) {
    for (;;) {
        auto batch = co_await index.claim(t0 + 1h, 30s, 50);
        if (batch.empty()) break;
        for (auto& t : batch) {
            fired.push_back(t.id);
            co_await index.ack(t.id);
        }
    }
    redis.close();
}

TEST(StoreTimers, TenThousandTimersThreeWorkersEachFiredExactlyOnce) {
    const std::string name = "timers-" + std::to_string(::getpid());
    {
        boost::asio::io_context io;
        Redis redis(io.get_executor(), testing::redis_settings());
        TimerIndex index(redis, name);
        testing::run(io, schedule_all(index, 10'000));
        EXPECT_EQ(testing::run(io, index.size()), 10'000u);
        redis.close();
        testing::drain(io);
    }
    std::vector<std::vector<std::string>> fired(3);
    std::vector<std::thread> workers;
    for (int w = 0; w < 3; ++w) {
        workers.emplace_back([&, w] {
            boost::asio::io_context io;
            Redis redis(io.get_executor(), testing::redis_settings());
            TimerIndex index(redis, name);
            testing::run(io, work(redis, index, fired[w]));
            testing::drain(io);
        });
    }
    for (auto& t : workers) t.join();
    std::multiset<std::string> all;
    for (const auto& f : fired) all.insert(f.begin(), f.end());
    EXPECT_EQ(all.size(), 10'000u);
    EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 10'000u);
    for (const auto& f : fired) EXPECT_GT(f.size(), 0u) << "every worker should have taken some";

    boost::asio::io_context io;
    Redis redis(io.get_executor(), testing::redis_settings());
    TimerIndex index(redis, name);
    EXPECT_EQ(testing::run(io, index.size()), 0u);
    testing::run(io, index.clear());
    redis.close();
    testing::drain(io);
}

TEST(StoreTimers, ADeadWorkersTimersComeBackAfterTheLease) {
    boost::asio::io_context io;
    Redis redis(io.get_executor(), testing::redis_settings());
    TimerIndex index(redis, "lease-" + std::to_string(::getpid()));
    testing::run(io, schedule_all(index, 100));
    testing::run(io, index.schedule("later", t0 + 10h));

    auto dead = testing::run(io, index.claim(t0 + 1s, 5s, 40));  // never acked
    ASSERT_EQ(dead.size(), 40u);
    EXPECT_FALSE(dead[0].reclaimed);
    EXPECT_EQ(dead[0].due, t0);

    auto alive = testing::run(io, index.claim(t0 + 2s, 5s, 1000));
    ASSERT_EQ(alive.size(), 60u);  // not the dead worker's: their lease runs to t0 + 6 s
    for (const auto& t : alive) EXPECT_TRUE(testing::run(io, index.ack(t.id)));
    EXPECT_TRUE(testing::run(io, index.claim(t0 + 5s, 5s, 1000)).empty());

    auto back = testing::run(io, index.claim(t0 + 7s, 5s, 1000));
    ASSERT_EQ(back.size(), 40u);
    std::set<std::string> dead_ids, back_ids;
    for (const auto& t : dead) dead_ids.insert(t.id);
    for (const auto& t : back) {
        back_ids.insert(t.id);
        EXPECT_TRUE(t.reclaimed);
    }
    EXPECT_EQ(dead_ids, back_ids);
    for (const auto& t : back) EXPECT_TRUE(testing::run(io, index.ack(t.id)));
    EXPECT_FALSE(testing::run(io, index.ack(back[0].id)));

    // A rebuild at start-up skips timers in flight and keeps the rest.
    auto inflight = testing::run(io, index.claim(t0 + 11h, 5s, 1));
    ASSERT_EQ(inflight.size(), 1u);
    std::vector<std::pair<std::string, Timestamp>> again{{"later", t0 + 10h}, {"fresh", t0 + 20h}};
    EXPECT_EQ(testing::run(io, index.rebuild(again)), 1u);
    EXPECT_EQ(testing::run(io, index.size()), 2u);
    testing::run(io, index.cancel("fresh"));
    testing::run(io, index.clear());
    redis.close();
    testing::drain(io);
}

TEST(StoreTimers, ReplaceSchedulesAndCancelsAPlanInOneGoIncludingATimerInFlight) {
    boost::asio::io_context io;
    Redis redis(io.get_executor(), testing::redis_settings());
    TimerIndex index(redis, "replace-" + std::to_string(::getpid()));
    testing::run(io, index.schedule("accept", t0));
    testing::run(io, index.schedule("arrive", t0 + 1h));
    auto inflight = testing::run(io, index.claim(t0, 5s, 1));  // "accept" is being fired
    ASSERT_EQ(inflight.size(), 1u);

    std::vector<std::pair<std::string, Timestamp>> plan{{"arrive", t0 + 2h}, {"finish", t0 + 3h}};
    testing::run(io, index.replace(plan, {"accept"}));
    EXPECT_EQ(testing::run(io, index.size()), 2u) << "accept gone from flight, arrive moved, finish added";
    EXPECT_FALSE(testing::run(io, index.ack("accept")));
    EXPECT_TRUE(testing::run(io, index.claim(t0 + 1h, 5s, 10)).empty()) << "arrive moved to t0 + 2 h";
    auto due = testing::run(io, index.claim(t0 + 3h, 5s, 10));
    ASSERT_EQ(due.size(), 2u);
    EXPECT_EQ(due[0].id, "arrive");
    EXPECT_EQ(due[0].due, t0 + 2h);
    EXPECT_EQ(due[1].id, "finish");
    testing::run(io, index.replace({}, {}));  // nothing to do: no round trip, no error
    testing::run(io, index.clear());
    redis.close();
    testing::drain(io);
}

}  // namespace
}  // namespace repairbot::store
