#include "store/photo_repository.h"

#include <algorithm>

#include "store/errors.h"
#include "store/sql_row.h"

namespace repairbot::store {
namespace {

using namespace sql_row;

// A photo already recorded (the same media_id) keeps its row: it gains the ticket if it had none,
// and the picture URL if it had none.
constexpr const char* kAddPending =
    "INSERT INTO photos (ticket_id, owner_openid, media_id, pic_url, status, created_at) "
    "VALUES (?,?,?,?,'pending',?) ON DUPLICATE KEY UPDATE "
    "ticket_id = COALESCE(ticket_id, VALUES(ticket_id)), "
    "pic_url = IF(pic_url = '', VALUES(pic_url), pic_url)";

constexpr const char* kColumns =
    "id, ticket_id, owner_openid, media_id, pic_url, stored_path, sha256, size_bytes, status, "
    "attempts, last_error, "
    "created_at, stored_at";

Photo read_photo(sql::ResultSet& rs) {
    Photo p;
    p.id = rs.getUInt64("id");
    p.ticket_id = opt_u64(rs, "ticket_id");
    p.owner_openid = str(rs, "owner_openid");
    p.media_id = str(rs, "media_id");
    p.pic_url = str(rs, "pic_url");
    p.stored_path = str(rs, "stored_path");
    p.sha256 = str(rs, "sha256");
    p.size_bytes = opt_u64(rs, "size_bytes");
    p.status = str(rs, "status");
    p.attempts = rs.getUInt("attempts");
    p.last_error = str(rs, "last_error");
    p.created_at = time(rs, "created_at");
    p.stored_at = opt_time(rs, "stored_at");
    return p;
}

std::vector<Photo> read_all(sql::PreparedStatement& st) {
    auto rs = query(st);
    std::vector<Photo> out;
    while (rs->next()) out.push_back(read_photo(*rs));
    return out;
}

}  // namespace

Result<Photo> PhotoRepository::add(sql::Connection& c, const Photo& p, Timestamp now) {
    add_pending(c, p, now);
    return find_by_media_id(c, p.media_id);
}

void PhotoRepository::add_pending(sql::Connection& c, const Photo& p, Timestamp now) {
    auto st = prepare(c, kAddPending);
    bind_all(*st, p.ticket_id, p.owner_openid, p.media_id, p.pic_url, now);
    st->executeUpdate();
}

void PhotoRepository::add_pending(SqlBatch& batch, const Photo& p, Timestamp now) {
    batch.add(kAddPending, p.ticket_id, p.owner_openid, p.media_id, p.pic_url, now);
}

std::vector<Photo> PhotoRepository::for_ticket(sql::Connection& c, std::uint64_t ticket_id) {
    auto st = prepare(
        c, std::string("SELECT ") + kColumns + " FROM photos WHERE ticket_id = ? ORDER BY id");
    bind_all(*st, ticket_id);
    return read_all(*st);
}

Result<Photo> PhotoRepository::find_by_media_id(sql::Connection& c, const std::string& media_id) {
    auto st = prepare(c, std::string("SELECT ") + kColumns + " FROM photos WHERE media_id = ?");
    bind_all(*st, media_id);
    auto all = read_all(*st);
    if (all.empty()) return Error{StoreErrc::not_found, "photo"};
    return std::move(all.front());
}

std::vector<Photo> PhotoRepository::pending(sql::Connection& c, std::uint32_t max) {
    auto st = prepare(c, std::string("SELECT ") + kColumns +
                             " FROM photos WHERE status = 'pending' ORDER BY id LIMIT ?");
    bind_all(*st, max);
    return read_all(*st);
}

Status PhotoRepository::mark_stored(sql::Connection& c, std::uint64_t id,
                                    const std::string& stored_path, const std::string& sha256,
                                    std::uint64_t size_bytes, Timestamp now) {
    auto st =
        prepare(c,
                "UPDATE photos SET status = 'stored', stored_path = ?, sha256 = ?, size_bytes = ?, "
                "stored_at = ?, attempts = attempts + 1, last_error = '', lease_until = NULL, "
                "lease_owner = '' WHERE id = ?");
    bind_all(*st, stored_path, sha256, size_bytes, now, id);
    if (st->executeUpdate() == 0) return Error{StoreErrc::not_found, "photo"};
    return Ok{};
}

Status PhotoRepository::mark_failed(sql::Connection& c, std::uint64_t id, const std::string& error,
                                    bool final) {
    auto st = prepare(c,
                      "UPDATE photos SET attempts = attempts + 1, last_error = LEFT(?, 255), "
                      "status = IF(?, 'failed', status), lease_until = NULL, lease_owner = '' "
                      "WHERE id = ?");
    bind_all(*st, error, final, id);
    if (st->executeUpdate() == 0) return Error{StoreErrc::not_found, "photo"};
    return Ok{};
}

std::vector<Photo> PhotoRepository::claim_due(sql::Connection& c, Timestamp now,
                                              std::chrono::milliseconds lease,
                                              const std::string& worker, std::uint32_t max,
                                              bool repeat) {
    const Timestamp until = now + lease;
    // UPDATE reads the latest committed rows under lock, so two workers racing here lease
    // disjoint photos. Two claims, each an ordered range of ix_photos_due (status,
    // next_attempt_at, id) that stops at its LIMIT: retries that are due (a failed download's
    // back-off has passed) first, then photos never tried, oldest first. One claim of "never
    // tried OR due, ORDER BY id" was planned on that index under load and sorted every pending
    // photo on each pass (1,190 rows examined per claim of 8 in the bench: the whole backlog),
    // and on ix_photos_status it walks every photo still waiting out a back-off (after a media
    // outage, all of them) — hence FORCE INDEX and the split.
    auto retries = prepare(c,
                           "UPDATE photos FORCE INDEX (ix_photos_due) SET lease_owner = ?, lease_until = ? "
                           "WHERE status = 'pending' AND next_attempt_at <= ? "
                           "AND (lease_until IS NULL OR lease_until <= ?) ORDER BY next_attempt_at, id LIMIT ?");
    bind_all(*retries, worker, until, now, now, max);
    auto claimed = static_cast<std::uint32_t>(retries->executeUpdate());
    if (claimed < max) {
        auto fresh = prepare(c,
                             "UPDATE photos FORCE INDEX (ix_photos_due) SET lease_owner = ?, lease_until = ? "
                             "WHERE status = 'pending' AND next_attempt_at IS NULL "
                             "AND (lease_until IS NULL OR lease_until <= ?) "
                             // = ORDER BY id here (all NULL), but only this spelling lets an
                             // UPDATE walk the index instead of sorting every match
                             "ORDER BY next_attempt_at, id LIMIT ?");
        bind_all(*fresh, worker, until, now, max - claimed);
        claimed += static_cast<std::uint32_t>(fresh->executeUpdate());
    }
    if (claimed == 0 && !repeat) return {};
    auto st = prepare(c, std::string("SELECT ") + kColumns +
                             " FROM photos WHERE status = 'pending' AND lease_owner = ? AND "
                             "lease_until = ? ORDER BY id");
    bind_all(*st, worker, until);
    return read_all(*st);
}

std::vector<std::uint64_t> PhotoRepository::mark_stored_leased(sql::Connection& c,
                                                              const std::vector<StoredFile>& files,
                                                              const std::string& worker,
                                                              Timestamp now) {
    std::vector<std::uint64_t> ids;
    for (const auto& f : files) ids.push_back(f.id);
    if (files.empty()) return ids;
    // One text per batch size (at most the worker's batch of them in the statement cache): each
    // column takes its photo's value by id.
    std::string when;
    for (std::size_t i = 0; i < files.size(); ++i) when += " WHEN ? THEN ?";
    const std::string in = placeholders(files.size());
    auto st = prepare(c, "UPDATE photos SET status = 'stored', stored_path = CASE id" + when +
                             " END, sha256 = CASE id" + when + " END, size_bytes = CASE id" + when +
                             " END, stored_at = ?, attempts = attempts + 1, last_error = '', "
                             "lease_until = NULL, lease_owner = '' WHERE id IN (" + in +
                             ") AND status = 'pending' AND lease_owner = ?");
    int i = 1;
    auto bind_by_id = [&](auto value_of) {
        for (const auto& f : files) {
            bind(*st, i++, f.id);
            bind(*st, i++, value_of(f));
        }
    };
    bind_by_id([](const StoredFile& f) -> const std::string& { return f.stored_path; });
    bind_by_id([](const StoredFile& f) -> const std::string& { return f.sha256; });
    bind_by_id([](const StoredFile& f) { return f.size_bytes; });
    bind(*st, i++, now);
    for (const auto& f : files) bind(*st, i++, f.id);
    bind(*st, i, worker);
    if (static_cast<std::size_t>(st->executeUpdate()) == files.size()) return ids;

    // Some were not marked now (rare): which ones carry this mark — stored at `now` — is read
    // back, so a lost lease is told apart from a mark a retried hop had already made.
    auto marked = prepare(c, "SELECT id FROM photos WHERE id IN (" + in +
                                 ") AND status = 'stored' AND stored_at = ?");
    int j = 1;
    for (const auto& f : files) bind(*marked, j++, f.id);
    bind(*marked, j, now);
    std::vector<std::uint64_t> found;
    auto rs = query(*marked);
    while (rs->next()) found.push_back(rs->getUInt64(1));
    std::vector<std::uint64_t> out;
    for (auto id : ids) {
        if (std::find(found.begin(), found.end(), id) != found.end()) out.push_back(id);
    }
    return out;
}

Status PhotoRepository::mark_failed_leased(sql::Connection& c, std::uint64_t id,
                                           const std::string& worker, const std::string& error,
                                           std::optional<Timestamp> retry_at) {
    auto st = prepare(c,
                      "UPDATE photos SET attempts = attempts + 1, last_error = LEFT(?, 255), "
                      "status = ?, next_attempt_at = COALESCE(?, next_attempt_at), "
                      "lease_until = NULL, lease_owner = '' "
                      "WHERE id = ? AND status = 'pending' AND lease_owner = ?");
    bind_all(*st, error, std::string(retry_at ? "pending" : "failed"), retry_at, id, worker);
    if (st->executeUpdate() == 0)
        return Error{StoreErrc::not_found, "photo not leased to this worker"};
    return Ok{};
}

}  // namespace repairbot::store
