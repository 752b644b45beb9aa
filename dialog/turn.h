// One step in progress (internal to dialog): the session being changed, the reply parts and
// effects gathered so far, and what the inbound message said once normalized.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dialog/context.h"
#include "dialog/effects.h"
#include "dialog/inbound.h"
#include "dialog/session.h"
#include "dialog/step.h"
#include "dialog/texts.h"

namespace repairbot::dialog {

// A text message in the forms the parsers want.
struct Said {
    std::string normalized;  // text::normalize
    std::string compact;     // text::compact of normalized
    std::string raw;         // as typed: what goes on a ticket, a job note or a complaint
};

[[nodiscard]] Said hear(std::string_view raw);

struct Turn {
    Session session;
    const Context& ctx;
    const Inbound& in;
    std::vector<std::string> parts;  // joined into one reply, so a passive reply carries it all
    std::vector<Effect> effects;
    std::optional<std::size_t> progress_at;  // answer_progress: where in `parts` the answer goes
    // Session::fault_unplaced as the message arrived (taken out of the session: it answers this
    // message only).
    std::string fault_unplaced;

    [[nodiscard]] const ReplyTexts& texts() const { return ctx.data.texts; }
    [[nodiscard]] const FaultCatalog& catalog() const { return ctx.data.catalog; }
    [[nodiscard]] ReportDraft& draft() { return session.draft; }

    void say(TextId id, TextVars vars = {}) { parts.push_back(texts().render(id, vars)); }
    void say_text(std::string text) { parts.push_back(std::move(text)); }
    // The owner's progress (我的报修): a QueryProgress effect, whose answer the edge puts here,
    // between what was said so far and what is said after (Reply::after_progress).
    void answer_progress() {
        effects.emplace_back(QueryProgress{});
        progress_at = parts.size();
    }

    [[nodiscard]] bool is_technician() const { return ctx.technician.has_value(); }

    // The Outcome: parts joined by newlines into one reply (none when nothing was said); after
    // answer_progress, into the reply before the answer and the one after it (each only when
    // something was said).
    [[nodiscard]] Outcome finish() &&;
};

}  // namespace repairbot::dialog
