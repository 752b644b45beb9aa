// What one user sent, as dialog's own plain value. The bot maps the WeChat adapter's parsed
// message into it; dialog never sees XML or WeChat types.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace repairbot::dialog {

struct TextMessage {
    std::string content{};
};
struct ImageMessage {
    std::string media_id{};
    std::string pic_url{};
};
// WeChat's speech recognition result, when the account has it enabled; empty otherwise.
struct VoiceMessage {
    std::string media_id{};
    std::string recognition{};
};
struct LocationMessage {
    double latitude = 0;
    double longitude = 0;
    std::string label{};
};

enum class EventKind {
    subscribe,
    unsubscribe,
    click,            // a menu button; `key` says which
    view,             // a menu link opened: nothing to answer
    location_report,  // the periodic location report: nothing to answer
    other,
};
struct EventMessage {
    EventKind kind = EventKind::other;
    std::string key{};  // EventKey of a click
};
// Video, file, link, ... : answered with a hint of what the bot understands.
struct UnsupportedMessage {
    std::string type{};
};

using InboundBody = std::variant<TextMessage, ImageMessage, VoiceMessage, LocationMessage,
                                 EventMessage, UnsupportedMessage>;

struct Inbound {
    std::string from{};        // sender openid
    std::string message_id{};  // MsgId, or FromUserName+CreateTime for events (the dedupe key)
    InboundBody body{};
};

// How much of a message the desk keeps: what the store's columns hold, so that nothing the dialog
// accepts can make a report, a rating or a note unwritable later (MariaDB refuses an overlong
// value in strict mode, and every resend would fail the same way). step() answers beyond them:
// - a text, or a voice message's recognition, of more than kMaxMessageChars characters is
//   refused (message_too_long): the longest a description, comment, reason or note can be;
// - an image whose MediaId is empty or longer than kMaxMediaIdBytes is refused (photo_unusable);
//   WeChat's are 64 characters;
// - a PicUrl longer than kMaxPicUrlBytes is dropped (it is only the download's fallback);
// - a location's Label is cut to kMaxLocationLabelChars characters (it may become the address).
inline constexpr std::size_t kMaxMessageChars = 1000;
inline constexpr std::size_t kMaxMediaIdBytes = 128;
inline constexpr std::size_t kMaxPicUrlBytes = 1024;
inline constexpr std::size_t kMaxLocationLabelChars = 128;

// True for a MediaId the desk can keep: not empty, at most kMaxMediaIdBytes.
[[nodiscard]] inline bool media_id_kept(std::string_view media_id) {
    return !media_id.empty() && media_id.size() <= kMaxMediaIdBytes;
}

// Menu button keys the owner's menu uses (configured on the WeChat side with these keys).
inline constexpr std::string_view kMenuReportRepair = "REPORT_REPAIR";
inline constexpr std::string_view kMenuMyRepairs = "MY_REPAIRS";
inline constexpr std::string_view kMenuContactHuman = "CONTACT_HUMAN";
inline constexpr std::string_view kMenuHelp = "HELP";

}  // namespace repairbot::dialog
