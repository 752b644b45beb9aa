#include "store/queue_note_repository.h"

#include <algorithm>
#include <stdexcept>

#include "store/records.h"
#include "store/sql_row.h"

namespace repairbot::store {

using namespace sql_row;

QueueNoteMark QueueNoteRepository::lock(sql::Connection& c, const std::string& name) {
    // The row exists after the first pass; creating it here keeps a fresh database (and a table
    // someone emptied) working without a seed. The INSERT takes the row's lock too.
    auto create = prepare(c, "INSERT INTO queue_notes (name) VALUES (?) ON DUPLICATE KEY UPDATE name = name");
    bind_all(*create, name);
    create->executeUpdate();
    auto st = prepare(c, "SELECT told_through_id, sent_at FROM queue_notes WHERE name = ? FOR UPDATE");
    bind_all(*st, name);
    auto rs = query(*st);
    QueueNoteMark mark;
    if (rs->next()) {
        mark.told_through_id = rs->getUInt64("told_through_id");
        mark.sent_at = opt_time(*rs, "sent_at");
    }
    return mark;
}

WaitingQueue QueueNoteRepository::waiting(sql::Connection& c, std::uint64_t told_through_id,
                                          std::uint32_t listed) {
    WaitingQueue q;
    {
        // Covered by ix_tickets_status (status, created_at, id): no row is read, only index entries.
        auto st = prepare(c, "SELECT COUNT(*) AS waiting, COALESCE(SUM(id > ?), 0) AS fresh, "
                             "COALESCE(MAX(id), 0) AS newest_id FROM tickets WHERE status = 'new'");
        bind_all(*st, told_through_id);
        auto rs = query(*st);
        if (rs->next()) {
            q.waiting = rs->getUInt64("waiting");
            q.fresh = rs->getUInt64("fresh");
            q.newest_id = q.fresh > 0 ? rs->getUInt64("newest_id") : 0;
        }
    }
    if (q.fresh == 0) return q;
    // The fresh ones newest first: the index backwards, stopping after `listed` of them; the
    // emergencies among the fresh read their rows (a storm's minute, not the queue).
    auto st = prepare(c, "SELECT id, number, fault_type, address, urgency FROM tickets "
                         "WHERE status = 'new' AND id > ? ORDER BY created_at DESC, id DESC LIMIT ?");
    bind_all(*st, told_through_id, listed);
    auto rs = query(*st);
    while (rs->next())
        q.newest.push_back({rs->getUInt64("id"), str(*rs, "number"), str(*rs, "fault_type"), str(*rs, "address"),
                            str(*rs, "urgency")});
    auto em = prepare(c, "SELECT COUNT(*) FROM tickets WHERE status = 'new' AND id > ? AND urgency = 'emergency'");
    bind_all(*em, told_through_id);
    auto ers = query(*em);
    if (ers->next()) q.fresh_emergencies = ers->getUInt64(1);
    return q;
}

namespace {

bool is_stage(const std::string& stage) {
    for (const char* s : {"dispatch", "accept", "quote", "arrive", "finish"})
        if (stage == s) return true;
    return false;
}

}  // namespace

void QueueNoteRepository::add_near_deadline(sql::Connection& c, const std::string& name,
                                            std::uint64_t ticket_id, const std::string& stage,
                                            Timestamp due, Timestamp at, bool late) {
    if (!is_stage(stage))
        throw std::invalid_argument("queue note deadline of ticket " + std::to_string(ticket_id) +
                                    ": unknown stage '" + stage + "'");
    // Shared with other warnings, exclusive with a note in progress (lock()'s FOR UPDATE): the
    // record's seq is handed out at insert, not at commit, so without it a note could read seq 11
    // while seq 10 was still uncommitted, and then delete 10 unread.
    auto shared = prepare(c, "SELECT name FROM queue_notes WHERE name = ? LOCK IN SHARE MODE");
    bind_all(*shared, name);
    (void)query(*shared);
    // A breach's deadline stays; a warning's is not read (the ticket's current one is). The
    // assignments run left to right, each seeing those before: `due` must read the old `late`.
    auto st = prepare(c,
                      "INSERT INTO queue_note_deadlines (ticket_id, stage, late, due, warned_at) "
                      "VALUES (?,?,?,?,?) ON DUPLICATE KEY UPDATE "
                      "due = IF(late = 1 AND VALUES(late) = 0, due, VALUES(due)), "
                      "late = GREATEST(late, VALUES(late))");
    bind_all(*st, ticket_id, stage, late, due, at);
    st->executeUpdate();
}

namespace {

// The deadline a record is about: a warning's is its stage's on the ticket now (a deadline the
// desk moved since is read as moved); a breach's is the one it missed (a finish breach moves the
// ticket's to the new promised time), or the stage's on the ticket for a record from before
// migration 0010. A stage with no deadline on the ticket (NULL) is neither near nor late.
const std::string kNearDue =
    "CASE d.stage WHEN 'accept' THEN t.accept_due WHEN 'quote' THEN t.quote_due "
    "WHEN 'arrive' THEN t.arrive_due WHEN 'finish' THEN t.finish_due ELSE t.dispatch_due END";
const std::string kLateDue = "COALESCE(d.due, " + kNearDue + ")";

// A warning is near while its deadline is ahead (one that lapsed before its breach was recorded
// is forgotten; the breach follows). A breach is late whatever the note's clock says: it was
// recorded when the timer's clock reached the deadline, which a note that took its time just
// before may not have yet.
const std::string kNear = "d.late = 0 AND " + kNearDue + " > ?";
constexpr const char* kLate = "d.late = 1";

// A ticket has at most a record per stage.
constexpr std::uint32_t kStages = 5;

// Up to `listed` waiting tickets of the records up to `through_seq` that match `which` (an SQL
// condition on d and t; `now` binds its `?` when it has one) with their deadlines (`due`, an SQL
// expression), earliest deadline first; a ticket with several such records once, by its
// earliest.
std::vector<DeadlineTicket> read_listed(sql::Connection& c, const std::string& which,
                                        const std::string& due, std::optional<Timestamp> now,
                                        std::uint64_t through_seq, std::uint32_t listed) {
    auto st = prepare(
        c, std::string("SELECT t.id, t.number, t.fault_type, t.address, t.urgency, d.stage, ") +
               due +
               " AS deadline FROM queue_note_deadlines d JOIN tickets t ON t.id = d.ticket_id "
               "WHERE t.status = 'new' AND " +
               which + " AND d.seq <= ? ORDER BY deadline, d.seq LIMIT ?");
    const std::uint32_t rows = listed * kStages;  // enough for `listed` tickets however they repeat
    if (now)
        bind_all(*st, *now, through_seq, rows);
    else
        bind_all(*st, through_seq, rows);
    auto rs = query(*st);
    std::vector<DeadlineTicket> out;
    while (out.size() < listed && rs->next()) {
        const auto id = rs->getUInt64("id");
        if (std::any_of(out.begin(), out.end(),
                        [id](const DeadlineTicket& d) { return d.ticket.id == id; }))
            continue;
        out.push_back({{id, str(*rs, "number"), str(*rs, "fault_type"), str(*rs, "address"),
                        str(*rs, "urgency")},
                       time(*rs, "deadline"),
                       str(*rs, "stage")});
    }
    return out;
}

}  // namespace

NearDeadlines QueueNoteRepository::near_deadlines(sql::Connection& c, Timestamp now, std::uint32_t listed) {
    NearDeadlines out;
    {
        // The table holds the records since the last note (a storm's minute), not the history.
        // Tickets are counted, not records: one near two of its deadlines is one ticket.
        auto st =
            prepare(c, "SELECT COUNT(DISTINCT IF(t.status = 'new' AND " + kNear +
                           ", d.ticket_id, NULL)) AS near, "
                           "COUNT(DISTINCT IF(t.status = 'new' AND " +
                           std::string(kLate) + ", d.ticket_id, NULL)) AS late, " +
                           "COALESCE(MAX(d.seq), 0) AS through_seq "
                           "FROM queue_note_deadlines d LEFT JOIN tickets t ON t.id = d.ticket_id");
        bind_all(*st, now);
        auto rs = query(*st);
        if (rs->next()) {
            out.count = rs->getUInt64("near");
            out.late = rs->getUInt64("late");
            out.through_seq = rs->getUInt64("through_seq");
        }
    }
    if (out.count > 0) out.nearest = read_listed(c, kNear, kNearDue, now, out.through_seq, listed);
    if (out.late > 0)
        out.latest = read_listed(c, kLate, kLateDue, std::nullopt, out.through_seq, listed);
    return out;
}

void QueueNoteRepository::forget_near_deadlines(sql::Connection& c, std::uint64_t through_seq, bool only_late) {
    auto st = prepare(c, only_late ? "DELETE FROM queue_note_deadlines WHERE seq <= ? AND late = 1"
                                   : "DELETE FROM queue_note_deadlines WHERE seq <= ?");
    bind_all(*st, through_seq);
    st->executeUpdate();
}

void QueueNoteRepository::record(sql::Connection& c, const std::string& name, std::uint64_t told_through_id,
                                 Timestamp at) {
    auto st = prepare(c, "UPDATE queue_notes SET told_through_id = GREATEST(told_through_id, ?), sent_at = ? "
                         "WHERE name = ?");
    bind_all(*st, told_through_id, at, name);
    st->executeUpdate();
}

}  // namespace repairbot::store
