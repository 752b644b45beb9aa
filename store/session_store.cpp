#include "store/session_store.h"

#include <stdexcept>

#include "store/errors.h"
#include "store/redis_value.h"

namespace repairbot::store {
namespace {

const LuaScript& save_script() {
    static const LuaScript script(R"lua(
local cur = redis.call('HGET', KEYS[1], 'v')
if not cur then cur = '0' end
if cur ~= ARGV[1] then return {0, tonumber(cur)} end
local nv = tonumber(cur) + 1
redis.call('HSET', KEYS[1], 'v', nv, 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if KEYS[2] then redis.call('SET', KEYS[2], 'D' .. ARGV[4], 'PX', ARGV[5]) end
return {1, nv}
)lua");
    return script;
}

}  // namespace

StoredSession stored_session_of(RedisReply& version, RedisReply& data) {
    StoredSession s;
    if (!version.is_string()) return s;
    try {
        s.version = std::stoull(version.str);
    } catch (const std::exception&) {
        throw std::runtime_error("session load: the stored version is not a number");
    }
    if (data.is_string()) s.data = std::move(data.str);
    return s;
}

SessionStore::SessionStore(Redis& redis, std::chrono::seconds ttl) : redis_(redis), ttl_(ttl) {}

std::string SessionStore::key_of(const std::string& openid) const {
    return redis_.key("{" + openid + "}:session");
}

boost::asio::awaitable<StoredSession> SessionStore::load(std::string openid) {
    auto r = reply_or_throw(co_await redis_.command(redis_args("HMGET", key_of(openid), "v", "d")),
                            "session load");
    if (!r.is_array() || r.elements.size() != 2) co_return StoredSession{};
    co_return stored_session_of(r.elements[0], r.elements[1]);
}

boost::asio::awaitable<Result<std::uint64_t>> SessionStore::save(std::string openid,
                                                                 std::uint64_t expected_version,
                                                                 std::string data,
                                                                 std::optional<DedupeReceipt> receipt) {
    // KEYS: session[, dedupe]. ARGV: expected version, data, ttl (ms)[, reply, dedupe ttl (ms)].
    std::vector<std::string> keys{key_of(openid)};
    std::vector<std::string> args{std::to_string(expected_version), std::move(data),
                                  std::to_string(std::chrono::milliseconds(ttl_).count())};
    if (receipt) {
        keys.push_back(std::move(receipt->dedupe_key));
        args.push_back(std::move(receipt->reply));
        args.push_back(std::to_string(receipt->ttl.count()));
    }
    auto r = reply_or_throw(co_await redis_.eval(save_script(), std::move(keys), std::move(args)), "session save");
    if (!r.is_array() || r.elements.size() != 2)
        throw std::runtime_error("session save: unexpected reply");
    if (r.elements[0].integer != 1) {
        co_return Error{StoreErrc::version_conflict,
                        "stored version " + std::to_string(r.elements[1].integer) + ", expected " +
                            std::to_string(expected_version)};
    }
    co_return static_cast<std::uint64_t>(r.elements[1].integer);
}

boost::asio::awaitable<void> SessionStore::erase(std::string openid) {
    (void)reply_or_throw(co_await redis_.command(redis_args("DEL", key_of(openid))),
                         "session erase");
}

}  // namespace repairbot::store
