#include "adapters/wechat/sim/platform_xml.h"

#include <pugixml.hpp>

#include <cstdio>
#include <type_traits>

#include "adapters/wechat/errors.h"
#include "adapters/wechat/inbound_xml.h"
#include "adapters/wechat/reply_xml.h"

namespace repairbot::wechat::sim {
namespace {

void field(std::string& out, std::string_view name, std::string_view text) {
    out += '<';
    out += name;
    out += '>';
    append_cdata(out, text);
    out += "</";
    out += name;
    out += '>';
}

void number(std::string& out, std::string_view name, std::string_view digits) {
    out += '<';
    out += name;
    out += '>';
    out += digits;
    out += "</";
    out += name;
    out += '>';
}

std::string real(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", v);
    return buf;
}

}  // namespace

std::string inbound_message_xml(const InboundMessage& m) {
    std::string out = "<xml>";
    field(out, "ToUserName", m.to_user);
    field(out, "FromUserName", m.from_user);
    number(out, "CreateTime", std::to_string(m.create_time));
    const auto msg_id = [&] { number(out, "MsgId", std::to_string(m.msg_id)); };
    const auto event = [&](std::string_view name) {
        field(out, "MsgType", "event");
        field(out, "Event", name);
    };
    std::visit(
        [&](const auto& b) {
            using T = std::decay_t<decltype(b)>;
            if constexpr (std::is_same_v<T, TextMessage>) {
                field(out, "MsgType", "text");
                field(out, "Content", b.content);
                msg_id();
            } else if constexpr (std::is_same_v<T, ImageMessage>) {
                field(out, "MsgType", "image");
                field(out, "PicUrl", b.pic_url);
                field(out, "MediaId", b.media_id);
                msg_id();
            } else if constexpr (std::is_same_v<T, VoiceMessage>) {
                field(out, "MsgType", "voice");
                field(out, "MediaId", b.media_id);
                field(out, "Format", b.format);
                if (!b.recognition.empty()) field(out, "Recognition", b.recognition);
                msg_id();
            } else if constexpr (std::is_same_v<T, VideoMessage>) {
                field(out, "MsgType", b.short_video ? "shortvideo" : "video");
                field(out, "MediaId", b.media_id);
                field(out, "ThumbMediaId", b.thumb_media_id);
                msg_id();
            } else if constexpr (std::is_same_v<T, LocationMessage>) {
                field(out, "MsgType", "location");
                number(out, "Location_X", real(b.latitude));
                number(out, "Location_Y", real(b.longitude));
                number(out, "Scale", std::to_string(b.scale));
                field(out, "Label", b.label);
                msg_id();
            } else if constexpr (std::is_same_v<T, LinkMessage>) {
                field(out, "MsgType", "link");
                field(out, "Title", b.title);
                field(out, "Description", b.description);
                field(out, "Url", b.url);
                msg_id();
            } else if constexpr (std::is_same_v<T, SubscribeEvent>) {
                event("subscribe");
                if (!b.scene.empty()) {
                    field(out, "EventKey", "qrscene_" + b.scene);
                    field(out, "Ticket", b.ticket);
                }
            } else if constexpr (std::is_same_v<T, UnsubscribeEvent>) {
                event("unsubscribe");
            } else if constexpr (std::is_same_v<T, ScanEvent>) {
                event("SCAN");
                field(out, "EventKey", b.scene);
                field(out, "Ticket", b.ticket);
            } else if constexpr (std::is_same_v<T, LocationEvent>) {
                event("LOCATION");
                number(out, "Latitude", real(b.latitude));
                number(out, "Longitude", real(b.longitude));
                number(out, "Precision", real(b.precision));
            } else if constexpr (std::is_same_v<T, ClickEvent>) {
                event("CLICK");
                field(out, "EventKey", b.key);
            } else if constexpr (std::is_same_v<T, ViewEvent>) {
                event("VIEW");
                field(out, "EventKey", b.url);
                if (!b.menu_id.empty()) number(out, "MenuId", b.menu_id);
            } else if constexpr (std::is_same_v<T, TemplateSendJobFinishEvent>) {
                event("TEMPLATESENDJOBFINISH");
                number(out, "MsgID", std::to_string(b.msg_id));
                field(out, "Status", b.status_text);
            } else {
                field(out, "MsgType", b.msg_type);
                if (!b.event.empty()) field(out, "Event", b.event);
                if (m.msg_id != 0) msg_id();
            }
        },
        m.body);
    out += "</xml>";
    return out;
}

Result<Reply> parse_reply_xml(std::string_view xml) {
    if (xml.empty() || xml == "success") return Reply{NoReply{}};
    if (has_markup_declaration(xml)) return Error{Errc::dtd_refused, "reply"};
    pugi::xml_document doc;
    const auto parsed = doc.load_buffer(xml.data(), xml.size(),
                                        pugi::parse_cdata | pugi::parse_escapes, pugi::encoding_utf8);
    if (!parsed) return Error{Errc::malformed_xml, parsed.description()};
    const pugi::xml_node root = doc.child("xml");
    if (!root) return Error{Errc::malformed_xml, "no <xml> root"};
    // Split CDATA sections are siblings: join them.
    const auto text = [](pugi::xml_node n) {
        std::string s;
        for (const pugi::xml_node part : n.children()) s += part.value();
        return s;
    };
    const std::string type = text(root.child("MsgType"));
    if (type == "text") return Reply{TextReply{text(root.child("Content"))}};
    if (type == "image") {
        const pugi::xml_node id = root.child("Image").child("MediaId");
        if (!id) return Error{Errc::invalid_message, "image reply without MediaId"};
        return Reply{ImageReply{text(id)}};
    }
    if (type == "news") {
        NewsReply news;
        for (const pugi::xml_node item : root.child("Articles").children("item")) {
            news.articles.push_back({text(item.child("Title")), text(item.child("Description")),
                                     text(item.child("PicUrl")), text(item.child("Url"))});
        }
        return Reply{std::move(news)};
    }
    return Error{Errc::invalid_message, "reply MsgType " + type};
}

}  // namespace repairbot::wechat::sim
