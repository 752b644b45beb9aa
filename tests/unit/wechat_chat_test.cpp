// The terminal chat's pure parts: a typed line becomes what a phone sends; the simulator's
// recorded calls become the pushes one user sees; text lays out in a terminal column.
#include <gtest/gtest.h>

#include "adapters/wechat/sim/terminal_chat.h"

namespace repairbot::wechat::sim {
namespace {

using nlohmann::json;

template <class T>
const T& as(const Result<ChatCommand>& r) {
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().detail);
    const T* value = r.ok() ? std::get_if<T>(&r.value()) : nullptr;
    if (value == nullptr) throw std::runtime_error("not the expected command");
    return *value;
}

template <class T>
const T& body_of(const Result<ChatCommand>& r) {
    const auto& body = as<SendMessage>(r).body;
    const T* value = std::get_if<T>(&body);
    if (value == nullptr) throw std::runtime_error("not the expected message");
    return *value;
}

TEST(ChatLine, PlainTextIsSentAsTypedWithoutSurroundingBlanksOrCR) {
    const auto r = parse_chat_line("  3栋2单元502厨房水管漏水了 \r");
    EXPECT_EQ(body_of<TextMessage>(r).content, "3栋2单元502厨房水管漏水了");
    EXPECT_EQ(as<SendMessage>(r).shown, "3栋2单元502厨房水管漏水了");
}

TEST(ChatLine, EmptyAndBlankLinesSendNothing) {
    EXPECT_NO_THROW(as<NoInput>(parse_chat_line("")));
    EXPECT_NO_THROW(as<NoInput>(parse_chat_line(" \t\r")));
}

TEST(ChatLine, ADoubleSlashSendsATextStartingWithOneSlash) {
    EXPECT_EQ(body_of<TextMessage>(parse_chat_line("//photo 不是命令")).content, "/photo 不是命令");
}

TEST(ChatLine, PhotoTakesTheRestOfTheLineAsThePath) {
    EXPECT_EQ(as<SendPhoto>(parse_chat_line("/photo my photos/漏水.jpg")).file,
              std::filesystem::path("my photos/漏水.jpg"));
    const auto missing = parse_chat_line("/photo");
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().detail.find("/photo path/to/photo.jpg"), std::string::npos);
}

TEST(ChatLine, LocationReadsLatitudeLongitudeAndLabel) {
    const auto m = body_of<LocationMessage>(parse_chat_line("/location 23.13 113.35 幸福小区3栋"));
    EXPECT_DOUBLE_EQ(m.latitude, 23.13);
    EXPECT_DOUBLE_EQ(m.longitude, 113.35);
    EXPECT_EQ(m.label, "幸福小区3栋");
    const auto comma = body_of<LocationMessage>(parse_chat_line("/location 23.13,113.35"));
    EXPECT_DOUBLE_EQ(comma.longitude, 113.35);
    EXPECT_EQ(comma.label, "");
}

TEST(ChatLine, LocationRefusesWhatIsNotACoordinateNamingTheUsage) {
    for (const char* bad : {"/location", "/location 23.13", "/location north 113.35",
                            "/location 123 45", "/location 23 200", "/location 23.1x 113"}) {
        const auto r = parse_chat_line(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.code(), std::make_error_code(std::errc::invalid_argument)) << bad;
        EXPECT_NE(r.error().detail.find("/location LAT LNG"), std::string::npos) << bad;
    }
}

TEST(ChatLine, VoiceCarriesTheRecognisedText) {
    const auto v = body_of<VoiceMessage>(parse_chat_line("/voice 卫生间灯不亮了"));
    EXPECT_EQ(v.recognition, "卫生间灯不亮了");
    EXPECT_EQ(v.format, "amr");
    EXPECT_EQ(body_of<VoiceMessage>(parse_chat_line("/voice")).recognition, "")
        << "a voice WeChat could not recognise is still sent";
}

TEST(ChatLine, MenuIsAClickEventWithOneKey) {
    EXPECT_EQ(body_of<ClickEvent>(parse_chat_line("/menu REPORT_REPAIR")).key, "REPORT_REPAIR");
    EXPECT_FALSE(parse_chat_line("/menu").ok());
    EXPECT_FALSE(parse_chat_line("/menu TWO KEYS").ok());
}

TEST(ChatLine, SubscribeWithAndWithoutAQrScene) {
    EXPECT_EQ(body_of<SubscribeEvent>(parse_chat_line("/subscribe")).scene, "");
    const auto scanned = body_of<SubscribeEvent>(parse_chat_line("/subscribe building3"));
    EXPECT_EQ(scanned.scene, "building3");
    EXPECT_FALSE(scanned.ticket.empty());
    EXPECT_NO_THROW(body_of<UnsubscribeEvent>(parse_chat_line("/unsubscribe")));
}

TEST(ChatLine, WaitTakesOptionalSecondsThenText) {
    const auto plain = as<WaitForPush>(parse_chat_line("/wait"));
    EXPECT_EQ(plain.text, "");
    EXPECT_EQ(plain.timeout, std::chrono::seconds(30));
    const auto both = as<WaitForPush>(parse_chat_line("/wait 45 已维修完成"));
    EXPECT_EQ(both.timeout, std::chrono::seconds(45));
    EXPECT_EQ(both.text, "已维修完成");
    EXPECT_EQ(as<WaitForPush>(parse_chat_line("/wait 新工单")).text, "新工单");
    EXPECT_FALSE(parse_chat_line("/wait 0").ok());
    EXPECT_FALSE(parse_chat_line("/wait 601").ok());
}

TEST(ChatLine, HelpQuitAndUnknownCommands) {
    EXPECT_NO_THROW(as<ShowHelp>(parse_chat_line("/help")));
    EXPECT_NO_THROW(as<Quit>(parse_chat_line("/quit")));
    EXPECT_NO_THROW(as<Quit>(parse_chat_line("/exit")));
    const auto unknown = parse_chat_line("/fly away");
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(unknown.error().detail.find("/fly"), std::string::npos);
    EXPECT_NE(unknown.error().detail.find("/help"), std::string::npos);
    for (const char* command : {"/photo", "/location", "/voice", "/menu", "/subscribe", "/wait", "/quit"}) {
        EXPECT_NE(chat_help().find(command), std::string::npos) << command;
    }
}

TEST(ChatLine, HostileBytesNeverThrow) {
    const std::string junk("\xff\xfe/\x80\0/location \xe4\xb8", 17);
    EXPECT_NO_THROW((void)parse_chat_line(junk));
    EXPECT_NO_THROW((void)parse_chat_line("/location 1e999 1"));
    EXPECT_FALSE(parse_chat_line("/location 1e999 1").ok());
}

json template_call(const std::string& to, int errcode = 0) {
    json body = {{"touser", to},
                 {"template_id", "REPLACE_WITH_JOB_TEMPLATE_ID"},
                 {"url", ""},
                 {"data",
                  {{"remark", {{"value", "回复“接单”接受"}}},
                   {"keyword10", {{"value", "十"}}},
                   {"keyword2", {{"value", "3栋2单元502"}}},
                   {"keyword1", {{"value", "BX20261121-0007"}}},
                   {"first", {{"value", "您有一张新的维修工单"}}}}}};
    return {{"method", "POST"}, {"path", "/cgi-bin/message/template/send"}, {"query", "access_token=T"},
            {"body", body.dump()}, {"json", body}, {"errcode", errcode}};
}

json text_call(const std::string& to, const std::string& content) {
    json body = {{"touser", to}, {"msgtype", "text"}, {"text", {{"content", content}}}};
    return {{"method", "POST"}, {"path", "/cgi-bin/message/custom/send"}, {"query", "access_token=T"},
            {"body", body.dump()}, {"json", body}, {"errcode", 0}};
}

TEST(ChatPush, ATemplateShowsFirstKeywordsInOrderThenRemark) {
    const auto push = push_for(template_call("oTech"), "oTech");
    ASSERT_TRUE(push.has_value());
    EXPECT_EQ(push->kind, "template");
    const std::vector<std::string> expected{"[模板消息] 您有一张新的维修工单", "keyword1：BX20261121-0007",
                                            "keyword2：3栋2单元502", "keyword10：十", "回复“接单”接受"};
    EXPECT_EQ(push->lines, expected);
}

TEST(ChatPush, ACustomerServiceTextKeepsItsLines) {
    const auto push = push_for(text_call("oOwner", "工单号：BX1\n紧急程度：紧急"), "oOwner");
    ASSERT_TRUE(push.has_value());
    EXPECT_EQ(push->kind, "text");
    EXPECT_EQ(push->lines, (std::vector<std::string>{"[客服消息] 工单号：BX1", "紧急程度：紧急"}));
}

TEST(ChatPush, OnlyAcceptedSendsToThisUserArePushes) {
    EXPECT_FALSE(push_for(template_call("oSomeoneElse"), "oTech").has_value());
    EXPECT_FALSE(push_for(template_call("oTech", 45015), "oTech").has_value()) << "refused by WeChat";
    EXPECT_FALSE(push_for(json{{"path", "/cgi-bin/stable_token"}, {"errcode", 0}}, "oTech").has_value());
    EXPECT_FALSE(push_for(json("not an object"), "oTech").has_value());
    EXPECT_FALSE(push_for(json{{"path", "/cgi-bin/message/custom/send"}, {"errcode", 0}, {"json", nullptr}}, "oTech")
                     .has_value());
}

TEST(ChatPush, NewPushesAdvanceTheCursorAndRestartAfterASimulatorRestart) {
    json calls = json::array({text_call("oOwner", "一"), template_call("oTech"), text_call("oOwner", "二")});
    std::size_t seen = 1;
    auto fresh = new_pushes(calls, "oOwner", seen);
    ASSERT_EQ(fresh.size(), 1u);
    EXPECT_EQ(fresh[0].lines[0], "[客服消息] 二");
    EXPECT_EQ(seen, 3u);
    EXPECT_TRUE(new_pushes(calls, "oOwner", seen).empty());
    json restarted = json::array({text_call("oOwner", "三")});
    fresh = new_pushes(restarted, "oOwner", seen);
    ASSERT_EQ(fresh.size(), 1u);
    EXPECT_EQ(fresh[0].lines[0], "[客服消息] 三");
    EXPECT_EQ(seen, 1u);
}

TEST(ChatPush, MatchingLooksAtEveryLine) {
    const Push push{"template", {"[模板消息] 您有一张新的维修工单", "keyword1：BX20261121-0007"}};
    EXPECT_TRUE(push_matches(push, ""));
    EXPECT_TRUE(push_matches(push, "BX20261121-0007"));
    EXPECT_FALSE(push_matches(push, "已维修完成"));
    EXPECT_TRUE(push_matches(push, "新工单|新的维修工单")) << "either choice";
    EXPECT_TRUE(push_matches(Push{"text", {"[客服消息] 新工单 BX1"}}, "新工单|新的维修工单"));
    EXPECT_FALSE(push_matches(push, "已维修完成|返修"));
    EXPECT_FALSE(push_matches(push, "|")) << "empty choices match nothing";
}

TEST(ChatReply, TextImageNewsAndNoReply) {
    EXPECT_EQ(reply_lines(Reply{TextReply{"第一行\n第二行"}}), (std::vector<std::string>{"第一行", "第二行"}));
    EXPECT_EQ(reply_lines(Reply{ImageReply{"MEDIA"}}), (std::vector<std::string>{"[图片] MEDIA"}));
    EXPECT_EQ(reply_lines(Reply{NewsReply{{{"标题", "", "", "http://x"}}}}),
              (std::vector<std::string>{"[图文] 标题 http://x"}));
    EXPECT_TRUE(reply_lines(Reply{NoReply{}}).empty());
}

TEST(ChatLayout, ChineseCountsTwoColumnsAsciiOne) {
    EXPECT_EQ(display_width("abc"), 3u);
    EXPECT_EQ(display_width("报修"), 4u);
    EXPECT_EQ(display_width("3栋，502"), 8u) << "full-width comma is wide too";
    EXPECT_EQ(display_width(std::string("\xff\xe4", 2)), 2u) << "invalid bytes count one each";
}

TEST(ChatLayout, WrapNeverSplitsACharacter) {
    EXPECT_EQ(wrap_line("报修单号BX", 5), (std::vector<std::string>{"报修", "单号B", "X"}));
    EXPECT_EQ(wrap_line("", 5), (std::vector<std::string>{""}));
    EXPECT_EQ(wrap_line("不限宽度", 0), (std::vector<std::string>{"不限宽度"}));
}

TEST(ChatLayout, BlocksCarryTheirMarkerAndIndent) {
    EXPECT_EQ(render_block(Speaker::bot, {"好的", "再见"}, {}), "bot  < 好的\n       再见\n");
    EXPECT_EQ(render_block(Speaker::push, {"新工单"}, {4, 0}), "    push * 新工单\n");
    // Right column of an 80-column terminal: 41 columns of indent, 7 of marker, 32 of text.
    const std::string wide(40 * 3, 'x');
    const std::string out = render_block(Speaker::you, {wide}, {41, 80});
    std::size_t lines = 0;
    for (std::size_t at = 0; (at = out.find('\n', at)) != std::string::npos; ++at) ++lines;
    EXPECT_EQ(lines, 4u) << out;
    EXPECT_EQ(out.substr(0, 48), std::string(41, ' ') + "you  > ");
}

}  // namespace
}  // namespace repairbot::wechat::sim
