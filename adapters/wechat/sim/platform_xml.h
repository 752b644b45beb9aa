// The platform's side of the XML: writing an InboundMessage the way WeChat posts it, and reading
// a passive reply back into a Reply. Pure; never throws on content.
#pragma once

#include <string>
#include <string_view>

#include "adapters/wechat/inbound_message.h"
#include "adapters/wechat/reply_message.h"
#include "config/errors.h"

namespace repairbot::wechat::sim {

// The XML WeChat posts for `message` (CDATA for strings, like the platform).
[[nodiscard]] std::string inbound_message_xml(const InboundMessage& message);

// A passive reply document (text, image or news) as a Reply; "success" and "" are NoReply.
// Fails with Errc::malformed_xml or Errc::invalid_message (unknown MsgType, missing fields).
[[nodiscard]] Result<Reply> parse_reply_xml(std::string_view xml);

}  // namespace repairbot::wechat::sim
