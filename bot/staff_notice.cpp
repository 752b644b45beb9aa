#include "bot/staff_notice.h"

#include <nlohmann/json.hpp>

#include "store/outbox_repository.h"

namespace repairbot::bot {

std::size_t notify_staff(sql::Connection& c, StaffRole role, std::optional<std::uint64_t> ticket_id,
                         const std::string& event, const std::string& text, store::Timestamp now) {
    nlohmann::json payload = {{"event", event}, {"text", text}};
    return store::OutboxRepository::enqueue_for_staff(c, role, ticket_id, payload.dump(), now);
}

}  // namespace repairbot::bot
