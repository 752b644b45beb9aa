// The session codec: every field survives a round trip, and garbage never decodes.
#include <gtest/gtest.h>

#include <random>

#include "dialog/session_codec.h"
#include "dialog_test_support.h"

namespace repairbot::dialog {
namespace {

using namespace testing;

Session full_session() {
    Session s;
    s.flow = Flow::owner_report;
    s.step = ReportStep::preferred_time;
    s.report_id = "oABC:123456";
    s.revision = 7;
    s.misses = 2;
    s.last_active = kNow;
    s.held_text = "line one\nline two | 100% = sure";
    s.last_ticket_key = "oABC:99#3";
    s.last_ticket_at = kNow - std::chrono::hours{1};
    auto& d = s.draft;
    d.address = Address{.building = "3",
                        .unit = "2",
                        .room = "502",
                        .area = "",
                        .is_public = false,
                        .label = "幸福|花园%",
                        .location = GeoPoint{22.543096, 114.057865}};
    d.address_part = "5栋|2单元%";
    d.fault_type = "水";
    d.description = "厨房水管漏水了\r\n很急";
    d.photos = {{"m1", "http://x/1?a=b|c"}, {"m2", ""}};
    d.photos_done = true;
    d.phone = "13800138000";
    d.time_answered = true;
    d.preferred_time = TimeWindow{kNow + std::chrono::hours{20}, kNow + std::chrono::hours{21}};
    d.emergency = "flood";
    d.planned = true;
    d.advice_given = true;
    s.last_emergency = "flood";
    s.last_emergency_address = "5栋|502%";
    s.feedback = {Feedback{FeedbackStep::comment, "BX20261120-0003", 8000, 2, kNow},
                  Feedback{FeedbackStep::quote, "BX|20261120%0004", 12050, 0, kNow},
                  Feedback{FeedbackStep::confirm, "BX20261120-0005", std::nullopt, 0, kNow}};
    s.job_command = PendingJobCommand{JobAction::finish, 1250, "换了|阀门 100%\n业主自备", 8000};
    s.shown_jobs = {"BX20261121-0008", "BX|2026%1121-0007", "BX20261121-0009"};
    s.current_job = "BX20261121-0008|%";
    return s;
}

TEST(SessionCodec, FullSessionRoundTrips) {
    auto s = full_session();
    auto decoded = decode(encode(s));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, s);
}

TEST(SessionCodec, DefaultSessionRoundTrips) {
    auto decoded = decode(encode(Session{}));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, Session{});
}

TEST(SessionCodec, EveryStepAndFlowRoundTrips) {
    for (int step = 0; step <= static_cast<int>(ReportStep::resume); ++step) {
        Session s;
        s.flow = Flow::owner_report;
        s.step = static_cast<ReportStep>(step);
        EXPECT_EQ(decode(encode(s)), s);
    }
}

TEST(SessionCodec, EveryFeedbackStepJobActionAndNewFlowRoundTrips) {
    for (auto flow :
         {Flow::idle, Flow::owner_report, Flow::owner_feedback, Flow::technician_pick}) {
        for (int step = 0; step <= static_cast<int>(FeedbackStep::refuse_reason); ++step) {
            Session s;
            s.flow = flow;
            s.report_id = flow == Flow::owner_report ? "o:1" : "";
            s.feedback.push_back(
                Feedback{static_cast<FeedbackStep>(step), "BX1-0001", std::nullopt, 5, kNow});
            EXPECT_EQ(decode(encode(s)), s);
        }
        for (int action = 0; action <= static_cast<int>(JobAction::hand_over); ++action) {
            Session s;
            s.flow = flow;
            s.job_command = PendingJobCommand{static_cast<JobAction>(action), std::nullopt, ""};
            EXPECT_EQ(decode(encode(s)), s);
        }
    }
}

TEST(SessionCodec, ASessionWrittenBeforeFeedbackAndTechniciansStillDecodes) {
    // As the version-1 writer of the owner's report produced it.
    const std::string old =
        "repairbot-session 1\nflow=owner_report\nstep=photos\nreport_id=o:m1\nrevision=3\n"
        "misses=0\nlast_active=1795501800\nheld_text=\nlast_ticket_key=\nlast_ticket_at=0\n"
        "address=3||502||0||0|0|0\nfault_type=水\ndescription=厨房水管漏水了\nphoto=p1|http://x\n"
        "photos_done=0\nphone=\ntime=0|0|0|0\nemergency=\nplanned=0\nadvice_given=0\n";
    auto d = decode(old);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->flow, Flow::owner_report);
    EXPECT_EQ(d->draft.photos.size(), 1u);
    EXPECT_TRUE(d->feedback.empty());
    EXPECT_FALSE(d->job_command.has_value());
}

TEST(SessionCodec, SessionsFromARealConversationRoundTrip) {
    Chat chat;
    for (const char* m : {"3栋502厨房水管漏水了", "没有", "13800138000", "明天上午"}) {
        chat.say(m);
        EXPECT_EQ(decode(encode(chat.session)), chat.session) << m;
    }
}

TEST(SessionCodec, StartsWithTheVersionedHeader) {
    EXPECT_TRUE(encode(Session{}).starts_with("repairbot-session 1\n"));
}

TEST(SessionCodec, RejectsMalformedInput) {
    std::string good = encode(full_session());
    std::vector<std::string> bad = {
        "",
        "garbage",
        "repairbot-session 2\nflow=idle\n",  // a version we do not know
        "repairbot-session 1\nflow=sideways\n",
        "repairbot-session 1\nrevision=-1\n",
        "repairbot-session 1\nrevision=12x\n",
        "repairbot-session 1\nflow=idle",  // truncated: no final newline
        "repairbot-session 1\nno equals sign\n",
        "repairbot-session 1\nflow=idle\nflow=idle\n",  // duplicate key
        "repairbot-session 1\nphone=%4\n",              // broken escape
        "repairbot-session 1\nphone=%zz\n",
        "repairbot-session 1\naddress=1|2|3\n",  // too few fields
        "repairbot-session 1\ntime=1|1|abc|0\n",
        "repairbot-session 1\nphotos_done=2\n",
        "repairbot-session 1\naddress=3|2|502||0||1|nan|0\n",
        "repairbot-session 1\nflow=rating\n",
        "repairbot-session 1\nfeedback=rate|BX1|0|0|0|0\n",   // unknown step
        "repairbot-session 1\nfeedback=score|BX1|0|0|6|0\n",  // score over 5
        "repairbot-session 1\nfeedback=score|BX1|2|0|0|0\n",  // bad flag
        "repairbot-session 1\nfeedback=score|BX1|0|0|0\n",    // too few fields
        "repairbot-session 1\njob_command=fix|0|0|\n",        // unknown action
        "repairbot-session 1\njob_command=finish|1|x|\n",     // bad amount
        "repairbot-session 1\njob_fee_asked=8000\n",          // a fee asked of no command
        "repairbot-session 1\njob_command=finish|0|0|\njob_fee_asked=-5\n",
        "repairbot-session 1\njob_command=finish|0|0|\njob_fee_asked=150\n",    // not whole yuan
        "repairbot-session 1\njob_command=finish|0|0|\njob_fee_asked=10000\n",  // over 99 yuan
        "repairbot-session 1\njob_command=accept|0|0|\njob_fee_asked=8000\n",   // not a 完成
        "repairbot-session 1\njob_command=finish|0|0|\njob_command=accept|0|0|\n",  // twice
        "repairbot-session 1\nshown_jobs=BX1||BX2\n",  // an empty number
        "repairbot-session 1\nshown_jobs=BX1|%4\n",    // broken escape
        good.substr(0, good.size() / 2),
    };
    for (const auto& b : bad) EXPECT_FALSE(decode(b).has_value()) << b;
}

TEST(SessionCodec, SkipsUnknownKeysFromANewerWriter) {
    auto decoded = decode(encode(Session{}) + "rating_pending=1\n");
    ASSERT_TRUE(decoded.has_value());
}

TEST(SessionCodec, RejectsTooManyPhotos) {
    std::string s(kSessionHeader);
    s += "\n";
    for (int i = 0; i < 65; ++i) s += "photo=m|u\n";
    EXPECT_FALSE(decode(s).has_value());
}

TEST(SessionCodec, RejectsTooManyPendingQuestions) {
    std::string s(kSessionHeader);
    s += "\n";
    for (int i = 0; i < 33; ++i) s += "feedback=confirm|BX" + std::to_string(i) + "|0|0|0|0\n";
    EXPECT_FALSE(decode(s).has_value());
}

TEST(SessionCodec, RandomBytesNeverCrashTheDecoder) {
    std::mt19937 rng(4242);
    std::string good = encode(full_session());
    for (int i = 0; i < 3000; ++i) {
        std::string s = good;
        int flips = 1 + static_cast<int>(rng() % 8);
        for (int f = 0; f < flips; ++f) {
            s[rng() % s.size()] = static_cast<char>(rng() % 256);
        }
        auto d = decode(s);  // any answer is fine; it must not crash or hang
        if (d) {
            EXPECT_EQ(decode(encode(*d)), d);
        }
    }
}

}  // namespace
}  // namespace repairbot::dialog
