// How the outbox words a queued notification (bot/outbox_sender.h word_notice): every
// {placeholder} filled from the payload; a payload queued by an older version, before a field the
// wording now names existed, reads without it — never a raw "{contact}" on a technician's phone.
#include <gtest/gtest.h>

#include "bot/outbox_sender.h"
#include "config/push_templates.h"

namespace repairbot::bot {
namespace {

const config::PushTemplates& shipped() {
    static const config::PushTemplates templates = [] {
        auto loaded = config::load_push_templates(REPAIRBOT_SOURCE_DIR "/config");
        if (!loaded) throw std::runtime_error(loaded.error().detail);
        return std::move(*loaded);
    }();
    return templates;
}

nlohmann::json job_payload() {
    return {{"event", "job_assigned"},
            {"number", "BX20261206-0001"},
            {"urgency", "紧急"},
            {"address", "3栋2单元1201"},
            {"fault_type", "水管爆裂"},
            {"description", "厨房水管漏水"},
            {"contact", "王女士 13800138000"},
            {"visit", "请于12月6日 10:00前到场"},
            {"accept_by", "12月6日 08:15"}};
}

TEST(NoticeWording, EveryPlaceholderIsFilledFromThePayload) {
    auto notice = word_notice(shipped(), job_payload().dump());
    ASSERT_TRUE(notice);
    EXPECT_EQ(notice->event, "job_assigned");
    EXPECT_TRUE(notice->missing.empty());
    EXPECT_EQ(notice->text,
              "新工单 BX20261206-0001（紧急）\n地址：3栋2单元1201\n类型：水管爆裂\n"
              "描述：厨房水管漏水\n联系人：王女士 13800138000\n请于12月6日 10:00前到场。\n"
              "请于12月6日 08:15前回复“接单”。");
    EXPECT_EQ(notice->template_data["keyword3"]["value"], "水管爆裂（紧急）");
}

TEST(NoticeWording, APushQueuedBeforeAFieldExistedLeavesItsLineOut) {
    auto payload = job_payload();
    payload.erase("contact");
    payload.erase("visit");
    auto notice = word_notice(shipped(), payload.dump());
    ASSERT_TRUE(notice);
    EXPECT_EQ(notice->text,
              "新工单 BX20261206-0001（紧急）\n地址：3栋2单元1201\n类型：水管爆裂\n"
              "描述：厨房水管漏水\n请于12月6日 08:15前回复“接单”。");
    EXPECT_EQ(notice->missing, (std::vector<std::string>{"contact", "visit"}));
}

TEST(NoticeWording, AMissingFieldReadsAsNothingWhereNoLineCanGo) {
    auto payload = job_payload();
    payload.erase("urgency");
    auto notice = word_notice(shipped(), payload.dump());
    ASSERT_TRUE(notice);
    EXPECT_EQ(notice->template_data["keyword3"]["value"], "水管爆裂（）");
    EXPECT_EQ(notice->template_data["keyword1"]["value"], "BX20261206-0001");
    EXPECT_EQ(notice->missing, std::vector<std::string>{"urgency"}) << "named once";

    // A text all of whose lines name a missing field is kept, the fields empty, rather than sent
    // as nothing.
    config::PushTemplates desk;
    desk.set("staff_notice", {"", "", "工单 {number} 已超时，请处理", {}});
    desk.set("owner_reminder", {"", "", "{text}\n工单 {number}", {}});
    auto one_line = word_notice(desk, R"({"event":"staff_notice"})");
    ASSERT_TRUE(one_line);
    EXPECT_EQ(one_line->text, "工单  已超时，请处理");
    auto two_lines = word_notice(desk, R"({"event":"owner_reminder","number":"BX1"})");
    ASSERT_TRUE(two_lines);
    EXPECT_EQ(two_lines->text, "工单 BX1");

    // The blank lines a dropped line leaves at either end go with it; a blank line inside stays.
    desk.set("job_done", {"", "", "{text}\n\n工单 {number}\n\n请评价\n", {}});
    auto blank = word_notice(desk, R"({"event":"job_done","number":"BX2"})");
    ASSERT_TRUE(blank);
    EXPECT_EQ(blank->text, "工单 BX2\n\n请评价");
    desk.set("auto_closed", {"", "", "{text}\n", {}});
    auto trailing = word_notice(desk, R"({"event":"auto_closed","number":"BX3"})");
    ASSERT_TRUE(trailing);
    EXPECT_EQ(trailing->text, "\n") << "nothing with text left: the fields read as nothing";
    auto whole = word_notice(desk, R"({"event":"job_done","number":"BX2","text":"已完工"})");
    ASSERT_TRUE(whole);
    EXPECT_EQ(whole->text, "已完工\n\n工单 BX2\n\n请评价\n") << "nothing missing: as written";
}

TEST(NoticeWording, NumbersAndLiteralBracesInThePayloadAreWrittenAsTheyAre) {
    auto payload = job_payload();
    payload["description"] = "阀门{坏了}";
    payload["number"] = 17;
    auto notice = word_notice(shipped(), payload.dump());
    ASSERT_TRUE(notice);
    EXPECT_NE(notice->text.find("描述：阀门{坏了}\n"), std::string::npos);
    EXPECT_EQ(notice->template_data["keyword1"]["value"], "17");
}

TEST(NoticeWording, APayloadThatIsNotAnObjectIsRefused) {
    EXPECT_FALSE(word_notice(shipped(), "[1,2]"));
    EXPECT_FALSE(word_notice(shipped(), "{not json"));
}

}  // namespace
}  // namespace repairbot::bot
