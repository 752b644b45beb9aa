#include "store/timer_index.h"

#include "store/redis_value.h"

namespace repairbot::store {
namespace {

// KEYS: due, inflight. ARGV: now ms, lease ms, max. Returns {id, score, reclaimed(0/1), ...}.
const LuaScript& claim_script() {
    static const LuaScript script(R"lua(
local now = tonumber(ARGV[1])
local until_ms = now + tonumber(ARGV[2])
local max = tonumber(ARGV[3])
local out = {}
local n = 0
local lost = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'WITHSCORES', 'LIMIT', 0, max)
for i = 1, #lost, 2 do
  redis.call('ZADD', KEYS[2], until_ms, lost[i])
  out[#out + 1] = lost[i]; out[#out + 1] = lost[i + 1]; out[#out + 1] = 1
  n = n + 1
end
if n < max then
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, max - n)
  for i = 1, #due, 2 do
    redis.call('ZREM', KEYS[1], due[i])
    redis.call('ZADD', KEYS[2], until_ms, due[i])
    out[#out + 1] = due[i]; out[#out + 1] = due[i + 1]; out[#out + 1] = 0
  end
end
return out
)lua");
    return script;
}

// KEYS: due, inflight. ARGV: id1, due1, id2, due2, ...
const LuaScript& rebuild_script() {
    static const LuaScript script(R"lua(
local n = 0
for i = 1, #ARGV, 2 do
  if not redis.call('ZSCORE', KEYS[2], ARGV[i]) then
    redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i])
    n = n + 1
  end
end
return n
)lua");
    return script;
}

std::string ms(Timestamp t) {
    return std::to_string(t.time_since_epoch().count());
}

long long parse_score(const RedisReply& r) {
    // Lua turns the WITHSCORES strings into strings; integers come back as integers.
    if (r.is_integer()) return r.integer;
    return static_cast<long long>(std::stod(r.str));
}

// ARGV: n (timers to schedule), then n (id, due) pairs, then the ids to cancel.
const LuaScript& replace_script() {
    static const LuaScript script(R"lua(
local n = tonumber(ARGV[1])
for i = 2, 2 * n, 2 do
  redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i])
end
for i = 2 * n + 2, #ARGV do
  redis.call('ZREM', KEYS[1], ARGV[i])
  redis.call('ZREM', KEYS[2], ARGV[i])
end
return n
)lua");
    return script;
}

}  // namespace

TimerIndex::TimerIndex(Redis& redis, std::string name)
    : redis_(redis),
      due_key_(redis.key("{" + name + "}:due")),
      inflight_key_(redis.key("{" + name + "}:inflight")),
      built_key_(redis.key("{" + name + "}:built")) {}

boost::asio::awaitable<void> TimerIndex::mark_built() {
    (void)reply_or_throw(co_await redis_.command(redis_args("SET", built_key_, "1")), "timer mark built");
}

boost::asio::awaitable<bool> TimerIndex::built() {
    auto r = reply_or_throw(co_await redis_.command(redis_args("EXISTS", built_key_)), "timer built");
    co_return r.integer == 1;
}

boost::asio::awaitable<void> TimerIndex::schedule(std::string id, Timestamp due) {
    (void)reply_or_throw(
        co_await redis_.command(redis_args("ZADD", due_key_, ms(due), std::move(id))),
        "timer schedule");
}

boost::asio::awaitable<std::vector<DueTimer>> TimerIndex::claim(Timestamp now,
                                                                std::chrono::milliseconds lease,
                                                                std::uint32_t max) {
    auto r =
        reply_or_throw(co_await redis_.eval(
                           claim_script(), redis_args(due_key_, inflight_key_),
                           redis_args(ms(now), std::to_string(lease.count()), std::to_string(max))),
                       "timer claim");
    std::vector<DueTimer> out;
    out.reserve(r.elements.size() / 3);
    for (std::size_t i = 0; i + 2 < r.elements.size(); i += 3) {
        DueTimer t;
        t.id = std::move(r.elements[i].str);
        t.due = Timestamp{std::chrono::milliseconds{parse_score(r.elements[i + 1])}};
        t.reclaimed = r.elements[i + 2].integer == 1;
        out.push_back(std::move(t));
    }
    co_return out;
}

boost::asio::awaitable<bool> TimerIndex::ack(std::string id) {
    auto r = reply_or_throw(
        co_await redis_.command(redis_args("ZREM", inflight_key_, std::move(id))), "timer ack");
    co_return r.integer == 1;
}

boost::asio::awaitable<void> TimerIndex::cancel(std::string id) {
    (void)reply_or_throw(co_await redis_.command(redis_args("ZREM", due_key_, id)), "timer cancel");
    (void)reply_or_throw(co_await redis_.command(redis_args("ZREM", inflight_key_, std::move(id))),
                         "timer cancel");
}

boost::asio::awaitable<void> TimerIndex::replace(
    std::vector<std::pair<std::string, Timestamp>> timers, std::vector<std::string> cancelled) {
    if (timers.empty() && cancelled.empty()) co_return;
    std::vector<std::string> args;
    args.reserve(1 + 2 * timers.size() + cancelled.size());
    args.push_back(std::to_string(timers.size()));
    for (auto& [id, due] : timers) {
        args.push_back(std::move(id));
        args.push_back(ms(due));
    }
    for (auto& id : cancelled) args.push_back(std::move(id));
    (void)reply_or_throw(co_await redis_.eval(replace_script(), redis_args(due_key_, inflight_key_),
                                              std::move(args)),
                         "timer replace");
}

boost::asio::awaitable<std::size_t> TimerIndex::rebuild(
    std::vector<std::pair<std::string, Timestamp>> timers) {
    std::size_t added = 0;
    constexpr std::size_t batch = 1000;
    for (std::size_t i = 0; i < timers.size(); i += batch) {
        std::vector<std::string> args;
        args.reserve(2 * batch);
        for (std::size_t j = i; j < std::min(timers.size(), i + batch); ++j) {
            args.push_back(std::move(timers[j].first));
            args.push_back(ms(timers[j].second));
        }
        auto r = reply_or_throw(
            co_await redis_.eval(rebuild_script(), redis_args(due_key_, inflight_key_),
                                 std::move(args)),
            "timer rebuild");
        added += static_cast<std::size_t>(r.integer);
    }
    co_return added;
}

boost::asio::awaitable<std::size_t> TimerIndex::size() {
    auto a = reply_or_throw(co_await redis_.command(redis_args("ZCARD", due_key_)), "timer size");
    auto b =
        reply_or_throw(co_await redis_.command(redis_args("ZCARD", inflight_key_)), "timer size");
    co_return static_cast<std::size_t>(a.integer + b.integer);
}

boost::asio::awaitable<void> TimerIndex::clear() {
    (void)reply_or_throw(co_await redis_.command(redis_args("DEL", due_key_, inflight_key_)),
                         "timer clear");
}

}  // namespace repairbot::store
