#include "bot/sender_directory.h"

#include "config/errors.h"
#include "config/log.h"
#include "store/owner_repository.h"
#include "store/technician_repository.h"

namespace repairbot::bot {

namespace asio = boost::asio;

namespace {
// The owner's home as 同上次 offers it: building, unit and room of their row.
dialog::Address home_of(const store::Owner& owner) {
    dialog::Address home;
    home.building = owner.building;
    home.unit = owner.unit;
    home.room = owner.room;
    return home;
}
}  // namespace

SenderDirectory::SenderDirectory(store::MysqlPool& mysql, SenderDirectoryOptions options)
    : mysql_(mysql), options_(options) {}

asio::awaitable<dialog::OwnerProfile> SenderDirectory::profile_of(std::string openid,
                                                                  std::chrono::sys_seconds now) {
    {
        std::lock_guard lock(mutex_);
        auto it = profiles_.find(openid);
        if (it != profiles_.end() && now >= it->second.read_at &&
            now - it->second.read_at < options_.profile_ttl)
            co_return it->second.profile;
    }
    auto work = [openid, at = std::chrono::time_point_cast<std::chrono::milliseconds>(now)](
                    sql::Connection& c) {
        // Every inbound message opens WeChat's 48-hour customer-service window; the stamp
        // hands back the profile in the same statement.
        return store::OwnerRepository::touch_inbound(c, openid, at);
    };
    dialog::OwnerProfile profile;
    try {
        auto owner = co_await mysql_.run(std::move(work));
        profile.name = owner.name;
        profile.phone = owner.phone;
        if (!owner.room.empty()) profile.last_address = home_of(owner);
    } catch (const ServiceUnavailable& e) {
        log::warn("directory", "profile_unavailable", {{"error", e.what()}});
        std::lock_guard lock(mutex_);
        auto it = profiles_.find(openid);
        co_return it != profiles_.end() ? it->second.profile : profile;
    }
    std::lock_guard lock(mutex_);
    if (profiles_.size() >= options_.max_profiles) {
        std::erase_if(profiles_, [&](const auto& entry) {
            return now - entry.second.read_at >= options_.profile_ttl;
        });
        if (profiles_.size() >= options_.max_profiles) profiles_.clear();  // all fresh: start over
    }
    profiles_.insert_or_assign(std::move(openid), Profile{profile, now});
    co_return profile;
}

asio::awaitable<bool> SenderDirectory::is_technician(std::string openid) {
    std::shared_ptr<const std::unordered_set<std::string>> known;
    bool load = false;
    std::uint64_t changes = 0;
    {
        std::lock_guard lock(mutex_);
        known = technicians_;
        changes = technicians_changes_;
        const bool fresh = known && technicians_read_after_ == technicians_changes_ &&
                           std::chrono::steady_clock::now() - technicians_read_at_ < options_.technicians_ttl;
        // One caller reloads; the others answer from the list in hand meanwhile.
        if (!fresh && (!known || !technicians_loading_)) {
            load = true;
            technicians_loading_ = true;
        }
    }
    if (load) {
        auto work = [](sql::Connection& c) {
            auto set = std::make_shared<std::unordered_set<std::string>>();
            for (const auto& t : store::TechnicianRepository::list(c, true))
                if (t.openid && !t.openid->empty()) set->insert(*t.openid);
            return std::shared_ptr<const std::unordered_set<std::string>>(std::move(set));
        };
        try {
            auto loaded = co_await mysql_.run(std::move(work));
            std::lock_guard lock(mutex_);
            technicians_ = loaded;
            technicians_read_at_ = std::chrono::steady_clock::now();
            technicians_read_after_ = changes;  // a change during the read leaves it stale
            technicians_loading_ = false;
            known = std::move(loaded);
        } catch (...) {
            {
                std::lock_guard lock(mutex_);
                technicians_loading_ = false;
            }
            if (!known) throw;
            log::warn("directory", "technicians_stale", {{"fix", "check MySQL; the list in hand is used"}});
        }
    }
    co_return known->contains(openid);
}

void SenderDirectory::forget_profile(const std::string& openid) {
    std::lock_guard lock(mutex_);
    profiles_.erase(openid);
}

void SenderDirectory::profile_written(const store::Owner& written) {
    std::lock_guard lock(mutex_);
    auto it = profiles_.find(written.openid);
    if (it == profiles_.end()) return;
    auto& profile = it->second.profile;
    if (!written.name.empty()) profile.name = written.name;
    if (!written.phone.empty()) profile.phone = written.phone;
    if (!written.address.empty()) profile.last_address = home_of(written);
}

void SenderDirectory::technicians_changed() {
    std::lock_guard lock(mutex_);
    ++technicians_changes_;
}

}  // namespace repairbot::bot
