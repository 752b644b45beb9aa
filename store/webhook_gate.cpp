#include "store/webhook_gate.h"

#include <stdexcept>

#include "store/lua_script.h"
#include "store/redis_value.h"

namespace repairbot::store {
namespace {

// KEYS: nonce key, dedupe key. ARGV: body hash, nonce ttl (ms), claim ttl (ms).
// Returns {2} (nonce conflict: nothing claimed), else {nonce, claim...} with nonce 0 fresh or 1
// repeat and claim... dedupe_claim's answer (store/dedupe_store.h).
const LuaScript& admit_script() {
    static const LuaScript script(std::string(kDedupeClaimLua) + R"lua(
local nonce = 0
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {2} end
  nonce = 1
end
local claim = dedupe_claim(KEYS[2], ARGV[3])
table.insert(claim, 1, nonce)
return claim
)lua");
    return script;
}

// The nonce check alone (plain mode). KEYS: nonce key. ARGV: body hash, ttl (ms).
// Returns 0 fresh, 1 repeat, 2 conflict.
const LuaScript& nonce_script() {
    static const LuaScript script(R"lua(
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 2
)lua");
    return script;
}

}  // namespace

WebhookGate::WebhookGate(Redis& redis, DedupeStore& dedupe) : redis_(redis), dedupe_(dedupe) {}

boost::asio::awaitable<GateAnswer> WebhookGate::admit(bool body_signed, const std::string& openid,
                                                      const std::string& timestamp,
                                                      const std::string& nonce,
                                                      const std::string& body,
                                                      std::chrono::milliseconds nonce_ttl,
                                                      const std::string& dedupe_key,
                                                      std::chrono::milliseconds claim_ttl) {
    std::string nonce_key = redis_.key("nonce:");
    if (body_signed) {
        nonce_key += '{';
        nonce_key += openid;
        nonce_key += "}:";
    }
    nonce_key += timestamp;
    nonce_key += ':';
    nonce_key += nonce;
    GateAnswer answer;
    if (!body_signed) {
        auto n = reply_or_throw(
            co_await redis_.eval(nonce_script(), redis_args(std::move(nonce_key)),
                                 redis_args(sha256_hex(body), std::to_string(nonce_ttl.count()))),
            "nonce check");
        answer.nonce = n.integer == 0 ? NonceCheck::fresh
                       : n.integer == 1 ? NonceCheck::repeat
                                        : NonceCheck::conflict;
        if (answer.nonce != NonceCheck::conflict) answer.dedupe = co_await dedupe_.claim(dedupe_key, claim_ttl);
        co_return answer;
    }
    auto r = reply_or_throw(
        co_await redis_.eval(admit_script(), redis_args(std::move(nonce_key), dedupe_.key_of(dedupe_key)),
                             redis_args(sha256_hex(body), std::to_string(nonce_ttl.count()),
                                        std::to_string(claim_ttl.count()))),
        "webhook gate");
    if (!r.is_array() || r.elements.empty()) throw std::runtime_error("webhook gate: unexpected reply");
    switch (r.elements[0].integer) {
        case 0: answer.nonce = NonceCheck::fresh; break;
        case 1: answer.nonce = NonceCheck::repeat; break;
        default: answer.nonce = NonceCheck::conflict; co_return answer;
    }
    // A claim that expired between SET and GET is waited out like one in progress.
    answer.dedupe = dedupe_state_of(r.elements, 1).value_or(DedupeInProgress{});
    co_return answer;
}

}  // namespace repairbot::store
