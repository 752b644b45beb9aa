#include "store/statement_cache.h"

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>

#include <memory>
#include <mutex>
#include <unordered_map>

namespace repairbot::store {
namespace {

using Statements = std::unordered_map<std::string, std::unique_ptr<sql::PreparedStatement>>;

// Dynamic filters make a bounded number of shapes; past this the cache starts over.
constexpr std::size_t kMaxPerConnection = 256;

struct Registry {
    std::mutex mu;
    // Node-based: a connection's Statements stays put while other connections come and go.
    std::unordered_map<const sql::Connection*, Statements> by_connection;
};

Registry& registry() {
    static Registry* r = new Registry;  // never destroyed: pools may outlive static destruction
    return *r;
}

}  // namespace

sql::PreparedStatement& StatementCache::get(sql::Connection& c, const std::string& q) {
    Statements* mine;
    {
        auto& r = registry();
        std::lock_guard lock(r.mu);
        mine = &r.by_connection[&c];
    }
    if (auto it = mine->find(q); it != mine->end()) return *it->second;
    if (mine->size() >= kMaxPerConnection) mine->clear();
    std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(q));
    auto& ref = *st;
    mine->emplace(q, std::move(st));
    return ref;
}

void StatementCache::forget(sql::Connection& c) noexcept {
    Statements dead;
    {
        auto& r = registry();
        std::lock_guard lock(r.mu);
        auto it = r.by_connection.find(&c);
        if (it == r.by_connection.end()) return;
        dead.swap(it->second);
        r.by_connection.erase(it);
    }
    for (auto& [q, st] : dead) {
        try {
            st.reset();
        } catch (...) {
            (void)st.release();  // the link is gone; the connection frees what is left
        }
    }
}

}  // namespace repairbot::store
