// Everything step() needs besides the session and the message: the time, the owner's profile,
// the desk's data and limits. Passed in, so step() reads no clock and no file.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dialog/address.h"
#include "dialog/catalog.h"
#include "dialog/texts.h"

namespace repairbot::dialog {

// The desk's data for the dialog, loaded once at start (config/dialog_data.h).
struct DialogData {
    FaultCatalog catalog;
    ReplyTexts texts;
};

// What the bot remembers about an owner from earlier reports.
struct OwnerProfile {
    std::string name{};
    std::string phone{};
    std::optional<Address> last_address{};
};

struct Limits {
    std::chrono::seconds session_idle_timeout{std::chrono::minutes{30}};
    std::size_t max_photos = 9;
    unsigned misses_before_human = 3;
};

// Where one of a technician's open jobs stands, as the bot's store knows it.
enum class JobStatus : std::uint8_t {
    dispatched,  // pushed to the technician, not accepted yet (接单)
    accepted,    // 接单 done, not on site yet
    arrived,     // 到达 done, work under way
};

// The quote of a paid repair outside the price list (有偿维修, 报价 before work).
enum class QuoteState : std::uint8_t {
    none,     // not quoted yet
    pending,  // quoted, waiting for the supervisor's review or the owner's answer
    agreed,   // the owner agreed: work may go on
};

// One open job of a technician: what the technician's chat shows and checks commands against.
struct TechnicianJob {
    std::string ticket_number{};  // BX20261121-0007
    JobStatus status = JobStatus::dispatched;
    std::string address{};     // display form, e.g. "3栋2单元502"
    std::string fault_type{};  // a FaultType name
    bool off_list = false;     // paid repair outside the price list: 报价 and agreement first
    QuoteState quote = QuoteState::none;
    std::string phone{};  // the owner's contact number (联系电话)
    std::string visit{};  // when to be there, as the bot words it (tech_visit_*); "" when unknown
    bool emergency = false;  // 急修: marked in the technician's lists
    bool operator==(const TechnicianJob&) const = default;
};

// A technician's quote waiting for a supervisor's review (核准 / 驳回), as a supervisor's chat
// shows it.
struct QuoteForReview {
    std::string ticket_number{};
    std::string address{};
    std::string fault_type{};
    std::string technician{};  // who quoted
    std::int64_t cents = 0;
    bool operator==(const QuoteForReview&) const = default;
};

// The sender as a bound technician (绑定 done): set by the bot when the openid belongs to one.
// `open_jobs` are the technician's own open jobs, in the order the chat numbers them (1, 2 ...).
struct TechnicianView {
    std::string id{};
    std::string name{};
    std::vector<TechnicianJob> open_jobs{};
    bool supervisor = false;  // 工程部主管: reviews quotes
    // For a supervisor: the quotes waiting for review, oldest first; more_quotes_to_review when
    // the bot cut the list (a number not in it may still be waiting).
    std::vector<QuoteForReview> quotes_to_review{};
    bool more_quotes_to_review = false;
    bool on_duty = true;  // false after 下班: dispatch gives them no new jobs
    bool operator==(const TechnicianView&) const = default;
};

struct Context {
    const DialogData& data;
    std::chrono::sys_seconds now;
    std::chrono::minutes utc_offset{8 * 60};  // local time for 今天下午, 周六 (+08:00)
    OwnerProfile profile;
    Limits limits;
    // Set when the sender is a bound technician: their commands (接单, 完成 ...) are understood.
    // nullopt for owners (and for technicians the bot has not recognised).
    std::optional<TechnicianView> technician{};
    // Set when whether the sender is a bound technician could not be read (the database
    // unreachable): technician is then nullopt, and a job command gets "try again", not "bind".
    bool technician_unknown = false;
};

}  // namespace repairbot::dialog
