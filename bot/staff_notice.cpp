#include "bot/staff_notice.h"

#include <nlohmann/json.hpp>

#include "store/outbox_repository.h"

namespace repairbot::bot {

namespace {
std::string notice_payload(const std::string& event, const std::string& text,
                           const nlohmann::json& fields = nlohmann::json::object()) {
    nlohmann::json payload = fields.is_object() ? fields : nlohmann::json::object();
    payload["event"] = event;
    payload["text"] = text;
    return payload.dump();
}
}  // namespace

std::size_t notify_staff(sql::Connection& c, StaffRole role, std::optional<std::uint64_t> ticket_id,
                         const std::string& event, const std::string& text, store::Timestamp now,
                         const nlohmann::json& fields) {
    return store::OutboxRepository::enqueue_for_staff(c, role, ticket_id,
                                                      notice_payload(event, text, fields), now);
}

void notify_staff(store::SqlBatch& batch, StaffRole role, std::optional<std::uint64_t> ticket_id,
                  const std::string& event, const std::string& text, store::Timestamp now) {
    store::OutboxRepository::enqueue_for_staff(batch, role, ticket_id, notice_payload(event, text), now);
}

}  // namespace repairbot::bot
