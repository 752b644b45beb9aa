// Server-side prepared statements kept per pooled connection, so a repository statement costs
// one round trip (execute) instead of three (prepare, execute, close).
#pragma once

#include <string>

namespace sql {
class Connection;
class PreparedStatement;
}  // namespace sql

namespace repairbot::store {

class StatementCache {
  public:
    // The statement for `sql` on `c`, prepared on first use (blocks for that round trip; throws
    // sql::SQLException like prepareStatement). The reference stays valid until forget(c).
    // Only the thread holding `c` may use its statements (as with the connection itself).
    static sql::PreparedStatement& get(sql::Connection& c, const std::string& sql);

    // Closes every cached statement of `c`. MysqlPool calls it before destroying a connection.
    // Never throws.
    static void forget(sql::Connection& c) noexcept;
};

}  // namespace repairbot::store
