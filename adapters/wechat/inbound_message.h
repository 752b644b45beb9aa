// The one normalized value every inbound WeChat message or event becomes, whatever its MsgType,
// and the dedupe key the platform's at-least-once delivery is collapsed by.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace repairbot::wechat {

struct TextMessage {
    std::string content;
};

struct ImageMessage {
    std::string pic_url;
    std::string media_id;
};

struct VoiceMessage {
    std::string media_id;
    std::string format;       // "amr", "speex"
    std::string recognition;  // speech-to-text when the account enabled it; else empty
};

// MsgType video, or shortvideo when `short_video`.
struct VideoMessage {
    std::string media_id;
    std::string thumb_media_id;
    bool short_video = false;
};

// A location the user sent as a message.
struct LocationMessage {
    double latitude = 0;   // Location_X
    double longitude = 0;  // Location_Y
    int scale = 0;         // map zoom
    std::string label;     // the place's description, may be empty
};

struct LinkMessage {
    std::string title;
    std::string description;
    std::string url;
};

// Event subscribe. When the user followed through a parametric QR code, EventKey was
// "qrscene_<scene>": `scene` holds <scene> and `ticket` the QR ticket; otherwise both are empty.
struct SubscribeEvent {
    std::string scene;
    std::string ticket;
};

struct UnsubscribeEvent {};

// Event SCAN: a follower scanned a parametric QR code; EventKey is the scene as is.
struct ScanEvent {
    std::string scene;
    std::string ticket;
};

// Event LOCATION: the periodic location report of a user who allowed it.
struct LocationEvent {
    double latitude = 0;
    double longitude = 0;
    double precision = 0;
};

// Event CLICK on a menu button; `key` is the button's key.
struct ClickEvent {
    std::string key;
};

// Event VIEW on a menu link; `url` is EventKey.
struct ViewEvent {
    std::string url;
    std::string menu_id;  // may be empty
};

enum class TemplateSendStatus { success, user_block, system_failed, other };

// Event TEMPLATESENDJOBFINISH: the outcome of a template message we pushed (note MsgID).
struct TemplateSendJobFinishEvent {
    std::uint64_t msg_id = 0;
    TemplateSendStatus status = TemplateSendStatus::other;
    std::string status_text;  // as sent: "success", "failed:user block", "failed: system failed"
};

// Any MsgType or Event this adapter does not model: answered "success", never a crash.
struct UnknownMessage {
    std::string msg_type;
    std::string event;  // for MsgType event; else empty
};

using InboundBody =
    std::variant<TextMessage, ImageMessage, VoiceMessage, VideoMessage, LocationMessage,
                 LinkMessage, SubscribeEvent, UnsubscribeEvent, ScanEvent, LocationEvent,
                 ClickEvent, ViewEvent, TemplateSendJobFinishEvent, UnknownMessage>;

struct InboundMessage {
    std::string to_user;    // ToUserName: the account's original id (gh_...)
    std::string from_user;  // FromUserName: the sender's openid (1-64 of A-Z a-z 0-9 _ -)
    std::int64_t create_time = 0;  // unix seconds
    std::uint64_t msg_id = 0;      // MsgId of a message (or MsgID of TEMPLATESENDJOBFINISH); 0: none
    InboundBody body;
};

// True for the bodies that arrive as MsgType "event".
[[nodiscard]] bool is_event(const InboundMessage& message) noexcept;

// The name WeChat uses for the body: "text", "shortvideo", "event:subscribe", "event:SCAN",
// or for an unknown one its own MsgType (and Event). For logs and metrics.
[[nodiscard]] std::string kind_name(const InboundMessage& message);

// The key that identifies one message across WeChat's resends, for the Redis dedupe:
// "{<openid>}:m:<MsgId>" for messages, "{<openid>}:e:<CreateTime>:<Event>" for events (and for
// anything without a MsgId). Hash-tagged by openid so a Redis Cluster keeps it beside the
// user's session. The caller adds its key prefix. Never fails.
[[nodiscard]] std::string dedupe_key(const InboundMessage& message);

}  // namespace repairbot::wechat
