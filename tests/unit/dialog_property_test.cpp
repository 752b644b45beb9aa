// Property test: thousands of random message sequences through step(), from owners and from
// technicians, with confirmations and quotes opened by the bot in between. Whatever is sent,
// the state machine never throws, always answers, and never loses a photo it acknowledged.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "dialog/feedback.h"
#include "dialog/session_codec.h"
#include "dialog_test_support.h"

namespace repairbot::dialog {
namespace {

using namespace testing;

const std::vector<std::string> kTexts = {
    "3栋2单元502", "3-2-502", "三号楼二单元502", "5号楼电梯厅", "3栋", "同上次", "厨房水管漏水了",
    "客厅灯不亮", "水管爆了", "燃气味", "1", "7", "12", "没有", "好了", "跳过", "13800138000",
    "138 0013 8000", "0755-8600", "尽快", "明天上午10点", "周六", "今天上午", "确认", "取消",
    "帮助", "返回", "修改地址", "修改电话", "修改照片", "修改", "人工", "进度", "投诉 太慢了",
    "报修", "重新开始", "继续", "嗯", "", "   ", "😀😀", "\xff\xfe",
    "3栋502厨房水管漏水了，电话13800138000",
    // technicians
    "接单", "接单 BX20261121-0007", "到达", "到达 2", "完成", "完成 费用 80",
    "完成 费用80元 换了水龙头", "完成 费用 abc", "done BX20261121-0099", "报价 120", "报价",
    "转单 需要电工", "转单", "我的工单", "绑定 123456", "绑定", "BX20261121-0008", "2", "第9个",
    // confirmation, rating, quotes
    "修好了", "没修好，还在漏", "还是坏的", "满意", "不满意", "5 师傅很好", "3", "同意",
    "不同意 太贵", "楼道灯坏了", "师傅态度很好"};

// One random inbound; images get fresh media ids (and sometimes a repeat).
Inbound random_message(std::mt19937& rng, int& next_media) {
    switch (rng() % 10) {
        case 0:
        case 1:
        case 2: {
            std::string id = (rng() % 5 == 0 && next_media > 0)
                                 ? "m" + std::to_string(rng() % next_media)
                                 : "m" + std::to_string(next_media++);
            return image(id);
        }
        case 3:
            return Inbound{"owner-1", "loc", LocationMessage{22.5, 114.0, "幸福花园"}};
        case 4:
            return Inbound{"owner-1", "v",
                           VoiceMessage{"mv", rng() % 2 ? "" : kTexts[rng() % kTexts.size()]}};
        case 5: {
            static const std::string keys[] = {std::string(kMenuReportRepair),
                                               std::string(kMenuMyRepairs), "OTHER"};
            if (rng() % 3 == 0) return event(EventKind::subscribe);
            return event(EventKind::click, keys[rng() % 3]);
        }
        default:
            return text(kTexts[rng() % kTexts.size()]);
    }
}

// Photos the owner has been told were received and that are not yet on a ticket.
using Pending = std::set<std::string>;

bool is_discard(const Inbound& in) {
    const auto* t = std::get_if<TextMessage>(&in.body);
    const auto* v = std::get_if<VoiceMessage>(&in.body);
    std::string s = t ? t->content : v ? v->recognition : "";
    return s == "取消" || s == "重新开始";
}

TEST(DialogProperties, RandomSequencesAlwaysReplyAndKeepAcknowledgedPhotos) {
    std::mt19937 rng(20261120);  // seeded: a failure replays exactly
    int steps = 0;
    for (int run = 0; run < 1000; ++run) {
        Chat chat;
        if (run % 3 == 0) chat.profile.phone = "13700137000";
        if (run % 4 == 0) chat.profile.last_address = Address{.building = "9", .room = "901"};
        if (run % 2 == 1) {
            TechnicianView tech{"t-1", "王师傅", {}};
            auto jobs = rng() % 4;  // none, one or several
            for (unsigned j = 0; j < jobs; ++j) {
                TechnicianJob job{"BX20261121-000" + std::to_string(7 + j),
                                  static_cast<JobStatus>(rng() % 3), "3栋502", "水"};
                job.off_list = rng() % 2 == 0;
                job.quote = static_cast<QuoteState>(rng() % 3);
                tech.open_jobs.push_back(job);
            }
            chat.technician = tech;
        }
        Pending pending;
        int next_media = 0;
        int length = 1 + static_cast<int>(rng() % 30);
        for (int i = 0; i < length; ++i, ++steps) {
            if (rng() % 15 == 0) chat.now += std::chrono::minutes{rng() % 90};
            // The bot opens questions when a technician finishes or quotes.
            if (rng() % 12 == 0) {
                std::string ticket = "BX20261120-000" + std::to_string(rng() % 3);
                chat.session =
                    rng() % 3 == 0
                        ? begin_quote_approval(chat.session, ticket, 12000, chat.now)
                        : begin_confirmation(
                              chat.session, ticket,
                              rng() % 2 ? std::optional<std::int64_t>(8000) : std::nullopt,
                              chat.now);
                ASSERT_FALSE(feedback_question(chat.session, chat.context().data.texts).empty());
            }
            if (rng() % 40 == 0 && !chat.session.feedback.empty()) {
                chat.session =
                    drop_feedback(chat.session, chat.session.feedback.front().ticket_number);
            }
            Inbound in = random_message(rng, next_media);
            Outcome out;
            ASSERT_NO_THROW(out = step(chat.session, in, chat.context())) << "run " << run;
            // Every message is answered: by the dialogue, or by the edge's list of the owner's
            // tickets (a QueryProgress effect, dialog/step.h).
            const bool progress = std::any_of(
                out.effects.begin(), out.effects.end(),
                [](const Effect& e) { return std::holds_alternative<QueryProgress>(e); });
            if (!progress) {
                ASSERT_FALSE(out.replies.empty()) << "run " << run << " step " << i;
            }
            for (const auto& r : out.replies) {
                ASSERT_FALSE(r.text.empty()) << "run " << run << " step " << i;
                ASSERT_EQ(r.text.find('{'), std::string::npos)
                    << "unfilled placeholder: " << r.text;
            }

            if (is_discard(in)) pending.clear();  // the owner threw the draft away
            std::set<std::string> delivered;
            for (const auto& e : out.effects) {
                if (const auto* c = std::get_if<CreateTicket>(&e)) {
                    for (const auto& p : c->report.photos) delivered.insert(p.media_id);
                }
                if (const auto* a = std::get_if<AttachPhotos>(&e)) {
                    for (const auto& p : a->photos) delivered.insert(p.media_id);
                }
                if (const auto* a = std::get_if<AttachJobPhoto>(&e)) delivered.insert(a->photo.media_id);
            }
            std::set<std::string> in_draft;
            for (const auto& p : out.session.draft.photos) in_draft.insert(p.media_id);
            for (const auto& id : pending) {
                ASSERT_TRUE(in_draft.count(id) || delivered.count(id))
                    << "photo " << id << " lost at run " << run << " step " << i;
            }
            for (const auto& id : delivered) pending.erase(id);
            // Newly acknowledged photos: now held by the draft.
            if (const auto* img = std::get_if<ImageMessage>(&in.body)) {
                if (in_draft.count(img->media_id)) pending.insert(img->media_id);
                // A technician with several jobs, at none of them, is asked to send 到达 first.
                const bool which_job = contains(out.replies.front().text, "照片记入正在现场的那一单");
                if (chat.session.draft.photos.size() < chat.limits.max_photos &&
                    !delivered.count(img->media_id) && !which_job) {
                    ASSERT_TRUE(in_draft.count(img->media_id))
                        << "photo refused below the limit at run " << run << " step " << i;
                }
            }
            // A flow always has its state, and job commands only ever name the sender's jobs.
            const auto& next = out.session;
            ASSERT_TRUE(next.flow != Flow::owner_feedback || !next.feedback.empty()) << run;
            ASSERT_TRUE(next.flow != Flow::technician_pick || next.job_command) << run;
            ASSERT_TRUE(next.flow != Flow::owner_report || !next.report_id.empty()) << run;
            for (const auto& e : out.effects) {
                std::string named = std::visit(
                    [](const auto& x) -> std::string {
                        if constexpr (requires { x.ticket_number; }) {
                            return x.ticket_number;
                        } else {
                            return {};
                        }
                    },
                    e);
                bool job_effect =
                    std::holds_alternative<AcceptJob>(e) || std::holds_alternative<ArriveJob>(e) ||
                    std::holds_alternative<FinishJob>(e) || std::holds_alternative<QuoteJob>(e) ||
                    std::holds_alternative<HandOverJob>(e);
                if (!job_effect) continue;
                ASSERT_TRUE(chat.technician.has_value()) << run;
                bool own = false;
                for (const auto& j : chat.technician->open_jobs)
                    own = own || j.ticket_number == named;
                ASSERT_TRUE(own) << named << " at run " << run << " step " << i;
            }
            // The session always survives storage.
            ASSERT_EQ(decode(encode(out.session)), out.session) << "run " << run;
            chat.session = out.session;
        }
    }
    EXPECT_GT(steps, 10000);
}

}  // namespace
}  // namespace repairbot::dialog
