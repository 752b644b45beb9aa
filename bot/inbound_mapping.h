// Maps what the WeChat adapter parsed into what the dialogue understands, and the dialogue's
// replies back into WeChat passive replies. Pure; never fails.
#pragma once

#include "adapters/wechat/inbound_message.h"
#include "adapters/wechat/reply_message.h"
#include "dialog/inbound.h"

namespace repairbot::bot {

// Text, image, voice (its Recognition is the text), location and menu/subscription events map
// to their dialog counterparts; video, links and unknown types become UnsupportedMessage (so the
// owner is told what the bot understands); TEMPLATESENDJOBFINISH and SCAN become
// EventKind::other. message_id is the adapter's dedupe key.
[[nodiscard]] dialog::Inbound to_dialog(const wechat::InboundMessage& message);

}  // namespace repairbot::bot
