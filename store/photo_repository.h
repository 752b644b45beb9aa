// SQL for photos (报修图片): each WeChat MediaId once, its PicUrl fallback, and the download
// worker's outcome (content-addressed path, SHA-256, size). Blocking; runs on the connection
// given (MysqlPool::run).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/errors.h"
#include "store/records.h"

namespace sql {
class Connection;
}

namespace repairbot::store {

class PhotoRepository {
  public:
    // Records a photo as pending; the same media_id again returns the stored row (attaching it
    // to p.ticket_id if it had none). Never returns an error today.
    static Result<Photo> add(sql::Connection& c, const Photo& p, Timestamp now);

    static std::vector<Photo> for_ticket(sql::Connection& c, std::uint64_t ticket_id);
    // StoreErrc::not_found when the media id is unknown.
    static Result<Photo> find_by_media_id(sql::Connection& c, const std::string& media_id);

    // Pending photos, oldest first (a worker's backlog at start-up).
    static std::vector<Photo> pending(sql::Connection& c, std::uint32_t max);

    // The download stored the bytes. StoreErrc::not_found when there is no such photo.
    static Status mark_stored(sql::Connection& c, std::uint64_t id, const std::string& stored_path,
                              const std::string& sha256, std::uint64_t size_bytes, Timestamp now);

    // A download try failed: counts it; `final` ends the photo as failed (the PicUrl remains).
    static Status mark_failed(sql::Connection& c, std::uint64_t id, const std::string& error,
                              bool final);
};

}  // namespace repairbot::store
