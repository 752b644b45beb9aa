#include "bot/conversation.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <random>
#include <utility>

#include "bot/inbound_mapping.h"
#include "config/log.h"
#include "dialog/session_codec.h"
#include "dialog/step.h"

namespace repairbot::bot {

namespace asio = boost::asio;

namespace {

// Webhooks of one user racing (a burst of up to dialog::Limits::max_photos = 9 photos) each
// retry the step this often: more than the burst, since one racer wins each round.
constexpr int kMaxSaveAttempts = 16;

std::string join_replies(const std::vector<std::string>& texts) {
    std::string out;
    for (const auto& t : texts) {
        if (t.empty()) continue;
        if (!out.empty()) out += "\n\n";
        out += t;
    }
    return out;
}

// The outcome label of an effect, in the order of dialog::Effect's alternatives.
constexpr std::array<const char*, 23> kEffectNames{
    "create_ticket",    "attach_photos",   "hand_to_human", "query_progress",   "file_complaint",
    "remember_profile", "bind_technician", "accept_job",    "arrive_job",       "finish_job",
    "quote_job",        "hand_over_job",   "list_jobs",     "confirm_fixed",    "report_not_fixed",
    "rate_service",     "agree_quote",     "refuse_quote",  "attach_job_photo", "approve_quote",
    "reject_quote",     "cancel_ticket",   "set_duty"};
static_assert(kEffectNames.size() == std::variant_size_v<dialog::Effect>,
              "name every dialog::Effect alternative");

}  // namespace

Conversation::Conversation(const dialog::DialogData& data, const config::Notices& notices,
                           store::SessionStore& sessions, SenderDirectory& senders,
                           TicketIntake& intake, JobDesk& jobs, dialog::Limits limits, Clock clock)
    : data_(data),
      notices_(notices),
      sessions_(sessions),
      senders_(senders),
      intake_(intake),
      jobs_(jobs),
      limits_(limits),
      clock_(std::move(clock)) {}

void Conversation::set_metrics(Metrics* metrics) {
    outcomes_.clear();
    if (!metrics) return;
    // Every outcome's series is looked up once here: counting a message is then one atomic add.
    const std::string help =
        "What each inbound message did: an effect it carried out (create_ticket, accept_job, ...), "
        "a dialogue reply only (reply), nothing (no_reply), deferred while MySQL was down, "
        "given up after contention, or failed after its effects (failed).";
    std::vector<const char*> names(kEffectNames.begin(), kEffectNames.end());
    for (const char* extra : {"push_receipt", "reply", "no_reply", "deferred", "contended", "failed"})
        names.push_back(extra);
    for (const char* name : names)
        outcomes_.emplace(name, &metrics->counter("repairbot_dialogue_outcomes_total",
                                                  {{"outcome", name}}, help));
}

void Conversation::count(std::string_view outcome) {
    if (auto it = outcomes_.find(outcome); it != outcomes_.end()) it->second->add();
}

wechat::Reply Conversation::busy_reply(const wechat::InboundMessage& message) const {
    if (wechat::is_event(message)) return wechat::NoReply{};
    return wechat::TextReply{notices_.render("busy")};
}

asio::awaitable<wechat::Reply> Conversation::handle(wechat::InboundMessage message) {
    Handled handled = co_await handle(std::move(message), nullptr);
    co_return std::move(handled.reply);
}

asio::awaitable<Handled> Conversation::handle(wechat::InboundMessage message, const ReplySeal* seal,
                                              std::optional<store::StoredSession> first_read) {
    if (const auto* receipt = std::get_if<wechat::TemplateSendJobFinishEvent>(&message.body)) {
        // Not a conversation: WeChat reports how a template push went.
        co_await jobs_.record_push_receipt(receipt->msg_id, message.from_user, receipt->status_text,
                                           std::chrono::floor<std::chrono::seconds>(clock_()));
        count("push_receipt");
        co_return Handled{wechat::NoReply{}, std::nullopt};
    }
    const dialog::Inbound in = to_dialog(message);
    const std::string openid = message.from_user;
    auto now = std::chrono::time_point_cast<std::chrono::seconds>(clock_());

    // Once per message, not per save attempt: it also stamps the owner's 48-hour window.
    const dialog::OwnerProfile profile = co_await senders_.profile_of(openid, now);
    // A technician's commands are understood only from a bound technician. An unreachable MySQL
    // leaves the sender unrecognised for this message: the chat treats them as an owner, but a
    // job command is answered "try again later", not "bind first".
    std::optional<dialog::TechnicianView> technician;
    bool technician_unknown = false;
    try {
        if (co_await senders_.is_technician(openid))
            technician = co_await jobs_.technician_of(openid, now);
    } catch (const ServiceUnavailable& e) {
        technician_unknown = true;
        log::warn("conversation", "technician_lookup_failed", {{"error", e.what()}});
    }
    // Set once effects were carried out: a failure after that follows committed effects (a
    // complaint, a hand-off) that a resend handled afresh would carry out again. An effect that
    // throws has rolled its own transaction back, so a throw from carry_out leaves it unset.
    bool carried = false;
    std::string failure;
    try {
        for (int attempt = 1; attempt <= kMaxSaveAttempts; ++attempt) {
            store::StoredSession stored;
            if (first_read) {
                stored = std::move(*first_read);
                first_read.reset();  // a retry after a conflict reads afresh
            } else {
                stored = co_await sessions_.load(openid);
            }
            dialog::Session session;
            if (stored.version != 0) {
                if (auto decoded = dialog::decode(stored.data)) {
                    session = std::move(*decoded);
                } else {
                    log::warn("conversation", "session_unreadable", {{"bytes", stored.data.size()}});
                }
            }
            dialog::Context ctx{data_,   now,        std::chrono::minutes{8 * 60}, profile,
                                limits_, technician, technician_unknown};
            dialog::Outcome outcome = dialog::step(std::move(session), in, ctx);

            std::vector<dialog::Reply> said = std::move(outcome.replies);
            std::vector<const char*> outcomes;
            bool technicians_changed = false;
            std::optional<dialog::RememberProfile> remembered;
            for (const auto& e : outcome.effects) {
                outcomes.push_back(kEffectNames[e.index()]);
                if (auto* r = std::get_if<dialog::RememberProfile>(&e)) remembered = *r;
                technicians_changed |= std::holds_alternative<dialog::BindTechnician>(e);
            }
            std::vector<dialog::Effect> report_effects, job_effects;
            for (auto& e : outcome.effects) (JobDesk::handles(e) ? job_effects : report_effects).push_back(std::move(e));
            const bool report_effects_given = !report_effects.empty();
            EffectsResult effects = co_await intake_.carry_out(openid, std::move(report_effects), now);
            carried = carried || (report_effects_given && !effects.deferred);
            if (!effects.deferred && !job_effects.empty()) {
                EffectsResult jobs = co_await jobs_.carry_out(openid, std::move(job_effects), now);
                carried = carried || !jobs.deferred;
                if (jobs.deferred) {
                    effects = std::move(jobs);
                } else {
                    if (jobs.replace_replies) effects.replace_replies = std::move(jobs.replace_replies);
                    for (auto& t : jobs.extra_replies) effects.extra_replies.push_back(std::move(t));
                }
            }
            // The profile just committed is the one in hand now (a statement less on the owner's
            // next message); when MySQL could not take it, the next message reads it afresh. The
            // technicians are read afresh either way.
            if (remembered) {
                if (effects.deferred)
                    senders_.forget_profile(openid);
                else
                    senders_.profile_written(TicketIntake::owner_profile(openid, *remembered));
            }
            if (technicians_changed) senders_.technicians_changed();
            if (effects.deferred) {
                // MySQL could not take the effects: keep the session as it was (the draft stays at
                // its confirmation step) and tell the user to send it again later.
                count("deferred");
                co_return Handled{wechat::TextReply{effects.deferred_reply}, std::nullopt};
            }
            std::vector<std::string> texts;
            if (effects.replace_replies) {
                texts = {std::move(*effects.replace_replies)};
            } else {
                // The owner's list goes where the dialogue asked for it: before what it said after.
                for (auto& r : said) {
                    if (r.after_progress && effects.progress)
                        texts.push_back(*std::exchange(effects.progress, std::nullopt));
                    texts.push_back(std::move(r.text));
                }
            }
            if (effects.progress) texts.push_back(std::move(*effects.progress));
            for (auto& t : effects.extra_replies) texts.push_back(std::move(t));

            std::string text = join_replies(texts);
            wechat::Reply reply = text.empty() ? wechat::Reply{wechat::NoReply{}} : wechat::Reply{wechat::TextReply{text}};
            std::optional<store::DedupeReceipt> receipt;
            if (seal) receipt = store::DedupeReceipt{seal->dedupe_key, seal->encode(reply), seal->ttl};
            std::optional<std::string> sealed = receipt ? std::optional<std::string>(receipt->reply) : std::nullopt;
            auto saved = co_await sessions_.save(openid, stored.version, dialog::encode(outcome.session), std::move(receipt));
            if (saved) {
                for (const char* o : outcomes) count(o);
                if (outcomes.empty()) count(text.empty() ? "no_reply" : "reply");
                co_return Handled{std::move(reply), std::move(sealed)};
            }
            log::info("conversation", "session_conflict", {{"attempt", attempt}});
            // Racers that lost together would load and save together again: spread them out.
            thread_local std::minstd_rand jitter{std::random_device{}()};
            asio::steady_timer pause(co_await asio::this_coro::executor,
                                     std::chrono::milliseconds(1 + jitter() % (4 * attempt)));
            co_await pause.async_wait(asio::use_awaitable);
        }
        log::warn("conversation", "session_contended", {{"attempts", kMaxSaveAttempts}});
        count("contended");
        co_return Handled{busy_reply(message), std::nullopt};
    } catch (const ServiceUnavailable&) {
        throw;
    } catch (const std::exception& e) {
        // Before any effect: the webhook answers "busy" and releases the claim, so the resend
        // is handled afresh (an effect that threw rolled its own transaction back).
        if (!carried) throw;
        failure = e.what();
    }
    // Effects were carried out and then the handling failed (the session's save, a job command
    // after a report's effect): answer "busy" as this message's reply, kept for its resends like
    // any other, so none of them carries the effects out again. The session stays as it was.
    log::error("conversation", "failed_after_effects", {{"error", failure}});
    count("failed");
    co_return Handled{busy_reply(message), std::nullopt};
}

}  // namespace repairbot::bot
