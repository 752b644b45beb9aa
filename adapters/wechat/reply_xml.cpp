#include "adapters/wechat/reply_xml.h"

#include <algorithm>
#include <iterator>
#include <type_traits>

namespace repairbot::wechat {
namespace {

bool allowed_in_xml(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 || c == '\t' || c == '\n' || c == '\r';
}

void append_field(std::string& out, std::string_view name, std::string_view text) {
    out += '<';
    out += name;
    out += '>';
    append_cdata(out, text);
    out += "</";
    out += name;
    out += '>';
}

void append_header(std::string& out, std::string_view to_user, std::string_view from_user,
                   std::int64_t create_time, std::string_view type) {
    out += "<xml>";
    append_field(out, "ToUserName", to_user);
    append_field(out, "FromUserName", from_user);
    out += "<CreateTime>";
    out += std::to_string(create_time);
    out += "</CreateTime>";
    append_field(out, "MsgType", type);
}

constexpr std::size_t max_articles = 8;

}  // namespace

void append_cdata(std::string& out, std::string_view text) {
    if (!std::all_of(text.begin(), text.end(), allowed_in_xml)) {
        // Dropped first, so that removing a control character can never join a "]]>".
        std::string kept;
        kept.reserve(text.size());
        std::copy_if(text.begin(), text.end(), std::back_inserter(kept), allowed_in_xml);
        append_cdata(out, kept);
        return;
    }
    out += "<![CDATA[";
    std::size_t start = 0;
    for (std::size_t i = 2; i < text.size(); ++i) {
        if (text[i] == '>' && text[i - 1] == ']' && text[i - 2] == ']') {
            out.append(text, start, i - start);
            out += "]]><![CDATA[";
            start = i;
        }
    }
    out.append(text, start, text.size() - start);
    out += "]]>";
}

std::string reply_xml(std::string_view to_user, std::string_view from_user,
                      std::int64_t create_time, const Reply& reply) {
    std::string out;
    std::visit(
        [&](const auto& r) {
            using T = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<T, NoReply>) {
                out = "success";
                return;
            } else if constexpr (std::is_same_v<T, TextReply>) {
                out.reserve(200 + r.content.size());
                append_header(out, to_user, from_user, create_time, "text");
                append_field(out, "Content", r.content);
            } else if constexpr (std::is_same_v<T, ImageReply>) {
                append_header(out, to_user, from_user, create_time, "image");
                out += "<Image>";
                append_field(out, "MediaId", r.media_id);
                out += "</Image>";
            } else {
                const std::size_t n = std::min(r.articles.size(), max_articles);
                append_header(out, to_user, from_user, create_time, "news");
                out += "<ArticleCount>";
                out += std::to_string(n);
                out += "</ArticleCount><Articles>";
                for (std::size_t i = 0; i < n; ++i) {
                    const NewsArticle& a = r.articles[i];
                    out += "<item>";
                    append_field(out, "Title", a.title);
                    append_field(out, "Description", a.description);
                    append_field(out, "PicUrl", a.pic_url);
                    append_field(out, "Url", a.url);
                    out += "</item>";
                }
                out += "</Articles>";
            }
            out += "</xml>";
        },
        reply);
    return out;
}

std::string encrypted_envelope_xml(std::string_view encrypt, std::string_view msg_signature,
                                   std::string_view timestamp, std::string_view nonce) {
    std::string out;
    out.reserve(encrypt.size() + 200);
    out += "<xml>";
    append_field(out, "Encrypt", encrypt);
    append_field(out, "MsgSignature", msg_signature);
    out += "<TimeStamp>";
    out += timestamp;
    out += "</TimeStamp>";
    append_field(out, "Nonce", nonce);
    out += "</xml>";
    return out;
}

}  // namespace repairbot::wechat
