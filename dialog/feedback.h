// The owner's questions after a job: confirm the fix (修好了 / 没修好), rate it (1-5 and a
// comment), and agree to a paid repair's quote. The bot opens them with these pure functions
// when a technician finishes or quotes; step() then takes the owner's answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dialog/session.h"
#include "dialog/texts.h"

namespace repairbot::dialog {

// The owner of `ticket_number` is to confirm the fix (then rate it). Queued behind questions
// already pending; an earlier question about the same ticket is replaced in its place in the
// queue (a reopened job done again, a raised quote). A report draft under way is parked, not
// lost: it resumes when the questions are answered, and a new report the owner starts
// meanwhile leaves them pending. A technician's pending "which job?" is dropped. `fee_cents` nullopt: no fee. Never fails.
[[nodiscard]] Session begin_confirmation(Session session, std::string ticket_number,
                                         std::optional<std::int64_t> fee_cents,
                                         std::chrono::sys_seconds now);

// The owner of `ticket_number` is to agree to (同意) or refuse (不同意 <reason>) a quote of
// `cents` for a paid repair outside the price list. Queued and parked like begin_confirmation.
// A message that arrived before `now` (Context::now earlier than the question) is no answer to
// it: the bot may ask about a raised quote while the owner's 同意 to the old amount is being
// handled, and that 同意 is met with the new question, not taken for it. (So for every question:
// one a reminder brings forward, ask_first, is not answered by a "1" meant for the one before.)
[[nodiscard]] Session begin_quote_approval(Session session, std::string ticket_number,
                                           std::int64_t cents, std::chrono::sys_seconds now);

// The question about `item.ticket_number` asked first, for a reminder about that ticket (the
// owner's latest prompt is what their next answer answers). The question pending about it is
// kept as far as the owner got with it (a rating's comment stays a comment) when it asks what
// `item` asks — the same fee to confirm, a rating, the same quoted amount — else `item` replaces
// it (a stale question); with none (a session that expired or was reset) `item` is put back.
// It goes to the front, asked anew from item.asked_at (pass a time after any message in flight:
// an answer handled before it is no answer to it), the others keep their order behind it — but
// behind another ticket's question the owner is half way through (a comment, a refusal's
// reason), which is finished first. Unchanged when it is asked first already. Parks a report
// draft and drops a technician's "which job?" as begin_confirmation does. Never fails.
[[nodiscard]] Session ask_first(Session session, Feedback item);

// Drops every question about `ticket_number` (auto-closed after 7 days, cancelled, answered
// elsewhere). A parked draft becomes the current conversation again. Never fails.
[[nodiscard]] Session drop_feedback(Session session, std::string_view ticket_number);

// The question now asked (the first pending one), as the bot pushes it: "您的工单 BX… 已维修
// 完成，费用80元。修好了请回复“1”…". "" when nothing is pending.
[[nodiscard]] std::string feedback_question(const Session& session, const ReplyTexts& texts);

// The reminder for an unanswered question (confirm_reminder, rating_reminder or
// quote_reminder, filled in), for the bot's timers: the first pending one's ("" when nothing is
// pending), or `question`'s.
[[nodiscard]] std::string feedback_reminder(const Session& session, const ReplyTexts& texts);
[[nodiscard]] std::string feedback_reminder(const Feedback& question, const ReplyTexts& texts);

}  // namespace repairbot::dialog
