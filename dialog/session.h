// One user's conversation state between messages: which flow they are in, the step, and the
// repair-report draft. A plain value: stored by the bot (dialog/session_codec.h) in Redis.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dialog/address.h"
#include "dialog/time_parse.h"

namespace repairbot::dialog {

// Which conversation the session is in. step() dispatches on it; issue 8 adds the owner's
// confirmation/rating flow and issue 6 the technician's, each beside owner_report.
enum class Flow : std::uint8_t {
    idle,          // no conversation under way
    owner_report,  // the owner is reporting a repair
};

// The step of the owner's report: the slot being asked, the summary, or the question whether
// to continue an expired draft. The order of the slots is the order they are asked in.
enum class ReportStep : std::uint8_t {
    address,
    fault_type,
    description,
    photos,
    phone,
    preferred_time,
    confirm,
    resume,
};

struct Photo {
    std::string media_id{};
    std::string pic_url{};
    bool operator==(const Photo&) const = default;
};

// The 报修单 being filled in. An empty string or nullopt means "not given yet".
struct ReportDraft {
    std::optional<Address> address{};
    std::string fault_type{};   // a FaultType name
    std::string description{};  // the owner's own words
    std::vector<Photo> photos{};
    bool photos_done = false;  // the owner said 没有/好了, or the maximum arrived
    std::string phone{};
    bool time_answered = false;                  // asked and answered
    std::optional<TimeWindow> preferred_time{};  // nullopt after an answer means 尽快
    std::string emergency{};  // EmergencyRule kind once emergency words were seen
    bool planned = false;     // words asking for planned work were seen
    bool advice_given = false;
    bool operator==(const ReportDraft&) const = default;
};

struct Session {
    Flow flow = Flow::idle;
    ReportStep step = ReportStep::address;
    // Identifies the report being drafted: from the sender and the message that started it.
    std::string report_id{};
    // +1 on every change to the draft; report_id + revision is the ticket's idempotency key.
    std::uint32_t revision = 0;
    ReportDraft draft{};
    std::uint32_t misses = 0;  // consecutive messages that fit nothing
    std::chrono::sys_seconds last_active{};
    // The message that arrived when the session had expired, replayed on 重新开始.
    std::string held_text{};
    // The last ticket created, so photos sent just after it are attached to it.
    std::string last_ticket_key{};
    std::chrono::sys_seconds last_ticket_at{};
    bool operator==(const Session&) const = default;
};

}  // namespace repairbot::dialog
