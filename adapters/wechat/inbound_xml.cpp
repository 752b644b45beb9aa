#include "adapters/wechat/inbound_xml.h"

#include <pugixml.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>

#include "adapters/wechat/errors.h"

namespace repairbot::wechat {
namespace {

// Only CDATA and the five predefined entities plus character references: no DOCTYPE node, no
// PI, no comments. pugixml never expands a declared entity (it has no DTD support at all);
// has_markup_declaration refuses them before parsing anyway, so the refusal is explicit.
constexpr unsigned parse_flags = pugi::parse_cdata | pugi::parse_escapes | pugi::parse_eol;

enum Field : std::uint8_t {
    to_user_name, from_user_name, create_time, msg_type, content, msg_id, msg_id_upper, pic_url,
    media_id, format, recognition, thumb_media_id, location_x, location_y, scale, label, title,
    description, url, event, event_key, ticket, latitude, longitude, precision, menu_id, status,
    encrypt, field_count
};

constexpr std::array<std::string_view, field_count> field_names{
    "ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "MsgID", "PicUrl",
    "MediaId", "Format", "Recognition", "ThumbMediaId", "Location_X", "Location_Y", "Scale",
    "Label", "Title", "Description", "Url", "Event", "EventKey", "Ticket", "Latitude",
    "Longitude", "Precision", "MenuId", "Status", "Encrypt"};

// The known top-level fields of one document, each at most once.
class Fields {
public:
    bool has(Field f) const { return (present_ >> f) & 1u; }
    std::string& operator[](Field f) { return text_[f]; }

    // Reads the root's children. Unknown elements are skipped whatever they hold.
    Status read(const pugi::xml_node& root) {
        for (pugi::xml_node node = root.first_child(); node; node = node.next_sibling()) {
            if (node.type() != pugi::node_element) continue;
            const std::string_view name = node.name();
            std::size_t f = 0;
            while (f < field_count && field_names[f] != name) ++f;
            if (f == field_count) continue;
            if (has(static_cast<Field>(f))) return Error{Errc::invalid_message, "repeated " + std::string(name)};
            present_ |= 1u << f;
            for (pugi::xml_node part = node.first_child(); part; part = part.next_sibling()) {
                if (part.type() != pugi::node_pcdata && part.type() != pugi::node_cdata) {
                    return Error{Errc::invalid_message, "markup inside " + std::string(name)};
                }
                text_[f] += part.value();
            }
        }
        return Ok{};
    }

private:
    std::array<std::string, field_count> text_;
    std::uint32_t present_ = 0;
};
static_assert(field_count <= 32);

Error missing(Field f) { return Error{Errc::invalid_message, "missing " + std::string(field_names[f])}; }
Error bad_number(Field f) { return Error{Errc::invalid_message, "bad number in " + std::string(field_names[f])}; }

// WeChat's openids are 28 characters of [A-Za-z0-9_-]; the store keeps up to 64, and keys built
// from them use '{', '}', ':' and '#' as separators (Redis hash tags, idempotency keys). Anything
// else (a forged or broken sender) is refused here.
constexpr std::size_t kMaxOpenidBytes = 64;
bool is_openid(std::string_view s) {
    return !s.empty() && s.size() <= kMaxOpenidBytes && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-';
           });
}

template <class Int>
bool parse_digits(std::string_view s, Int& out) {
    if (s.empty() || s.size() > 20 || s.front() < '0' || s.front() > '9') return false;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size();
}

bool parse_real(std::string_view s, double& out) {
    if (s.empty()) return false;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size() && std::isfinite(out);
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

// Parses `xml` and reads the fields of its single <xml> root into `fields`.
Status load(std::string_view xml, pugi::xml_document& doc, Fields& fields) {
    if (has_markup_declaration(xml)) return Error{Errc::dtd_refused, "markup declaration in body"};
    const pugi::xml_parse_result parsed =
        doc.load_buffer(xml.data(), xml.size(), parse_flags, pugi::encoding_utf8);
    if (!parsed) {
        return Error{Errc::malformed_xml, std::string(parsed.description()) + " at offset " +
                                              std::to_string(parsed.offset)};
    }
    const pugi::xml_node root = doc.first_child();
    if (!root || root.type() != pugi::node_element || std::string_view(root.name()) != "xml" ||
        root.next_sibling()) {
        return Error{Errc::malformed_xml, "root is not a single <xml> element"};
    }
    return fields.read(root);
}

class MessageBuilder {
public:
    explicit MessageBuilder(Fields& fields) : f_(fields) {}

    Result<InboundMessage> build() {
        for (Field required : {to_user_name, from_user_name, create_time, msg_type}) {
            if (!f_.has(required)) return missing(required);
        }
        InboundMessage m;
        m.to_user = std::move(f_[to_user_name]);
        m.from_user = std::move(f_[from_user_name]);
        if (!parse_digits(f_[create_time], m.create_time)) return bad_number(create_time);
        if (m.to_user.empty()) return missing(to_user_name);
        if (m.from_user.empty()) return missing(from_user_name);
        if (!is_openid(m.from_user)) {
            return Error{Errc::invalid_message,
                         "FromUserName is not an openid (1-" + std::to_string(kMaxOpenidBytes) +
                             " of A-Z a-z 0-9 _ -)"};
        }
        const std::string_view type = f_[msg_type];
        if (type == "event") return event_body(std::move(m));
        if (f_.has(msg_id) && !parse_digits(f_[msg_id], m.msg_id)) return bad_number(msg_id);
        if (type == "text") return with(std::move(m), {content, msg_id}, [&] {
            return InboundBody{TextMessage{take(content)}};
        });
        if (type == "image") return with(std::move(m), {pic_url, media_id, msg_id}, [&] {
            return InboundBody{ImageMessage{take(pic_url), take(media_id)}};
        });
        if (type == "voice") return with(std::move(m), {media_id, format, msg_id}, [&] {
            return InboundBody{VoiceMessage{take(media_id), take(format), take(recognition)}};
        });
        if (type == "video" || type == "shortvideo") {
            const bool short_video = type == "shortvideo";
            return with(std::move(m), {media_id, thumb_media_id, msg_id}, [&] {
                return InboundBody{VideoMessage{take(media_id), take(thumb_media_id), short_video}};
            });
        }
        if (type == "location") return location_message(std::move(m));
        if (type == "link") return with(std::move(m), {title, description, url, msg_id}, [&] {
            return InboundBody{LinkMessage{take(title), take(description), take(url)}};
        });
        m.body = UnknownMessage{std::string(type), {}};
        return m;
    }

private:
    std::string take(Field f) { return std::move(f_[f]); }

    template <class Make>
    Result<InboundMessage> with(InboundMessage m, std::initializer_list<Field> required, Make make) {
        for (Field r : required) {
            if (!f_.has(r)) return missing(r);
        }
        m.body = make();
        return m;
    }

    Result<InboundMessage> location_message(InboundMessage m) {
        for (Field r : {location_x, location_y, scale, msg_id}) {
            if (!f_.has(r)) return missing(r);
        }
        LocationMessage body;
        if (!parse_real(f_[location_x], body.latitude) || std::fabs(body.latitude) > 90) return bad_number(location_x);
        if (!parse_real(f_[location_y], body.longitude) || std::fabs(body.longitude) > 180) return bad_number(location_y);
        if (!parse_digits(f_[scale], body.scale)) return bad_number(scale);
        body.label = take(label);
        m.body = std::move(body);
        return m;
    }

    Result<InboundMessage> event_body(InboundMessage m) {
        if (!f_.has(event)) return missing(event);
        const std::string_view name = f_[event];
        if (iequals(name, "subscribe")) {
            SubscribeEvent body;
            constexpr std::string_view prefix = "qrscene_";
            if (std::string_view key = f_[event_key]; key.starts_with(prefix)) {
                body.scene = key.substr(prefix.size());
                body.ticket = take(ticket);
            }
            m.body = std::move(body);
            return m;
        }
        if (iequals(name, "unsubscribe")) {
            m.body = UnsubscribeEvent{};
            return m;
        }
        if (iequals(name, "SCAN")) return with(std::move(m), {event_key}, [&] {
            return InboundBody{ScanEvent{take(event_key), take(ticket)}};
        });
        if (iequals(name, "CLICK")) return with(std::move(m), {event_key}, [&] {
            return InboundBody{ClickEvent{take(event_key)}};
        });
        if (iequals(name, "VIEW")) return with(std::move(m), {event_key}, [&] {
            return InboundBody{ViewEvent{take(event_key), take(menu_id)}};
        });
        if (iequals(name, "LOCATION")) return location_event(std::move(m));
        if (iequals(name, "TEMPLATESENDJOBFINISH")) return template_finished(std::move(m));
        m.body = UnknownMessage{"event", take(event)};
        return m;
    }

    Result<InboundMessage> location_event(InboundMessage m) {
        for (Field r : {latitude, longitude, precision}) {
            if (!f_.has(r)) return missing(r);
        }
        LocationEvent body;
        if (!parse_real(f_[latitude], body.latitude) || std::fabs(body.latitude) > 90) return bad_number(latitude);
        if (!parse_real(f_[longitude], body.longitude) || std::fabs(body.longitude) > 180) return bad_number(longitude);
        if (!parse_real(f_[precision], body.precision) || body.precision < 0) return bad_number(precision);
        m.body = body;
        return m;
    }

    Result<InboundMessage> template_finished(InboundMessage m) {
        // WeChat spells it MsgID here; accept the MsgId of every other message too.
        const Field id = f_.has(msg_id_upper) ? msg_id_upper : msg_id;
        if (!f_.has(id)) return missing(msg_id_upper);
        if (!f_.has(status)) return missing(status);
        TemplateSendJobFinishEvent body;
        if (!parse_digits(f_[id], body.msg_id)) return bad_number(id);
        body.status_text = take(status);
        const std::string_view s = body.status_text;
        body.status = s == "success"                                 ? TemplateSendStatus::success
                      : s == "failed:user block"                     ? TemplateSendStatus::user_block
                      : s == "failed: system failed" || s == "failed:system failed" ? TemplateSendStatus::system_failed
                                                                     : TemplateSendStatus::other;
        m.msg_id = body.msg_id;
        m.body = std::move(body);
        return m;
    }

    Fields& f_;
};

}  // namespace

bool has_markup_declaration(std::string_view x) noexcept {
    using namespace std::string_view_literals;
    std::size_t i = 0;
    const std::size_t n = x.size();
    const auto skip_past = [&](std::string_view end, std::size_t from) {
        const std::size_t e = x.find(end, from);
        return e == std::string_view::npos ? n : e + end.size();
    };
    while ((i = x.find('<', i)) != std::string_view::npos) {
        const std::string_view rest = x.substr(i);
        if (rest.starts_with("<![CDATA["sv)) {
            i = skip_past("]]>"sv, i + 9);
        } else if (rest.starts_with("<!--"sv)) {
            i = skip_past("-->"sv, i + 4);
        } else if (rest.starts_with("<!"sv)) {
            return true;
        } else if (rest.starts_with("<?"sv)) {
            i = skip_past("?>"sv, i + 2);
        } else {
            // A tag: skip to its '>', honouring quoted attribute values.
            char quote = 0;
            for (++i; i < n; ++i) {
                const char c = x[i];
                if (quote != 0) {
                    if (c == quote) quote = 0;
                } else if (c == '"' || c == '\'') {
                    quote = c;
                } else if (c == '>') {
                    break;
                }
            }
        }
    }
    return false;
}

Result<InboundMessage> parse_inbound_xml(std::string_view xml) {
    pugi::xml_document doc;
    Fields fields;
    if (Status loaded = load(xml, doc, fields); !loaded) return loaded.error();
    return MessageBuilder(fields).build();
}

Result<EncryptedEnvelope> parse_encrypted_envelope(std::string_view xml) {
    pugi::xml_document doc;
    Fields fields;
    if (Status loaded = load(xml, doc, fields); !loaded) return loaded.error();
    if (!fields.has(encrypt) || fields[encrypt].empty()) return missing(encrypt);
    return EncryptedEnvelope{std::move(fields[encrypt]), fields.has(msg_type)};
}

}  // namespace repairbot::wechat
