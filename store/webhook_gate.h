// The gate every signed webhook passes, in ONE Redis round trip (a Lua script):
//  1. the (timestamp, nonce) replay guard: each pair is remembered with a hash of its body for
//     the signature window; the same pair with another body is a replay and is refused, the
//     same pair with the same body is WeChat's retry (let dedupe answer it);
//  2. unless refused, the message's dedupe claim (DedupeStore's key and semantics): the first
//     delivery claims it, a later one gets the stored reply or learns the first is in progress;
//  3. when claimed, the sender's session (SessionStore's key), which the conversation reads first.
// When the body is signed (safe mode: msg_signature covers the encrypted message) all keys
// carry the sender's openid as hash tag, so the one script runs on Redis Cluster too. In plain
// mode the signature covers only (timestamp, nonce): keying the nonce by the body's openid would
// let a captured signature be replayed under another FromUserName, so the nonce key stays
// "nonce:<timestamp>:<nonce>" and the claim (with the session) follows in a second round trip.
// Round trips per new message, with the session's save: safe mode 2 (the gate, the save), plain
// mode 3 (the nonce, the claim with the session, the save); docs/performance.md has the steps.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "store/dedupe_store.h"
#include "store/redis.h"
#include "store/session_store.h"

namespace repairbot::store {

enum class NonceCheck {
    fresh,     // first time this (timestamp, nonce) was seen
    repeat,    // seen before with the same body: a platform retry, let dedupe answer it
    conflict,  // seen before with a different body: a replay attempt, refuse
};

struct GateAnswer {
    NonceCheck nonce = NonceCheck::fresh;
    // Unset when the nonce was refused (nothing claimed). DedupeInProgress also when the claim
    // expired between the script's SET and GET: the caller waits with claim_or_wait() either way.
    std::optional<DedupeState> dedupe;
    // When this delivery claimed the message (DedupeClaimed): the sender's session, read by the
    // same script — the conversation's first read, one round trip saved. Its save is still
    // compare-and-set, so a session changed since is caught and read again.
    std::optional<StoredSession> session;
};

class WebhookGate {
  public:
    // Keeps references (all must outlive the gate). Nonce keys: prefix + "nonce:{" + openid +
    // "}:" + timestamp + ":" + nonce (signed bodies) or prefix + "nonce:" + timestamp + ":" +
    // nonce (plain); claims: DedupeStore::key_of(dedupe_key); sessions: SessionStore::key_of(openid).
    WebhookGate(Redis& redis, DedupeStore& dedupe, const SessionStore& sessions);

    // Records (timestamp, nonce) with SHA-256(body) for `nonce_ttl` and classifies it; unless
    // it is a conflict, claims `dedupe_key` for `claim_ttl` and, when claimed, reads `openid`'s
    // session (GateAnswer::session). `body_signed`: the signature
    // covered the body (safe mode), so `openid` (read from it) can be trusted in the nonce key.
    // Runs on the caller's executor. Throws ServiceUnavailable("redis") when Redis is down.
    boost::asio::awaitable<GateAnswer> admit(bool body_signed, const std::string& openid,
                                             const std::string& timestamp,
                                             const std::string& nonce, const std::string& body,
                                             std::chrono::milliseconds nonce_ttl,
                                             const std::string& dedupe_key,
                                             std::chrono::milliseconds claim_ttl);

  private:
    Redis& redis_;
    DedupeStore& dedupe_;
    const SessionStore& sessions_;
};

}  // namespace repairbot::store
