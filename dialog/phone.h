// Chinese mobile numbers: validation and finding one inside free text ("电话138 0013 8000",
// "+86-138-0013-8000").
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace repairbot::dialog {

// True for exactly 11 ASCII digits shaped 1[3-9]xxxxxxxxx.
[[nodiscard]] bool is_valid_mobile(std::string_view digits);

// A mobile number found in a text: its 11 digits and the byte span it occupied (including a
// +86/0086 prefix, or the 0 some dial first, and the spaces or dashes inside it).
struct PhoneMatch {
    std::string number;
    std::size_t begin = 0;
    std::size_t end = 0;
};

// The first valid mobile number in `normalized` text (text::normalize output); groups of digits
// separated by spaces or dashes are joined. nullopt when there is none.
[[nodiscard]] std::optional<PhoneMatch> find_phone(std::string_view normalized);

// True when the text holds a run of 7 or more digits that is not a valid mobile: the owner
// tried to send a number and it was wrong (a landline, a digit missing), so the reply says so.
[[nodiscard]] bool looks_like_bad_phone(std::string_view normalized);

// True when the text holds no mobile but a number shaped like a landline (座机): 0, an area code
// and 7-8 digits ("0755-86001234", "010 12345678"), or 7-8 digits alone ("86001234"). The desk
// takes mobiles only; the reply then says why and what to do instead.
[[nodiscard]] bool looks_like_landline(std::string_view normalized);

}  // namespace repairbot::dialog
