// The testable parts of the terminal chat (wechat-chat): reading a typed line as what a phone
// would send, reading the simulator's recorded API calls as the pushes one user receives, and
// laying the conversation out in a terminal column. Pure; never throws on content.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/wechat/inbound_message.h"
#include "adapters/wechat/reply_message.h"
#include "config/errors.h"

namespace repairbot::wechat::sim {

// Nothing to do (an empty line).
struct NoInput {};

// A message or event to send as is. `shown` is how the transcript shows what was sent.
struct SendMessage {
    InboundBody body;
    std::string shown;
};

// /photo FILE: register FILE as media on the simulator, then send an image message with it.
struct SendPhoto {
    std::filesystem::path file;
};

// /wait [SECONDS] [TEXT]: block until a push matching TEXT (see push_matches; any push when
// empty) arrives that no earlier /wait consumed, or SECONDS pass. For scripts that must wait for
// another person's step.
struct WaitForPush {
    std::string text;
    std::chrono::seconds timeout{30};
};

struct ShowHelp {};
struct Quit {};

using ChatCommand = std::variant<NoInput, SendMessage, SendPhoto, WaitForPush, ShowHelp, Quit>;

// What a typed line means. Plain text is a text message (a leading "//" sends one '/');
// /photo, /location, /voice, /menu, /subscribe, /unsubscribe, /wait, /help, /quit are commands.
// Fails with std::errc::invalid_argument and a detail that names the command and its usage
// (unknown command, missing or malformed argument). Surrounding blanks and a CR are ignored.
[[nodiscard]] Result<ChatCommand> parse_chat_line(std::string_view line);

// The list of slash commands, one per line, for /help.
[[nodiscard]] std::string chat_help();

// The lines of a passive reply as the phone shows it (empty for NoReply).
[[nodiscard]] std::vector<std::string> reply_lines(const Reply& reply);

// A message the bot pushed to one user through the WeChat API.
struct Push {
    std::string kind;  // "template", or the customer-service msgtype: "text", "image", "news", ...
    std::vector<std::string> lines;  // as the phone shows it
};

// The push that `call` (one element of GET /sim/calls) delivered to `openid`; nullopt when the
// call is not a template or customer-service send to `openid`, or WeChat refused it.
[[nodiscard]] std::optional<Push> push_for(const nlohmann::json& call, std::string_view openid);

// The pushes to `openid` among the calls after the first `seen` of `calls` (the array GET
// /sim/calls answers); updates `seen`. When the array is shorter than `seen` (the simulator was
// restarted) it starts again from the first call.
[[nodiscard]] std::vector<Push> new_pushes(const nlohmann::json& calls, std::string_view openid,
                                           std::size_t& seen);

// True when one of the push's lines contains `text`, or one of its '|'-separated choices
// ("新工单|新的维修工单": a customer-service text or a template); always true for an empty `text`.
[[nodiscard]] bool push_matches(const Push& push, std::string_view text);

// Columns a terminal gives the UTF-8 text: 2 for East Asian wide and fullwidth characters
// (汉字, full-width punctuation, most emoji), 0 for combining marks, 1 otherwise. Bytes that are
// not valid UTF-8 count 1 each.
[[nodiscard]] std::size_t display_width(std::string_view utf8);

// `line` cut into pieces of at most `width` columns, never inside a UTF-8 character; an empty
// line stays one empty piece; width 0 means no limit.
[[nodiscard]] std::vector<std::string> wrap_line(std::string_view line, std::size_t width);

// Where a chat prints: `indent` columns from the left edge, at most `width` columns in all
// (0: no limit). The demo puts the owner in the left half and the technician in the right half.
struct Layout {
    std::size_t indent = 0;
    std::size_t width = 0;
};

// The kinds of blocks in a transcript, each with its own marker at the start of its first line.
enum class Speaker {
    you,   // "you  > " what this user sent
    bot,   // "bot  < " the passive reply
    push,  // "push * " a template or customer-service message pushed to this user
    note,  // "---- "   the chat's own notes (errors, waits, help)
};

[[nodiscard]] std::string_view marker(Speaker speaker);

// `lines` as printed: the first line after the speaker's marker, the others under it, each
// wrapped to the layout's width and indented; every printed line ends in '\n'.
[[nodiscard]] std::string render_block(Speaker speaker, const std::vector<std::string>& lines,
                                       const Layout& layout);

}  // namespace repairbot::wechat::sim
