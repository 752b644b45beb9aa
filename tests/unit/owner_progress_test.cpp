// 我的报修 as the owner reads it (bot/ticket_intake.h progress_text): a line per open ticket with
// where it stands and, once a technician has accepted, who and by when they promised to arrive
// (after the arrival: to finish) — or that the promise has passed — and a quote waiting for the
// owner's answer with its amount; nothing about a technician before the acceptance.
#include <gtest/gtest.h>

#include "bot/ticket_intake.h"
#include "config/notices.h"

namespace repairbot::bot {
namespace {

using namespace std::chrono_literals;

// Monday 23 November 2026, 02:00 at the desk (UTC+8): a burst pipe at night.
const store::Timestamp kNow = std::chrono::time_point_cast<std::chrono::milliseconds>(
    std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 18h);
constexpr std::chrono::minutes kOffset{8 * 60};

class OwnerProgress : public ::testing::Test {
  protected:
    void SetUp() override {
        auto loaded = config::load_notices(REPAIRBOT_SOURCE_DIR "/config");
        ASSERT_TRUE(loaded) << loaded.error().message();
        notices_ = std::move(*loaded);
    }
    std::string line(const store::TicketProgress& t) const {
        const std::string text = progress_text(notices_, {t}, kOffset, kNow);
        const auto start = text.find("BX");
        return text.substr(start, text.find('\n', start) - start);
    }
    static store::TicketProgress ticket(const std::string& status,
                                        const std::string& technician = {}) {
        store::TicketProgress t;
        t.number = "BX20261123-0001";
        t.fault_type = "水";
        t.status = status;
        t.technician = technician;
        t.quote_status = "none";
        t.arrive_due = kNow + 30min;  // 02:30
        t.finish_due = kNow + 4h;     // 06:00
        return t;
    }
    config::Notices notices_;
};

TEST_F(OwnerProgress, BeforeAnAcceptanceTheLineSaysWhereTheTicketStandsAndNamesNobody) {
    EXPECT_EQ(line(ticket("new")), "BX20261123-0001｜水｜已受理，等待派单");
    EXPECT_EQ(line(ticket("dispatched", "王师傅")), "BX20261123-0001｜水｜已派单，等待师傅接单")
        << "a job offered but not accepted may still go to someone else";
}

TEST_F(OwnerProgress, AnAcceptedJobNamesTheTechnicianAndTheArrivalPromised) {
    EXPECT_EQ(line(ticket("accepted", "王师傅")),
              "BX20261123-0001｜水｜师傅已接单（王师傅，预计11月23日 02:30前到场）");
    auto on_the_minute = ticket("accepted", "王师傅");
    on_the_minute.arrive_due = kNow;
    EXPECT_EQ(line(on_the_minute),
              "BX20261123-0001｜水｜师傅已接单（王师傅，预计11月23日 02:00前到场）")
        << "late only once the time has passed";
    auto late = ticket("accepted", "王师傅");
    late.arrive_due = kNow - 10min;
    EXPECT_EQ(line(late),
              "BX20261123-0001｜水｜师傅已接单（王师傅，原定11月23日 01:50前到场，很抱歉已超时）");
    auto unbooked = ticket("accepted", "王师傅");
    unbooked.arrive_due.reset();
    EXPECT_EQ(line(unbooked), "BX20261123-0001｜水｜师傅已接单（王师傅）");
    EXPECT_EQ(line(ticket("accepted")), "BX20261123-0001｜水｜师傅已接单")
        << "a technician no longer active is not named, nor a time they cannot keep";
}

TEST_F(OwnerProgress, OnSiteTheLineNamesTheFinishPromised) {
    EXPECT_EQ(line(ticket("arrived", "王师傅")),
              "BX20261123-0001｜水｜师傅已到场（王师傅，预计11月23日 06:00前完成）");
    auto late = ticket("arrived", "王师傅");
    late.finish_due = kNow - 1min;
    EXPECT_EQ(line(late),
              "BX20261123-0001｜水｜师傅已到场（王师傅，原定11月23日 01:59前完成，很抱歉已超时）");
    EXPECT_EQ(line(ticket("done", "王师傅")), "BX20261123-0001｜水｜维修完成，待您确认");
}

TEST_F(OwnerProgress, AQuoteWaitingForTheOwnerSaysSoWithItsAmount) {
    auto quoted = ticket("arrived", "王师傅");
    quoted.quote_status = "pending";
    quoted.quote_cents = 30000;
    EXPECT_EQ(line(quoted), "BX20261123-0001｜水｜师傅已到场（王师傅报价300元，等您确认）")
        << "a status, not an instruction: the owner's next 同意 may answer another question first";
    auto in_review = quoted;
    in_review.quote_status = "review";
    EXPECT_EQ(line(in_review), line(ticket("arrived", "王师傅")))
        << "a quote the supervisor still reviews asks the owner nothing";
    auto agreed = quoted;
    agreed.quote_status = "agreed";
    EXPECT_EQ(line(agreed), line(ticket("arrived", "王师傅")))
        << "an agreed quote is not a question any more";
}

TEST_F(OwnerProgress, TicketsComeOneLineEachAndNoneIsSaidPolitely) {
    EXPECT_EQ(progress_text(notices_, {}, kOffset, kNow),
              "您目前没有进行中的报修。需要报修请直接描述问题，如“3栋502厨房漏水”。");
    auto second = ticket("done", "李师傅");
    second.number = "BX20261122-0042";
    EXPECT_EQ(
        progress_text(notices_, {ticket("accepted", "王师傅"), second}, kOffset, kNow),
        "您的报修进度：\nBX20261123-0001｜水｜师傅已接单（王师傅，预计11月23日 02:30前到场）\n"
        "BX20261122-0042｜水｜维修完成，待您确认\n如需帮助请回复“人工”。");
}

}  // namespace
}  // namespace repairbot::bot
