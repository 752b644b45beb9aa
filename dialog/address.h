// Repair addresses: the plain value, its display form, and the parser for what owners type
// (3栋2单元502, 3-2-502, 三号楼二单元502, A座1201, 5号楼电梯厅, 地下车库).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "dialog/catalog.h"

namespace repairbot::dialog {

struct GeoPoint {
    double latitude = 0;
    double longitude = 0;
    bool operator==(const GeoPoint&) const = default;
};

// 楼栋-单元-房号, or a public area (optionally inside a building), or a shared location.
struct Address {
    std::string building{};  // "3", "a" (lower case as normalized); empty when unknown
    std::string unit{};      // "2"; empty when not given
    std::string room{};      // "502"; empty for public areas
    std::string area{};      // public area word ("电梯厅", "地下车库"); empty for rooms
    bool is_public = false;
    std::string label{};                 // the place name of a WeChat location message
    std::optional<GeoPoint> location{};  // coordinates of a WeChat location message
    bool operator==(const Address&) const = default;
};

// "3栋2单元502", "5栋电梯厅", "地下车库", or the location label. Never empty for an address
// that has any part; "" for a default-constructed one.
[[nodiscard]] std::string display(const Address& a);

// An address found in a text: where it was (byte span, for removal by the slot extractor) and
// whether it is complete enough to send someone (a room or a public area). "3栋" alone or
// "502" alone is incomplete: the owner is asked for the rest.
struct AddressMatch {
    Address address{};
    std::size_t begin = 0;
    std::size_t end = 0;
    bool complete = false;
};

// The first address in `normalized` (text::normalize output). `hits` are the catalog's keyword
// hits for the same text (for public-area words). nullopt when the text names no address part.
[[nodiscard]] std::optional<AddressMatch> find_address(std::string_view normalized,
                                                       std::span<const KeywordHit> hits);
// Convenience: scans `normalized` with the catalog first.
[[nodiscard]] std::optional<AddressMatch> find_address(std::string_view normalized,
                                                       const FaultCatalog& catalog);

// True for "同上次", "和上次一样", "老地址", ... (compact form): the owner means the remembered
// one.
[[nodiscard]] bool means_same_as_last_time(std::string_view compact);

}  // namespace repairbot::dialog
