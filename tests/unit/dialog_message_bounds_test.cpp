// What the desk keeps of a message (dialog/inbound.h): step() never accepts what the store's
// columns cannot hold. An image with a 200-character MediaId used to stay in the draft and make
// every 确认 fail with MariaDB's "Data too long" (strict mode) — the owner's report was stuck for
// good; an overlong rating comment or note lost the message with no reply.
#include <gtest/gtest.h>

#include "dialog/text.h"
#include "dialog_test_support.h"

namespace repairbot::dialog {
namespace {

using namespace testing;

std::string chars(std::size_t n, const std::string& one = "漏") {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += one;
    return s;
}

// Owner at the description step of a report.
Chat at_description() {
    Chat chat;
    chat.say("报修");
    chat.say("3栋2单元502");
    chat.say("1");
    EXPECT_EQ(chat.session.step, ReportStep::description);
    return chat;
}

// "🙏🙏" or WeChat's "[抱拳][抱拳]" at the description question says nothing of the fault: asked
// for a few words again. Words with an emoji are the owner's description, emoji and all.
TEST(MessageBounds, EmojiAloneIsNoDescription) {
    for (const std::string nothing :
         {"🙏🙏", "[抱拳][抱拳]", "[抱拳]", "[OK]", "👍🏻👍🏻", "？？？", "😭😭😭[捂脸]",
          "/::)/::(", "/::D/::P", "/:strong/:strong", "/:rose 🌹"}) {
        Chat chat = at_description();
        chat.say(nothing);
        EXPECT_EQ(chat.session.step, ReportStep::description) << nothing;
        EXPECT_TRUE(chat.session.draft.description.empty()) << nothing;
        EXPECT_TRUE(contains(chat.reply(), text_of(TextId::description_too_short)))
            << nothing << ": " << chat.reply();
    }
    for (const std::string words : {"灯坏了🙏", "[捂脸]灯不亮", "ac不制冷", "插座😭冒火花"}) {
        Chat chat = at_description();
        chat.say(words);
        EXPECT_EQ(chat.session.draft.description, words);
    }
}

TEST(MessageBounds, FirstCharsNeverCutsInsideACharacter) {
    EXPECT_EQ(text::first_chars("3栋2单元502", 2), "3栋");
    EXPECT_EQ(text::first_chars("3栋2单元502", 0), "");
    EXPECT_EQ(text::first_chars("3栋2单元502", 100), "3栋2单元502");
    EXPECT_EQ(text::first_chars("😀🔧x", 2), "😀🔧");
    EXPECT_EQ(text::first_chars("", 3), "");
}

TEST(MessageBounds, ATextLongerThanTheDeskKeepsIsAnsweredAndTheDraftIsUntouched) {
    Chat chat = at_description();
    chat.say(chars(kMaxMessageChars + 1));
    EXPECT_EQ(chat.reply().rfind(opening_of(TextId::message_too_long), 0), 0u) << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), "1001")) << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), "1000")) << chat.reply();
    // The question is asked again, and nothing was taken from the message.
    EXPECT_TRUE(contains(chat.reply(), text_of(TextId::ask_description))) << chat.reply();
    EXPECT_EQ(chat.session.step, ReportStep::description);
    EXPECT_TRUE(chat.session.draft.description.empty());
    EXPECT_TRUE(chat.last.effects.empty());
}

TEST(MessageBounds, ATextOfExactlyTheLimitIsReadAsUsual) {
    Chat chat = at_description();
    chat.say(chars(kMaxMessageChars));
    EXPECT_EQ(text::length_in_chars(chat.session.draft.description), kMaxMessageChars);
    EXPECT_EQ(chat.session.step, ReportStep::photos);
}

TEST(MessageBounds, OneAsciiCharacterOverTheLimitIsRefusedToo) {
    Chat chat = at_description();
    chat.say("kitchen tap drips " + chars(kMaxMessageChars - 17, "x"));  // 1,001 one-byte characters
    EXPECT_EQ(chat.reply().rfind(opening_of(TextId::message_too_long), 0), 0u) << chat.reply();
    chat.say("kitchen tap drips " + chars(kMaxMessageChars - 18, "x"));  // 1,000
    EXPECT_EQ(chat.session.step, ReportStep::photos) << chat.reply();
}

TEST(MessageBounds, AnOverlongVoiceRecognitionIsAnsweredLikeText) {
    Chat chat = at_description();
    chat.send(Inbound{"owner-1", "v1", VoiceMessage{"mv", chars(kMaxMessageChars + 5)}});
    EXPECT_EQ(chat.reply().rfind(opening_of(TextId::message_too_long), 0), 0u) << chat.reply();
    EXPECT_TRUE(chat.session.draft.description.empty());
}

TEST(MessageBounds, ATechniciansOverlongFinishNoteIsAnsweredNotFiled) {
    Chat chat;
    chat.technician = TechnicianView{"t-1", "王师傅",
                                     {TechnicianJob{"BX20261120-0001", JobStatus::arrived,
                                                    "3栋2单元502", "水"}}};
    chat.say("完成 " + chars(kMaxMessageChars));
    EXPECT_EQ(chat.reply().rfind(opening_of(TextId::message_too_long), 0), 0u) << chat.reply();
    EXPECT_TRUE(chat.last.effects.empty());
}

TEST(MessageBounds, APhotoWithAnOverlongOrEmptyMediaIdIsRefusedAndTheReportStillFiles) {
    Chat chat;
    chat.say("3栋2单元502厨房水管漏水了");
    ASSERT_EQ(chat.session.step, ReportStep::photos);
    chat.photo(std::string(kMaxMediaIdBytes + 1, 'M'));
    EXPECT_EQ(chat.reply().rfind(text_of(TextId::photo_unusable), 0), 0u) << chat.reply();
    EXPECT_TRUE(chat.session.draft.photos.empty());
    chat.send(Inbound{"owner-1", "img-empty", ImageMessage{"", "http://mmbiz.example/x"}});
    EXPECT_EQ(chat.reply().rfind(text_of(TextId::photo_unusable), 0), 0u) << chat.reply();
    EXPECT_TRUE(chat.session.draft.photos.empty());
    chat.photo(std::string(kMaxMediaIdBytes, 'K'));  // exactly the limit: kept
    ASSERT_EQ(chat.session.draft.photos.size(), 1u);
    chat.say("好了");
    chat.say("13800138000");
    chat.say("尽快");
    chat.say("确认");
    const auto* ticket = find_effect<CreateTicket>(chat.last);
    ASSERT_NE(ticket, nullptr) << chat.reply();
    ASSERT_EQ(ticket->report.photos.size(), 1u);
    EXPECT_EQ(ticket->report.photos[0].media_id, std::string(kMaxMediaIdBytes, 'K'));
}

TEST(MessageBounds, AnUnusablePhotoDoesNotStartAReport) {
    Chat chat;
    chat.photo(std::string(300, 'M'));
    EXPECT_EQ(chat.reply(), text_of(TextId::photo_unusable));
    EXPECT_EQ(chat.session.flow, Flow::idle);
    EXPECT_TRUE(chat.last.effects.empty());
}

TEST(MessageBounds, AnOverlongPicUrlIsDroppedAndThePhotoKept) {
    Chat chat;
    chat.say("3栋2单元502厨房水管漏水了");
    chat.send(Inbound{"owner-1", "img-1",
                      ImageMessage{"M1", "http://mmbiz.example/" + std::string(kMaxPicUrlBytes, 'u')}});
    ASSERT_EQ(chat.session.draft.photos.size(), 1u);
    EXPECT_EQ(chat.session.draft.photos[0].media_id, "M1");
    EXPECT_TRUE(chat.session.draft.photos[0].pic_url.empty());
}

TEST(MessageBounds, ALocationLabelIsCutToWhatTheDeskKeeps) {
    Chat chat;
    chat.say("报修");
    chat.send(Inbound{"owner-1", "loc1", LocationMessage{22.54, 114.05, chars(400, "园")}});
    ASSERT_TRUE(chat.session.draft.address.has_value());
    EXPECT_EQ(chat.session.draft.address->label, chars(kMaxLocationLabelChars, "园"));
    EXPECT_EQ(display(*chat.session.draft.address), chars(kMaxLocationLabelChars, "园"));
}

TEST(MessageBounds, ADraftSavedWithAnOverlongPhotoOrLabelIsHealedAndFiles) {
    Chat chat;
    chat.say("3栋2单元502厨房水管漏水了，电话13800138000");
    chat.photo("good");
    // As a session saved before the limits existed would hold it.
    chat.session.draft.photos.push_back(Photo{std::string(200, 'M'), "http://mmbiz.example/bad"});
    chat.session.draft.photos.push_back(Photo{"long-url", std::string(kMaxPicUrlBytes + 1, 'u')});
    chat.session.draft.address->building.clear();
    chat.session.draft.address->unit.clear();
    chat.session.draft.address->room.clear();
    chat.session.draft.address->label = chars(300, "园");
    chat.say("好了");
    chat.say("尽快");
    chat.say("确认");
    const auto* ticket = find_effect<CreateTicket>(chat.last);
    ASSERT_NE(ticket, nullptr) << chat.reply();
    ASSERT_EQ(ticket->report.photos.size(), 2u);
    EXPECT_EQ(ticket->report.photos[0].media_id, "good");
    EXPECT_EQ(ticket->report.photos[1].media_id, "long-url");
    EXPECT_TRUE(ticket->report.photos[1].pic_url.empty());
    EXPECT_EQ(display(ticket->report.address), chars(kMaxLocationLabelChars, "园"));
}

}  // namespace
}  // namespace repairbot::dialog
