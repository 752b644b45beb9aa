#include "store/webhook_gate.h"

#include <stdexcept>

#include "store/lua_script.h"
#include "store/redis_value.h"

namespace repairbot::store {
namespace {

// dedupe_claim, and when this delivery claimed the message ({1}) the sender's session with it:
// {1, version, data} (each nil when nothing is stored).
const std::string& claim_and_read_lua() {
    static const std::string lua = std::string(kDedupeClaimLua) + R"lua(
local function claim_and_read(dedupe_key, ttl, session_key)
  local claim = dedupe_claim(dedupe_key, ttl)
  if claim[1] == 1 then
    local s = redis.call('HMGET', session_key, 'v', 'd')
    claim[2] = s[1]
    claim[3] = s[2]
  end
  return claim
end
)lua";
    return lua;
}

// KEYS: nonce key, dedupe key, session key. ARGV: body hash, nonce ttl (ms), claim ttl (ms).
// Returns {2} (nonce conflict: nothing claimed), else {nonce, claim...} with nonce 0 fresh or 1
// repeat and claim... claim_and_read's answer.
const LuaScript& admit_script() {
    static const LuaScript script(claim_and_read_lua() + R"lua(
local nonce = 0
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {2} end
  nonce = 1
end
local claim = claim_and_read(KEYS[2], ARGV[3], KEYS[3])
table.insert(claim, 1, nonce)
return claim
)lua");
    return script;
}

// The claim alone (plain mode, after the nonce check). KEYS: dedupe key, session key.
// ARGV: claim ttl (ms). Returns claim_and_read's answer.
const LuaScript& claim_script() {
    static const LuaScript script(claim_and_read_lua() + "return claim_and_read(KEYS[1], ARGV[1], KEYS[2])\n");
    return script;
}

// Reads the claim at elements[at] (and the session after a claim) into `answer`.
void read_claim(std::vector<RedisReply>& elements, std::size_t at, GateAnswer& answer) {
    // A claim that expired between SET and GET is waited out like one in progress.
    answer.dedupe = dedupe_state_of(elements, at).value_or(DedupeInProgress{});
    if (std::holds_alternative<DedupeClaimed>(*answer.dedupe) && elements.size() >= at + 3)
        answer.session = stored_session_of(elements[at + 1], elements[at + 2]);
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

WebhookGate::WebhookGate(Redis& redis, DedupeStore& dedupe, const SessionStore& sessions)
    : redis_(redis), dedupe_(dedupe), sessions_(sessions) {}

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
        if (answer.nonce == NonceCheck::conflict) co_return answer;
        auto c = reply_or_throw(
            co_await redis_.eval(claim_script(), redis_args(dedupe_.key_of(dedupe_key), sessions_.key_of(openid)),
                                 redis_args(std::to_string(claim_ttl.count()))),
            "dedupe claim");
        if (!c.is_array() || c.elements.empty()) throw std::runtime_error("dedupe claim: unexpected reply");
        read_claim(c.elements, 0, answer);
        co_return answer;
    }
    auto r = reply_or_throw(
        co_await redis_.eval(admit_script(),
                             redis_args(std::move(nonce_key), dedupe_.key_of(dedupe_key), sessions_.key_of(openid)),
                             redis_args(sha256_hex(body), std::to_string(nonce_ttl.count()),
                                        std::to_string(claim_ttl.count()))),
        "webhook gate");
    if (!r.is_array() || r.elements.empty()) throw std::runtime_error("webhook gate: unexpected reply");
    switch (r.elements[0].integer) {
        case 0: answer.nonce = NonceCheck::fresh; break;
        case 1: answer.nonce = NonceCheck::repeat; break;
        default: answer.nonce = NonceCheck::conflict; co_return answer;
    }
    read_claim(r.elements, 1, answer);
    co_return answer;
}

}  // namespace repairbot::store
