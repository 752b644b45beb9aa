#include "store/owner_repository.h"

#include "store/errors.h"
#include "store/sql_row.h"

namespace repairbot::store {
namespace {

using namespace sql_row;

// Empty fields keep what is stored; the address's parts move together with the address.
constexpr const char* kRemember =
    "INSERT INTO owners (openid, name, phone, building, unit, room, address, created_at, updated_at) "
    "VALUES (?,?,?,?,?,?,?,?,?) ON DUPLICATE KEY UPDATE "
    "name = IF(VALUES(name) <> '', VALUES(name), name), "
    "phone = IF(VALUES(phone) <> '', VALUES(phone), phone), "
    "building = IF(VALUES(address) <> '', VALUES(building), building), "
    "unit = IF(VALUES(address) <> '', VALUES(unit), unit), "
    "room = IF(VALUES(address) <> '', VALUES(room), room), "
    "address = IF(VALUES(address) <> '', VALUES(address), address), "
    "updated_at = VALUES(updated_at)";

Owner read_owner(sql::ResultSet& rs) {
    Owner o;
    o.id = rs.getUInt64("id");
    o.openid = str(rs, "openid");
    o.name = str(rs, "name");
    o.phone = str(rs, "phone");
    o.building = str(rs, "building");
    o.unit = str(rs, "unit");
    o.room = str(rs, "room");
    o.address = str(rs, "address");
    o.last_inbound_at = opt_time(rs, "last_inbound_at");
    o.created_at = time(rs, "created_at");
    o.updated_at = time(rs, "updated_at");
    return o;
}

}  // namespace

Owner OwnerRepository::upsert(sql::Connection& c, const Owner& p, Timestamp now) {
    remember(c, p, now);
    return find_by_openid(c, p.openid).value();
}

void OwnerRepository::remember(sql::Connection& c, const Owner& p, Timestamp now) {
    auto st = prepare(c, kRemember);
    bind_all(*st, p.openid, p.name, p.phone, p.building, p.unit, p.room, p.address, now, now);
    st->executeUpdate();
}

void OwnerRepository::remember(SqlBatch& batch, const Owner& p, Timestamp now) {
    batch.add(kRemember, p.openid, p.name, p.phone, p.building, p.unit, p.room, p.address, now, now);
}

std::unordered_map<std::string, Timestamp> OwnerRepository::last_inbound_of(
    sql::Connection& c, const std::vector<std::string>& openids) {
    std::unordered_map<std::string, Timestamp> out;
    if (openids.empty()) return out;
    // One statement text per list length (a worker's batch bounds it).
    auto st = prepare(c, "SELECT openid, last_inbound_at FROM owners WHERE openid IN (" + placeholders(openids.size()) +
                             ") AND last_inbound_at IS NOT NULL");
    for (std::size_t i = 0; i < openids.size(); ++i) bind(*st, static_cast<int>(i + 1), openids[i]);
    auto rs = query(*st);
    while (rs->next())
        if (auto at = opt_time(*rs, "last_inbound_at")) out.emplace(rs->getString("openid"), *at);
    return out;
}

Result<Owner> OwnerRepository::find_by_openid(sql::Connection& c, const std::string& openid) {
    auto st = prepare(c,
                      "SELECT id, openid, name, phone, building, unit, room, address, "
                      "last_inbound_at, created_at, "
                      "updated_at FROM owners WHERE openid = ?");
    bind_all(*st, openid);
    auto rs = query(*st);
    if (!rs->next()) return Error{StoreErrc::not_found, "owner"};
    return read_owner(*rs);
}

Owner OwnerRepository::touch_inbound(sql::Connection& c, const std::string& openid, Timestamp at) {
    // RETURNING hands back the row as inserted or as updated (the sequence upsert relies on
    // the same), so the profile needs no second statement.
    auto st = prepare(
        c,
        "INSERT INTO owners (openid, last_inbound_at, created_at, updated_at) VALUES (?,?,?,?) "
        "ON DUPLICATE KEY UPDATE last_inbound_at = GREATEST(COALESCE(last_inbound_at, "
        "VALUES(last_inbound_at)), "
        "VALUES(last_inbound_at)) "
        "RETURNING id, openid, name, phone, building, unit, room, address, last_inbound_at, "
        "created_at, updated_at");
    bind_all(*st, openid, at, at, at);
    auto rs = query(*st);
    if (!rs->next()) throw sql::SQLException("INSERT INTO owners ... RETURNING returned no row");
    return read_owner(*rs);
}

}  // namespace repairbot::store
