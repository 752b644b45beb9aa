// Dialogue sessions in Redis: one opaque value per user with a version; save is compare-and-set
// (Lua), so two webhooks of one user never lose an update; every save renews the TTL.
// Keys are hash-tagged per openid (prefix + "{openid}:session") for Redis Cluster.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "config/errors.h"
#include "store/redis.h"

namespace repairbot::store {

struct StoredSession {
    std::string data;           // opaque (the dialog's session codec); empty when none
    std::uint64_t version = 0;  // 0 = nothing stored (new user, or expired)
};

// The session from the two replies of `HMGET <session key> v d` (nil: nothing stored), for a
// script that reads it along with other work (WebhookGate). Throws std::runtime_error when the
// stored version is not a number.
[[nodiscard]] StoredSession stored_session_of(RedisReply& version, RedisReply& data);

// The webhook's dedupe record of a message, written by the same script as the session it
// changed (the message's reply stored for WeChat's resends exactly when its session is saved):
// one Redis round trip instead of two. `dedupe_key` is the full Redis key (DedupeStore::key_of)
// and must hash to the session's slot (both carry "{openid}").
struct DedupeReceipt {
    std::string dedupe_key;
    std::string reply;  // the encoded reply bytes
    std::chrono::milliseconds ttl;
};

class SessionStore {
  public:
    // Keeps a reference to `redis` (must outlive the store). Never blocks.
    SessionStore(Redis& redis, std::chrono::seconds ttl);

    // The user's session, or {"", 0}. Runs on the caller's executor.
    // Throws ServiceUnavailable("redis") when Redis is down or does not answer in time.
    boost::asio::awaitable<StoredSession> load(std::string openid);

    // Stores `data` if the stored version is still `expected_version` (0: nothing stored) and
    // returns the new version (expected + 1). StoreErrc::version_conflict when another save won:
    // reload, re-run the step, save again. Throws ServiceUnavailable("redis") as load().
    // With `receipt`, a successful save also stores the reply as DedupeStore::complete does;
    // a conflict stores nothing.
    boost::asio::awaitable<Result<std::uint64_t>> save(std::string openid,
                                                       std::uint64_t expected_version,
                                                       std::string data,
                                                       std::optional<DedupeReceipt> receipt = std::nullopt);

    // Deletes the session. Throws ServiceUnavailable("redis") as load().
    boost::asio::awaitable<void> erase(std::string openid);

    [[nodiscard]] std::string key_of(const std::string& openid) const;

  private:
    Redis& redis_;
    std::chrono::seconds ttl_;
};

}  // namespace repairbot::store
