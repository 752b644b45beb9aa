// Shared by the dialog unit tests: the real data files, a fixed clock, and a Chat that drives
// step() like the bot does (one session carried from message to message).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/dialog_data.h"
#include "dialog/step.h"

namespace repairbot::dialog::testing {

using namespace std::chrono_literals;

// Friday 2026-11-20 14:30 at +08:00.
inline const std::chrono::sys_seconds kNow =
    std::chrono::sys_days{std::chrono::year{2026} / 11 / 20} + 6h + 30min;

// config/faults.toml and config/replies.toml as shipped; a test run stops if they do not load.
inline const DialogData& shipped_data() {
    static const DialogData data = [] {
        auto loaded =
            config::load_dialog_data(std::filesystem::path(REPAIRBOT_SOURCE_DIR) / "config");
        if (!loaded) {
            std::fprintf(stderr, "dialog data failed to load: %s\n",
                         loaded.error().message().c_str());
            std::abort();
        }
        return std::move(*loaded);
    }();
    return data;
}

inline const std::string& text_of(TextId id) {
    return shipped_data().texts.get(id);
}

// The first line of a text, for "the reply says this" checks that ignore placeholders.
inline std::string opening_of(TextId id) {
    const auto& t = text_of(id);
    auto brace = t.find('{');
    auto nl = t.find('\n');
    return t.substr(0, std::min(brace, nl));
}

template <class E>
const E* find_effect(const Outcome& o) {
    for (const auto& e : o.effects) {
        if (const auto* p = std::get_if<E>(&e)) return p;
    }
    return nullptr;
}

inline Inbound text(std::string content, std::string from = "owner-1") {
    static int id = 0;
    return Inbound{std::move(from), "m" + std::to_string(++id), TextMessage{std::move(content)}};
}
inline Inbound image(std::string media_id, std::string from = "owner-1") {
    return Inbound{std::move(from), "img-" + media_id,
                   ImageMessage{media_id, "http://mmbiz.example/" + media_id}};
}
inline Inbound event(EventKind kind, std::string key = {}) {
    return Inbound{"owner-1", "ev", EventMessage{kind, std::move(key)}};
}

// One owner's conversation: each send() runs step() on the session left by the previous one.
struct Chat {
    Session session;
    OwnerProfile profile;
    std::chrono::sys_seconds now = kNow;
    Limits limits;
    std::optional<TechnicianView> technician;  // set: the sender is a bound technician
    bool technician_unknown = false;           // set: who the sender is could not be read
    Outcome last;

    Context context() const {
        return Context{shipped_data(), now,        std::chrono::minutes{8 * 60}, profile,
                       limits,         technician, technician_unknown};
    }
    const Outcome& send(const Inbound& in) {
        last = step(session, in, context());
        session = last.session;
        return last;
    }
    const Outcome& say(std::string content) { return send(text(std::move(content))); }
    const Outcome& photo(std::string media_id) { return send(image(std::move(media_id))); }
    // The first reply of the last step (a progress turn's may have a second, said after the
    // edge's list: Reply::after_progress).
    std::string reply() const {
        return last.replies.empty() ? std::string("<no reply>") : last.replies.front().text;
    }
};

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace repairbot::dialog::testing
