// The index that fires deadlines: a Redis sorted set of timer ids scored by due time, claimed
// atomically (Lua) into an in-flight set scored by lease expiry, so several workers never take
// the same timer and a crashed worker's timers come back when its lease runs out. MySQL holds
// the deadlines themselves; rebuild() refills the index from them at start-up.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "store/redis.h"
#include "store/sql_values.h"

namespace repairbot::store {

struct DueTimer {
    std::string id;
    Timestamp due{};         // for a reclaimed timer: when the lost lease expired
    bool reclaimed = false;  // its previous claimer never acked within the lease
};

class TimerIndex {
  public:
    // Keeps a reference to `redis` (must outlive the index). Keys: prefix + "{" + name + "}:due"
    // and ":inflight" (one hash tag, so the scripts work on Redis Cluster).
    TimerIndex(Redis& redis, std::string name = "timers");

    // Adds the timer, or moves it to `due`. A timer claimed and not yet acked stays in flight
    // too (its ack does not cancel the new due time). All functions run on the caller's
    // executor and throw ServiceUnavailable("redis") when Redis is down.
    boost::asio::awaitable<void> schedule(std::string id, Timestamp due);

    // Atomically takes up to `max` timers due at `now`, expired leases first, and leases each
    // until now + lease. Every timer is handed to exactly one caller per lease.
    boost::asio::awaitable<std::vector<DueTimer>> claim(Timestamp now,
                                                        std::chrono::milliseconds lease,
                                                        std::uint32_t max);

    // Done with a claimed timer; true if it was in flight.
    boost::asio::awaitable<bool> ack(std::string id);

    // Removes the timer wherever it is (stage met, ticket closed).
    boost::asio::awaitable<void> cancel(std::string id);

    // In one round trip: schedule() each of `timers` and cancel() each of `cancelled` (a
    // ticket's whole plan after a save).
    boost::asio::awaitable<void> replace(std::vector<std::pair<std::string, Timestamp>> timers,
                                         std::vector<std::string> cancelled);

    // Start-up: schedules every (id, due) given (in batches of 1,000) except timers in flight;
    // existing due times are replaced. Returns how many were scheduled.
    boost::asio::awaitable<std::size_t> rebuild(
        std::vector<std::pair<std::string, Timestamp>> timers);

    // A marker set after a complete rebuild (no TTL, same hash tag): its absence means Redis
    // lost the index (a restart without persistence, a FLUSHALL) and it must be rebuilt.
    boost::asio::awaitable<void> mark_built();
    [[nodiscard]] boost::asio::awaitable<bool> built();

    // Timers waiting plus in flight.
    boost::asio::awaitable<std::size_t> size();

    // Deletes both sets (tests, admin).
    boost::asio::awaitable<void> clear();

  private:
    Redis& redis_;
    std::string due_key_;
    std::string inflight_key_;
    std::string built_key_;
};

}  // namespace repairbot::store
