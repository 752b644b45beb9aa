// The in-memory TokenStore keeps the contract the Redis one keeps: TTLs, compare-and-delete of
// the exact entry, a lock only its owner releases.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "adapters/wechat/api/memory_token_store.h"

namespace repairbot::wechat::api {
namespace {

using namespace std::chrono_literals;

template <class T>
boost::asio::awaitable<void> store_into(boost::asio::awaitable<T> task, std::optional<T>& out) {
    out.emplace(co_await std::move(task));
}

template <class T>
T run(boost::asio::awaitable<T> task) {
    boost::asio::io_context io;
    std::optional<T> out;
    boost::asio::co_spawn(io, store_into(std::move(task), out), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    io.run();
    return std::move(*out);
}

struct FakeClock {
    std::chrono::steady_clock::time_point now{std::chrono::steady_clock::now()};
};

TEST(WechatApiMemoryStore, TokenLivesForItsTtl) {
    FakeClock clock;
    MemoryTokenStore store([&] { return clock.now; });
    EXPECT_FALSE(run(store.get()).value().has_value());
    const AccessToken t{"T1", std::chrono::system_clock::now() + 2h, std::chrono::system_clock::now() + 1h};
    ASSERT_TRUE(run(store.set(t, 10s)));
    EXPECT_EQ(run(store.get()).value(), t);
    clock.now += 11s;
    EXPECT_FALSE(run(store.get()).value().has_value());
}

TEST(WechatApiMemoryStore, CompareAndDeleteDropsOnlyTheSameEntry) {
    MemoryTokenStore store;
    const auto now = std::chrono::system_clock::now();
    const AccessToken old_entry{"T1", now + 2h, now + 1h};
    const AccessToken restored{"T1", now + 3h, now + 2h};  // same string, stored again later
    ASSERT_TRUE(run(store.set(restored, 1h)));
    EXPECT_FALSE(run(store.compare_and_delete(old_entry)).value());
    EXPECT_TRUE(run(store.get()).value().has_value());
    EXPECT_TRUE(run(store.compare_and_delete(restored)).value());
    EXPECT_FALSE(run(store.get()).value().has_value());
}

TEST(WechatApiMemoryStore, LockIsExclusiveOwnedAndExpires) {
    FakeClock clock;
    MemoryTokenStore store([&] { return clock.now; });
    EXPECT_TRUE(run(store.try_lock("a", 5s)).value());
    EXPECT_FALSE(run(store.try_lock("b", 5s)).value());
    ASSERT_TRUE(run(store.unlock("b")));  // not b's lock: stays
    EXPECT_FALSE(run(store.try_lock("b", 5s)).value());
    ASSERT_TRUE(run(store.unlock("a")));
    EXPECT_TRUE(run(store.try_lock("b", 5s)).value());
    clock.now += 6s;
    EXPECT_TRUE(run(store.try_lock("c", 5s)).value());
}

}  // namespace
}  // namespace repairbot::wechat::api
