// Every WeChat message type reaches the dialogue as the value it means.
#include <gtest/gtest.h>

#include "bot/inbound_mapping.h"

namespace repairbot::bot {
namespace {

wechat::InboundMessage from_owner(wechat::InboundBody body, std::uint64_t msg_id = 42) {
    wechat::InboundMessage m;
    m.to_user = "gh_account";
    m.from_user = "o_owner";
    m.create_time = 1763700000;
    m.msg_id = msg_id;
    m.body = std::move(body);
    return m;
}

TEST(InboundMapping, TextKeepsContentSenderAndDedupeKey) {
    auto in = to_dialog(from_owner(wechat::TextMessage{"3栋502漏水"}));
    EXPECT_EQ(in.from, "o_owner");
    EXPECT_EQ(in.message_id, wechat::dedupe_key(from_owner(wechat::TextMessage{"x"})));
    ASSERT_TRUE(std::holds_alternative<dialog::TextMessage>(in.body));
    EXPECT_EQ(std::get<dialog::TextMessage>(in.body).content, "3栋502漏水");
}

TEST(InboundMapping, ImageKeepsMediaIdAndPicUrl) {
    auto in = to_dialog(from_owner(wechat::ImageMessage{"http://pic", "MEDIA1"}));
    auto& img = std::get<dialog::ImageMessage>(in.body);
    EXPECT_EQ(img.media_id, "MEDIA1");
    EXPECT_EQ(img.pic_url, "http://pic");
}

TEST(InboundMapping, VoiceCarriesRecognition) {
    auto in = to_dialog(from_owner(wechat::VoiceMessage{"V1", "amr", "厨房水管爆了"}));
    EXPECT_EQ(std::get<dialog::VoiceMessage>(in.body).recognition, "厨房水管爆了");
}

TEST(InboundMapping, LocationKeepsCoordinatesAndLabel) {
    auto in = to_dialog(from_owner(wechat::LocationMessage{23.13, 113.35, 15, "幸福小区3栋"}));
    auto& loc = std::get<dialog::LocationMessage>(in.body);
    EXPECT_DOUBLE_EQ(loc.latitude, 23.13);
    EXPECT_DOUBLE_EQ(loc.longitude, 113.35);
    EXPECT_EQ(loc.label, "幸福小区3栋");
}

TEST(InboundMapping, MenuClickAndSubscribeAreEvents) {
    auto click = to_dialog(from_owner(wechat::ClickEvent{"REPORT_REPAIR"}, 0));
    auto& ce = std::get<dialog::EventMessage>(click.body);
    EXPECT_EQ(ce.kind, dialog::EventKind::click);
    EXPECT_EQ(ce.key, "REPORT_REPAIR");
    auto sub = to_dialog(from_owner(wechat::SubscribeEvent{"building3", "TICKET"}, 0));
    EXPECT_EQ(std::get<dialog::EventMessage>(sub.body).kind, dialog::EventKind::subscribe);
    auto unsub = to_dialog(from_owner(wechat::UnsubscribeEvent{}, 0));
    EXPECT_EQ(std::get<dialog::EventMessage>(unsub.body).kind, dialog::EventKind::unsubscribe);
}

TEST(InboundMapping, PassiveEventsMapToKindsThatGetNoReply) {
    auto report = to_dialog(from_owner(wechat::LocationEvent{1, 2, 3}, 0));
    EXPECT_EQ(std::get<dialog::EventMessage>(report.body).kind, dialog::EventKind::location_report);
    auto view = to_dialog(from_owner(wechat::ViewEvent{"http://x", ""}, 0));
    EXPECT_EQ(std::get<dialog::EventMessage>(view.body).kind, dialog::EventKind::view);
}

TEST(InboundMapping, VideoLinkAndUnknownAreUnsupported) {
    EXPECT_EQ(std::get<dialog::UnsupportedMessage>(
                  to_dialog(from_owner(wechat::VideoMessage{"m", "t", true})).body)
                  .type,
              "shortvideo");
    EXPECT_EQ(std::get<dialog::UnsupportedMessage>(
                  to_dialog(from_owner(wechat::LinkMessage{"t", "d", "u"})).body)
                  .type,
              "link");
    EXPECT_EQ(std::get<dialog::UnsupportedMessage>(
                  to_dialog(from_owner(wechat::UnknownMessage{"miniprogrampage", ""})).body)
                  .type,
              "miniprogrampage");
}

}  // namespace
}  // namespace repairbot::bot
