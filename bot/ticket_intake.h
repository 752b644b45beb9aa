// 受理: carries out what the owner's dialogue asks for — creates the ticket (with its deadlines
// and first audit event in one MySQL transaction, idempotent on the draft's key) and its photos
// (queued for download), attaches late photos, answers progress queries, remembers the owner's
// profile, hands over to a person (人工: a callback the dispatchers owe, escalated when late),
// files complaints with their callback — and composes the texts that need the database's answer
// (the ticket number, the promised times). Runs on the caller's executor; MySQL work goes through
// the MysqlPool's blocking threads.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "bot/dispatch.h"
#include "bot/ticket_filing.h"
#include "config/notices.h"
#include "config/price_list.h"
#include "config/sla_data.h"
#include "dialog/context.h"
#include "dialog/effects.h"
#include "store/mysql_pool.h"
#include "store/records.h"
#include "store/ticket_repository.h"

namespace repairbot::bot {

struct EffectsResult {
    // MySQL was unreachable: nothing was done; the caller keeps the session as it was.
    bool deferred = false;
    std::string deferred_reply;              // what to tell the user instead, when deferred
    std::vector<std::string> extra_replies;  // appended after the dialogue's own replies
    // The answer to dialog::QueryProgress (progress_text): put in before the dialogue's replies
    // said after it (dialog::Reply::after_progress), else after them.
    std::optional<std::string> progress;
    // Set when an effect was refused: the dialogue's own replies (which assumed success) are
    // dropped and this is said instead, followed by `progress` (when given) and extra_replies.
    std::optional<std::string> replace_replies;
};

// 我的报修: the owner's open tickets, a line each — number, fault, where it stands and, once a
// technician has accepted, who and by when they promised to arrive (after the arrival: to
// finish), or that the time has passed and the desk is on it; a quote waiting for the owner's
// answer says so with its amount. Pure.
[[nodiscard]] std::string progress_text(const config::Notices& notices,
                                        const std::vector<store::TicketProgress>& open,
                                        std::chrono::minutes utc_offset, store::Timestamp now);

class TicketIntake {
  public:
    // Keeps references; all must outlive the intake.
    // `prices` (may be null: every paid repair is then on the list) decides which owner-area
    // repairs need a quote; `watch` hears of every ticket created or dispatched,
    // `callback_watch` of every handover (人工) opened, whose escalation is minutes away.
    TicketIntake(store::MysqlPool& mysql, Dispatcher& dispatcher, const config::SlaData& sla,
                 const config::Notices& notices, const dialog::DialogData& data,
                 const config::PriceList* prices = nullptr, TicketWatch watch = {},
                 CallbackWatch callback_watch = {});

    // Carries out `effects` in order. Never throws for an unreachable MySQL: reports deferred.
    [[nodiscard]] boost::asio::awaitable<EffectsResult> carry_out(
        std::string openid, std::vector<dialog::Effect> effects, std::chrono::sys_seconds now);

    // The ticket a report becomes (number, id assigned by the store), with its SLA deadlines.
    // Pure; exposed for tests.
    [[nodiscard]] store::NewTicket new_ticket(const dialog::CreateTicket& create) const;

    // The owner's row a RememberProfile writes (only a home with a room is kept as 同上次). Pure.
    // How the confirmations were filed (TicketFiling::stats).
    [[nodiscard]] TicketFiling::Stats filing_stats() const { return filing_.stats(); }

    [[nodiscard]] static store::Owner owner_profile(const std::string& openid,
                                                    const dialog::RememberProfile& remember);

    // With the owners' sessions, 进度 puts back the questions a listed ticket waits for that the
    // owner's session lost (owner_questions.h restore_owner_questions: an expired session), so
    // their "1" or "同意" answers again. Without (tests), 进度 only lists.
    void restore_questions(store::SessionStore& sessions) { sessions_ = &sessions; }

  private:
    boost::asio::awaitable<void> attach_photos(std::string openid, dialog::AttachPhotos attach,
                                               std::chrono::sys_seconds now);
    boost::asio::awaitable<void> remember_profile(std::string openid,
                                                  dialog::RememberProfile remember,
                                                  std::chrono::sys_seconds now);
    // Opens the owner's handover (callback_desk.h open_handover) and tells the dispatchers who to
    // call back, by when and under which number (staff_handover, through the outbox), or the
    // supervisors at once when no dispatcher can be told; a handover past its time and asked for
    // again is told again as such. Returns what the owner is told besides the dialogue's reply
    // when theirs is still within its time (handover_pending, naming the time), else nullopt.
    boost::asio::awaitable<std::optional<std::string>> hand_to_human(std::string openid,
                                                                     dialog::HandToHuman human,
                                                                     std::chrono::sys_seconds now);
    // A complaint record (severity serious when the dialogue found it so), its callback due per
    // the SLA policy, and a note to the supervisors — a serious one worded staff_complaint_serious
    // and to the manager too — in one transaction.
    boost::asio::awaitable<void> file_complaint(std::string openid, dialog::FileComplaint complaint,
                                                std::chrono::sys_seconds now);
    // 进度's restore_questions: the questions `open` tickets wait for, put back where lost.
    // Never throws: an unreachable Redis is logged, and the list is answered all the same.
    boost::asio::awaitable<void> restore_questions_of(
        std::string openid, const std::vector<store::TicketProgress>& open,
        std::chrono::sys_seconds now);
    [[nodiscard]] std::string created_text(const store::Ticket& t) const;

    store::MysqlPool& mysql_;
    Dispatcher& dispatcher_;
    const config::SlaData& sla_;
    const config::Notices& notices_;
    const dialog::DialogData& data_;
    const config::PriceList* prices_;
    TicketWatch watch_;
    CallbackWatch callback_watch_;
    TicketFiling filing_;
    store::SessionStore* sessions_ = nullptr;
};

}  // namespace repairbot::bot
