#include "adapters/wechat/inbound_message.h"

#include <type_traits>

namespace repairbot::wechat {
namespace {

template <class T>
constexpr bool event_body = std::is_same_v<T, SubscribeEvent> || std::is_same_v<T, UnsubscribeEvent> ||
                            std::is_same_v<T, ScanEvent> || std::is_same_v<T, LocationEvent> ||
                            std::is_same_v<T, ClickEvent> || std::is_same_v<T, ViewEvent> ||
                            std::is_same_v<T, TemplateSendJobFinishEvent>;

}  // namespace

bool is_event(const InboundMessage& message) noexcept {
    return std::visit(
        [](const auto& body) {
            using T = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<T, UnknownMessage>) return body.msg_type == "event";
            else return event_body<T>;
        },
        message.body);
}

std::string kind_name(const InboundMessage& message) {
    return std::visit(
        [](const auto& body) -> std::string {
            using T = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<T, TextMessage>) return "text";
            else if constexpr (std::is_same_v<T, ImageMessage>) return "image";
            else if constexpr (std::is_same_v<T, VoiceMessage>) return "voice";
            else if constexpr (std::is_same_v<T, VideoMessage>) return body.short_video ? "shortvideo" : "video";
            else if constexpr (std::is_same_v<T, LocationMessage>) return "location";
            else if constexpr (std::is_same_v<T, LinkMessage>) return "link";
            else if constexpr (std::is_same_v<T, SubscribeEvent>) return "event:subscribe";
            else if constexpr (std::is_same_v<T, UnsubscribeEvent>) return "event:unsubscribe";
            else if constexpr (std::is_same_v<T, ScanEvent>) return "event:SCAN";
            else if constexpr (std::is_same_v<T, LocationEvent>) return "event:LOCATION";
            else if constexpr (std::is_same_v<T, ClickEvent>) return "event:CLICK";
            else if constexpr (std::is_same_v<T, ViewEvent>) return "event:VIEW";
            else if constexpr (std::is_same_v<T, TemplateSendJobFinishEvent>) return "event:TEMPLATESENDJOBFINISH";
            else return body.event.empty() ? body.msg_type : body.msg_type + ":" + body.event;
        },
        message.body);
}

std::string dedupe_key(const InboundMessage& message) {
    std::string key;
    key.reserve(message.from_user.size() + 48);
    key += '{';
    key += message.from_user;
    key += "}:";
    if (!is_event(message) && message.msg_id != 0) {
        key += "m:";
        key += std::to_string(message.msg_id);
        return key;
    }
    key += "e:";
    key += std::to_string(message.create_time);
    key += ':';
    const std::string kind = kind_name(message);
    // "event:subscribe" -> "subscribe": the key carries the Event as WeChat names it.
    key += kind.starts_with("event:") ? std::string_view(kind).substr(6) : std::string_view(kind);
    return key;
}

}  // namespace repairbot::wechat
