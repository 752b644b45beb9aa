// The moves the job desk makes on a ticket for a chat command (bot/job_desk.h): load it, apply a
// lifecycle move (bot/ticket_lifecycle.h), save it with its audit event and outbox rows in one
// transaction, retried on a concurrent change. Shared by the job desk's files (job_desk.cpp,
// job_desk_quotes.cpp); blocking, on a MySQL pool thread.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "bot/ticket_stages.h"
#include "config/errors.h"
#include "store/outbox_repository.h"
#include "store/records.h"

namespace sql {
class Connection;
}

namespace repairbot::bot {

// The outcome of one move, computed on the MySQL thread.
struct Moved {
    std::optional<store::Ticket> saved;  // the move was saved
    bool already = false;                // the ticket had made this move before: nothing to do
    std::error_code refused;             // why the move was refused (a LifecycleErrc mostly)
    std::optional<store::Technician> technician;
    std::optional<store::Ticket> ticket;  // as found
};

using MoveFn = std::function<Result<store::Ticket>(const store::Ticket&, Moved&)>;
using AlreadyFn = std::function<bool(const store::Ticket&)>;
// Fills in the audit event and the outbox rows of a move; may write rows that must commit
// with it (they do: they share the move's transaction, update() nesting as a savepoint).
using ComposeFn =
    std::function<void(sql::Connection&, const store::Ticket& before, const store::Ticket& after,
                       store::NewEvent&, std::vector<store::NewOutbox>&)>;

// The sender as an active, bound technician; nullopt for anyone else.
[[nodiscard]] std::optional<store::Technician> active_technician(sql::Connection& c,
                                                                 const std::string& openid);

// Loads the ticket, applies the move, saves it with its event and outbox rows; retried on a
// concurrent change. `technician`: the sender of a technician's command (nullopt for owners).
[[nodiscard]] Moved save_move(sql::Connection& c, const std::string& number,
                              const std::optional<store::Technician>& technician,
                              const MoveFn& move, const AlreadyFn& already,
                              const ComposeFn& compose, store::Timestamp at);

}  // namespace repairbot::bot
