#include "bot/inbound_mapping.h"

namespace repairbot::bot {
namespace {

template <class... Ts>
struct overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

}  // namespace

dialog::Inbound to_dialog(const wechat::InboundMessage& message) {
    dialog::Inbound in;
    in.from = message.from_user;
    in.message_id = wechat::dedupe_key(message);
    using dialog::EventKind;
    in.body = std::visit(
        overloaded{
            [](const wechat::TextMessage& m) -> dialog::InboundBody {
                return dialog::TextMessage{m.content};
            },
            [](const wechat::ImageMessage& m) -> dialog::InboundBody {
                return dialog::ImageMessage{m.media_id, m.pic_url};
            },
            [](const wechat::VoiceMessage& m) -> dialog::InboundBody {
                return dialog::VoiceMessage{m.media_id, m.recognition};
            },
            [](const wechat::LocationMessage& m) -> dialog::InboundBody {
                return dialog::LocationMessage{m.latitude, m.longitude, m.label};
            },
            [](const wechat::VideoMessage& m) -> dialog::InboundBody {
                return dialog::UnsupportedMessage{m.short_video ? "shortvideo" : "video"};
            },
            [](const wechat::LinkMessage&) -> dialog::InboundBody {
                return dialog::UnsupportedMessage{"link"};
            },
            [](const wechat::SubscribeEvent& e) -> dialog::InboundBody {
                return dialog::EventMessage{EventKind::subscribe, e.scene};
            },
            [](const wechat::UnsubscribeEvent&) -> dialog::InboundBody {
                return dialog::EventMessage{EventKind::unsubscribe, {}};
            },
            [](const wechat::ScanEvent& e) -> dialog::InboundBody {
                return dialog::EventMessage{EventKind::other, e.scene};
            },
            [](const wechat::LocationEvent&) -> dialog::InboundBody {
                return dialog::EventMessage{EventKind::location_report, {}};
            },
            [](const wechat::ClickEvent& e) -> dialog::InboundBody {
                return dialog::EventMessage{EventKind::click, e.key};
            },
            [](const wechat::ViewEvent& e) -> dialog::InboundBody {
                return dialog::EventMessage{EventKind::view, e.url};
            },
            [](const wechat::TemplateSendJobFinishEvent&) -> dialog::InboundBody {
                return dialog::EventMessage{EventKind::other, {}};
            },
            [](const wechat::UnknownMessage& m) -> dialog::InboundBody {
                return dialog::UnsupportedMessage{m.event.empty() ? m.msg_type
                                                                  : m.msg_type + ":" + m.event};
            },
        },
        message.body);
    return in;
}

}  // namespace repairbot::bot
