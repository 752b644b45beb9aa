#include "adapters/wechat/sim/terminal_chat.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <system_error>

namespace repairbot::wechat::sim {
namespace {

using nlohmann::json;

constexpr std::string_view kBlanks = " \t\r\n";

std::string_view trim(std::string_view s) {
    const std::size_t first = s.find_first_not_of(kBlanks);
    if (first == std::string_view::npos) return {};
    const std::size_t last = s.find_last_not_of(kBlanks);
    return s.substr(first, last - first + 1);
}

// "word rest" -> {"word", "rest"} (rest trimmed).
std::pair<std::string_view, std::string_view> first_word(std::string_view s) {
    const std::size_t space = s.find_first_of(" \t");
    if (space == std::string_view::npos) return {s, {}};
    return {s.substr(0, space), trim(s.substr(space))};
}

Error usage(std::string detail) {
    return Error{std::make_error_code(std::errc::invalid_argument), std::move(detail)};
}

std::optional<double> parse_number(std::string_view s) {
    double value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(value)) return std::nullopt;
    return value;
}

Result<ChatCommand> location_command(std::string_view args) {
    constexpr std::string_view usage_text = "/location LAT LNG [LABEL], e.g. /location 23.13 113.35 幸福小区3栋";
    // "23.13,113.35 label" reads like "23.13 113.35 label".
    std::string spaced(args);
    if (const std::size_t comma = spaced.find(','); comma != std::string::npos &&
                                                    comma < spaced.find_first_of(" \t")) {
        spaced[comma] = ' ';
    }
    const auto [lat_text, rest] = first_word(spaced);
    const auto [lng_text, label] = first_word(rest);
    const auto lat = parse_number(lat_text);
    const auto lng = parse_number(lng_text);
    if (!lat || !lng) return usage("give the latitude and longitude as numbers: " + std::string(usage_text));
    if (*lat < -90 || *lat > 90 || *lng < -180 || *lng > 180) {
        return usage("latitude is -90..90 and longitude -180..180: " + std::string(usage_text));
    }
    std::string shown = "[位置] " + std::string(lat_text) + "," + std::string(lng_text);
    if (!label.empty()) shown += " " + std::string(label);
    return ChatCommand{SendMessage{LocationMessage{*lat, *lng, 15, std::string(label)}, shown}};
}

Result<ChatCommand> wait_command(std::string_view args) {
    WaitForPush wait;
    const auto [first, rest] = first_word(args);
    if (!first.empty() && first.find_first_not_of("0123456789") == std::string_view::npos) {
        int seconds = 0;
        std::from_chars(first.data(), first.data() + first.size(), seconds);
        if (seconds < 1 || seconds > 600) {
            return usage("/wait waits 1 to 600 seconds: /wait [SECONDS] [TEXT], e.g. /wait 30 接单");
        }
        wait.timeout = std::chrono::seconds(seconds);
        wait.text = std::string(rest);
    } else {
        wait.text = std::string(args);
    }
    return ChatCommand{wait};
}

// Reads the code point at `s[i]`; returns {code point, bytes}; an invalid byte is {byte, 1}.
std::pair<std::uint32_t, std::size_t> decode(std::string_view s, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b0 = byte(i);
    std::size_t n = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xe ? 3 : (b0 >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return {b0, 1};
    std::uint32_t cp = n == 1 ? b0 : n == 2 ? (b0 & 0x1fu) : n == 3 ? (b0 & 0x0fu) : (b0 & 0x07u);
    for (std::size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xc0) != 0x80) return {b0, 1};
        cp = (cp << 6) | (byte(i + k) & 0x3fu);
    }
    return {cp, n};
}

std::size_t char_width(std::uint32_t cp) {
    if ((cp >= 0x0300 && cp <= 0x036f) || cp == 0x200b || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
    const bool wide = (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) ||
                      (cp >= 0x3041 && cp <= 0x33ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
                      (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
                      (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
                      (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
                      (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
                      (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd);
    return wide ? 2 : 1;
}

void push_text_lines(std::vector<std::string>& out, std::string_view text) {
    for (;;) {
        const std::size_t nl = text.find('\n');
        out.emplace_back(text.substr(0, nl));
        if (nl == std::string_view::npos) return;
        text.remove_prefix(nl + 1);
    }
}

std::string string_at(const json& j, const char* key) {
    return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

// A template field's value: {"value": "..."} (or a bare string, leniently).
std::string field_value(const json& field) {
    if (field.is_string()) return field.get<std::string>();
    return string_at(field, "value");
}

// "keyword12" -> 12, so keyword10 follows keyword9; other names sort after the keywords.
std::pair<int, std::string> field_order(const std::string& name) {
    if (name == "first") return {-1, name};
    if (name == "remark") return {1 << 20, name};
    if (name.starts_with("keyword")) {
        int n = 0;
        const auto tail = std::string_view(name).substr(7);
        const auto [end, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), n);
        if (ec == std::errc{} && end == tail.data() + tail.size()) return {n, name};
    }
    return {1 << 19, name};
}

Push template_push(const json& body) {
    Push push{"template", {}};
    const json data = body.contains("data") && body["data"].is_object() ? body["data"] : json::object();
    std::vector<std::pair<std::pair<int, std::string>, std::string>> fields;
    for (const auto& [name, field] : data.items()) fields.push_back({field_order(name), field_value(field)});
    std::sort(fields.begin(), fields.end());
    std::string title = "[模板消息]";
    std::size_t first_field = 0;
    if (!fields.empty() && fields.front().first.second == "first") {
        title += " " + fields.front().second;
        first_field = 1;
    }
    push_text_lines(push.lines, title);
    for (std::size_t i = first_field; i < fields.size(); ++i) {
        const auto& [order, value] = fields[i];
        if (order.second == "remark") push_text_lines(push.lines, value);
        else push_text_lines(push.lines, order.second + "：" + value);
    }
    if (const std::string url = string_at(body, "url"); !url.empty()) push.lines.push_back("(链接) " + url);
    return push;
}

Push custom_push(const json& body) {
    const std::string type = string_at(body, "msgtype");
    Push push{type, {}};
    const json item = body.contains(type) && body[type].is_object() ? body[type] : json::object();
    if (type == "text") {
        push_text_lines(push.lines, "[客服消息] " + string_at(item, "content"));
    } else if (type == "news" && item.contains("articles") && item["articles"].is_array()) {
        push.lines.push_back("[客服消息 图文]");
        for (const json& a : item["articles"]) {
            push.lines.push_back(string_at(a, "title") + " " + string_at(a, "url"));
        }
    } else if (const std::string media = string_at(item, "media_id"); !media.empty()) {
        push.lines.push_back("[客服消息 " + type + "] " + media);
    } else {
        push.lines.push_back("[客服消息 " + type + "]");
    }
    return push;
}

}  // namespace

Result<ChatCommand> parse_chat_line(std::string_view line) {
    const std::string_view text = trim(line);
    if (text.empty()) return ChatCommand{NoInput{}};
    if (text.starts_with("//")) {
        std::string literal(text.substr(1));
        return ChatCommand{SendMessage{TextMessage{literal}, literal}};
    }
    if (!text.starts_with('/')) return ChatCommand{SendMessage{TextMessage{std::string(text)}, std::string(text)}};

    const auto [name, args] = first_word(text);
    if (name == "/photo") {
        if (args.empty()) return usage("/photo needs a file: /photo path/to/photo.jpg");
        return ChatCommand{SendPhoto{std::filesystem::path(std::string(args))}};
    }
    if (name == "/location") return location_command(args);
    if (name == "/voice") {
        std::string shown = "[语音] " + std::string(args);
        return ChatCommand{SendMessage{VoiceMessage{"chat_voice", "amr", std::string(args)}, shown}};
    }
    if (name == "/menu") {
        if (args.empty() || args.find_first_of(" \t") != std::string_view::npos) {
            return usage("/menu needs one button key: /menu REPORT_REPAIR");
        }
        return ChatCommand{SendMessage{ClickEvent{std::string(args)}, "[菜单] " + std::string(args)}};
    }
    if (name == "/subscribe") {
        std::string scene(args);
        std::string shown = scene.empty() ? "[关注公众号]" : "[扫码关注] " + scene;
        return ChatCommand{SendMessage{SubscribeEvent{scene, scene.empty() ? "" : "sim_ticket"}, shown}};
    }
    if (name == "/unsubscribe") return ChatCommand{SendMessage{UnsubscribeEvent{}, "[取消关注]"}};
    if (name == "/wait") return wait_command(args);
    if (name == "/help" || name == "/?") return ChatCommand{ShowHelp{}};
    if (name == "/quit" || name == "/exit") return ChatCommand{Quit{}};
    return usage("unknown command " + std::string(name) + "; /help lists the commands (start with // to send a text beginning with /)");
}

std::string chat_help() {
    return "type a line and press Enter to send it as a text message; or:\n"
           "/photo FILE               send a photo (registered as media on the simulator)\n"
           "/location LAT LNG [LABEL] send a location, e.g. /location 23.13 113.35 幸福小区3栋\n"
           "/voice TEXT               send a voice message that WeChat recognised as TEXT\n"
           "/menu KEY                 press a menu button (CLICK event), e.g. /menu REPORT_REPAIR\n"
           "/subscribe [SCENE]        follow the account (through a QR code's SCENE)\n"
           "/unsubscribe              unfollow the account\n"
           "/wait [SECONDS] [TEXT]    wait for a push (containing TEXT; A|B: either) before the next line\n"
           "/help                     this list\n"
           "/quit                     leave (end of input does the same)\n"
           "//text                    send a text that starts with /";
}

std::vector<std::string> reply_lines(const Reply& reply) {
    std::vector<std::string> lines;
    std::visit(
        [&](const auto& r) {
            using T = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<T, TextReply>) {
                push_text_lines(lines, r.content);
            } else if constexpr (std::is_same_v<T, ImageReply>) {
                lines.push_back("[图片] " + r.media_id);
            } else if constexpr (std::is_same_v<T, NewsReply>) {
                for (const auto& a : r.articles) lines.push_back("[图文] " + a.title + " " + a.url);
            }
        },
        reply);
    return lines;
}

std::optional<Push> push_for(const json& call, std::string_view openid) {
    if (!call.is_object()) return std::nullopt;
    const std::string path = string_at(call, "path");
    const bool is_template = path == "/cgi-bin/message/template/send";
    if (!is_template && path != "/cgi-bin/message/custom/send") return std::nullopt;
    if (!call.contains("errcode") || !call["errcode"].is_number_integer() || call["errcode"].get<int>() != 0) {
        return std::nullopt;
    }
    const json& body = call.contains("json") ? call["json"] : json();
    if (string_at(body, "touser") != openid) return std::nullopt;
    return is_template ? template_push(body) : custom_push(body);
}

std::vector<Push> new_pushes(const json& calls, std::string_view openid, std::size_t& seen) {
    std::vector<Push> out;
    if (!calls.is_array()) return out;
    if (calls.size() < seen) seen = 0;
    for (std::size_t i = seen; i < calls.size(); ++i) {
        if (auto push = push_for(calls[i], openid)) out.push_back(std::move(*push));
    }
    seen = calls.size();
    return out;
}

bool push_matches(const Push& push, std::string_view text) {
    if (text.empty()) return true;
    for (;;) {
        const std::size_t bar = text.find('|');
        const std::string_view choice = text.substr(0, bar);
        if (!choice.empty() &&
            std::any_of(push.lines.begin(), push.lines.end(),
                        [&](const std::string& line) { return line.find(choice) != std::string::npos; })) {
            return true;
        }
        if (bar == std::string_view::npos) return false;
        text.remove_prefix(bar + 1);
    }
}

std::size_t display_width(std::string_view utf8) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < utf8.size();) {
        const auto [cp, n] = decode(utf8, i);
        width += char_width(cp);
        i += n;
    }
    return width;
}

std::vector<std::string> wrap_line(std::string_view line, std::size_t width) {
    std::vector<std::string> out;
    std::string piece;
    std::size_t used = 0;
    for (std::size_t i = 0; i < line.size();) {
        const auto [cp, n] = decode(line, i);
        const std::size_t w = char_width(cp);
        if (width > 0 && used + w > width && !piece.empty()) {
            out.push_back(std::move(piece));
            piece.clear();
            used = 0;
        }
        piece.append(line.substr(i, n));
        used += w;
        i += n;
    }
    out.push_back(std::move(piece));
    return out;
}

std::string_view marker(Speaker speaker) {
    switch (speaker) {
        case Speaker::you: return "you  > ";
        case Speaker::bot: return "bot  < ";
        case Speaker::push: return "push * ";
        case Speaker::note: return "---- ";
    }
    return "";
}

std::string render_block(Speaker speaker, const std::vector<std::string>& lines, const Layout& layout) {
    const std::string_view mark = marker(speaker);
    const std::string indent(layout.indent, ' ');
    const std::string under(mark.size(), ' ');
    const std::size_t used = layout.indent + mark.size();
    const std::size_t room = layout.width > used + 8 ? layout.width - used : (layout.width == 0 ? 0 : 8);
    std::string out;
    bool first = true;
    const std::vector<std::string> none{""};
    for (const std::string& line : lines.empty() ? none : lines) {
        for (const std::string& piece : wrap_line(line, room)) {
            out += indent;
            out += first ? mark : std::string_view(under);
            out += piece;
            out += '\n';
            first = false;
        }
    }
    return out;
}

}  // namespace repairbot::wechat::sim
