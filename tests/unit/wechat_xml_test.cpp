// The XML codec: every inbound type from WeChat's documented samples, every refusal, and
// passive replies whose CDATA cannot be broken out of.
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <functional>
#include <string>

#include "adapters/wechat/errors.h"
#include "adapters/wechat/inbound_xml.h"
#include "adapters/wechat/reply_xml.h"

namespace repairbot::wechat {
namespace {

std::string doc(std::string_view type, std::string_view fields) {
    return "<xml>\n  <ToUserName><![CDATA[gh_7f083739789a]]></ToUserName>\n"
           "  <FromUserName><![CDATA[oia2TjuEGTNoeX76QEjQNrcURxG8]]></FromUserName>\n"
           "  <CreateTime>1348831860</CreateTime>\n  <MsgType><![CDATA[" +
           std::string(type) + "]]></MsgType>\n" + std::string(fields) + "</xml>";
}

std::string event_doc(std::string_view event, std::string_view fields) {
    return doc("event", "  <Event><![CDATA[" + std::string(event) + "]]></Event>\n" + std::string(fields));
}

struct Sample {
    std::string name;
    std::string xml;
    std::string kind;
    std::function<void(const InboundMessage&)> check;
};

template <class T>
const T& as(const InboundMessage& m) {
    EXPECT_TRUE(std::holds_alternative<T>(m.body));
    static const T empty{};
    return std::holds_alternative<T>(m.body) ? std::get<T>(m.body) : empty;
}

std::vector<Sample> samples() {
    return {
        {"text", doc("text", "  <Content><![CDATA[this is a test]]></Content>\n  <MsgId>1234567890123456</MsgId>\n  <MsgDataId>xxxx</MsgDataId>\n  <Idx>xxxx</Idx>\n"),
         "text", [](const InboundMessage& m) {
             EXPECT_EQ(as<TextMessage>(m).content, "this is a test");
             EXPECT_EQ(m.msg_id, 1234567890123456u);
         }},
        {"text_chinese_escaped", doc("text", "<Content>报修：厨房 &lt;漏水&gt; &amp; 3&#21495;楼</Content><MsgId>18446744073709551615</MsgId>"),
         "text", [](const InboundMessage& m) {
             EXPECT_EQ(as<TextMessage>(m).content, "报修：厨房 <漏水> & 3号楼");
             EXPECT_EQ(m.msg_id, 18446744073709551615u);
         }},
        {"image", doc("image", "  <PicUrl><![CDATA[http://mmbiz.qpic.cn/abc]]></PicUrl>\n  <MediaId><![CDATA[media_id]]></MediaId>\n  <MsgId>1234567890123456</MsgId>\n"),
         "image", [](const InboundMessage& m) {
             EXPECT_EQ(as<ImageMessage>(m).pic_url, "http://mmbiz.qpic.cn/abc");
             EXPECT_EQ(as<ImageMessage>(m).media_id, "media_id");
         }},
        {"voice", doc("voice", "  <MediaId><![CDATA[media_id]]></MediaId>\n  <Format><![CDATA[amr]]></Format>\n  <MsgId>1234567890123456</MsgId>\n"),
         "voice", [](const InboundMessage& m) {
             EXPECT_EQ(as<VoiceMessage>(m).format, "amr");
             EXPECT_EQ(as<VoiceMessage>(m).recognition, "");
         }},
        {"voice_recognition", doc("voice", "  <MediaId><![CDATA[media_id]]></MediaId>\n  <Format><![CDATA[Format]]></Format>\n  <Recognition><![CDATA[腾讯微信团队]]></Recognition>\n  <MsgId>1234567890123456</MsgId>\n"),
         "voice", [](const InboundMessage& m) { EXPECT_EQ(as<VoiceMessage>(m).recognition, "腾讯微信团队"); }},
        {"video", doc("video", "  <MediaId><![CDATA[media_id]]></MediaId>\n  <ThumbMediaId><![CDATA[thumb_media_id]]></ThumbMediaId>\n  <MsgId>1234567890123456</MsgId>\n"),
         "video", [](const InboundMessage& m) {
             EXPECT_EQ(as<VideoMessage>(m).thumb_media_id, "thumb_media_id");
             EXPECT_FALSE(as<VideoMessage>(m).short_video);
         }},
        {"shortvideo", doc("shortvideo", "  <MediaId><![CDATA[media_id]]></MediaId>\n  <ThumbMediaId><![CDATA[thumb_media_id]]></ThumbMediaId>\n  <MsgId>1234567890123456</MsgId>\n"),
         "shortvideo", [](const InboundMessage& m) { EXPECT_TRUE(as<VideoMessage>(m).short_video); }},
        {"location", doc("location", "  <Location_X>23.134521</Location_X>\n  <Location_Y>113.358803</Location_Y>\n  <Scale>20</Scale>\n  <Label><![CDATA[位置信息]]></Label>\n  <MsgId>1234567890123456</MsgId>\n"),
         "location", [](const InboundMessage& m) {
             EXPECT_DOUBLE_EQ(as<LocationMessage>(m).latitude, 23.134521);
             EXPECT_DOUBLE_EQ(as<LocationMessage>(m).longitude, 113.358803);
             EXPECT_EQ(as<LocationMessage>(m).scale, 20);
             EXPECT_EQ(as<LocationMessage>(m).label, "位置信息");
         }},
        {"link", doc("link", "  <Title><![CDATA[公众平台官网链接]]></Title>\n  <Description><![CDATA[公众平台官网链接]]></Description>\n  <Url><![CDATA[url]]></Url>\n  <MsgId>1234567890123456</MsgId>\n"),
         "link", [](const InboundMessage& m) { EXPECT_EQ(as<LinkMessage>(m).url, "url"); }},
        {"subscribe", event_doc("subscribe", ""), "event:subscribe", [](const InboundMessage& m) {
             EXPECT_EQ(as<SubscribeEvent>(m).scene, "");
             EXPECT_EQ(m.msg_id, 0u);
         }},
        {"subscribe_qrscene", event_doc("subscribe", "  <EventKey><![CDATA[qrscene_123123]]></EventKey>\n  <Ticket><![CDATA[TICKET]]></Ticket>\n"),
         "event:subscribe", [](const InboundMessage& m) {
             EXPECT_EQ(as<SubscribeEvent>(m).scene, "123123");
             EXPECT_EQ(as<SubscribeEvent>(m).ticket, "TICKET");
         }},
        {"unsubscribe", event_doc("unsubscribe", "<EventKey><![CDATA[]]></EventKey>"), "event:unsubscribe", [](const InboundMessage& m) { as<UnsubscribeEvent>(m); }},
        {"scan", event_doc("SCAN", "  <EventKey><![CDATA[SCENE_VALUE]]></EventKey>\n  <Ticket><![CDATA[TICKET]]></Ticket>\n"),
         "event:SCAN", [](const InboundMessage& m) { EXPECT_EQ(as<ScanEvent>(m).scene, "SCENE_VALUE"); }},
        {"location_event", event_doc("LOCATION", "  <Latitude>23.137466</Latitude>\n  <Longitude>113.352425</Longitude>\n  <Precision>119.385040</Precision>\n"),
         "event:LOCATION", [](const InboundMessage& m) {
             EXPECT_DOUBLE_EQ(as<LocationEvent>(m).latitude, 23.137466);
             EXPECT_DOUBLE_EQ(as<LocationEvent>(m).precision, 119.38504);
         }},
        {"click", event_doc("CLICK", "  <EventKey><![CDATA[EVENTKEY]]></EventKey>\n"), "event:CLICK",
         [](const InboundMessage& m) { EXPECT_EQ(as<ClickEvent>(m).key, "EVENTKEY"); }},
        {"view", event_doc("VIEW", "  <EventKey><![CDATA[www.qq.com]]></EventKey>\n  <MenuId>MENUID</MenuId>\n"), "event:VIEW",
         [](const InboundMessage& m) {
             EXPECT_EQ(as<ViewEvent>(m).url, "www.qq.com");
             EXPECT_EQ(as<ViewEvent>(m).menu_id, "MENUID");
         }},
        {"template_finished", event_doc("TEMPLATESENDJOBFINISH", "  <MsgID>200163836</MsgID>\n  <Status><![CDATA[success]]></Status>\n"),
         "event:TEMPLATESENDJOBFINISH", [](const InboundMessage& m) {
             EXPECT_EQ(as<TemplateSendJobFinishEvent>(m).msg_id, 200163836u);
             EXPECT_EQ(as<TemplateSendJobFinishEvent>(m).status, TemplateSendStatus::success);
         }},
        {"template_user_block", event_doc("TEMPLATESENDJOBFINISH", "<MsgID>200163840</MsgID><Status><![CDATA[failed:user block]]></Status>"),
         "event:TEMPLATESENDJOBFINISH", [](const InboundMessage& m) {
             EXPECT_EQ(as<TemplateSendJobFinishEvent>(m).status, TemplateSendStatus::user_block);
         }},
        {"template_system_failed", event_doc("TEMPLATESENDJOBFINISH", "<MsgID>200163840</MsgID><Status><![CDATA[failed: system failed]]></Status>"),
         "event:TEMPLATESENDJOBFINISH", [](const InboundMessage& m) {
             EXPECT_EQ(as<TemplateSendJobFinishEvent>(m).status, TemplateSendStatus::system_failed);
             EXPECT_EQ(as<TemplateSendJobFinishEvent>(m).status_text, "failed: system failed");
         }},
        {"unknown_type", doc("miniprogrampage", "<Title>t</Title><MsgId>1</MsgId>"), "miniprogrampage",
         [](const InboundMessage& m) { EXPECT_EQ(as<UnknownMessage>(m).msg_type, "miniprogrampage"); }},
        {"unknown_event_with_nested_fields", event_doc("scancode_push", "<EventKey><![CDATA[6]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo>"),
         "event:scancode_push", [](const InboundMessage& m) { EXPECT_EQ(as<UnknownMessage>(m).event, "scancode_push"); }},
        {"xml_declaration_and_crlf", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n" + doc("text", "<Content><![CDATA[a\r\nb]]></Content><MsgId>7</MsgId>") + "\r\n",
         "text", [](const InboundMessage& m) { EXPECT_EQ(as<TextMessage>(m).content, "a\nb"); }},
        {"doctype_text_inside_cdata_is_content", doc("text", "<Content><![CDATA[<!DOCTYPE x [<!ENTITY a \"b\">]>]]></Content><MsgId>7</MsgId>"),
         "text", [](const InboundMessage& m) { EXPECT_EQ(as<TextMessage>(m).content, "<!DOCTYPE x [<!ENTITY a \"b\">]>"); }},
        {"split_cdata", doc("text", "<Content><![CDATA[a]]]]><![CDATA[>b]]></Content><MsgId>7</MsgId>"),
         "text", [](const InboundMessage& m) { EXPECT_EQ(as<TextMessage>(m).content, "a]]>b"); }},
    };
}

class WechatInboundSample : public ::testing::TestWithParam<Sample> {};

TEST_P(WechatInboundSample, ParsesIntoTheNormalizedMessage) {
    const Sample& s = GetParam();
    auto m = parse_inbound_xml(s.xml);
    ASSERT_TRUE(m.ok()) << m.error().message();
    EXPECT_EQ(m->to_user, "gh_7f083739789a");
    EXPECT_EQ(m->from_user, "oia2TjuEGTNoeX76QEjQNrcURxG8");
    EXPECT_EQ(m->create_time, 1348831860);
    EXPECT_EQ(kind_name(*m), s.kind);
    s.check(*m);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, WechatInboundSample, ::testing::ValuesIn(samples()),
                         [](const auto& info) { return info.param.name; });

struct Refusal {
    std::string name;
    std::string xml;
    Errc code;
};

std::vector<Refusal> refusals() {
    const std::string text_fields = "<Content>x</Content><MsgId>1</MsgId>";
    return {
        {"xxe_external", "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><xml><Content>&xxe;</Content></xml>", Errc::dtd_refused},
        {"billion_laughs", "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]><xml>&lol2;</xml>", Errc::dtd_refused},
        {"lowercase_doctype", "<!doctype xml><xml></xml>", Errc::dtd_refused},
        {"entity_without_doctype", "<xml><!ENTITY a \"b\"></xml>", Errc::dtd_refused},
        {"doctype_after_comment", "<!-- hi --><!DOCTYPE xml SYSTEM \"http://evil/x.dtd\"><xml/>", Errc::dtd_refused},
        {"doctype_after_attribute_with_gt", "<xml a='>'><!DOCTYPE x></xml>", Errc::dtd_refused},
        {"empty", "", Errc::malformed_xml},
        {"not_xml", "hello", Errc::malformed_xml},
        {"truncated", doc("text", text_fields).substr(0, 120), Errc::malformed_xml},
        {"mismatched_tag", "<xml><Content>x</Contents></xml>", Errc::malformed_xml},
        {"unterminated_cdata", "<xml><Content><![CDATA[x</Content></xml>", Errc::malformed_xml},
        {"wrong_root", "<message><MsgType>text</MsgType></message>", Errc::malformed_xml},
        {"two_roots", doc("text", text_fields) + doc("text", text_fields), Errc::malformed_xml},
        {"missing_from", "<xml><ToUserName>a</ToUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>" + text_fields + "</xml>", Errc::invalid_message},
        {"empty_from", "<xml><ToUserName>a</ToUserName><FromUserName></FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>" + text_fields + "</xml>", Errc::invalid_message},
        {"repeated_from", doc("text", "<FromUserName>evil</FromUserName>" + text_fields), Errc::invalid_message},
        // Not an openid: the store keys owners, sessions and tickets by it (64 characters).
        {"overlong_from", "<xml><ToUserName>a</ToUserName><FromUserName>" + std::string(65, 'o') + "</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>" + text_fields + "</xml>", Errc::invalid_message},
        {"from_with_space", "<xml><ToUserName>a</ToUserName><FromUserName>o user</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>" + text_fields + "</xml>", Errc::invalid_message},
        {"from_with_hash_tag", "<xml><ToUserName>a</ToUserName><FromUserName>o{x}:1</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>" + text_fields + "</xml>", Errc::invalid_message},
        {"from_not_ascii", "<xml><ToUserName>a</ToUserName><FromUserName>o\xE7\x94\xA8</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>" + text_fields + "</xml>", Errc::invalid_message},
        {"markup_in_field", doc("text", "<Content><b>x</b></Content><MsgId>1</MsgId>"), Errc::invalid_message},
        {"text_without_content", doc("text", "<MsgId>1</MsgId>"), Errc::invalid_message},
        {"text_without_msgid", doc("text", "<Content>x</Content>"), Errc::invalid_message},
        {"negative_msgid", doc("text", "<Content>x</Content><MsgId>-1</MsgId>"), Errc::invalid_message},
        {"msgid_overflow", doc("text", "<Content>x</Content><MsgId>18446744073709551616</MsgId>"), Errc::invalid_message},
        {"bad_create_time", "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>12a</CreateTime><MsgType>text</MsgType>" + text_fields + "</xml>", Errc::invalid_message},
        {"image_without_media", doc("image", "<PicUrl>u</PicUrl><MsgId>1</MsgId>"), Errc::invalid_message},
        {"latitude_out_of_range", doc("location", "<Location_X>91</Location_X><Location_Y>1</Location_Y><Scale>1</Scale><MsgId>1</MsgId>"), Errc::invalid_message},
        {"latitude_nan", doc("location", "<Location_X>nan</Location_X><Location_Y>1</Location_Y><Scale>1</Scale><MsgId>1</MsgId>"), Errc::invalid_message},
        {"location_event_infinite", event_doc("LOCATION", "<Latitude>1</Latitude><Longitude>inf</Longitude><Precision>1</Precision>"), Errc::invalid_message},
        {"event_without_event", doc("event", ""), Errc::invalid_message},
        {"click_without_key", event_doc("CLICK", ""), Errc::invalid_message},
        {"template_without_status", event_doc("TEMPLATESENDJOBFINISH", "<MsgID>1</MsgID>"), Errc::invalid_message},
    };
}

class WechatInboundRefusal : public ::testing::TestWithParam<Refusal> {};

TEST_P(WechatInboundRefusal, IsRefusedWithItsOwnCode) {
    auto m = parse_inbound_xml(GetParam().xml);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.code(), GetParam().code) << m.error().message();
    EXPECT_EQ(http_status(m.code()), 400);
}

INSTANTIATE_TEST_SUITE_P(All, WechatInboundRefusal, ::testing::ValuesIn(refusals()),
                         [](const auto& info) { return info.param.name; });

TEST(WechatInbound, AnOpenidOfSixtyFourCharactersIsTheLongestAccepted) {
    const std::string from(64, 'o');
    auto m = parse_inbound_xml("<xml><ToUserName>a</ToUserName><FromUserName>" + from +
                               "-_</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>"
                               "<Content>x</Content><MsgId>1</MsgId></xml>");
    EXPECT_FALSE(m.ok());
    auto ok = parse_inbound_xml("<xml><ToUserName>a</ToUserName><FromUserName>" + from.substr(2) +
                                "-_</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType>"
                                "<Content>x</Content><MsgId>1</MsgId></xml>");
    ASSERT_TRUE(ok.ok()) << ok.error().message();
    EXPECT_EQ(ok->from_user, from.substr(2) + "-_");
}

TEST(WechatMarkupScan, SkipsCdataCommentsAndPisButNotDeclarations) {
    EXPECT_FALSE(has_markup_declaration("<xml><![CDATA[<!DOCTYPE>]]><!-- <!ENTITY --><?pi <!x ?></xml>"));
    EXPECT_TRUE(has_markup_declaration("<xml><![CDATA[x]]><!ENTITY></xml>"));
    EXPECT_TRUE(has_markup_declaration("<!ATTLIST"));
    EXPECT_FALSE(has_markup_declaration("<xml a=\"<!DOCTYPE\"/>"));
    EXPECT_FALSE(has_markup_declaration("<![CDATA[ unterminated <!DOCTYPE"));
}

TEST(WechatEnvelope, ReadsEncryptAndNoticesCompatibleMode) {
    auto safe = parse_encrypted_envelope("<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[abc=]]></Encrypt></xml>");
    ASSERT_TRUE(safe.ok());
    EXPECT_EQ(safe->encrypt, "abc=");
    EXPECT_FALSE(safe->has_plaintext);
    auto compatible = parse_encrypted_envelope(doc("text", "<Content>x</Content><MsgId>1</MsgId><Encrypt>abc=</Encrypt>"));
    ASSERT_TRUE(compatible.ok());
    EXPECT_TRUE(compatible->has_plaintext);
    EXPECT_EQ(parse_encrypted_envelope("<xml><ToUserName>a</ToUserName></xml>").code(), Errc::invalid_message);
    EXPECT_EQ(parse_encrypted_envelope("<!DOCTYPE a><xml><Encrypt>a</Encrypt></xml>").code(), Errc::dtd_refused);
}

TEST(WechatDedupeKey, UsesMsgIdForMessagesAndSenderTimeEventForEvents) {
    auto text = parse_inbound_xml(doc("text", "<Content>x</Content><MsgId>42</MsgId>"));
    EXPECT_EQ(dedupe_key(*text), "{oia2TjuEGTNoeX76QEjQNrcURxG8}:m:42");
    auto sub = parse_inbound_xml(event_doc("subscribe", ""));
    EXPECT_EQ(dedupe_key(*sub), "{oia2TjuEGTNoeX76QEjQNrcURxG8}:e:1348831860:subscribe");
    auto done = parse_inbound_xml(event_doc("TEMPLATESENDJOBFINISH", "<MsgID>9</MsgID><Status>success</Status>"));
    EXPECT_EQ(dedupe_key(*done), "{oia2TjuEGTNoeX76QEjQNrcURxG8}:e:1348831860:TEMPLATESENDJOBFINISH");
    auto odd = parse_inbound_xml(event_doc("scancode_push", ""));
    EXPECT_EQ(dedupe_key(*odd), "{oia2TjuEGTNoeX76QEjQNrcURxG8}:e:1348831860:scancode_push");
    EXPECT_TRUE(is_event(*odd));
    EXPECT_FALSE(is_event(*text));
}

std::string content_of(const std::string& reply) {
    pugi::xml_document d;
    EXPECT_TRUE(d.load_string(reply.c_str(), pugi::parse_default));
    std::string text;  // a split CDATA is several sibling sections
    for (const pugi::xml_node part : d.child("xml").child("Content").children()) text += part.value();
    return text;
}

TEST(WechatReplyXml, SplitsCdataTerminatorsSoContentRoundTrips) {
    for (std::string content : {"a]]>b", "]]>", "]]]]>>", "x]]>]]>y", "]]", "]>", "plain 你好"}) {
        const std::string xml = reply_xml("openid", "gh_1", 1, TextReply{content});
        EXPECT_EQ(content_of(xml), content) << xml;
        auto parsed = parse_inbound_xml(doc("text", "<Content>" + [&] {
            std::string c;
            append_cdata(c, content);
            return c;
        }() + "</Content><MsgId>1</MsgId>"));
        ASSERT_TRUE(parsed.ok());
        EXPECT_EQ(std::get<TextMessage>(parsed->body).content, content);
    }
    std::string out;
    append_cdata(out, "a]]>b");
    EXPECT_EQ(out, "<![CDATA[a]]]]><![CDATA[>b]]>");
}

TEST(WechatReplyXml, DropsCharactersXmlForbidsWithoutJoiningATerminator) {
    std::string out;
    append_cdata(out, std::string("a]]\x01>b\tc\x1f", 9));
    EXPECT_EQ(out, "<![CDATA[a]]]]><![CDATA[>b\tc]]>");
}

TEST(WechatReplyXml, WritesTextImageNewsAndSuccess) {
    EXPECT_EQ(reply_xml("o", "gh", 12, TextReply{"hi"}),
              "<xml><ToUserName><![CDATA[o]]></ToUserName><FromUserName><![CDATA[gh]]></FromUserName>"
              "<CreateTime>12</CreateTime><MsgType><![CDATA[text]]></MsgType>"
              "<Content><![CDATA[hi]]></Content></xml>");
    EXPECT_NE(reply_xml("o", "gh", 12, ImageReply{"mid"}).find("<Image><MediaId><![CDATA[mid]]></MediaId></Image>"), std::string::npos);
    NewsReply news;
    for (int i = 0; i < 10; ++i) news.articles.push_back({"t", "d", "p", "u"});
    const std::string n = reply_xml("o", "gh", 12, news);
    EXPECT_NE(n.find("<ArticleCount>8</ArticleCount>"), std::string::npos);
    pugi::xml_document d;
    ASSERT_TRUE(d.load_string(n.c_str()));
    EXPECT_EQ(std::distance(d.child("xml").child("Articles").children("item").begin(),
                            d.child("xml").child("Articles").children("item").end()), 8);
    EXPECT_EQ(reply_xml("o", "gh", 12, NoReply{}), "success");
}

}  // namespace
}  // namespace repairbot::wechat
