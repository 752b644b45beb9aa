// libFuzzer target: the parsers that read an owner's free text for the report's slots: the
// address parser (3栋2单元502, 三号楼二单元502, 5号楼电梯厅), the phone finder and the slot
// extractor that combines them, with the real fault catalog. On any bytes they must not crash
// or throw, spans must lie inside the text, and what they hand back from valid UTF-8 input
// must be valid UTF-8 (it goes on the ticket and into MariaDB's utf8mb4 columns).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dialog/address.h"
#include "dialog/phone.h"
#include "dialog/slots.h"
#include "dialog/text.h"
#include "fuzz_support.h"

using namespace repairbot;
using namespace repairbot::dialog;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
    std::fprintf(stderr, "invariant broken: %s %.*s\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 4096) return 0;  // owners' messages are short; longer only slows the search
    const std::string_view raw(reinterpret_cast<const char*>(data), size);
    const bool clean = fuzz::valid_utf8(raw);
    const auto& catalog = fuzz::shipped_data().catalog;

    const auto mapped = text::normalize_mapped(raw);
    if (mapped.text != text::normalize(raw)) fail("normalize_mapped and normalize disagree");
    if (mapped.origin.size() != mapped.text.size() + 1) fail("origin map has the wrong size");
    for (std::size_t i = 0; i < mapped.origin.size(); ++i) {
        if (mapped.origin[i] > raw.size()) fail("origin points past the raw text");
        if (i > 0 && mapped.origin[i] < mapped.origin[i - 1]) fail("origin map goes backwards");
    }
    const std::string& normalized = mapped.text;
    if (clean && !fuzz::valid_utf8(normalized)) fail("normalize broke valid UTF-8:", normalized);

    if (const auto m = find_address(normalized, catalog)) {
        if (m->begin > m->end || m->end > normalized.size()) fail("address span outside the text");
        const std::string shown = display(m->address);
        if (shown.empty()) fail("a found address displays as nothing");
        if (clean && !fuzz::valid_utf8(shown)) fail("address display is not UTF-8:", shown);
        (void)text::original_span(raw, mapped, m->begin, m->end);
    }
    (void)means_same_as_last_time(text::compact(normalized));

    if (const auto p = find_phone(normalized)) {
        if (p->begin > p->end || p->end > normalized.size()) fail("phone span outside the text");
        if (!is_valid_mobile(p->number)) fail("find_phone returned an invalid mobile:", p->number);
    }
    (void)looks_like_bad_phone(normalized);

    const SlotFill fill = extract_slots(normalized, catalog, raw);
    if (fill.phone && !is_valid_mobile(*fill.phone)) fail("slot phone is not a valid mobile");
    if (fill.address && fill.address->end > normalized.size()) fail("slot address span outside");
    if (clean && !fuzz::valid_utf8(fill.description))
        fail("description is not UTF-8:", fill.description);
    if (clean && !fuzz::valid_utf8(fill.rest)) fail("rest is not UTF-8:", fill.rest);
    (void)is_description(fill);
    return 0;
}
