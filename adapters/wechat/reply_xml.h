// Writing the XML WeChat expects back: passive replies with CDATA that cannot be broken out of,
// and the safe-mode envelope around an encrypted reply. Pure; never throws on content.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/wechat/reply_message.h"

namespace repairbot::wechat {

// Appends <![CDATA[text]]> to `out`. A "]]>" inside `text` is split across two sections
// ("]]" ends one, ">" opens the next), and characters XML 1.0 forbids even in CDATA (C0
// controls other than tab, newline, carriage return) are dropped.
void append_cdata(std::string& out, std::string_view text);

// The passive reply document from the account (`from_user`, its gh_ id) to `to_user` (openid),
// or "success" for NoReply.
[[nodiscard]] std::string reply_xml(std::string_view to_user, std::string_view from_user,
                                    std::int64_t create_time, const Reply& reply);

// The safe-mode reply envelope: Encrypt, MsgSignature, TimeStamp, Nonce.
[[nodiscard]] std::string encrypted_envelope_xml(std::string_view encrypt,
                                                 std::string_view msg_signature,
                                                 std::string_view timestamp,
                                                 std::string_view nonce);

}  // namespace repairbot::wechat
