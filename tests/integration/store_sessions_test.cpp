// Redis-backed stores against the real Redis: session compare-and-set under 20 concurrent
// writers, dedupe claim-or-get, the webhook gate (nonce replay guard + claim in one script), locks and the access-token cache.
#include <gtest/gtest.h>

#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <thread>

#include "store/dedupe_store.h"
#include "store/errors.h"
#include "store/lock_store.h"
#include "store/redis.h"
#include "store/webhook_gate.h"
#include "store/session_store.h"
#include "tests/integration/store_env.h"

namespace repairbot::store {
namespace {

using namespace std::chrono_literals;

boost::asio::awaitable<void> write_marker(SessionStore& sessions, std::string openid,
                                          std::string marker, std::atomic<int>& conflicts) {
    for (;;) {
        auto s = co_await sessions.load(openid);
        auto saved = co_await sessions.save(openid, s.version, s.data + marker + ";");
        if (saved) co_return;
        EXPECT_EQ(saved.code(), StoreErrc::version_conflict);
        ++conflicts;
    }
}

boost::asio::awaitable<void> writers_then_close(Redis& redis, SessionStore& sessions,
                                                std::string openid, int first,
                                                std::atomic<int>& conflicts) {
    auto ex = co_await boost::asio::this_coro::executor;
    std::atomic<int> left{5};
    for (int i = first; i < first + 5; ++i) {
        boost::asio::co_spawn(ex,
                              write_marker(sessions, openid, "w" + std::to_string(i), conflicts),
                              [&left](std::exception_ptr e) {
                                  if (e) ADD_FAILURE() << "writer threw";
                                  --left;
                              });
    }
    boost::asio::steady_timer t(ex);
    while (left > 0) {
        t.expires_after(5ms);
        co_await t.async_wait(boost::asio::use_awaitable);
    }
    redis.close();
}

TEST(StoreSessions, TwentyConcurrentWritersAllLand) {
    const std::string openid = "o-session-" + std::to_string(::getpid());
    std::atomic<int> conflicts{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            boost::asio::io_context io;
            Redis redis(io.get_executor(), testing::redis_settings());
            SessionStore sessions(redis, std::chrono::seconds(60));
            testing::run(io, writers_then_close(redis, sessions, openid, t * 5, conflicts));
            testing::drain(io);
        });
    }
    for (auto& t : threads) t.join();

    boost::asio::io_context io;
    Redis redis(io.get_executor(), testing::redis_settings());
    SessionStore sessions(redis, std::chrono::seconds(60));
    auto s = testing::run(io, sessions.load(openid));
    EXPECT_EQ(s.version, 20u);
    for (int i = 0; i < 20; ++i)
        EXPECT_NE(s.data.find("w" + std::to_string(i) + ";"), std::string::npos) << i;
    auto ttl = testing::run(io, redis.command(redis_args("PTTL", sessions.key_of(openid))));
    ASSERT_TRUE(ttl);
    EXPECT_GT(ttl->integer, 0);
    EXPECT_EQ(sessions.key_of(openid), redis.key("{" + openid + "}:session"));
    testing::run(io, sessions.erase(openid));
    EXPECT_EQ(testing::run(io, sessions.load(openid)).version, 0u);
    std::cout << "session conflicts resolved by retry: " << conflicts.load() << "\n";
    redis.close();
    testing::drain(io);
}

TEST(StoreSessions, StaleVersionIsAConflict) {
    boost::asio::io_context io;
    Redis redis(io.get_executor(), testing::redis_settings());
    SessionStore sessions(redis, std::chrono::seconds(60));
    const std::string openid = "o-stale-" + std::to_string(::getpid());
    auto v1 = testing::run(io, sessions.save(openid, 0, "a"));
    ASSERT_TRUE(v1);
    EXPECT_EQ(*v1, 1u);
    auto again = testing::run(io, sessions.save(openid, 0, "b"));
    EXPECT_EQ(again.code(), StoreErrc::version_conflict);
    auto s = testing::run(io, sessions.load(openid));
    EXPECT_EQ(s.data, "a");
    testing::run(io, sessions.erase(openid));
    redis.close();
    testing::drain(io);
}

TEST(StoreSessions, ASaveWithAReceiptStoresTheReplyForResendsAndAConflictStoresNothing) {
    boost::asio::io_context io;
    Redis redis(io.get_executor(), testing::redis_settings());
    SessionStore sessions(redis, std::chrono::seconds(60));
    DedupeStore dedupe(redis);
    const std::string openid = "o-receipt-" + std::to_string(::getpid());
    const std::string won = "{" + openid + "}:m:1", lost = "{" + openid + "}:m:2";
    ASSERT_TRUE(std::holds_alternative<DedupeClaimed>(testing::run(io, dedupe.claim(won, 5s))));
    ASSERT_TRUE(std::holds_alternative<DedupeClaimed>(testing::run(io, dedupe.claim(lost, 5s))));
    static constexpr char raw[] = "<xml>已受理\0</xml>";
    const std::string reply(raw, sizeof raw - 1);

    auto saved = testing::run(io, sessions.save(openid, 0, "a", DedupeReceipt{dedupe.key_of(won), reply, 5000ms}));
    ASSERT_TRUE(saved);
    auto stale = testing::run(io, sessions.save(openid, 0, "b", DedupeReceipt{dedupe.key_of(lost), "no", 5000ms}));
    EXPECT_EQ(stale.code(), StoreErrc::version_conflict);

    EXPECT_EQ(testing::run(io, sessions.load(openid)).data, "a");
    auto done = testing::run(io, dedupe.claim(won, 5s));
    ASSERT_TRUE(std::holds_alternative<DedupeDone>(done));
    EXPECT_EQ(std::get<DedupeDone>(done).reply, reply);
    auto pttl = testing::run(io, redis.command(redis_args("PTTL", dedupe.key_of(won))));
    ASSERT_TRUE(pttl);
    EXPECT_GT(pttl->integer, 0);
    EXPECT_LE(pttl->integer, 5000);
    // The losing save left its message's claim in progress: its step runs again.
    EXPECT_TRUE(std::holds_alternative<DedupeInProgress>(testing::run(io, dedupe.claim(lost, 5s))));
    testing::run(io, sessions.erase(openid));
    redis.close();
    testing::drain(io);
}

TEST(StoreDedupe, FirstClaimsLaterOnesGetTheStoredReply) {
    boost::asio::io_context io;
    Redis redis(io.get_executor(), testing::redis_settings());
    DedupeStore dedupe(redis);
    const std::string key = "msg-" + std::to_string(::getpid());
    EXPECT_TRUE(std::holds_alternative<DedupeClaimed>(testing::run(io, dedupe.claim(key, 5s))));
    EXPECT_TRUE(std::holds_alternative<DedupeInProgress>(testing::run(io, dedupe.claim(key, 5s))));
    // Released (the handler failed): a retry claims again.
    testing::run(io, dedupe.release(key));
    EXPECT_TRUE(std::holds_alternative<DedupeClaimed>(testing::run(io, dedupe.claim(key, 5s))));
    static constexpr char raw[] = "<xml>已受理 😀\0</xml>";
    const std::string reply(raw, sizeof raw - 1);
    testing::run(io, dedupe.complete(key, reply, 5s));
    auto done = testing::run(io, dedupe.claim(key, 5s));
    ASSERT_TRUE(std::holds_alternative<DedupeDone>(done));
    EXPECT_EQ(std::get<DedupeDone>(done).reply, reply);
    testing::run(io, dedupe.release(key));  // a completed key is kept
    EXPECT_TRUE(std::holds_alternative<DedupeDone>(testing::run(io, dedupe.claim(key, 5s))));
    redis.close();
    testing::drain(io);
}

boost::asio::awaitable<void> complete_later(DedupeStore& dedupe, std::string key) {
    boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, 100ms);
    co_await t.async_wait(boost::asio::use_awaitable);
    co_await dedupe.complete(key, "reply", 5s);
}

TEST(StoreDedupe, ARetryWaitsBrieflyForTheFirstDeliverysReply) {
    boost::asio::io_context io;
    Redis redis(io.get_executor(), testing::redis_settings());
    DedupeStore dedupe(redis);
    const std::string key = "wait-" + std::to_string(::getpid());
    EXPECT_TRUE(std::holds_alternative<DedupeClaimed>(testing::run(io, dedupe.claim(key, 5s))));
    boost::asio::co_spawn(io, complete_later(dedupe, key), boost::asio::detached);
    auto state = testing::run(io, dedupe.claim_or_wait(key, 5s, 2s, 20ms));
    ASSERT_TRUE(std::holds_alternative<DedupeDone>(state));
    EXPECT_EQ(std::get<DedupeDone>(state).reply, "reply");
    redis.close();
    testing::drain(io);
}

TEST(StoreWebhookGate, SameNonceWithAnotherBodyIsRefusedAndNothingIsClaimed) {
    boost::asio::io_context io;
    Redis redis(io.get_executor(), testing::redis_settings());
    DedupeStore dedupe(redis);
    SessionStore sessions(redis, 60s);
    WebhookGate gate(redis, dedupe, sessions);
    const std::string openid = "o_gate_" + std::to_string(::getpid());
    const std::string nonce = "n" + std::to_string(::getpid());
    const std::string key = "{" + openid + "}:m:1";
    auto admit = [&](const std::string& ts, const std::string& body, const std::string& k) {
        return testing::run(io, gate.admit(true, openid, ts, nonce, body, 300s, k, 5s));
    };
    auto first = admit("1700000000", "<xml>a</xml>", key);
    EXPECT_EQ(first.nonce, NonceCheck::fresh);
    ASSERT_TRUE(first.dedupe.has_value());
    EXPECT_TRUE(std::holds_alternative<DedupeClaimed>(*first.dedupe));

    auto retry = admit("1700000000", "<xml>a</xml>", key);  // WeChat's retry, first still at work
    EXPECT_EQ(retry.nonce, NonceCheck::repeat);
    ASSERT_TRUE(retry.dedupe.has_value());
    EXPECT_TRUE(std::holds_alternative<DedupeInProgress>(*retry.dedupe));

    testing::run(io, dedupe.complete(key, "<xml>reply</xml>", 5s));
    auto resend = admit("1700000005", "<xml>a</xml>", key);  // re-signed resend, same MsgId
    EXPECT_EQ(resend.nonce, NonceCheck::fresh);
    ASSERT_TRUE(resend.dedupe.has_value());
    ASSERT_TRUE(std::holds_alternative<DedupeDone>(*resend.dedupe));
    EXPECT_EQ(std::get<DedupeDone>(*resend.dedupe).reply, "<xml>reply</xml>");

    const std::string other = "{" + openid + "}:m:2";
    auto replay = admit("1700000000", "<xml>b</xml>", other);
    EXPECT_EQ(replay.nonce, NonceCheck::conflict);
    EXPECT_FALSE(replay.dedupe.has_value());
    EXPECT_TRUE(std::holds_alternative<DedupeClaimed>(testing::run(io, dedupe.claim(other, 5s))))
        << "a refused replay claims nothing";
    redis.close();
    testing::drain(io);
}

TEST(StoreWebhookGate, InPlainModeTheNonceIsNotKeyedByTheUnsignedSendersOpenid) {
    boost::asio::io_context io;
    Redis redis(io.get_executor(), testing::redis_settings());
    DedupeStore dedupe(redis);
    SessionStore sessions(redis, 60s);
    WebhookGate gate(redis, dedupe, sessions);
    const std::string tag = std::to_string(::getpid());
    const std::string nonce = "p" + tag;
    auto first = testing::run(io, gate.admit(false, "o_a_" + tag, "1700000000", nonce, "<xml>a</xml>",
                                             300s, "{o_a_" + tag + "}:m:1", 5s));
    EXPECT_EQ(first.nonce, NonceCheck::fresh);
    ASSERT_TRUE(first.dedupe.has_value());
    EXPECT_TRUE(std::holds_alternative<DedupeClaimed>(*first.dedupe));
    // The captured (timestamp, nonce) replayed with a body naming another sender is refused.
    auto forged = testing::run(io, gate.admit(false, "o_b_" + tag, "1700000000", nonce, "<xml>b</xml>",
                                              300s, "{o_b_" + tag + "}:m:1", 5s));
    EXPECT_EQ(forged.nonce, NonceCheck::conflict);
    EXPECT_FALSE(forged.dedupe.has_value());
    redis.close();
    testing::drain(io);
}

TEST(StoreWebhookGate, TheClaimingDeliveryGetsTheSendersSessionInTheSameCallInBothModes) {
    boost::asio::io_context io;
    Redis redis(io.get_executor(), testing::redis_settings());
    DedupeStore dedupe(redis);
    SessionStore sessions(redis, 60s);
    WebhookGate gate(redis, dedupe, sessions);
    const std::string tag = std::to_string(::getpid()) + "_" + std::to_string(std::random_device{}());
    for (const bool safe : {true, false}) {
        const std::string openid = std::string(safe ? "o_gs_" : "o_gp_") + tag;
        const std::string key = "{" + openid + "}:m:1";
        auto admit = [&](const std::string& nonce, const std::string& k) {
            return testing::run(io, gate.admit(safe, openid, "1700000000", nonce, "<xml>" + k + "</xml>", 300s, k, 5s));
        };
        // Nothing stored yet: a session of version 0 comes back with the claim.
        auto first = admit("n1" + tag, key);
        ASSERT_TRUE(first.dedupe && std::holds_alternative<DedupeClaimed>(*first.dedupe)) << safe;
        ASSERT_TRUE(first.session.has_value()) << safe;
        EXPECT_EQ(first.session->version, 0u);
        EXPECT_EQ(first.session->data, "");

        // The next message finds what the first one saved.
        ASSERT_TRUE(testing::run(io, sessions.save(openid, 0, "draft;building=3")));
        auto second = admit("n2" + tag, "{" + openid + "}:m:2");
        ASSERT_TRUE(second.session.has_value()) << safe;
        EXPECT_EQ(second.session->version, 1u);
        EXPECT_EQ(second.session->data, "draft;building=3");

        // A resend of the first (in progress, or answered) is not handed the session.
        auto resend = admit("n3" + tag, key);
        ASSERT_TRUE(resend.dedupe && std::holds_alternative<DedupeInProgress>(*resend.dedupe)) << safe;
        EXPECT_FALSE(resend.session.has_value());
        testing::run(io, sessions.erase(openid));
    }
    redis.close();
    testing::drain(io);
}

TEST(StoreLocks, OnlyTheTokenHolderReleasesAndExpiryFreesTheLock) {
    boost::asio::io_context io;
    Redis redis(io.get_executor(), testing::redis_settings());
    LockStore locks(redis);
    const std::string name = "token-refresh-" + std::to_string(::getpid());
    auto a = testing::run(io, locks.try_acquire(name, 200ms));
    ASSERT_TRUE(a);
    EXPECT_FALSE(testing::run(io, locks.try_acquire(name, 200ms)));
    EXPECT_FALSE(testing::run(io, locks.release(name, "not-the-token")));
    EXPECT_TRUE(testing::run(io, locks.extend(name, *a, 200ms)));
    EXPECT_TRUE(testing::run(io, locks.release(name, *a)));
    auto b = testing::run(io, locks.try_acquire(name, 100ms));
    ASSERT_TRUE(b);
    EXPECT_NE(*a, *b);
    std::this_thread::sleep_for(250ms);  // b's holder "crashed"
    auto c = testing::run(io, locks.try_acquire(name, 100ms));
    EXPECT_TRUE(c);
    EXPECT_FALSE(testing::run(io, locks.release(name, *b)));
    redis.close();
    testing::drain(io);
}

}  // namespace
}  // namespace repairbot::store
