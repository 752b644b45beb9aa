#include "bot/job_moves.h"

#include <cppconn/connection.h>

#include "store/errors.h"
#include "store/technician_repository.h"
#include "store/ticket_repository.h"
#include "store/transaction.h"

namespace repairbot::bot {

namespace {
constexpr int kMaxConflicts = 5;
}  // namespace

std::optional<store::Technician> active_technician(sql::Connection& c, const std::string& openid) {
    auto tech = store::TechnicianRepository::find_by_openid(c, openid);
    if (!tech || !tech->active) return std::nullopt;
    return std::move(*tech);
}

Moved save_move(sql::Connection& c, const std::string& number,
                const std::optional<store::Technician>& technician, const MoveFn& move,
                const AlreadyFn& already, const ComposeFn& compose, store::Timestamp at) {
    Moved out;
    out.technician = technician;
    for (int attempt = 0; attempt < kMaxConflicts; ++attempt) {
        auto found = store::TicketRepository::find_by_number(c, number);
        if (!found) return out;
        out.ticket = *found;
        if (already(*found)) {
            out.already = true;
            return out;
        }
        auto moved = move(*found, out);
        if (!moved) {
            out.refused = moved.error().code;
            return out;
        }
        store::NewEvent event;
        std::vector<store::NewOutbox> outbox;
        store::Transaction tx(c);
        compose(c, *found, *moved, event, outbox);
        auto saved = store::TicketRepository::update(c, *moved, event, outbox, at);
        if (!saved) {
            if (saved.code() == store::make_error_code(store::StoreErrc::version_conflict))
                continue;
            out.refused = saved.code();
            return out;
        }
        tx.commit();
        out.saved = std::move(*saved);
        return out;
    }
    out.refused = store::make_error_code(store::StoreErrc::version_conflict);
    return out;
}

}  // namespace repairbot::bot
