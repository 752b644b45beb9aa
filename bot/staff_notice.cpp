#include "bot/staff_notice.h"

#include <nlohmann/json.hpp>

#include "store/outbox_repository.h"
#include "store/technician_repository.h"

namespace repairbot::bot {

std::size_t notify_staff(sql::Connection& c, StaffRole role, std::optional<std::uint64_t> ticket_id,
                         const std::string& event, const std::string& text, store::Timestamp now) {
    std::size_t queued = 0;
    for (const auto& t : store::TechnicianRepository::list(c, true)) {
        bool holds = role == StaffRole::dispatcher   ? t.is_dispatcher
                     : role == StaffRole::supervisor ? t.is_supervisor
                                                     : t.is_manager;
        if (!holds || !store::is_bound(t)) continue;
        nlohmann::json payload = {{"event", event}, {"text", text}};
        store::OutboxRepository::enqueue(c, ticket_id, {"notify", *t.openid, payload.dump(), std::nullopt},
                                         now);
        ++queued;
    }
    return queued;
}

}  // namespace repairbot::bot
