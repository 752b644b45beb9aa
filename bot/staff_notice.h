// Messages to the desk's staff (dispatchers, supervisors, managers) as outbox rows, written on
// the caller's connection so they commit or roll back with the change they announce. Blocking.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "config/notices.h"
#include "store/outbox_repository.h"
#include "store/records.h"
#include "store/sql_batch.h"
#include "store/sql_values.h"

namespace sql {
class Connection;
}

namespace repairbot::bot {

using store::StaffRole;

// One "notify" outbox row ({"event": event, "text": text, and `fields`' members, which the
// event's push.toml wording names — e.g. sla_warning's number, stage and due}) for each active,
// WeChat-bound staff member holding `role`, in one statement however many they are. Returns how
// many were queued (0: nobody holds the role — the caller decides whether that is worth a
// warning).
std::size_t notify_staff(sql::Connection& c, StaffRole role, std::optional<std::uint64_t> ticket_id,
                         const std::string& event, const std::string& text, store::Timestamp now,
                         const nlohmann::json& fields = nlohmann::json::object());
// The same rows added to the caller's batch (how many is not read back).
void notify_staff(store::SqlBatch& batch, StaffRole role, std::optional<std::uint64_t> ticket_id,
                  const std::string& event, const std::string& text, store::Timestamp now);

// The owner as the staff can reach them: name, phone and home as the desk knows them (the owners
// table: what the owner left at their last report); without one, a technician of that openid as
// staff_technician_contact (a technician's 人工 is theirs); else notices' staff_owner_unknown —
// also when a read fails (logged), so the note about them still goes out.
[[nodiscard]] std::string owner_contact(sql::Connection& c, const config::Notices& notices,
                                        const std::string& openid);
// The active technician bound to `openid` as staff_technician_contact ("维修工 王师傅 137…"), or
// nullopt (none, or the read failed: logged).
[[nodiscard]] std::optional<std::string> technician_contact(sql::Connection& c,
                                                            const config::Notices& notices,
                                                            const std::string& openid);
// The same from what a ticket carries: its reporter's name and phone and the repair's address.
[[nodiscard]] std::string ticket_contact(const store::Ticket& t, const config::Notices& notices);

}  // namespace repairbot::bot
