#include "dialog/address.h"

#include <array>

#include "dialog/text.h"

namespace repairbot::dialog {
namespace {

using text::at;

constexpr std::array<std::string_view, 6> kBuildingMarkers = {"号楼", "栋", "幢", "座", "#楼", "#"};
constexpr std::array<std::string_view, 5> kRoomSuffixes = {"室", "房", "号", "户", "房间"};

std::size_t skip_separators(std::string_view s, std::size_t pos) {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == ',' || s[pos] == '-' || s[pos] == '/')) {
        ++pos;
    }
    return pos;
}

bool is_ascii_letter(char c) {
    return c >= 'a' && c <= 'z';
}

// True when the character before `pos` would glue to a number starting at `pos`.
bool glued_before(std::string_view s, std::size_t pos) {
    if (pos == 0) return false;
    char prev = s[pos - 1];
    if (text::is_ascii_digit(prev) || is_ascii_letter(prev) || prev == '-') return true;
    // a Chinese numeral just before (e.g. the 十 of 十三)
    std::size_t start = pos - 1;
    while (start > 0 && pos - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
        --start;
    }
    return text::number_at(s.substr(start, pos - start), 0).has_value();
}

struct Building {
    std::string id;
    std::size_t end;
};

// "3号楼", "3栋", "三幢", "a座", "3#" at pos.
std::optional<Building> building_at(std::string_view s, std::size_t pos) {
    std::string id;
    std::size_t p = pos;
    if (auto n = text::number_at(s, pos); n && n->value > 0 && n->digits.size() <= 3) {
        id = std::to_string(n->value);
        p = n->end;
    } else if (is_ascii_letter(s[pos]) && !(pos + 1 < s.size() && is_ascii_letter(s[pos + 1]))) {
        id = std::string(1, s[pos]);
        p = pos + 1;
    } else {
        return std::nullopt;
    }
    for (auto marker : kBuildingMarkers) {
        if (at(s, p, marker)) {
            // "3号" followed by 楼 is handled by 号楼; a bare letter needs 栋/座/幢.
            if (is_ascii_letter(id[0]) && (marker == "#" || marker == "#楼")) return std::nullopt;
            return Building{id, p + marker.size()};
        }
    }
    return std::nullopt;
}

struct Room {
    std::string digits;
    std::size_t end;
};

std::optional<Room> room_at(std::string_view s, std::size_t pos) {
    auto n = text::number_at(s, pos);
    if (!n || n->digits.size() < 2 || n->digits.size() > 5) return std::nullopt;
    std::size_t end = n->end;
    for (auto suffix : kRoomSuffixes) {
        if (at(s, end, suffix)) {
            end += suffix.size();
            break;
        }
    }
    // "502室" fine; "10点" or "3楼" are not rooms.
    if (at(s, n->end, "号楼") || at(s, n->end, "点") || at(s, n->end, "楼") ||
        at(s, n->end, "层") || at(s, n->end, "单元") || at(s, n->end, "月") ||
        at(s, n->end, "分")) {
        return std::nullopt;
    }
    return Room{n->digits, end};
}

const KeywordHit* area_hit_at(std::span<const KeywordHit> hits, std::size_t pos,
                              KeywordHit::Kind kind) {
    for (const auto& h : hits) {
        if (h.pos == pos && h.kind == kind) return &h;  // longest first at one position
    }
    return nullptr;
}

// Building-led forms: 3栋2单元502, 三号楼二单元5楼502室, 5号楼电梯厅, 3栋 (incomplete).
std::optional<AddressMatch> building_form(std::string_view s, std::size_t pos,
                                          std::span<const KeywordHit> hits) {
    auto b = building_at(s, pos);
    if (!b) return std::nullopt;
    AddressMatch m;
    m.begin = pos;
    m.address.building = b->id;
    std::size_t p = skip_separators(s, b->end);
    m.end = b->end;
    if (auto u = text::number_at(s, p); u && at(s, u->end, "单元") && u->digits.size() <= 2) {
        m.address.unit = std::to_string(u->value);
        m.end = u->end + std::string_view("单元").size();
        p = skip_separators(s, m.end);
    }
    if (auto f = text::number_at(s, p); f && (at(s, f->end, "楼") || at(s, f->end, "层")) &&
                                        f->digits.size() <= 2 && !at(s, f->end, "楼道") &&
                                        !at(s, f->end, "楼梯")) {
        p = skip_separators(s, f->end + 3);  // the floor is implied by the room number
    }
    if (auto r = room_at(s, p)) {
        m.address.room = r->digits;
        m.end = r->end;
        m.complete = true;
        return m;
    }
    const KeywordHit* area = area_hit_at(hits, p, KeywordHit::Kind::building_area);
    if (!area) area = area_hit_at(hits, p, KeywordHit::Kind::site_area);
    if (area) {
        m.address.area = std::string(s.substr(area->pos, area->length));
        m.address.is_public = true;
        m.end = area->pos + area->length;
        m.complete = true;
    }
    return m;
}

// Dashed forms: 3-2-502 (building-unit-room) and 3-502 (building-room).
std::optional<AddressMatch> dashed_form(std::string_view s, std::size_t pos) {
    if (!text::is_ascii_digit(s[pos])) return std::nullopt;
    std::array<text::NumberToken, 3> parts;
    std::size_t n = 0;
    std::size_t p = pos;
    while (n < parts.size()) {
        auto t = text::number_at(s, p);
        if (!t || !text::is_ascii_digit(s[p])) break;
        parts[n++] = *t;
        p = t->end;
        if (p < s.size() && s[p] == '-' && p + 1 < s.size() && text::is_ascii_digit(s[p + 1])) {
            ++p;
        } else {
            break;
        }
    }
    if (n < 2) return std::nullopt;
    if (p < s.size() && (s[p] == '-' || text::is_ascii_digit(s[p]))) return std::nullopt;
    const auto& room = parts[n - 1];
    if (parts[0].digits.size() > 3 || parts[0].value == 0) return std::nullopt;
    if (room.digits.size() < 3 || room.digits.size() > 5) return std::nullopt;
    if (n == 3 && parts[1].digits.size() > 2) return std::nullopt;
    AddressMatch m;
    m.begin = pos;
    m.end = room.end;
    for (auto suffix : kRoomSuffixes) {
        if (at(s, m.end, suffix)) {
            m.end += suffix.size();
            break;
        }
    }
    m.address.building = std::to_string(parts[0].value);
    if (n == 3) m.address.unit = std::to_string(parts[1].value);
    m.address.room = room.digits;
    m.complete = true;
    return m;
}

}  // namespace

std::string display(const Address& a) {
    std::string out;
    if (!a.building.empty()) {
        for (char c : a.building) out.push_back(c >= 'a' && c <= 'z' ? char(c - 'a' + 'A') : c);
        out += "栋";
    }
    if (!a.unit.empty()) out += a.unit + "单元";
    out += a.room;
    out += a.area;
    if (out.empty()) return a.label;
    return out;
}

std::optional<AddressMatch> find_address(std::string_view s, std::span<const KeywordHit> hits) {
    std::optional<AddressMatch> partial;
    for (std::size_t pos = 0; pos < s.size();) {
        if (!glued_before(s, pos)) {
            if (auto m = dashed_form(s, pos)) return m;
            if (auto m = building_form(s, pos, hits)) {
                if (m->complete) return m;
                if (!partial) partial = m;
            }
        }
        pos += text::decode_at(s, pos).length;
    }
    if (partial) return partial;
    for (const auto& h : hits) {
        if (h.kind == KeywordHit::Kind::site_area) {
            AddressMatch m;
            m.begin = h.pos;
            m.end = h.pos + h.length;
            m.address.area = std::string(s.substr(h.pos, h.length));
            m.address.is_public = true;
            m.complete = true;
            return m;
        }
    }
    // A room or unit with no building ("2单元502", "502室"): the owner must add the building.
    for (std::size_t pos = 0; pos < s.size();) {
        if (!glued_before(s, pos)) {
            AddressMatch m;
            m.begin = pos;
            std::size_t p = pos;
            if (auto u = text::number_at(s, pos); u && at(s, u->end, "单元")) {
                m.address.unit = std::to_string(u->value);
                p = skip_separators(s, u->end + std::string_view("单元").size());
                m.end = p;
            }
            auto r = room_at(s, p);
            auto n = text::number_at(s, p);
            bool room_marked = n && (at(s, n->end, "室") || at(s, n->end, "房"));  // "502室"
            if (r && (room_marked || !m.address.unit.empty())) {
                m.address.room = r->digits;
                m.end = r->end;
            }
            if (!m.address.unit.empty() || !m.address.room.empty()) return m;
        }
        pos += text::decode_at(s, pos).length;
    }
    return std::nullopt;
}

std::optional<AddressMatch> find_address(std::string_view normalized, const FaultCatalog& catalog) {
    auto hits = catalog.scan(normalized);
    return find_address(normalized, hits);
}

bool means_same_as_last_time(std::string_view c) {
    static constexpr std::array<std::string_view, 12> kWords = {
        "同上次", "和上次一样", "跟上次一样", "与上次一样", "上次的地址", "上次地址",
        "老地址", "原地址",     "还是上次的", "同上",       "还是原来的", "原来的地址"};
    for (auto w : kWords) {
        if (c == w) return true;
    }
    return false;
}

}  // namespace repairbot::dialog
