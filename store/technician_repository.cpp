#include "store/technician_repository.h"

#include <algorithm>

#include <cppconn/exception.h>

#include "store/errors.h"
#include "store/sql_row.h"

namespace repairbot::store {
namespace {

using namespace sql_row;

constexpr const char* kColumns =
    "id, openid, name, phone, trades, buildings, on_duty, capacity, is_supervisor, is_dispatcher, "
    "is_manager, "
    "active, created_at, updated_at";

Technician read_technician(sql::ResultSet& rs) {
    Technician t;
    t.id = rs.getUInt64("id");
    t.openid = opt_str(rs, "openid");
    t.name = str(rs, "name");
    t.phone = str(rs, "phone");
    t.trades = split_list(str(rs, "trades"));
    t.buildings = split_list(str(rs, "buildings"));
    t.on_duty = rs.getBoolean("on_duty");
    t.capacity = rs.getUInt("capacity");
    t.is_supervisor = rs.getBoolean("is_supervisor");
    t.is_dispatcher = rs.getBoolean("is_dispatcher");
    t.is_manager = rs.getBoolean("is_manager");
    t.active = rs.getBoolean("active");
    t.created_at = time(rs, "created_at");
    t.updated_at = time(rs, "updated_at");
    return t;
}

Result<Technician> find_one(sql::Connection& c, const char* where, const auto& value) {
    auto st = prepare(c, std::string("SELECT ") + kColumns + " FROM technicians WHERE " + where);
    bind_all(*st, value);
    auto rs = query(*st);
    if (!rs->next()) return Error{StoreErrc::not_found, "technician"};
    return read_technician(*rs);
}

}  // namespace

bool is_bound(const Technician& t) { return t.openid && !t.openid->empty(); }

bool takes_jobs_now(const Technician& t) {
    return t.active && t.on_duty && is_bound(t);
}

std::optional<Technician> bound_technician_of(sql::Connection& c, const Ticket& ticket) {
    if (!ticket.technician_id) return std::nullopt;
    auto tech = TechnicianRepository::find_by_id(c, *ticket.technician_id);
    if (!tech || !is_bound(*tech)) return std::nullopt;
    return std::move(*tech);
}

std::string join_list(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) {
        if (i.empty()) continue;
        if (!out.empty()) out += ',';
        out += i;
    }
    return out;
}

std::vector<std::string> split_list(const std::string& joined) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= joined.size()) {
        const auto comma = joined.find(',', start);
        auto item =
            joined.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!item.empty()) out.push_back(std::move(item));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

Result<Technician> TechnicianRepository::add(sql::Connection& c, const Technician& t,
                                             Timestamp now) {
    auto st = prepare(
        c,
        "INSERT INTO technicians (openid, name, phone, trades, buildings, on_duty, capacity, "
        "is_supervisor, is_dispatcher, is_manager, active, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
    bind_all(*st, t.openid, t.name, t.phone, join_list(t.trades), join_list(t.buildings), t.on_duty,
             t.capacity, t.is_supervisor, t.is_dispatcher, t.is_manager, t.active, now, now);
    try {
        st->executeUpdate();
    } catch (const sql::SQLException& e) {
        if (e.getErrorCode() == 1062) return Error{StoreErrc::duplicate, "openid already bound"};
        throw;
    }
    Technician out = t;
    out.id = last_insert_id(c);
    out.created_at = out.updated_at = now;
    return out;
}

Result<Technician> TechnicianRepository::find_by_id(sql::Connection& c, std::uint64_t id) {
    return find_one(c, "id = ?", id);
}

Result<Technician> TechnicianRepository::find_by_openid(sql::Connection& c,
                                                        const std::string& openid) {
    return find_one(c, "openid = ?", openid);
}

std::vector<Technician> TechnicianRepository::list(sql::Connection& c, bool active_only) {
    auto st = prepare(c, std::string("SELECT ") + kColumns + " FROM technicians" +
                             (active_only ? " WHERE active = 1" : "") + " ORDER BY id");
    auto rs = query(*st);
    std::vector<Technician> out;
    while (rs->next()) out.push_back(read_technician(*rs));
    return out;
}

Status TechnicianRepository::update(sql::Connection& c, const Technician& t, Timestamp now) {
    auto st = prepare(
        c,
        "UPDATE technicians SET name=?, phone=?, trades=?, buildings=?, on_duty=?, capacity=?, "
        "is_supervisor=?, is_dispatcher=?, is_manager=?, active=?, updated_at=? WHERE id=?");
    bind_all(*st, t.name, t.phone, join_list(t.trades), join_list(t.buildings), t.on_duty,
             t.capacity, t.is_supervisor, t.is_dispatcher, t.is_manager, t.active, now, t.id);
    st->executeUpdate();
    // Affected rows are 0 for an unchanged row too: check existence instead.
    if (!find_by_id(c, t.id)) return Error{StoreErrc::not_found, "technician"};
    return Ok{};
}

void TechnicianRepository::set_on_duty(sql::Connection& c, std::uint64_t id, bool on,
                                       Timestamp now) {
    auto st = prepare(c, "UPDATE technicians SET on_duty=?, updated_at=? WHERE id=?");
    bind_all(*st, on, now, id);
    st->executeUpdate();
}

Status TechnicianRepository::add_bind_code(sql::Connection& c, std::uint64_t technician_id,
                                           const std::string& code, Timestamp expires_at,
                                           Timestamp now) {
    auto st = prepare(
        c, "INSERT INTO bind_codes (code, technician_id, created_at, expires_at) VALUES (?,?,?,?)");
    bind_all(*st, code, technician_id, now, expires_at);
    try {
        st->executeUpdate();
    } catch (const sql::SQLException& e) {
        if (e.getErrorCode() == 1062) return Error{StoreErrc::duplicate, "bind code"};
        if (e.getErrorCode() == 1452) return Error{StoreErrc::not_found, "technician"};
        throw;
    }
    return Ok{};
}

Result<Technician> TechnicianRepository::bind(sql::Connection& c, const std::string& code,
                                              const std::string& openid, Timestamp now) {
    Transaction trx(c);
    auto st = prepare(
        c, "SELECT technician_id, expires_at, used_at FROM bind_codes WHERE code = ? FOR UPDATE");
    bind_all(*st, code);
    auto rs = query(*st);
    if (!rs->next()) return Error{StoreErrc::not_found, "bind code"};
    const std::uint64_t technician_id = rs->getUInt64("technician_id");
    if (!rs->isNull("used_at") || time(*rs, "expires_at") <= now) {
        return Error{StoreErrc::invalid_state, "bind code used or expired"};
    }
    rs.reset();
    auto up = prepare(c, "UPDATE technicians SET openid = ?, updated_at = ? WHERE id = ?");
    bind_all(*up, openid, now, technician_id);
    try {
        up->executeUpdate();
    } catch (const sql::SQLException& e) {
        if (e.getErrorCode() == 1062) return Error{StoreErrc::duplicate, "openid already bound"};
        throw;
    }
    auto used = prepare(c, "UPDATE bind_codes SET used_at = ?, used_by = ? WHERE code = ?");
    bind_all(*used, now, openid, code);
    used->executeUpdate();
    auto t = find_by_id(c, technician_id);
    trx.commit();
    return t;
}

bool TechnicianRepository::supervisor_bound(sql::Connection& c) {
    // The condition of the supervisors' staff notices (outbox_repository.cpp).
    auto st = prepare(c,
                      "SELECT 1 FROM technicians WHERE active = 1 AND is_supervisor <> 0 AND "
                      "openid IS NOT NULL AND openid <> '' LIMIT 1");
    return query(*st)->next();
}

std::vector<DispatchCandidate> TechnicianRepository::candidates(sql::Connection& c,
                                                                const std::string& trade,
                                                                const std::string& building) {
    // Open jobs as three counts of equal (technician_id, status) on ix_tickets_technician, so
    // each is a lookup of the technician's tickets in that status. FORCE INDEX because the
    // server's choice here follows live counts: with a year of history the estimate for a
    // (technician, status) pair is ~200 rows (closed tickets dominate the statistics), so when
    // fewer tickets than that are in one open status desk-wide it read every ticket in that
    // status instead, per technician — under the bench's load 6,000–10,000 rows and 54–100 ms
    // per call (docs/performance.md, step 28). One `status IN (…)` count reads the
    // technician's whole history by technician_id alone (183,804 rows per filing, step 25), and a
    // derived table of counts per technician was split back into that read (LATERAL DERIVED).
    // Capacity and order are applied here, not in SQL: a filter or ORDER BY on the counts in
    // SQL evaluated the three lookups up to three times per technician.
    auto st = prepare(
        c,
        "SELECT t.id, t.openid, t.name, t.phone, t.trades, t.buildings, t.on_duty, t.capacity, "
        "t.is_supervisor, t.is_dispatcher, t.is_manager, t.active, t.created_at, t.updated_at, "
        "(SELECT COUNT(*) FROM tickets k FORCE INDEX (ix_tickets_technician) "
        "WHERE k.technician_id = t.id AND k.status = 'dispatched') + "
        "(SELECT COUNT(*) FROM tickets k FORCE INDEX (ix_tickets_technician) "
        "WHERE k.technician_id = t.id AND k.status = 'accepted') + "
        "(SELECT COUNT(*) FROM tickets k FORCE INDEX (ix_tickets_technician) "
        "WHERE k.technician_id = t.id AND k.status = 'arrived') AS open_jobs "
        "FROM technicians t WHERE t.active = 1 AND t.on_duty = 1 AND FIND_IN_SET(?, t.trades) > 0 "
        "AND (t.buildings = '' OR ? = '' OR FIND_IN_SET(?, t.buildings) > 0)");
    bind_all(*st, trade, building, building);
    auto rs = query(*st);
    std::vector<DispatchCandidate> out;
    while (rs->next()) {
        DispatchCandidate d;
        d.technician = read_technician(*rs);
        d.open_jobs = static_cast<std::uint32_t>(rs->getUInt64("open_jobs"));
        if (d.open_jobs < d.technician.capacity) out.push_back(std::move(d));
    }
    std::sort(out.begin(), out.end(), offered_before);
    return out;
}

}  // namespace repairbot::store
