#include "store/queue_note_repository.h"

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

void QueueNoteRepository::record(sql::Connection& c, const std::string& name, std::uint64_t told_through_id,
                                 Timestamp at) {
    auto st = prepare(c, "UPDATE queue_notes SET told_through_id = GREATEST(told_through_id, ?), sent_at = ? "
                         "WHERE name = ?");
    bind_all(*st, told_through_id, at, name);
    st->executeUpdate();
}

}  // namespace repairbot::store
