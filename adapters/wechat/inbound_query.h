// The query parameters WeChat puts on every webhook request (GET URL check and POST messages).
#pragma once

#include <string>
#include <string_view>

#include "config/errors.h"

namespace repairbot::wechat {

struct InboundQuery {
    std::string signature;      // sha1(sort(token, timestamp, nonce))
    std::string timestamp;      // unix seconds, decimal
    std::string nonce;
    std::string echostr;        // GET URL check only
    std::string encrypt_type;   // "aes" in safe and compatible mode; absent or "raw" in plain
    std::string msg_signature;  // safe and compatible mode: sha1(sort(token, ts, nonce, Encrypt))
    std::string openid;         // the sender, on POSTs
};

// The parameters of a request target ("/wechat?signature=...&..." or just the part after '?'),
// percent-decoded ('+' is a space). Other parameters are ignored. Fails with
// Errc::missing_parameter on a bad percent escape or a repeated known parameter (which one
// counts is ambiguous, so neither does). Does not check presence: Webhook does. Never blocks.
[[nodiscard]] Result<InboundQuery> parse_inbound_query(std::string_view target);

}  // namespace repairbot::wechat
