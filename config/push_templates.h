// How each notification event is worded for WeChat (config/push.toml): a customer-service text
// for inside the 48-hour window, and a template message (template id, field -> text) for
// outside it. Loaded and validated once at start.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "config/errors.h"

namespace repairbot::config {

struct PushTemplate {
    std::string template_id;
    std::string url;
    std::string text;                                // with {placeholders}
    std::vector<std::pair<std::string, std::string>> data;  // field name -> text with {placeholders}
};

class PushTemplates {
public:
    // The wording of `event`, or of "staff_notice" when the event has none of its own.
    [[nodiscard]] const PushTemplate& for_event(const std::string& event) const;
    void set(std::string event, PushTemplate t) { by_event_[std::move(event)] = std::move(t); }

private:
    std::map<std::string, PushTemplate> by_event_;
};

// The fields each notification event carries besides "event" (bot/ builds the payloads; a
// test checks them against this list): what push.toml's {placeholders} may name. Fields of a
// deadline not set yet (accept_by, arrive_by) may be absent from a payload. Events without a
// table of their own are worded by [staff_notice], which may name only what all of them carry:
// "text". Every event a "notify" outbox row is written for is here.
[[nodiscard]] const std::map<std::string, std::vector<std::string>>& push_event_fields();

// Reads `dir`/push.toml. Errors (invalid_argument / no_such_file_or_directory) name the file,
// the event and the key, and the fix: a table for an event the bot never sends, a {name} the
// event does not carry (with the fields it does); [staff_notice] is required, and so is a table
// for every event without a "text" field (job_assigned). Blocking.
[[nodiscard]] Result<PushTemplates> load_push_templates(const std::filesystem::path& dir);

}  // namespace repairbot::config
