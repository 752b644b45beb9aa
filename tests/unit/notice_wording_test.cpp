// How the outbox words a queued notification (bot/outbox_sender.h word_notice): every
// {placeholder} filled from the payload; a payload queued by an older version, before a field the
// wording now names existed, reads without it — never a raw "{contact}" on a technician's phone.
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <filesystem>
#include <fstream>

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

// WeChat shows a template message's keywords only (first and remark no longer since 2023), each
// cut to about 20 characters: every shipped table for an owner's or a technician's event says
// what it is about and what to do in keywords of its own — not the number alone, not the whole
// long text in one keyword — and a keyword worded without placeholders is read whole.
TEST(NoticeWording, AShippedTemplateMessageSaysWhatToDoInItsKeywords) {
    const auto* fallback = &shipped().for_event("staff_notice");
    for (const auto& [event, fields] : config::push_event_fields()) {
        const auto& wording = shipped().for_event(event);
        if (&wording == fallback) continue;
        std::vector<std::string> keywords;
        for (const auto& [name, text] : wording.data)
            if (name.rfind("keyword", 0) == 0) keywords.push_back(text);
        const bool about_a_ticket =
            std::find(fields.begin(), fields.end(), "number") != fields.end();
        EXPECT_GE(keywords.size(), about_a_ticket ? 2u : 1u) << event;
        for (const auto& text : keywords) {
            if (about_a_ticket) {
                EXPECT_NE(text, "{text}") << event << ": the long text, cut";
            }
            if (text.find('{') == std::string::npos) {
                std::size_t chars = 0;
                for (unsigned char ch : text) chars += (ch & 0xC0) != 0x80;
                EXPECT_LE(chars, 20u) << event << ": " << text;
            }
        }
    }
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

// push.toml as a desk edits it, in a directory of its own.
class PushFile {
  public:
    explicit PushFile(const std::string& toml)
        : dir_(std::filesystem::temp_directory_path() /
               ("push-" + std::to_string(::getpid()) + "-" + std::to_string(++serial_))) {
        std::filesystem::create_directories(dir_);
        std::ofstream(dir_ / "push.toml") << toml;
    }
    ~PushFile() { std::filesystem::remove_all(dir_); }
    [[nodiscard]] auto load() const { return config::load_push_templates(dir_); }

  private:
    static inline int serial_ = 0;
    std::filesystem::path dir_;
};

const char* kStaffNotice = R"(
[staff_notice]
template_id = "T2"
text = "{text}"
[staff_notice.data]
remark = "{text}"
)";
const char* kJobPush = R"(
[job_assigned]
template_id = "T1"
text = "新工单 {number}"
[job_assigned.data]
keyword1 = "{number}"
)";

// A name push.toml's wording uses that the event's notification never carries would read as
// nothing (or drop its line) on every push: refused at start, naming the table, the key, the
// name and the fields there are — as is a table for an event the bot never sends.
TEST(PushTemplatesFile, AFieldTheEventDoesNotCarryIsRefusedAtStartWithTheFieldsThereAre) {
    PushFile misspelt(std::string(kStaffNotice) + R"(
[job_assigned]
template_id = "T1"
text = "新工单 {number}\n联系人：{contcat}"
[job_assigned.data]
keyword1 = "{number}"
)");
    auto r = misspelt.load();
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().detail.find("job_assigned.text names {contcat}"), std::string::npos)
        << r.error().detail;
    EXPECT_NE(r.error().detail.find("contact"), std::string::npos)
        << "lists what there is: " << r.error().detail;

    PushFile in_data(std::string(kStaffNotice) + kJobPush + R"(
[quote_refused]
template_id = "T1"
text = "{text}"
[quote_refused.data]
keyword2 = "{fee}"
)");
    auto d = in_data.load();
    ASSERT_FALSE(d);
    EXPECT_NE(d.error().detail.find("quote_refused.data.keyword2 names {fee}"), std::string::npos)
        << d.error().detail;

    PushFile unknown(std::string(kStaffNotice) + kJobPush + R"(
[job_asigned]
template_id = "T1"
text = "{text}"
[job_asigned.data]
first = "x"
)");
    auto u = unknown.load();
    ASSERT_FALSE(u);
    EXPECT_NE(u.error().detail.find("[job_asigned] is not an event"), std::string::npos)
        << u.error().detail;
    EXPECT_NE(u.error().detail.find("job_assigned"), std::string::npos) << u.error().detail;

    PushFile staff(R"(
[staff_notice]
template_id = "T2"
text = "{text}（{number}）"
[staff_notice.data]
remark = "{text}"
)");
    auto st = staff.load();
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().detail.find("staff_notice.text names {number}"), std::string::npos)
        << st.error().detail;

    PushFile no_job_push(kStaffNotice);
    auto nj = no_job_push.load();
    ASSERT_FALSE(nj);
    EXPECT_NE(nj.error().detail.find("[job_assigned] is missing"), std::string::npos)
        << nj.error().detail;

    PushFile fine(std::string(kStaffNotice) + kJobPush + R"(
[job_done]
template_id = "T1"
text = "{text}"
[job_done.data]
keyword1 = "{number}"
keyword2 = "{fee}"
keyword3 = "{event}"
)");
    EXPECT_TRUE(fine.load()) << "every name a job_done notification carries";

    PushFile staff_event(std::string(kStaffNotice) + kJobPush + R"(
[sla_escalation]
template_id = "T3"
text = "【超时】{text}"
[sla_escalation.data]
remark = "{text}"
)");
    EXPECT_TRUE(staff_event.load()) << "a staff note may have a table of its own";

    // Braces are read line by line, as the outbox fills them: a stray '{' ends with its line.
    PushFile stray(std::string(kStaffNotice) + kJobPush + R"(
[job_done]
template_id = "T1"
text = "{text} {\n工单 {number}"
[job_done.data]
keyword1 = "{number}"
)");
    auto loaded = stray.load();
    EXPECT_TRUE(loaded) << loaded.error().detail;
}

// The shipped wording names only what each notification carries.
TEST(PushTemplatesFile, TheShippedWordingLoads) {
    auto loaded = config::load_push_templates(REPAIRBOT_SOURCE_DIR "/config");
    EXPECT_TRUE(loaded) << loaded.error().detail;
}

}  // namespace
}  // namespace repairbot::bot
