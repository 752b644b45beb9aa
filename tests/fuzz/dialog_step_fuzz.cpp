// libFuzzer target: the dialogue's step() with the desk's real data files. The input is a
// conversation: segments separated by NUL bytes, each opened by one byte saying what it is
// (see the switch below; anything else is a text message of the whole segment), so seeds read
// as the chats they are. Whatever arrives, step() must not crash or throw, must answer every
// message a person sends (itself, or by the QueryProgress effect whose answer the edge sends), must
// be deterministic, its replies, the report it files and the draft it keeps must be valid UTF-8
// whatever bytes the owner sent (MariaDB's utf8mb4 columns refuse anything else), and the session
// it leaves must encode, decode and encode again identically.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dialog/feedback.h"
#include "dialog/session_codec.h"
#include "dialog/step.h"
#include "fuzz_support.h"

using namespace repairbot;
using namespace repairbot::dialog;
using namespace std::chrono_literals;

namespace {

// Friday 2026-11-20 14:30 at +08:00, as in the dialog unit tests.
const std::chrono::sys_seconds kStart =
    std::chrono::sys_days{std::chrono::year{2026} / 11 / 20} + 6h + 30min;
constexpr std::size_t kMaxMessages = 48;

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
    std::fprintf(stderr, "invariant broken: %s %.*s\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

// The session must survive the Redis round trip: encode -> decode -> encode is the identity.
void check_round_trip(const Session& s) {
    const std::string encoded = encode(s);
    const auto back = decode(encoded);
    if (!back) fail("a session step() left does not decode:", encoded);
    if (encode(*back) != encoded) fail("a session re-encodes differently:", encoded);
}

TechnicianView technician_with(std::size_t jobs) {
    TechnicianView view{"t1", "王师傅", {}};
    const JobStatus statuses[] = {JobStatus::dispatched, JobStatus::accepted, JobStatus::arrived};
    for (std::size_t i = 0; i < jobs; ++i) {
        view.open_jobs.push_back(TechnicianJob{"BX20261121-000" + std::to_string(i + 1),
                                               statuses[i % 3], "3栋2单元50" + std::to_string(i),
                                               "水", i == 1, i == 1 ? QuoteState::pending
                                                                    : QuoteState::none});
    }
    // With two jobs or more, also a supervisor with quotes to review (核准 / 驳回).
    if (jobs >= 2) {
        view.supervisor = true;
        view.quotes_to_review = {{"BX20261121-0021", "5栋101", "电", "李师傅", 8000},
                                 {"BX20261121-0022", "6栋1单元301", "门窗", "赵师傅", 26050}};
    }
    return view;
}

// The owner's words the session keeps, which later go on a ticket.
void check_texts(const Session& s) {
    const auto& d = s.draft;
    for (const std::string* t : {&d.description, &d.phone, &d.fault_type, &s.held_text}) {
        if (!fuzz::valid_utf8(*t)) fail("a session text is not valid UTF-8:", *t);
    }
    if (d.address && !fuzz::valid_utf8(display(*d.address))) fail("a draft address is not UTF-8");
    for (const auto& p : d.photos) {
        if (!fuzz::valid_utf8(p.media_id) || !fuzz::valid_utf8(p.pic_url)) fail("a photo id is not UTF-8");
    }
}

void check_report(const std::vector<Effect>& effects) {
    for (const auto& e : effects) {
        const auto* created = std::get_if<CreateTicket>(&e);
        if (!created) continue;
        const RepairReport& r = created->report;
        for (const std::string* t : {&r.description, &r.phone, &r.fault_type, &r.owner_openid}) {
            if (!fuzz::valid_utf8(*t)) fail("a filed report text is not valid UTF-8:", *t);
        }
        if (!fuzz::valid_utf8(display(r.address))) fail("a filed address is not UTF-8");
        for (const auto& p : r.photos) {
            if (!fuzz::valid_utf8(p.media_id)) fail("a filed photo id is not UTF-8:", p.media_id);
        }
    }
}

bool expects_reply(const Inbound& in) {
    if (const auto* e = std::get_if<EventMessage>(&in.body))
        return e->kind == EventKind::subscribe || e->kind == EventKind::click;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const DialogData& desk = fuzz::shipped_data();

    Session session;
    OwnerProfile profile;
    std::optional<TechnicianView> technician;
    auto now = kStart;
    bool clean = true;  // no stored session of arbitrary bytes was adopted
    std::size_t messages = 0;

    std::size_t pos = 0;
    while (pos <= input.size() && messages < kMaxMessages) {
        const std::size_t nul = input.find('\0', pos);
        const std::size_t end = nul == std::string_view::npos ? input.size() : nul;
        const std::string_view segment = input.substr(pos, end - pos);
        pos = end + 1;
        if (segment.empty()) continue;
        const char kind = segment.front();
        const std::string body(segment.substr(1));
        const std::string id = "m" + std::to_string(messages);

        std::optional<Inbound> in;
        switch (kind) {
            case 't': in = Inbound{"owner-1", id, TextMessage{body}}; break;
            case 'i': in = Inbound{"owner-1", id, ImageMessage{body, "http://mmbiz.example/" + body}}; break;
            case 'v': in = Inbound{"owner-1", id, VoiceMessage{"voice-" + id, body}}; break;
            case 'l': in = Inbound{"owner-1", id, LocationMessage{22.543096, 114.057865, body}}; break;
            case 'u': in = Inbound{"owner-1", id, UnsupportedMessage{body}}; break;
            case 'e': {
                const auto k = body.empty() ? 0u : static_cast<unsigned char>(body[0]) % 6u;
                in = Inbound{"owner-1", id,
                             EventMessage{static_cast<EventKind>(k), body.empty() ? "" : body.substr(1)}};
                break;
            }
            case 's': {  // a stored session, as Redis might hand it back
                if (auto decoded = decode(body)) {
                    check_round_trip(*decoded);
                    session = std::move(*decoded);
                    clean = false;  // its fields may hold any bytes
                }
                continue;
            }
            case 'T': technician = technician_with(body.size() % 4); continue;
            case 'O':
                technician.reset();
                // The profile comes from the database: valid UTF-8 always.
                profile = OwnerProfile{fuzz::valid_utf8(body) ? body : "李女士", "13800138000", Address{"3", "2", "502", "", false, "", std::nullopt}};
                continue;
            case 'w': {  // time passes: minutes, scaled so a few bytes reach days
                long minutes = 0;
                for (const char c : body) minutes += static_cast<unsigned char>(c);
                now += std::chrono::minutes{minutes * 7};
                continue;
            }
            case 'f': session = begin_confirmation(std::move(session), "BX20261121-0001",
                                                   body.empty() ? std::nullopt
                                                                : std::optional<std::int64_t>(8000),
                                                   now);
                continue;
            case 'q': session = begin_quote_approval(std::move(session), "BX20261121-0002", 12000, now);
                continue;
            case 'd': session = drop_feedback(std::move(session), "BX20261121-0001"); continue;
            default: in = Inbound{"owner-1", id, TextMessage{std::string(segment)}}; break;
        }
        ++messages;
        now += 1min;

        const Context ctx{desk, now, std::chrono::minutes{8 * 60}, profile, Limits{}, technician};
        Outcome out = step(session, *in, ctx);
        const Outcome again = step(session, *in, ctx);
        if (encode(out.session) != encode(again.session) || out.replies != again.replies ||
            out.effects.size() != again.effects.size())
            fail("step() is not deterministic");
        // Answered by the dialogue, or by the edge's list of the owner's tickets (QueryProgress:
        // dialog/step.h, Outcome::replies).
        const bool progress =
            std::any_of(out.effects.begin(), out.effects.end(),
                        [](const Effect& e) { return std::holds_alternative<QueryProgress>(e); });
        if (expects_reply(*in) && out.replies.empty() && !progress) fail("a message got no reply");
        for (const auto& r : out.replies) {
            if (r.text.empty()) fail("an empty reply");
            if (clean && !fuzz::valid_utf8(r.text)) fail("a reply is not valid UTF-8:", r.text);
        }
        if (clean) {
            check_texts(out.session);
            check_report(out.effects);
        }
        check_round_trip(out.session);
        session = std::move(out.session);
    }
    return 0;
}
