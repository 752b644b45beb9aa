#include "bot/staff_notice.h"

#include <cppconn/exception.h>
#include <nlohmann/json.hpp>

#include "config/log.h"
#include "store/outbox_repository.h"
#include "store/owner_repository.h"

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

std::string owner_contact(sql::Connection& c, const config::Notices& notices,
                          const std::string& openid) {
    std::optional<store::Owner> owner;
    try {
        if (auto found = store::OwnerRepository::find_by_openid(c, openid))
            owner = std::move(*found);
    } catch (const sql::SQLException& e) {
        log::warn("staff", "owner_read_failed", {{"error", e.what()}});
    }
    std::string who;
    if (owner) {
        who = owner->name;
        if (!owner->phone.empty()) who += (who.empty() ? "" : " ") + owner->phone;
        if (!owner->address.empty()) who += (who.empty() ? "" : "，") + owner->address;
    }
    return who.empty() ? notices.render("staff_owner_unknown") : who;
}

}  // namespace repairbot::bot
