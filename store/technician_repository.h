// SQL for technicians (维修人员), their one-time bind codes, and the dispatch candidates query.
// Blocking; runs on the connection given (MysqlPool::run).
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

struct DispatchCandidate {
    Technician technician;
    std::uint32_t open_jobs = 0;  // tickets dispatched/accepted/arrived on them
};

// The order candidates are offered in: fewest open jobs first, then by id.
[[nodiscard]] inline bool offered_before(const DispatchCandidate& a, const DispatchCandidate& b) {
    return a.open_jobs != b.open_jobs ? a.open_jobs < b.open_jobs : a.technician.id < b.technician.id;
}

class TechnicianRepository {
  public:
    // Inserts `t` (id, times ignored) and returns it with its id. StoreErrc::duplicate when
    // t.openid is already bound to someone.
    static Result<Technician> add(sql::Connection& c, const Technician& t, Timestamp now);

    // StoreErrc::not_found when there is no such technician.
    static Result<Technician> find_by_id(sql::Connection& c, std::uint64_t id);
    static Result<Technician> find_by_openid(sql::Connection& c, const std::string& openid);

    // By id. Never fails.
    static std::vector<Technician> list(sql::Connection& c, bool active_only);

    // Saves name, phone, trades, buildings, on_duty, capacity, flags and active.
    // StoreErrc::not_found when there is no such technician.
    static Status update(sql::Connection& c, const Technician& t, Timestamp now);

    // Sets only whether technician `id` is on duty (their 上班 / 下班); nothing when there is no
    // such technician.
    static void set_on_duty(sql::Connection& c, std::uint64_t id, bool on, Timestamp now);

    // Stores a one-time code for the technician until `expires_at`. StoreErrc::duplicate when
    // the code exists; StoreErrc::not_found when the technician does not.
    static Status add_bind_code(sql::Connection& c, std::uint64_t technician_id,
                                const std::string& code, Timestamp expires_at, Timestamp now);

    // In one transaction: consumes `code` and binds `openid` to its technician. Errors:
    // StoreErrc::not_found (no such code), StoreErrc::invalid_state (used or expired),
    // StoreErrc::duplicate (this openid is already another technician's).
    static Result<Technician> bind(sql::Connection& c, const std::string& code,
                                   const std::string& openid, Timestamp now);

    // Active, on-duty technicians of `trade` serving `building` ('' = any) with spare capacity,
    // fewest open jobs first. Never fails.
    static std::vector<DispatchCandidate> candidates(sql::Connection& c, const std::string& trade,
                                                     const std::string& building);

    // True when an active supervisor is bound to WeChat: someone to review quotes. Never fails.
    static bool supervisor_bound(sql::Connection& c);
};

// True when the technician is bound to WeChat (a non-empty openid): messages can reach them.
// Says nothing about `active`: the caller decides whether a deactivated one is told. Pure.
[[nodiscard]] bool is_bound(const Technician& t);

// True when a job given to the technician now reaches them and can be taken: active, on duty
// (not after 下班) and bound to WeChat. Pure.
[[nodiscard]] bool takes_jobs_now(const Technician& t);

// The ticket's technician when it has one and they are still bound to WeChat (is_bound);
// nullopt when it has none, the row is gone, or they are not bound. Blocking; runs on the
// connection given.
[[nodiscard]] std::optional<Technician> bound_technician_of(sql::Connection& c,
                                                            const Ticket& ticket);

// "水,电" <-> {"水", "电"} (the trades and buildings columns). Pure.
[[nodiscard]] std::string join_list(const std::vector<std::string>& items);
[[nodiscard]] std::vector<std::string> split_list(const std::string& joined);

}  // namespace repairbot::store
