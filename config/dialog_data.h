// Loads the dialog's data files: the fault catalog (faults.toml) and the reply texts
// (replies.toml), validated, as dialog's plain types. Blocking (reads two files); call it at
// start, before the event loop runs.
#pragma once

#include <filesystem>
#include <string_view>

#include "config/errors.h"
#include "dialog/catalog.h"
#include "dialog/context.h"
#include "dialog/texts.h"

namespace repairbot::config {

// Reads `dir`/faults.toml and `dir`/replies.toml. On failure the Error's code is
// std::errc::no_such_file_or_directory (a file is missing or unreadable) or
// std::errc::invalid_argument (bad TOML or bad data), and its detail names the file, the key
// and the fix, e.g. "config/faults.toml: type[3].urgency = 'urgent' must be one of emergency,
// normal, planned".
[[nodiscard]] Result<dialog::DialogData> load_dialog_data(const std::filesystem::path& dir);

// Parses the text of a faults.toml; `source` names it in errors. Errors as above
// (invalid_argument): unknown or missing keys, wrong types, duplicate names, an emergency or
// the fallback naming a type that does not exist.
[[nodiscard]] Result<dialog::FaultCatalog> parse_fault_catalog(std::string_view toml_text,
                                                               std::string_view source);

// Parses the text of a replies.toml; `source` names it in errors. Errors as above
// (invalid_argument): a missing, empty or unknown key, a value that is not a string, or a
// placeholder the dialog does not fill. A key a release retired (progress_query) is skipped,
// so a desk's older copy still loads.
[[nodiscard]] Result<dialog::ReplyTexts> parse_reply_texts(std::string_view toml_text,
                                                           std::string_view source);

}  // namespace repairbot::config
