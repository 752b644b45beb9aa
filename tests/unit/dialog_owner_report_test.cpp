// The owner's repair report through step(): the happy path, multi-slot first messages, the
// emergency fast path, corrections, photos, misses, expiry and menu events.
#include <gtest/gtest.h>

#include "dialog/session_codec.h"
#include "dialog_test_support.h"

namespace repairbot::dialog {
namespace {

using namespace testing;

TEST(OwnerReport, StepByStepReportEndsInOneTicket) {
    Chat chat;
    chat.send(event(EventKind::click, std::string(kMenuReportRepair)));
    EXPECT_EQ(chat.session.step, ReportStep::address);
    EXPECT_EQ(chat.reply(), text_of(TextId::ask_address));
    chat.say("3栋2单元502");
    EXPECT_EQ(chat.session.step, ReportStep::fault_type);
    EXPECT_TRUE(contains(chat.reply(), "1.水"));
    chat.say("2");
    EXPECT_EQ(chat.session.draft.fault_type, "电");
    EXPECT_EQ(chat.reply(), text_of(TextId::ask_description));
    chat.say("客厅吊灯不亮了");
    EXPECT_EQ(chat.session.step, ReportStep::photos);
    chat.photo("p1");
    chat.say("好了");
    EXPECT_EQ(chat.session.step, ReportStep::phone);
    chat.say("138 0013 8000");
    EXPECT_EQ(chat.session.step, ReportStep::preferred_time);
    chat.say("明天上午10点");
    EXPECT_EQ(chat.session.step, ReportStep::confirm);
    EXPECT_TRUE(contains(chat.reply(), "3栋2单元502"));
    EXPECT_TRUE(contains(chat.reply(), "2026-11-21 10:00-11:00"));
    chat.say("确认");

    const auto* ticket = find_effect<CreateTicket>(chat.last);
    ASSERT_NE(ticket, nullptr);
    const auto& r = ticket->report;
    EXPECT_EQ(r.owner_openid, "owner-1");
    EXPECT_EQ(display(r.address), "3栋2单元502");
    EXPECT_FALSE(r.address.is_public);
    EXPECT_EQ(r.fault_type, "电");
    EXPECT_EQ(r.trade, "电");
    EXPECT_EQ(r.urgency, Urgency::normal);
    EXPECT_EQ(r.description, "客厅吊灯不亮了");
    ASSERT_EQ(r.photos.size(), 1u);
    EXPECT_EQ(r.photos[0].pic_url, "http://mmbiz.example/p1");
    EXPECT_EQ(r.phone, "13800138000");
    ASSERT_TRUE(r.preferred_time.has_value());
    EXPECT_EQ(r.received_at, kNow);
    // The report id comes from the sender and the message that started the report (the click).
    EXPECT_TRUE(ticket->idempotency_key.starts_with("owner-1:ev#")) << ticket->idempotency_key;
    ASSERT_NE(find_effect<RememberProfile>(chat.last), nullptr);
    EXPECT_EQ(find_effect<RememberProfile>(chat.last)->phone, "13800138000");
    EXPECT_EQ(chat.session.flow, Flow::idle);
    EXPECT_TRUE(contains(chat.reply(), "报修已提交"));
}

TEST(OwnerReport, TicketDescriptionKeepsWhatTheOwnerWrote) {
    struct Case {
        std::vector<const char*> messages;
        const char* description;
    };
    const Case cases[] = {
        {{"3栋502，客厅LED灯不亮了！电话13800138000"}, "客厅LED灯不亮了"},
        {{"3栋502 卫生间ＰＶＣ水管漏水，很急。"}, "卫生间ＰＶＣ水管漏水，很急"},
        {{"报修", "3栋502", "2", "  客厅的LED吸顶灯一闪一闪（晚上更明显）。"},
         "客厅的LED吸顶灯一闪一闪（晚上更明显）"},
        {{"Wifi路由器旁边的插座冒火花了，3栋502"}, "Wifi路由器旁边的插座冒火花了"},
        // A request to call stays with the description; a plain cue goes with the phone.
        {{"3栋502 客厅灯不亮，来之前打我电话13800138000"}, "客厅灯不亮，来之前打我电话"},
        {{"3栋502 客厅灯不亮，师傅过来时先打电话13800138000"}, "客厅灯不亮，师傅过来时先打电话"},
        {{"3栋502 客厅灯不亮，我的手机号是13800138000"}, "客厅灯不亮"},
    };
    for (const auto& c : cases) {
        Chat chat;
        for (const char* m : c.messages) chat.say(m);
        EXPECT_EQ(chat.session.draft.description, c.description) << c.messages.back();
    }
}

TEST(OwnerReport, WordsNamingNoKnownFaultAreKeptWhenTheTypeIsPickedFromTheMenu) {
    struct Case {
        std::vector<const char*> messages;
        const char* description;  // "" when the description is still to be asked
        ReportStep step;
    };
    const Case cases[] = {
        // Described in answer to the type question, then the menu number.
        {{"报修", "3栋502", "卫生间顶上有个东西一直嗡嗡响", "9"},
         "卫生间顶上有个东西一直嗡嗡响",
         ReportStep::photos},
        // Described with the address in the first message.
        {{"3栋502 卫生间顶上有个东西一直嗡嗡响", "9"},
         "卫生间顶上有个东西一直嗡嗡响",
         ReportStep::photos},
        // Not an account of the fault: asked for after the type.
        {{"报修", "3栋502", "不知道", "9"}, "", ReportStep::description},
        {{"3栋502 王女士", "9"}, "", ReportStep::description},
        {{"3栋502 请问怎么报修", "9"}, "", ReportStep::description},
        {{"3栋502 明天上午过来", "9"}, "", ReportStep::description},
        {{"报修", "3栋502", "你好，在吗", "9"}, "", ReportStep::description},
        {{"报修", "3栋502", "这个要收费吗", "9"}, "", ReportStep::description},
        {{"报修", "3栋502", "都不是，是别的问题", "9"}, "", ReportStep::description},
        // The account among words that are not: kept.
        {{"我要报修，3栋502，卫生间顶上有东西嗡嗡响", "9"},
         "卫生间顶上有东西嗡嗡响",
         ReportStep::photos},
        // Greetings and thanks around it are not the fault's: the push shows the fault.
        {{"你好，3栋502卫生间顶上有东西嗡嗡响，麻烦尽快来看看，谢谢！", "9"},
         "卫生间顶上有东西嗡嗡响，麻烦尽快来看看",
         ReportStep::photos},
        {{"报修", "3栋502", "您好 卫生间顶上有东西嗡嗡响 辛苦了", "9"},
         "卫生间顶上有东西嗡嗡响",
         ReportStep::photos},
        {{"报修", "3栋502", "谢谢你们上次修好了，这次是卫生间顶上嗡嗡响", "9"},
         "谢谢你们上次修好了，这次是卫生间顶上嗡嗡响",
         ReportStep::photos},
        {{"报修", "3栋502", "卫生间顶上有东西嗡嗡响，不知道是什么", "9"},
         "卫生间顶上有东西嗡嗡响，不知道是什么",
         ReportStep::photos},
    };
    for (const auto& c : cases) {
        Chat chat;
        for (const char* m : c.messages) chat.say(m);
        if (*c.description)
            EXPECT_TRUE(contains(chat.session.draft.description, c.description))
                << chat.session.draft.description;
        else
            EXPECT_EQ(chat.session.draft.description, "") << c.messages[1];
        EXPECT_EQ(chat.session.draft.fault_type, "其他") << c.messages[1];
        EXPECT_EQ(chat.session.step, c.step) << c.messages[1];
    }
    // The type question asked again says the words were kept.
    Chat chat;
    chat.say("3栋502");
    chat.say("卫生间顶上有个东西一直嗡嗡响");
    EXPECT_EQ(chat.session.step, ReportStep::fault_type);
    EXPECT_TRUE(contains(chat.reply(), opening_of(TextId::fault_type_for_description)))
        << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), "9.其他")) << chat.reply();
}

// Courtesies are left off the account only when enough is left to read as one: "你好，灯" stays
// whole (one word alone is no description), "你好，灯不亮" is the fault.
TEST(OwnerReport, CourtesiesAroundTooShortAnAccountStay) {
    Chat kept;
    kept.say("3栋502 你好，灯");
    EXPECT_EQ(kept.session.draft.description, "你好，灯") << kept.reply();
    Chat trimmed;
    trimmed.say("3栋502 你好，灯不亮");
    EXPECT_EQ(trimmed.session.draft.description, "灯不亮") << trimmed.reply();
}

TEST(OwnerReport, ANameOrDontKnowIsNoDescription) {
    for (const char* words : {"王女士", "不知道", "好的", "说不上来"}) {
        Chat chat;
        chat.say("3栋502");
        chat.say("9");
        EXPECT_EQ(chat.session.step, ReportStep::description);
        chat.say(words);
        EXPECT_EQ(chat.session.step, ReportStep::description) << words;
        EXPECT_EQ(chat.session.draft.description, "") << words;
    }
    for (const char* words : {"漏水", "晚上灯不亮", "墙面有空鼓", "楼上的水渗过来了"}) {
        Chat chat;
        chat.say("3栋502");
        chat.say("9");
        chat.say(words);
        EXPECT_EQ(chat.session.draft.description, words);
        EXPECT_EQ(chat.session.step, ReportStep::photos) << words;
    }
}

TEST(OwnerReport, MoreAboutTheFaultAtThePhotoStepIsAddedToTheDescription) {
    Chat chat;
    chat.say("3栋502 卫生间墙面潮湿，电话13800138000");
    ASSERT_EQ(chat.session.step, ReportStep::photos);
    chat.say("墙里面有滴答滴答的声音");
    EXPECT_EQ(chat.session.step, ReportStep::photos) << "photos still welcome";
    EXPECT_TRUE(contains(chat.session.draft.description, "卫生间墙面潮湿"))
        << chat.session.draft.description;
    EXPECT_TRUE(contains(chat.session.draft.description, "墙里面有滴答滴答的声音"))
        << chat.session.draft.description;
    EXPECT_TRUE(contains(chat.reply(), text_of(TextId::noted))) << chat.reply();
    // Words about the photos, a question, a time: not the description's.
    const std::string kept = chat.session.draft.description;
    for (const char* words : {"照片发不了", "费用怎么算", "明天上午10点以后", "稍等一下"}) {
        chat.say(words);
        EXPECT_EQ(chat.session.draft.description, kept) << words;
    }
}

TEST(OwnerReport, AVisitTimeSaidWithTheReportIsNotAskedAgain) {
    struct Case {
        std::vector<const char*> messages;  // then "没有" to the photos
        const char* window;                 // nullptr: the time is still asked
    };
    const Case cases[] = {
        {{"3栋502 厨房水龙头漏水，电话13800138000，周六上午过来修吧"}, "2026-11-21 09:00-12:00"},
        {{"报修", "3栋502 电话13800138000", "厨房水龙头漏水，明天下午有人在家"},
         "2026-11-21 14:00-18:00"},
        // When the fault began is no visit time.
        {{"3栋502 今天早上发现厨房水龙头漏水，电话13800138000"}, nullptr},
        {{"3栋502 厨房水龙头周三开始漏水，电话13800138000"}, nullptr},
        {{"3栋502 今天早上发现厨房水龙头漏水，麻烦派人来看看，电话13800138000"}, nullptr},
        {{"3栋502 上次师傅来修过，现在厨房水龙头还是漏，电话13800138000"}, nullptr},
        {{"3栋502 卫生间天花板漏水，昨晚开始楼上的水渗过来了，电话13800138000"}, nullptr},
        // Asked, not booked: the time question settles it.
        {{"3栋502 厨房水龙头漏水，明天上午能过来吗，电话13800138000"}, nullptr},
        // Not at home: no visit (and the photos come later).
        {{"3栋502 厨房水龙头漏水，电话13800138000", "我现在不在家，晚上回家拍照发你"}, nullptr},
        {{"3栋502 厨房水龙头漏水，电话13800138000，晚上7点家里有人"}, "2026-11-20 19:00-20:00"},
        // A day ruled out, another booked.
        {{"3栋502 厨房水龙头漏水，明天没空，后天上午过来，电话13800138000"},
         "2026-11-22 09:00-12:00"},
    };
    for (const auto& c : cases) {
        Chat chat;
        for (const char* m : c.messages) chat.say(m);
        chat.say("没有");
        if (!c.window) {
            EXPECT_EQ(chat.session.step, ReportStep::preferred_time) << c.messages.back();
            EXPECT_FALSE(chat.session.draft.time_answered);
            continue;
        }
        EXPECT_EQ(chat.session.step, ReportStep::confirm) << c.messages.back();
        EXPECT_TRUE(contains(chat.reply(), c.window)) << chat.reply();
    }
}

TEST(OwnerReport, IdempotencyKeyIsStableForARetriedStep) {
    Chat chat;
    chat.say("3栋502厨房水管漏水了，电话13800138000");
    chat.say("没有");
    chat.say("尽快");
    Session before = chat.session;
    auto first = step(before, text("确认"), chat.context());
    auto retry = step(before, text("确认"), chat.context());
    const auto* a = find_effect<CreateTicket>(first);
    const auto* b = find_effect<CreateTicket>(retry);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->idempotency_key, b->idempotency_key);
    EXPECT_EQ(a->idempotency_key, before.report_id + "#" + std::to_string(before.revision));
}

TEST(OwnerReport, EditingTheDraftChangesTheIdempotencyKey) {
    Chat chat;
    chat.say("3栋502厨房水管漏水了，电话13800138000");
    chat.say("没有");
    chat.say("尽快");
    auto rev = chat.session.revision;
    chat.say("13900139000");  // a correction sent straight at the summary
    EXPECT_GT(chat.session.revision, rev);
    EXPECT_EQ(chat.session.draft.phone, "13900139000");
}

struct MultiSlotCase {
    const char* first_message;
    const char* address;     // display(); "" = still missing
    const char* fault_type;  // "" = still missing
    const char* description;
    const char* phone;
    ReportStep next;
};

class MultiSlotFirstMessage : public ::testing::TestWithParam<MultiSlotCase> {};

TEST_P(MultiSlotFirstMessage, FillsEverySlotItNamesAndAsksOnlyTheRest) {
    const auto& c = GetParam();
    Chat chat;
    chat.say(c.first_message);
    const auto& d = chat.session.draft;
    EXPECT_EQ(chat.session.flow, Flow::owner_report) << c.first_message;
    EXPECT_EQ(d.address ? display(*d.address) : "", c.address) << c.first_message;
    EXPECT_EQ(d.fault_type, c.fault_type) << c.first_message;
    EXPECT_EQ(d.description, c.description) << c.first_message;
    EXPECT_EQ(d.phone, c.phone) << c.first_message;
    EXPECT_EQ(chat.session.step, c.next) << c.first_message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, MultiSlotFirstMessage,
    ::testing::Values(
        MultiSlotCase{"3栋502厨房水管漏水了，电话13800138000", "3栋502", "水", "厨房水管漏水了",
                      "13800138000", ReportStep::photos},
        MultiSlotCase{"３－２－５０２ 马桶堵了", "3栋2单元502", "下水道", "马桶堵了", "",
                      ReportStep::photos},
        MultiSlotCase{"客厅灯不亮", "", "电", "客厅灯不亮", "", ReportStep::address},
        MultiSlotCase{"三号楼二单元502", "3栋2单元502", "", "", "", ReportStep::fault_type},
        MultiSlotCase{"5号楼电梯坏了", "5栋电梯", "电梯", "电梯坏了", "", ReportStep::photos},
        MultiSlotCase{"地下车库的路灯不亮 手机 139-1234-5678", "地下车库", "公共设施",
                      "地下车库的路灯不亮", "13912345678", ReportStep::photos}));

TEST(OwnerReport, PublicAreaIsFlaggedOnTheTicket) {
    Chat chat;
    chat.profile.phone = "13800138000";
    chat.say("5号楼电梯厅灯不亮");
    chat.say("没有");
    chat.say("尽快");
    chat.say("确认");
    const auto* t = find_effect<CreateTicket>(chat.last);
    ASSERT_NE(t, nullptr);
    EXPECT_TRUE(t->report.address.is_public);
    EXPECT_EQ(t->report.address.building, "5");
    EXPECT_EQ(t->report.address.area, "电梯厅");
    EXPECT_EQ(t->report.fault_type, "电");
}

TEST(OwnerReport, ProfilePrefillsPhoneAndSameAsLastTimeFillsAddress) {
    Chat chat;
    chat.profile.phone = "13700137000";
    chat.profile.last_address = Address{.building = "9", .unit = "1", .room = "1201"};
    chat.say("报修");
    EXPECT_TRUE(contains(chat.reply(), "9栋1单元1201"));
    chat.say("同上次");
    EXPECT_EQ(display(*chat.session.draft.address), "9栋1单元1201");
    EXPECT_EQ(chat.session.draft.phone, "13700137000");
}

// A returning owner with the same phone and home costs no profile write; a new phone or a new
// home (what the desk remembers: the phone, a home's building/unit/room) is remembered.
TEST(OwnerReport, OnlyANewPhoneOrHomeIsRemembered) {
    struct Case {
        const char* report;
        bool remembered;
    };
    for (const auto& c : {Case{"9栋1单元1201客厅灯不亮", false},     // the known home, phone prefilled
                          Case{"5号楼电梯厅灯不亮", false},          // a public place is not a home
                          Case{"3栋2单元502客厅灯不亮", true},       // a new home
                          Case{"9栋1单元1201客厅灯不亮 电话13900139000", true}}) {  // a new phone
        Chat chat;
        chat.profile.phone = "13700137000";
        chat.profile.last_address = Address{.building = "9", .unit = "1", .room = "1201"};
        chat.say(c.report);
        chat.say("没有");
        chat.say("尽快");
        chat.say("确认");
        ASSERT_NE(find_effect<CreateTicket>(chat.last), nullptr) << c.report << ": " << chat.reply();
        const auto* remember = find_effect<RememberProfile>(chat.last);
        EXPECT_EQ(remember != nullptr, c.remembered) << c.report;
    }
    // Nothing known yet: the first ticket remembers both.
    Chat first;
    first.say("3栋2单元502客厅灯不亮 电话13800138000");
    first.say("没有");
    first.say("尽快");
    first.say("确认");
    const auto* remember = find_effect<RememberProfile>(first.last);
    ASSERT_NE(remember, nullptr);
    EXPECT_EQ(remember->phone, "13800138000");
    ASSERT_TRUE(remember->last_address.has_value());
    EXPECT_EQ(display(*remember->last_address), "3栋2单元502");
}

TEST(OwnerReport, SameAsLastTimeWithoutHistoryAsksForTheAddress) {
    Chat chat;
    chat.say("报修");
    chat.say("和上次一样");
    EXPECT_EQ(chat.reply(), text_of(TextId::no_last_address));
    EXPECT_EQ(chat.session.step, ReportStep::address);
}

TEST(OwnerReport, LocationMessageFillsTheAddress) {
    Chat chat;
    chat.say("报修");
    chat.send(Inbound{"owner-1", "loc1", LocationMessage{22.54, 114.05, "幸福花园小区"}});
    ASSERT_TRUE(chat.session.draft.address.has_value());
    EXPECT_EQ(chat.session.draft.address->label, "幸福花园小区");
    EXPECT_EQ(chat.session.draft.address->location, (GeoPoint{22.54, 114.05}));
    EXPECT_EQ(chat.session.step, ReportStep::fault_type);
}

TEST(OwnerReport, VoiceRecognitionCountsAsText) {
    Chat chat;
    chat.send(Inbound{"owner-1", "v1", VoiceMessage{"mv", "三号楼二单元五零二卫生间漏水"}});
    ASSERT_TRUE(chat.session.draft.address);
    EXPECT_EQ(display(*chat.session.draft.address), "3栋2单元502");
    EXPECT_EQ(chat.session.draft.fault_type, "水");
}

TEST(OwnerReport, VoiceWithoutRecognitionAsksToRepeat) {
    Chat chat;
    chat.send(Inbound{"owner-1", "v1", VoiceMessage{"mv", ""}});
    EXPECT_EQ(chat.reply(), text_of(TextId::voice_not_recognized));
}

// Emergency fast path.

TEST(EmergencyPath, SafetyAdviceComesFirstAndOnlyTheAddressIsAsked) {
    Chat chat;
    chat.profile.phone = "13800138000";
    chat.say("家里水管爆了！");
    const auto* flood = shipped_data().catalog.find_emergency("flood");
    EXPECT_EQ(chat.reply().rfind(flood->advice, 0), 0u) << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), text_of(TextId::ask_address)));
    EXPECT_EQ(chat.session.step, ReportStep::address);
    chat.say("3栋502");
    const auto* t = find_effect<CreateTicket>(chat.last);
    ASSERT_NE(t, nullptr) << chat.reply();
    EXPECT_EQ(t->report.urgency, Urgency::emergency);
    EXPECT_EQ(t->report.emergency, "flood");
    EXPECT_EQ(t->report.fault_type, "水");
    EXPECT_FALSE(t->report.preferred_time.has_value());
    EXPECT_TRUE(contains(chat.reply(), opening_of(TextId::emergency_submitted)));
    EXPECT_TRUE(contains(chat.reply(), "（地址：3栋502，电话：13800138000）")) << chat.reply();
}

// The emergency's ticket is filed (and dispatched) at once: "地址错了，是…" right after is for the
// dispatchers to put right, not a new report; later, or a technician's, it is not.
TEST(EmergencyPath, ACorrectionRightAfterTheTicketGoesToTheDispatchers) {
    Chat chat;
    chat.profile.phone = "13800138000";
    chat.say("5栋520 水管爆了");
    ASSERT_NE(find_effect<CreateTicket>(chat.last), nullptr) << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), "地址：5栋520")) << chat.reply();
    chat.say("地址错了，是5栋502");
    const auto* human = find_effect<HandToHuman>(chat.last);
    ASSERT_NE(human, nullptr) << chat.reply();
    EXPECT_EQ(human->reason, HandOffReason::correction);
    EXPECT_EQ(human->words, "地址错了，是5栋502");
    EXPECT_EQ(find_effect<CreateTicket>(chat.last), nullptr);
    EXPECT_TRUE(contains(chat.reply(), "已把您的更正转告客服：“地址错了，是5栋502”"))
        << chat.reply();
    EXPECT_EQ(chat.session.flow, Flow::idle);
    chat.say("电话不对 13912345678");
    ASSERT_NE(find_effect<HandToHuman>(chat.last), nullptr) << chat.reply();
    chat.say("不对，是5栋502");
    ASSERT_NE(find_effect<HandToHuman>(chat.last), nullptr) << chat.reply();
    EXPECT_EQ(find_effect<HandToHuman>(chat.last)->words, "不对，是5栋502");

    chat.now += std::chrono::hours{1};
    chat.say("地址错了");
    EXPECT_EQ(find_effect<HandToHuman>(chat.last), nullptr) << "an hour on: " << chat.reply();
}

// "5栋 厨房水管爆了" at 2 a.m., then "502": the building given first is kept, and the room
// completes it — the owner is not asked for the whole address again.
TEST(EmergencyPath, APartOfTheAddressGivenFirstIsCompletedByTheNextAnswer) {
    Chat chat;
    chat.profile.phone = "13800138000";
    chat.say("5栋 厨房水管爆了");
    EXPECT_EQ(chat.session.step, ReportStep::address);
    EXPECT_TRUE(contains(chat.reply(), text_of(TextId::address_incomplete))) << chat.reply();
    chat.say("502");
    const auto* t = find_effect<CreateTicket>(chat.last);
    ASSERT_NE(t, nullptr) << chat.reply();
    EXPECT_EQ(display(t->report.address), "5栋502");

    Chat phone;  // a phone sent at the address question is no room number
    phone.say("5栋 水管爆了");
    phone.say("13912345678");
    EXPECT_EQ(phone.session.draft.phone, "13912345678");
    EXPECT_FALSE(phone.session.draft.address.has_value()) << phone.reply();
    EXPECT_EQ(phone.session.draft.address_part, "5栋");

    Chat again;  // a building named again replaces the one kept
    again.profile.phone = "13800138000";
    again.say("5栋 水管爆了");
    again.say("不对，是6栋");
    EXPECT_EQ(again.session.draft.address_part, "6栋");
    again.say("502");
    ASSERT_NE(find_effect<CreateTicket>(again.last), nullptr) << again.reply();
    EXPECT_EQ(display(find_effect<CreateTicket>(again.last)->report.address), "6栋502");

    Chat steps;  // a unit, then the room
    steps.profile.phone = "13800138000";
    steps.say("a栋 水管爆了");
    steps.say("2单元");
    EXPECT_EQ(steps.session.draft.address_part, "A栋2单元");
    steps.say("1201室");
    ASSERT_NE(find_effect<CreateTicket>(steps.last), nullptr) << steps.reply();
    EXPECT_EQ(display(find_effect<CreateTicket>(steps.last)->report.address), "A栋2单元1201");
}

// "水管爆了快点来人啊" again right after the flood went in is the same emergency, on its way: no
// second ticket (and technician), the address it was filed at; "怎么还没人来" asks the progress;
// another danger is a new report with its own advice.
TEST(EmergencyPath, TheSameDangerSaidAgainIsNotFiledTwice) {
    Chat chat;
    chat.profile.phone = "13800138000";
    chat.say("5栋502 水管爆了");
    ASSERT_NE(find_effect<CreateTicket>(chat.last), nullptr) << chat.reply();
    chat.say("水管爆了快点来人啊");
    EXPECT_EQ(find_effect<CreateTicket>(chat.last), nullptr) << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), "您的紧急报修已提交（地址：5栋502）")) << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), shipped_data().catalog.find_emergency("flood")->advice));
    ASSERT_NE(find_effect<HandToHuman>(chat.last), nullptr) << "what they add reaches a person";
    EXPECT_EQ(*find_effect<HandToHuman>(chat.last),
              (HandToHuman{HandOffReason::update, "", "水管爆了快点来人啊"}));
    EXPECT_EQ(chat.session.flow, Flow::idle);
    chat.say("5栋502 水管爆了");
    EXPECT_EQ(find_effect<CreateTicket>(chat.last), nullptr) << "sent again: " << chat.reply();
    chat.say("不对劲，水管爆得更厉害了");
    EXPECT_EQ(find_effect<HandToHuman>(chat.last)->reason, HandOffReason::update)
        << "不对劲 is no correction: " << chat.reply();
    chat.say("师傅怎么还没来");
    EXPECT_NE(find_effect<QueryProgress>(chat.last), nullptr) << chat.reply();
    chat.say("厨房有燃气味");
    EXPECT_EQ(chat.session.flow, Flow::owner_report) << chat.reply();
    EXPECT_TRUE(contains(chat.reply(), shipped_data().catalog.find_emergency("gas")->advice));

    Chat elsewhere;  // the same danger at another address is another ticket
    elsewhere.profile.phone = "13800138000";
    elsewhere.say("5栋502 水管爆了");
    elsewhere.say("3栋101 水管也爆了");
    EXPECT_NE(find_effect<CreateTicket>(elsewhere.last), nullptr) << elsewhere.reply();
}

// "师傅什么时候上门？", "师傅电话多少" asked about an open repair: 门 and 电 there name no fault,
// so no new report (one 确认 from a duplicate ticket) — the progress for the first.
TEST(IdleOwner, AQuestionAboutTheTechnicianStartsNoReport) {
    Chat when;
    when.say("师傅什么时候上门？");
    EXPECT_NE(find_effect<QueryProgress>(when.last), nullptr) << when.reply();
    EXPECT_EQ(when.session.flow, Flow::idle);
    Chat phone;
    phone.say("师傅电话多少");
    EXPECT_EQ(phone.session.flow, Flow::idle) << phone.reply();
}

TEST(EmergencyPath, CompleteFirstMessageCreatesTheTicketAtOnce) {
    Chat chat;
    chat.say("8栋1单元302厨房有很重的燃气味，电话13800138000");
    const auto* t = find_effect<CreateTicket>(chat.last);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->report.emergency, "gas");
    EXPECT_EQ(t->report.fault_type, "燃气");
    EXPECT_EQ(chat.reply().rfind(shipped_data().catalog.find_emergency("gas")->advice, 0), 0u);
}

TEST(EmergencyPath, AsksForAPhoneWhenTheProfileHasNone) {
    Chat chat;
    chat.say("3栋电梯困人了");
    EXPECT_EQ(chat.session.step, ReportStep::phone);
    EXPECT_TRUE(contains(chat.reply(), shipped_data().catalog.find_emergency("lift")->advice));
    chat.say("13800138000");
    ASSERT_NE(find_effect<CreateTicket>(chat.last), nullptr);
}

TEST(EmergencyPath, EmergencyWordsLaterInTheReportSwitchToTheFastPath) {
    Chat chat;
    chat.profile.phone = "13800138000";
    chat.say("3栋502卫生间漏水");
    EXPECT_EQ(chat.session.step, ReportStep::photos);
    chat.say("现在水漫出来了，止不住");
    const auto* t = find_effect<CreateTicket>(chat.last);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->report.urgency, Urgency::emergency);
}

TEST(EmergencyPath, PhotosSentAfterTheTicketAreAttachedToIt) {
    Chat chat;
    chat.profile.phone = "13800138000";
    chat.say("3栋502水管爆了");
    const auto* t = find_effect<CreateTicket>(chat.last);
    ASSERT_NE(t, nullptr);
    std::string key = t->idempotency_key;
    chat.photo("burst1");
    const auto* attach = find_effect<AttachPhotos>(chat.last);
    ASSERT_NE(attach, nullptr);
    EXPECT_EQ(attach->idempotency_key, key);
    EXPECT_EQ(attach->photos, (std::vector<Photo>{{"burst1", "http://mmbiz.example/burst1"}}));
    EXPECT_EQ(chat.reply(), text_of(TextId::photo_attached));
}

TEST(EmergencyPath, NegatedEmergencyWordsDoNotTrigger) {
    Chat chat;
    chat.say("3栋502没有漏电，就是灯不亮");
    EXPECT_TRUE(chat.session.draft.emergency.empty());
    EXPECT_EQ(chat.session.step, ReportStep::photos);
}

// Photos.

TEST(Photos, BurstIsCountedInOrderAndNeverDuplicated) {
    Chat chat;
    chat.say("3栋502厨房水管漏水了");
    for (const char* id : {"a", "b", "c", "b"}) chat.photo(id);
    EXPECT_EQ(chat.session.draft.photos.size(), 3u);
    EXPECT_EQ(chat.session.draft.photos[2].media_id, "c");
    EXPECT_TRUE(contains(chat.reply(), "3"));
}

TEST(Photos, NinthPhotoEndsTheStepAndTheTenthIsRefused) {
    Chat chat;
    chat.say("3栋502厨房水管漏水了");
    for (int i = 1; i <= 9; ++i) chat.photo("p" + std::to_string(i));
    EXPECT_TRUE(chat.session.draft.photos_done);
    EXPECT_EQ(chat.session.step, ReportStep::phone);
    chat.photo("p10");
    EXPECT_EQ(chat.session.draft.photos.size(), 9u);
    EXPECT_TRUE(contains(chat.reply(), "9"));
    EXPECT_EQ(chat.reply().rfind(opening_of(TextId::photo_limit), 0), 0u);
}

TEST(Photos, PhotosBeforeAnythingElseStartAReportAndAreKept) {
    Chat chat;
    chat.photo("first");
    EXPECT_EQ(chat.session.flow, Flow::owner_report);
    EXPECT_EQ(chat.session.draft.photos.size(), 1u);
    EXPECT_TRUE(contains(chat.reply(), text_of(TextId::ask_address)));
    chat.photo("second");
    chat.say("3栋502厨房漏水");
    EXPECT_EQ(chat.session.draft.photos.size(), 2u);
}

TEST(Photos, SkipWordsEndThePhotoStep) {
    for (const char* word : {"没有", "跳过", "好了"}) {
        Chat chat;
        chat.say("3栋502厨房水管漏水了");
        chat.say(word);
        EXPECT_TRUE(chat.session.draft.photos_done) << word;
        EXPECT_EQ(chat.session.step, ReportStep::phone) << word;
    }
}

// Corrections.

TEST(Corrections, EditAddressFromTheSummaryReturnsToTheSummary) {
    Chat chat;
    chat.say("3栋502厨房水管漏水了，电话13800138000");
    chat.say("没有");
    chat.say("尽快");
    ASSERT_EQ(chat.session.step, ReportStep::confirm);
    chat.say("修改地址");
    EXPECT_EQ(chat.session.step, ReportStep::address);
    EXPECT_TRUE(contains(chat.reply(), "3栋502"));
    chat.say("4栋1单元101");
    EXPECT_EQ(chat.session.step, ReportStep::confirm);
    EXPECT_TRUE(contains(chat.reply(), "4栋1单元101"));
    EXPECT_EQ(chat.session.draft.description, "厨房水管漏水了");
}

// "地址错了，是3栋102" at the photos question: the address is replaced there and then (it was
// taken as nothing, and the summary still showed 3栋101), and the photos are asked for again.
TEST(Corrections, AnAddressSaidToBeWrongMidReportIsReplaced) {
    for (const std::string words : {"地址错了，是3栋102", "不对，是3栋102", "地址写错了 3栋102"}) {
        Chat chat;
        chat.profile.phone = "13800138000";
        chat.say("3栋101 客厅灯不亮");
        ASSERT_EQ(chat.session.step, ReportStep::photos) << chat.reply();
        chat.say(words);
        ASSERT_TRUE(chat.session.draft.address.has_value()) << words;
        EXPECT_EQ(display(*chat.session.draft.address), "3栋102") << words << ": " << chat.reply();
        EXPECT_EQ(chat.session.step, ReportStep::photos) << words;
        EXPECT_TRUE(contains(chat.reply(), text_of(TextId::noted))) << chat.reply();
    }
}

TEST(Corrections, BackGoesToThePreviousQuestion) {
    Chat chat;
    chat.say("3栋502厨房水管漏水了");
    chat.say("没有");
    ASSERT_EQ(chat.session.step, ReportStep::phone);
    chat.say("返回");
    EXPECT_EQ(chat.session.step, ReportStep::photos);
    EXPECT_FALSE(chat.session.draft.photos_done);
}

TEST(Corrections, BackAtTheFirstQuestionSaysSo) {
    Chat chat;
    chat.say("报修");
    chat.say("返回");
    EXPECT_EQ(chat.session.step, ReportStep::address);
    EXPECT_TRUE(contains(chat.reply(), text_of(TextId::back_at_first)));
}

TEST(Corrections, ChangingTheTypeKeepsEverythingElse) {
    Chat chat;
    chat.say("3栋502厨房水管漏水了，电话13800138000");
    chat.say("没有");
    chat.say("尽快");
    chat.say("修改类型");
    chat.say("7");
    EXPECT_EQ(chat.session.draft.fault_type, "下水道");
    EXPECT_EQ(chat.session.step, ReportStep::confirm);
    EXPECT_EQ(chat.session.draft.phone, "13800138000");
}

TEST(Corrections, NewTimeAtTheSummaryReplacesTheOldOne) {
    Chat chat;
    chat.say("3栋502厨房水管漏水了，电话13800138000");
    chat.say("没有");
    chat.say("尽快");
    chat.say("周六下午");
    ASSERT_TRUE(chat.session.draft.preferred_time.has_value());
    EXPECT_TRUE(contains(chat.reply(), "2026-11-21 14:00-18:00"));
}

// Misses.

TEST(Misses, ThreeMissesOfferAHuman) {
    Chat chat;
    chat.say("报修");
    chat.say("嗯嗯");
    EXPECT_EQ(chat.reply(), text_of(TextId::address_not_understood));
    chat.say("啊？");
    EXPECT_FALSE(contains(chat.reply(), text_of(TextId::offer_human)));
    chat.say("不知道");
    EXPECT_TRUE(contains(chat.reply(), text_of(TextId::offer_human)));
    chat.say("人工");
    EXPECT_NE(find_effect<HandToHuman>(chat.last), nullptr);
}

TEST(Misses, MenuNumberOutOfRangeShowsTheMenuAgain) {
    Chat chat;
    chat.say("3栋502");
    chat.say("12");
    EXPECT_EQ(chat.session.step, ReportStep::fault_type);
    EXPECT_TRUE(contains(chat.reply(), "9.其他")) << chat.reply();
}

TEST(Misses, WrongPhoneSaysWhatIsWrong) {
    Chat chat;
    chat.say("3栋502厨房水管漏水了");
    chat.say("没有");
    chat.say("1380013800");
    EXPECT_EQ(chat.reply(), text_of(TextId::phone_invalid));
    EXPECT_EQ(chat.session.step, ReportStep::phone);
    chat.say("0755-86001234");  // a landline: why a mobile, and what to do without one
    EXPECT_EQ(chat.reply(), text_of(TextId::phone_landline));
    EXPECT_EQ(chat.session.step, ReportStep::phone);
    chat.say("86001234");  // the third miss: the offer of a person follows
    EXPECT_EQ(chat.reply().rfind(text_of(TextId::phone_landline), 0), 0u) << chat.reply();
}

TEST(Misses, PastTimeIsRefused) {
    Chat chat;
    chat.say("3栋502厨房水管漏水了，电话13800138000");
    chat.say("没有");
    chat.say("今天上午");
    EXPECT_EQ(chat.reply(), text_of(TextId::time_in_past));
}

TEST(Misses, IdleChatterGetsAHintAndThenAHuman) {
    Chat chat;
    chat.say("你好");
    EXPECT_EQ(chat.reply(), text_of(TextId::idle_hint));
    chat.say("在吗");
    chat.say("喂");
    EXPECT_TRUE(contains(chat.reply(), text_of(TextId::offer_human)));
}

// Expiry.

TEST(Expiry, ReturningAfterTheTimeoutOffersToContinue) {
    Chat chat;
    chat.say("3栋502厨房水管漏水了");
    chat.now += std::chrono::minutes{31};
    chat.say("好了");
    EXPECT_EQ(chat.session.step, ReportStep::resume);
    EXPECT_TRUE(contains(chat.reply(), "3栋502"));
    chat.say("继续");
    EXPECT_EQ(chat.session.step, ReportStep::photos);
    EXPECT_EQ(chat.session.draft.description, "厨房水管漏水了");
}

TEST(Expiry, RestartReplaysTheMessageThatArrivedAfterTheTimeout) {
    Chat chat;
    chat.say("3栋502厨房水管漏水了");
    chat.now += std::chrono::hours{2};
    chat.say("8栋楼道灯坏了");
    EXPECT_EQ(chat.session.step, ReportStep::resume);
    chat.say("重新开始");
    ASSERT_TRUE(chat.session.draft.address);
    EXPECT_EQ(display(*chat.session.draft.address), "8栋楼道");
    EXPECT_EQ(chat.session.draft.fault_type, "电");
}

TEST(Expiry, BeforeTheTimeoutNothingIsAsked) {
    Chat chat;
    chat.say("3栋502厨房水管漏水了");
    chat.now += std::chrono::minutes{29};
    chat.say("好了");
    EXPECT_EQ(chat.session.step, ReportStep::phone);
}

TEST(Expiry, TimeoutIsConfigurable) {
    Chat chat;
    chat.limits.session_idle_timeout = std::chrono::minutes{5};
    chat.say("3栋502厨房水管漏水了");
    chat.now += std::chrono::minutes{6};
    chat.say("好了");
    EXPECT_EQ(chat.session.step, ReportStep::resume);
}

TEST(Expiry, APhotoAfterTheTimeoutJustContinues) {
    Chat chat;
    chat.say("3栋502厨房水管漏水了");
    chat.now += std::chrono::hours{1};
    chat.photo("late");
    EXPECT_EQ(chat.session.step, ReportStep::photos);
    EXPECT_EQ(chat.session.draft.photos.size(), 1u);
}

// Events.

TEST(Events, SubscribeGetsTheWelcome) {
    Chat chat;
    chat.send(event(EventKind::subscribe));
    EXPECT_EQ(chat.reply(), text_of(TextId::welcome));
    EXPECT_EQ(chat.session.flow, Flow::idle);
}

TEST(Events, PassiveEventsGetNoReply) {
    for (auto kind : {EventKind::unsubscribe, EventKind::view, EventKind::location_report}) {
        Chat chat;
        chat.send(event(kind));
        EXPECT_TRUE(chat.last.replies.empty());
        EXPECT_TRUE(chat.last.effects.empty());
    }
}

TEST(Events, MenuClicksMapToProgressAndHuman) {
    Chat chat;
    chat.send(event(EventKind::click, std::string(kMenuMyRepairs)));
    EXPECT_NE(find_effect<QueryProgress>(chat.last), nullptr);
    chat.send(event(EventKind::click, std::string(kMenuContactHuman)));
    EXPECT_NE(find_effect<HandToHuman>(chat.last), nullptr);
}

TEST(Events, UnsupportedMessageGetsAHint) {
    Chat chat;
    chat.send(Inbound{"owner-1", "x", UnsupportedMessage{"video"}});
    EXPECT_EQ(chat.reply(), text_of(TextId::unsupported_message));
}

TEST(Purity, SameInputsGiveTheSameOutcome) {
    Chat chat;
    chat.say("3栋502厨房水管漏水了");
    auto a = step(chat.session, text("13800138000"), chat.context());
    auto b = step(chat.session, text("13800138000"), chat.context());
    EXPECT_EQ(a.session, b.session);
    EXPECT_EQ(a.replies, b.replies);
}

}  // namespace
}  // namespace repairbot::dialog
