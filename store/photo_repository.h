// SQL for photos (报修图片): each WeChat MediaId once, its PicUrl fallback, the download
// worker's lease (several instances never download one photo at once) and its outcome
// (content-addressed path, SHA-256, size). Blocking; runs on the connection given
// (MysqlPool::run).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/errors.h"
#include "store/records.h"
#include "store/sql_batch.h"

namespace sql {
class Connection;
}

namespace repairbot::store {

class PhotoRepository {
  public:
    // Records a photo as pending; the same media_id again returns the stored row (attaching it
    // to p.ticket_id if it had none). Never returns an error today.
    static Result<Photo> add(sql::Connection& c, const Photo& p, Timestamp now);
    // The same, without reading the row back (one statement; for callers that need no row).
    static void add_pending(sql::Connection& c, const Photo& p, Timestamp now);
    // The same statement added to the caller's batch.
    static void add_pending(SqlBatch& batch, const Photo& p, Timestamp now);

    static std::vector<Photo> for_ticket(sql::Connection& c, std::uint64_t ticket_id);
    // StoreErrc::not_found when the media id is unknown.
    static Result<Photo> find_by_media_id(sql::Connection& c, const std::string& media_id);

    // Pending photos, oldest first (a worker's backlog at start-up).
    static std::vector<Photo> pending(sql::Connection& c, std::uint32_t max);

    // Leases up to `max` photos due at `now` (pending, next try due or unset, no live lease) to
    // `worker` until now + lease; returns them oldest first. Counts no attempt (the outcome
    // does). A crashed worker's photos come back when their lease ends. Not one transaction: a
    // caller that runs it again after a failure passes the same `now` and `repeat` = true, so
    // the photos the first run leased are returned even when the repeat leases none.
    static std::vector<Photo> claim_due(sql::Connection& c, Timestamp now,
                                        std::chrono::milliseconds lease, const std::string& worker,
                                        std::uint32_t max, bool repeat = false);

    // A photo the worker has written to the media folder.
    struct StoredFile {
        std::uint64_t id = 0;
        std::string stored_path;
        std::string sha256;
        std::uint64_t size_bytes = 0;
    };
    // As mark_stored, for photos leased by claim_due, all in one statement (a worker's pass
    // marks its photos together): ends their leases. Returns the ids marked, in `files` order; a
    // photo not leased to `worker` any more (its lease ran out and someone else took it) is left
    // as it is and not returned. Run again with the same `now` (a retried hop whose first run
    // committed), photos it marked then count as marked. An empty `files` sends nothing.
    static std::vector<std::uint64_t> mark_stored_leased(sql::Connection& c,
                                                         const std::vector<StoredFile>& files,
                                                         const std::string& worker, Timestamp now);

    // A leased download try failed: counts it and ends the lease. With `retry_at` the photo
    // stays pending until then; without, it ends as failed (the PicUrl remains).
    // StoreErrc::not_found as mark_stored_leased.
    static Status mark_failed_leased(sql::Connection& c, std::uint64_t id,
                                     const std::string& worker, const std::string& error,
                                     std::optional<Timestamp> retry_at);

    // The download stored the bytes (ends any lease). StoreErrc::not_found when there is no such
    // photo.
    static Status mark_stored(sql::Connection& c, std::uint64_t id, const std::string& stored_path,
                              const std::string& sha256, std::uint64_t size_bytes, Timestamp now);

    // A download try failed: counts it; `final` ends the photo as failed (the PicUrl remains).
    // Ends any lease.
    static Status mark_failed(sql::Connection& c, std::uint64_t id, const std::string& error,
                              bool final);
};

}  // namespace repairbot::store
