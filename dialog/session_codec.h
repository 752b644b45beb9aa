// Session <-> string, for storing sessions in Redis. A versioned line format ("key=value",
// percent-escaped), readable in redis-cli; decoding rejects anything malformed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dialog/session.h"

namespace repairbot::dialog {

// The first line of every encoded session; the number is the format version.
inline constexpr std::string_view kSessionHeader = "repairbot-session 1";

// Encodes every field of `session`. Never fails.
[[nodiscard]] std::string encode(const Session& session);

// Decodes what encode() produced (sessions written before the feedback and technician fields
// existed decode with none). nullopt for anything else: a wrong header or version, a
// malformed line, a bad number or enum, a duplicate key, more than 64 photos or 32 pending
// questions, or an input over 1 MiB. Unknown keys are skipped, so a newer writer adding fields
// stays readable. Never throws.
[[nodiscard]] std::optional<Session> decode(std::string_view encoded);

}  // namespace repairbot::dialog
