// Who is writing: the owner's remembered profile (phone, last home address, for prefill and
// 同上次) and whether the sender is a bound technician — without a MySQL round trip on every
// message. The webhook path asks this on each message; MySQL is asked:
//  - for a profile: on the owner's first message to this process, then at most once per
//    profile_ttl per owner (that query also stamps the owner's last inbound time, WeChat's
//    48-hour customer-service window; the stamp is thus at most profile_ttl old, which only
//    makes the outbox choose a template message a little early — never a refused send);
//  - for technicians: one query of all bound, active technicians' openids, at most once per
//    technicians_ttl for the whole process.
// Changes made through this process take effect at once (forget_profile after the owner's
// profile was saved, technicians_changed after a 绑定); changes made elsewhere (another
// instance, the admin CLI) within a TTL. What a technician may do is still checked against
// MySQL when a command runs (JobDesk), so a stale "is a technician" only shapes the dialogue.
// Thread-safe; the profile map is bounded (max_profiles, expired entries go first).
#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "dialog/context.h"
#include "store/mysql_pool.h"
#include "store/records.h"

namespace repairbot::bot {

struct SenderDirectoryOptions {
    std::chrono::seconds profile_ttl{120};
    std::chrono::milliseconds technicians_ttl{2000};
    std::size_t max_profiles = 50000;
};

class SenderDirectory {
public:
    // Keeps a reference to `mysql` (must outlive the directory).
    explicit SenderDirectory(store::MysqlPool& mysql, SenderDirectoryOptions options = {});

    // The owner's profile as of at most profile_ttl ago; stamps `now` as their last inbound
    // message when it asks MySQL. An unreachable MySQL gives the cached profile, or an empty
    // one (the dialogue then simply asks); it is not cached then.
    [[nodiscard]] boost::asio::awaitable<dialog::OwnerProfile> profile_of(std::string openid,
                                                                         std::chrono::sys_seconds now);

    // Whether `openid` is a bound, active technician (as of at most technicians_ttl ago).
    // Throws ServiceUnavailable when MySQL is down and nothing was loaded yet; with a list
    // loaded before, answers from it.
    [[nodiscard]] boost::asio::awaitable<bool> is_technician(std::string openid);

    // The owner's profile changed (RememberProfile): the next profile_of asks MySQL.
    void forget_profile(const std::string& openid);
    // The owner's profile as this process just committed it (`written`: the row a
    // RememberProfile upserts — an empty phone or address leaves the one in hand, as the upsert
    // does): the profile in hand is brought up to date instead of read again, and keeps its read
    // time (so the 48-hour stamp stays at most profile_ttl old). Without one in hand, nothing.
    void profile_written(const store::Owner& written);
    // A technician was bound or unbound here: the next is_technician reloads the list.
    void technicians_changed();

private:
    struct Profile {
        dialog::OwnerProfile profile;
        std::chrono::sys_seconds read_at;
    };
    store::MysqlPool& mysql_;
    const SenderDirectoryOptions options_;
    std::mutex mutex_;
    std::unordered_map<std::string, Profile> profiles_;
    std::shared_ptr<const std::unordered_set<std::string>> technicians_;
    std::chrono::steady_clock::time_point technicians_read_at_{};
    // technicians_changed() counts up; a list read before the latest change is stale whatever
    // its age (a zero read time is no "long ago": the steady clock starts near zero at boot).
    std::uint64_t technicians_changes_ = 0;
    std::uint64_t technicians_read_after_ = 0;  // technicians_changes_ when the list was read
    bool technicians_loading_ = false;
};

}  // namespace repairbot::bot
