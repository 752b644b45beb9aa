// SQL for owners (业主): the remembered profile and the time of their last message (WeChat's
// 48-hour customer-service window). Blocking; runs on the connection given (MysqlPool::run).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "config/errors.h"
#include "store/records.h"
#include "store/sql_batch.h"

namespace sql {
class Connection;
}

namespace repairbot::store {

class OwnerRepository {
  public:
    // Creates the owner or updates the profile; empty fields of `profile` keep what is stored.
    // Returns the stored row.
    static Owner upsert(sql::Connection& c, const Owner& profile, Timestamp now);
    // The same, without reading the row back (one statement).
    static void remember(sql::Connection& c, const Owner& profile, Timestamp now);
    // The same statement added to the caller's batch.
    static void remember(SqlBatch& batch, const Owner& profile, Timestamp now);

    // StoreErrc::not_found when the openid never wrote.
    static Result<Owner> find_by_openid(sql::Connection& c, const std::string& openid);

    // When each of `openids` last wrote to the account (the 48-hour window's start), in one
    // statement; an openid that never wrote, or has no stamp, is absent from the map.
    static std::unordered_map<std::string, Timestamp> last_inbound_of(sql::Connection& c,
                                                                      const std::vector<std::string>& openids);

    // Records an inbound message at `at` (creating the owner row if needed; a stamp never moves
    // back) and returns the row as it now stands — the remembered profile with it — in one
    // statement (INSERT ... RETURNING, MariaDB 10.5+).
    static Owner touch_inbound(sql::Connection& c, const std::string& openid, Timestamp at);
};

}  // namespace repairbot::store
