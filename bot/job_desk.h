// 工单台: carries out what the technician's chat and the owner's answers after a job ask for —
// 绑定, 接单, 到达, 报价, 完成, 转单 from technicians; 核准 / 驳回 of a quote from supervisors;
// 修好了/没修好, ratings, the answer to a quote and 取消 of a filed ticket from owners — through
// bot/ticket_lifecycle.h, one MySQL transaction per move (bot/job_moves.h: the ticket, its audit
// event and the outbox rows that tell the other side). The quotes live in job_desk_quotes.cpp.
// After a technician's 完成, or a quote put to the owner, the owner's dialogue session gets the
// question (dialog::begin_confirmation / begin_quote_approval) and the question is pushed to the
// owner. Moves are idempotent: a move the ticket has already made (a retried webhook, a re-run
// after a session conflict) succeeds without a second event. Runs on the caller's executor; SQL on
// the MysqlPool's threads.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bot/dispatch.h"
#include "bot/job_moves.h"
#include "bot/ticket_intake.h"
#include "config/notices.h"
#include "config/price_list.h"
#include "config/sla_data.h"
#include "dialog/context.h"
#include "dialog/effects.h"
#include "store/mysql_pool.h"
#include "store/session_store.h"

namespace repairbot::bot {

class JobDesk {
public:
    // Keeps references; all must outlive the desk.
    JobDesk(store::MysqlPool& mysql, store::SessionStore& sessions, Dispatcher& dispatcher,
            const config::SlaData& sla, const config::PriceList& prices,
            const config::Notices& notices, const dialog::DialogData& data, TicketWatch watch);

    // The sender as a bound, active technician with their open jobs (oldest first), or nullopt
    // for everyone else; a job whose arrival clock starts at the acceptance says when to be there
    // if accepted at `now` (the message's time). Throws ServiceUnavailable when MySQL is down.
    [[nodiscard]] boost::asio::awaitable<std::optional<dialog::TechnicianView>> technician_of(
        std::string openid, std::chrono::sys_seconds now);

    // Carries out the technician and owner-feedback effects among `effects` (others are left
    // to TicketIntake), in order. A move the store refuses (the ticket changed meanwhile, a fee
    // over the price list) replaces the dialogue's reply with why and what to do. Never throws
    // for an unreachable MySQL: reports deferred.
    [[nodiscard]] boost::asio::awaitable<EffectsResult> carry_out(
        std::string openid, std::vector<dialog::Effect> effects, std::chrono::sys_seconds now);

    // WeChat's receipt of a template message to `recipient` (TEMPLATESENDJOBFINISH): a failure
    // is recorded on the ticket the push was about (push_error and an audit event); see
    // record_template_receipt. Idempotent. Throws ServiceUnavailable when MySQL is down (WeChat
    // then resends the event).
    boost::asio::awaitable<void> record_push_receipt(std::uint64_t msg_id, std::string recipient,
                                                     std::string status, std::chrono::sys_seconds now);

    // True for the effects carry_out handles.
    [[nodiscard]] static bool handles(const dialog::Effect& effect);

private:
    boost::asio::awaitable<void> apply(std::string openid, const dialog::Effect& effect,
                                       store::Timestamp now, EffectsResult& result);
    // The quote effects (报价, 核准 / 驳回, the owner's 同意 / 不同意: job_desk_quotes.cpp); false
    // for every other effect.
    boost::asio::awaitable<bool> apply_quote(std::string openid, const dialog::Effect& effect,
                                             store::Timestamp now, EffectsResult& result);
    // An owner's move on their own ticket (`openid` must own it), its audit event of
    // `event_type` by the owner, completed by `extra`.
    boost::asio::awaitable<Moved> owners_move(std::string openid, std::string number,
                                              std::string event_type, MoveFn move,
                                              AlreadyFn already, ComposeFn extra,
                                              store::Timestamp now);
    // Why a move was not made, for the sender: how the ticket stands now (moved_text); for a
    // technician's move, what to do about the quote when that was why (refused_text).
    [[nodiscard]] std::string moved_text(const Moved& m, const std::string& number) const;
    [[nodiscard]] std::string refused_text(const Moved& m, const std::string& number) const;
    // Puts the owner's question about `number` into their session (compare-and-set);
    // `only_if_missing`: leaves a session that already asks about `number` as it is.
    boost::asio::awaitable<void> ask_owner(std::string owner_openid, std::string number,
                                           std::optional<std::int64_t> fee_cents,
                                           std::optional<std::int64_t> quote_cents,
                                           std::chrono::sys_seconds now, bool only_if_missing = false);
    // The dialogue session of the owner of ticket `number` (empty when none).
    boost::asio::awaitable<dialog::Session> ticket_owner_session(std::string number);
    boost::asio::awaitable<void> watch(const std::optional<store::Ticket>& saved);
    // The owner agreed to `after`'s quote (`answer`: notices' enquiry_answer_* key): a question
    // of theirs to the desk about that quote (报价咨询), when that is all their open handover is,
    // is recorded settled and the dispatchers (and the supervisors when there is none or they
    // were told it was overdue) are told nobody need call. Inside the move's transaction.
    // Blocking; SQL errors throw.
    void settle_enquiry(sql::Connection& c, const store::Ticket& after, const char* answer,
                        store::Timestamp now) const;
    // The owner refused `after`'s quote of `cents` (`why`: their reason, or what stands for none)
    // while a question of theirs about that quote (报价咨询) is open: the dispatchers (and the
    // supervisors, as settle_enquiry) are told the ticket is cancelled and the question still
    // wants an answer (the call-out fee may be it). Inside the move's transaction. Blocking; SQL
    // errors throw. True when such a question was open (the owner is told it stands).
    bool tell_enquiry_refused(sql::Connection& c, const store::Ticket& after, std::int64_t cents,
                              const std::string& why, store::Timestamp now) const;
    // A job the dispatchers were told waits for a person (its last dispatch event a
    // dispatch_queued: an accept time-out with nobody else free) taken after all by `technician`
    // (接单, or 到达 without one): they are told (staff_accepted_after_queue), so nobody phones or
    // re-dispatches a job under way. Inside the move's transaction. Blocking; SQL errors throw.
    void tell_dispatchers_taken(sql::Connection& c, const store::Ticket& after,
                                const std::string& technician, store::Timestamp now) const;
    // The owner's 取消 of a filed ticket (dialog::CancelTicket): `number` cancelled when theirs and
    // nobody is on site yet (the technician with the job told: job_cancelled_by_owner); without a
    // number, the ones they can cancel and how. The answer goes to result.extra_replies.
    boost::asio::awaitable<void> cancel_for_owner(std::string openid, std::string number,
                                                  store::Timestamp now, EffectsResult& result);

    store::MysqlPool& mysql_;
    store::SessionStore& sessions_;
    Dispatcher& dispatcher_;
    const config::SlaData& sla_;
    const config::PriceList& prices_;
    const config::Notices& notices_;
    const dialog::DialogData& data_;
    TicketWatch watch_;
};

}  // namespace repairbot::bot
