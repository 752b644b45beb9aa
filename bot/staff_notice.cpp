#include "bot/staff_notice.h"

#include <cppconn/exception.h>
#include <nlohmann/json.hpp>

#include "config/log.h"
#include "store/outbox_repository.h"
#include "store/owner_repository.h"
#include "store/technician_repository.h"

namespace repairbot::bot {

namespace {
std::string notice_payload(const std::string& event, const std::string& text,
                           const nlohmann::json& fields = nlohmann::json::object()) {
    nlohmann::json payload = fields.is_object() ? fields : nlohmann::json::object();
    payload["event"] = event;
    payload["text"] = text;
    return payload.dump();
}

// "name phone，address", leaving out what is empty; staff_owner_unknown when all are.
std::string contact(const std::string& name, const std::string& phone, const std::string& address,
                    const config::Notices& notices) {
    std::string who = name;
    if (!phone.empty()) who += (who.empty() ? "" : " ") + phone;
    if (!address.empty()) who += (who.empty() ? "" : "，") + address;
    return who.empty() ? notices.render("staff_owner_unknown") : who;
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
    if (!owner)
        return technician_contact(c, notices, openid)
            .value_or(notices.render("staff_owner_unknown"));
    return contact(owner->name, owner->phone, owner->address, notices);
}

std::optional<std::string> technician_contact(sql::Connection& c, const config::Notices& notices,
                                              const std::string& openid) {
    if (openid.empty()) return std::nullopt;
    try {
        auto tech = store::TechnicianRepository::find_by_openid(c, openid);
        if (!tech || !tech->active) return std::nullopt;
        return notices.render("staff_technician_contact",
                              {{"name", tech->name}, {"phone", tech->phone}});
    } catch (const sql::SQLException& e) {
        log::warn("staff", "technician_read_failed", {{"error", e.what()}});
        return std::nullopt;
    }
}

std::string ticket_contact(const store::Ticket& t, const config::Notices& notices) {
    return contact(t.reporter_name, t.phone, t.address, notices);
}

}  // namespace repairbot::bot
