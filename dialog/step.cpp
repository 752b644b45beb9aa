#include "dialog/step.h"

#include <algorithm>
#include <array>
#include <type_traits>
#include <utility>

#include "dialog/address.h"
#include "dialog/commands.h"
#include "dialog/owner_feedback.h"
#include "dialog/owner_report.h"
#include "dialog/slots.h"
#include "dialog/technician.h"
#include "dialog/text.h"
#include "dialog/turn.h"

namespace repairbot::dialog {

Said hear(std::string_view raw) {
    Said s;
    s.normalized = text::normalize(raw);
    s.compact = text::compact(s.normalized);
    s.raw = std::string(raw);
    return s;
}

Outcome Turn::finish() && {
    Outcome out{std::move(session), {}, std::move(effects)};
    auto join = [&](std::size_t from, std::size_t to, bool after_progress) {
        std::string joined;
        for (std::size_t i = from; i < to; ++i) {
            if (parts[i].empty()) continue;
            if (!joined.empty()) joined.push_back('\n');
            joined += parts[i];
        }
        if (!joined.empty() || (!progress_at && from < to))
            out.replies.push_back(Reply{std::move(joined), after_progress});
    };
    const std::size_t at = progress_at ? std::min(*progress_at, parts.size()) : parts.size();
    join(0, at, false);
    if (progress_at) join(at, parts.size(), true);
    return out;
}

namespace {

bool expired(const Session& s, const Context& ctx) {
    return s.last_active != std::chrono::sys_seconds{} &&
           ctx.now - s.last_active >= ctx.limits.session_idle_timeout;
}

void idle_miss(Turn& t) {
    auto& s = t.session;
    ++s.misses;
    t.say(t.is_technician() ? TextId::tech_hint : TextId::idle_hint);
    if (s.misses >= t.ctx.limits.misses_before_human) {
        t.say(TextId::offer_human);
        s.misses = 0;
    }
}

void idle_command(Turn& t, const Said& said, const Command& cmd) {
    t.session.misses = 0;
    switch (cmd.kind) {
        case CommandKind::cancel:
            // No report under way: an owner may mean a ticket filed already — the bot says which
            // they can cancel and how ("取消 BX…"). A technician's 取消 has nothing to cancel.
            if (t.is_technician()) {
                t.say(TextId::nothing_to_cancel);
            } else {
                ask_what_to_cancel(t);
            }
            return;
        case CommandKind::help:
            t.say(t.is_technician() ? TextId::tech_help : TextId::help);
            return;
        case CommandKind::back:
        case CommandKind::edit:
            t.say(t.is_technician() ? TextId::tech_hint : TextId::idle_hint);
            return;
        case CommandKind::human:
            t.effects.emplace_back(HandToHuman{HandOffReason::owner_asked, {}});
            t.say(TextId::handed_to_human);
            return;
        case CommandKind::progress:
            t.answer_progress();
            return;
        case CommandKind::complaint:
            (void)complain(t, said, cmd);  // 投诉 燃气味很大没人管: reported too
            return;
        case CommandKind::report:
        case CommandKind::restart:
            start_report(t);
            return;
    }
}

// Whether a technician's idle words are a report of their own: a danger (its advice at once), or
// a place that is not one of their jobs' ("3栋电梯坏了"; "3栋502水管换好了" speaks of the job).
bool technician_reports(const Turn& t, const SlotFill& fill) {
    if (fill.fault.emergency) return true;
    if (!fill.address) return false;
    const std::string place = display(fill.address->address);
    for (const auto& job : t.ctx.technician->open_jobs)
        if (job.address == place || job.address.starts_with(place)) return false;
    return true;
}

void idle_text(Turn& t, const Said& said) {
    if (correction_just_after_report(t, said)) return;
    if (cancel_named_ticket(t, said)) return;
    if (auto cmd = parse_command(said.compact)) {
        idle_command(t, said, *cmd);
        return;
    }
    if (!t.is_technician() && unbound_job_command(t, said)) return;
    // A first message that says what is broken or where starts a report with all it said.
    auto fill = extract_slots(said.normalized, t.ctx.data.catalog);
    // "师傅怎么还没来", "到哪了" naming no fault or place: where their repair stands is the answer.
    if (!t.is_technician() && !fill.fault.matched() && !fill.address &&
        asks_progress(said.compact)) {
        t.session.misses = 0;
        t.answer_progress();
        return;
    }
    if (same_emergency_again(t, said, fill)) return;
    // A technician's words about their work ("换了一段水管，好了", "业主电话打不通", "明天下午3点
    // 上门") name faults all the time: only a danger or a place other than their jobs' makes them
    // a report of their own (technician_reports); else the technician's hint.
    if (t.is_technician() ? technician_reports(t, fill) : (fill.fault.matched() || fill.address)) {
        start_report_with(t, said);
        return;
    }
    idle_miss(t);
}

void idle_image(Turn& t, const ImageMessage& image) {
    auto& s = t.session;
    if (just_submitted(t)) {
        t.effects.emplace_back(
            AttachPhotos{s.last_ticket_key, {Photo{image.media_id, image.pic_url}}});
        t.say(TextId::photo_attached);
        return;
    }
    begin_report(t);
    report_on_image(t, image);  // its acknowledgement asks for the address
}

// The question of the conversation under way again, after an aside (help, a menu click ...).
void reprompt(Turn& t) {
    switch (t.session.flow) {
        case Flow::owner_report:
            prompt_current(t);
            return;
        case Flow::owner_feedback:
            ask_feedback(t);
            return;
        case Flow::technician_pick:
            prompt_pick(t);
            return;
        case Flow::idle:
            return;
    }
}

// A message longer than the desk keeps (kMaxMessageChars) is answered, not read: true then.
bool refused_as_too_long(Turn& t, std::string_view said) {
    if (said.size() <= kMaxMessageChars) return false;  // fewer bytes than characters allowed
    const std::size_t chars = text::length_in_chars(said);
    if (chars <= kMaxMessageChars) return false;
    t.say(TextId::message_too_long,
          {{"count", std::to_string(chars)}, {"max", std::to_string(kMaxMessageChars)}});
    reprompt(t);
    return true;
}

bool has_parked_draft(const Session& s) {
    return s.flow != Flow::owner_report && !s.report_id.empty();
}

// An image or a location goes to the report under way, or the parked one; true when there is
// such a report (it is then the current conversation). A technician's "which job?" is left.
bool into_report(Turn& t) {
    auto& s = t.session;
    if (s.flow == Flow::technician_pick) fall_back(s);
    if (has_parked_draft(s)) {
        s.flow = Flow::owner_report;
        s.job_command.reset();
    }
    return s.flow == Flow::owner_report;
}

void on_event(Turn& t, const EventMessage& ev) {
    switch (ev.kind) {
        case EventKind::subscribe:
            t.say(TextId::welcome);
            reprompt(t);
            return;
        case EventKind::click:
            if (ev.key == kMenuReportRepair) {
                if (into_report(t)) {
                    t.say(TextId::already_reporting);
                    prompt_current(t);
                } else {
                    start_report(t);
                }
            } else if (ev.key == kMenuMyRepairs) {
                t.answer_progress();
                reprompt(t);
            } else if (ev.key == kMenuContactHuman) {
                t.effects.emplace_back(HandToHuman{HandOffReason::owner_asked, draft_summary(t)});
                t.say(TextId::handed_to_human);
                reprompt(t);
            } else {
                t.say(TextId::help);
                reprompt(t);
            }
            return;
        case EventKind::unsubscribe:
        case EventKind::view:
        case EventKind::location_report:
        case EventKind::other:
            return;
    }
}

void on_text(Turn& t, const Said& said) {
    auto& s = t.session;
    if (bind_on_text(t, said)) return;
    if (technician_on_text(t, said)) return;
    if (technician_unrecognised(t, said)) return;
    // No longer a technician (unbound meanwhile): the question is moot.
    if (s.flow == Flow::technician_pick) fall_back(s);
    if (s.flow == Flow::owner_feedback) {
        feedback_on_text(t, said);
        return;
    }
    if (s.flow == Flow::owner_report) {
        if (s.step != ReportStep::resume && expired(s, t.ctx)) {
            auto cmd = parse_command(said.compact);
            if (!cmd || cmd->kind == CommandKind::report) {
                report_expired(t, cmd ? Said{} : said);
                return;
            }
        }
        report_on_text(t, said);
        return;
    }
    idle_text(t, said);
}

// What was received, with every text in valid UTF-8: owners' words go into replies, onto
// tickets and into MariaDB's utf8mb4 columns, which refuse stray bytes (a broken client, a
// hostile request); those become U+FFFD here, once, so nothing after has to care. And within
// what the desk keeps (inbound.h): an overlong PicUrl dropped, a location's label cut.
Inbound sanitized(const Inbound& received) {
    Inbound in{text::to_valid_utf8(received.from), text::to_valid_utf8(received.message_id),
               received.body};
    std::visit(
        [](auto& body) {
            using T = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<T, TextMessage>) {
                body.content = text::to_valid_utf8(body.content);
            } else if constexpr (std::is_same_v<T, VoiceMessage>) {
                body.media_id = text::to_valid_utf8(body.media_id);
                body.recognition = text::to_valid_utf8(body.recognition);
            } else if constexpr (std::is_same_v<T, ImageMessage>) {
                body.media_id = text::to_valid_utf8(body.media_id);
                body.pic_url = text::to_valid_utf8(body.pic_url);
                if (body.pic_url.size() > kMaxPicUrlBytes) body.pic_url.clear();
            } else if constexpr (std::is_same_v<T, LocationMessage>) {
                body.label = std::string(
                    text::first_chars(text::to_valid_utf8(body.label), kMaxLocationLabelChars));
            } else if constexpr (std::is_same_v<T, EventMessage>) {
                body.key = text::to_valid_utf8(body.key);
            } else {
                body.type = text::to_valid_utf8(body.type);
            }
        },
        in.body);
    return in;
}

}  // namespace

Outcome step(Session session, const Inbound& received, const Context& ctx) {
    const Inbound in = sanitized(received);
    Turn t{std::move(session), ctx, in, {}, {}, {}, {}};
    // Words kept for the answer to a question: the next thing said answers it (or not) — an
    // event the platform sends on its own (location, a menu link opened), a photo or a voice
    // message not understood leaves them.
    const auto take_kept_words = [&t] {
        t.fault_unplaced = std::exchange(t.session.fault_unplaced, {});
    };
    heal(t.session);
    if (t.session.flow == Flow::idle && expired(t.session, ctx)) {
        t.session.misses = 0;
        t.session.shown_jobs.clear();  // a list seen that long ago no longer decides what "2" is
    }
    std::visit(
        [&](const auto& body) {
            using T = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<T, TextMessage>) {
                if (refused_as_too_long(t, body.content)) return;
                take_kept_words();
                on_text(t, hear(body.content));
            } else if constexpr (std::is_same_v<T, VoiceMessage>) {
                if (refused_as_too_long(t, body.recognition)) return;
                if (text::compact(text::normalize(body.recognition)).empty()) {
                    t.say(TextId::voice_not_recognized);
                    reprompt(t);
                } else {
                    take_kept_words();
                    on_text(t, hear(body.recognition));
                }
            } else if constexpr (std::is_same_v<T, ImageMessage>) {
                if (!media_id_kept(body.media_id)) {
                    t.say(TextId::photo_unusable);
                    reprompt(t);
                } else if (technician_on_image(t, body)) {
                    return;  // a photo from a job's site
                } else if (into_report(t)) {
                    report_on_image(t, body);
                } else {
                    idle_image(t, body);
                }
            } else if constexpr (std::is_same_v<T, LocationMessage>) {
                if (!into_report(t)) begin_report(t);
                report_on_location(t, body);
            } else if constexpr (std::is_same_v<T, EventMessage>) {
                on_event(t, body);
            } else {
                t.say(TextId::unsupported_message);
                reprompt(t);
            }
        },
        in.body);
    if (!t.parts.empty() || !t.effects.empty()) settle(t);
    // Passive events (a menu link opened) do not keep a draft alive.
    if (!t.parts.empty() || !t.effects.empty()) t.session.last_active = ctx.now;
    return std::move(t).finish();
}

}  // namespace repairbot::dialog
