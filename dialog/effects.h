// What a step asks the outside world to do, as plain values. The bot carries them out (store
// calls, pushes) in the order given; dialog never does I/O.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "dialog/address.h"
#include "dialog/catalog.h"
#include "dialog/session.h"
#include "dialog/time_parse.h"

namespace repairbot::dialog {

// A complete repair report (报修单 fields the owner supplies). The bot adds the number,
// channel and the reporter's name from the owner record.
struct RepairReport {
    std::string owner_openid{};
    Address address{};  // address.is_public flags 共用部位 (free repair)
    std::string fault_type{};
    std::string trade{};
    Urgency urgency = Urgency::normal;
    std::string emergency{};  // EmergencyRule kind; empty when not an emergency
    std::string description{};
    std::vector<Photo> photos{};
    std::string phone{};
    std::optional<TimeWindow> preferred_time{};  // nullopt: 尽快
    std::chrono::sys_seconds received_at{};
    bool operator==(const RepairReport&) const = default;
};

// Create the ticket. The same idempotency key must never make two tickets (retries, double
// taps): it is the report id plus the draft revision.
struct CreateTicket {
    RepairReport report{};
    std::string idempotency_key{};
};

// Photos sent shortly after a ticket was created: add them to that ticket.
struct AttachPhotos {
    std::string idempotency_key{};  // of the CreateTicket that made the ticket
    std::vector<Photo> photos{};
};

enum class HandOffReason { owner_asked };

// Put the owner through to the dispatcher (客服前台), with what is known so far.
struct HandToHuman {
    HandOffReason reason = HandOffReason::owner_asked;
    std::string draft_summary{};  // the summary text of the draft; empty without one
};

// Answer the owner with their open tickets and statuses (the bot knows them; dialog does not).
struct QueryProgress {};

// Open a complaint record for the dispatcher/supervisor.
struct FileComplaint {
    std::string text{};  // what the owner wrote after 投诉; may be empty
};

// Remember the owner's phone and address for next time (prefill, 同上次).
struct RememberProfile {
    std::string phone{};
    std::optional<Address> last_address{};
};

using Effect = std::variant<CreateTicket, AttachPhotos, HandToHuman, QueryProgress, FileComplaint,
                            RememberProfile>;

}  // namespace repairbot::dialog
