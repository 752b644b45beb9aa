#include "store/ticket_repository.h"

#include <cppconn/exception.h>

#include "store/errors.h"
#include "store/outbox_repository.h"
#include "store/sql_row.h"

namespace repairbot::store {
namespace {

using namespace sql_row;

constexpr const char* kColumns =
    "id, number, idempotency_key, owner_openid, reporter_name, phone, building, unit, room, area, "
    "address, public_area, fault_type, trade, urgency, first_urgency, description, channel, "
    "preferred_from, "
    "preferred_to, status, technician_id, paid, quote_cents, quote_status, fee_cents, materials, "
    "done_note, cancel_reason, push_error, reopen_count, created_at, dispatched_at, accepted_at, "
    "arrived_at, quoted_at, done_at, confirmed_at, rated_at, closed_at, cancelled_at, "
    "dispatch_due, "
    "accept_due, arrive_due, quote_due, finish_due, dispatch_late, accept_late, arrive_late, "
    "quote_late, finish_late, quote_asked_at, reopened_at, revisit_accepted_at, "
    "revisit_arrived_at, "
    "revisit_accept_due, revisit_arrive_due, revisit_accept_late, revisit_arrive_late, "
    "revisit_finish_late, first_finish_due, first_done_at, version, updated_at";

Ticket read_ticket(sql::ResultSet& rs) {
    Ticket t;
    t.id = rs.getUInt64("id");
    t.number = str(rs, "number");
    t.idempotency_key = str(rs, "idempotency_key");
    t.owner_openid = str(rs, "owner_openid");
    t.reporter_name = str(rs, "reporter_name");
    t.phone = str(rs, "phone");
    t.building = str(rs, "building");
    t.unit = str(rs, "unit");
    t.room = str(rs, "room");
    t.area = str(rs, "area");
    t.address = str(rs, "address");
    t.public_area = rs.getBoolean("public_area");
    t.fault_type = str(rs, "fault_type");
    t.trade = str(rs, "trade");
    t.urgency = str(rs, "urgency");
    t.first_urgency = opt_str(rs, "first_urgency");
    t.description = str(rs, "description");
    t.channel = str(rs, "channel");
    t.preferred_from = opt_time(rs, "preferred_from");
    t.preferred_to = opt_time(rs, "preferred_to");
    t.status = str(rs, "status");
    t.technician_id = opt_u64(rs, "technician_id");
    t.paid = rs.getBoolean("paid");
    t.quote_cents = opt_u32(rs, "quote_cents");
    t.quote_status = str(rs, "quote_status");
    t.fee_cents = opt_u32(rs, "fee_cents");
    t.materials = str(rs, "materials");
    t.done_note = str(rs, "done_note");
    t.cancel_reason = str(rs, "cancel_reason");
    t.push_error = str(rs, "push_error");
    t.reopen_count = rs.getUInt("reopen_count");
    t.created_at = time(rs, "created_at");
    t.at.dispatched = opt_time(rs, "dispatched_at");
    t.at.accepted = opt_time(rs, "accepted_at");
    t.at.arrived = opt_time(rs, "arrived_at");
    t.at.quoted = opt_time(rs, "quoted_at");
    t.quote_asked_at = opt_time(rs, "quote_asked_at");
    t.revisit.reopened = opt_time(rs, "reopened_at");
    t.revisit.accepted = opt_time(rs, "revisit_accepted_at");
    t.revisit.arrived = opt_time(rs, "revisit_arrived_at");
    t.revisit.accept_due = opt_time(rs, "revisit_accept_due");
    t.revisit.arrive_due = opt_time(rs, "revisit_arrive_due");
    t.revisit.accept_late = opt_bool(rs, "revisit_accept_late");
    t.revisit.arrive_late = opt_bool(rs, "revisit_arrive_late");
    t.revisit.finish_late = opt_bool(rs, "revisit_finish_late");
    t.first_finish.due = opt_time(rs, "first_finish_due");
    t.first_finish.done = opt_time(rs, "first_done_at");
    t.at.done = opt_time(rs, "done_at");
    t.at.confirmed = opt_time(rs, "confirmed_at");
    t.at.rated = opt_time(rs, "rated_at");
    t.at.closed = opt_time(rs, "closed_at");
    t.at.cancelled = opt_time(rs, "cancelled_at");
    t.due.dispatch = opt_time(rs, "dispatch_due");
    t.due.accept = opt_time(rs, "accept_due");
    t.due.arrive = opt_time(rs, "arrive_due");
    t.due.quote = opt_time(rs, "quote_due");
    t.due.finish = opt_time(rs, "finish_due");
    t.late.dispatch = opt_bool(rs, "dispatch_late");
    t.late.accept = opt_bool(rs, "accept_late");
    t.late.arrive = opt_bool(rs, "arrive_late");
    t.late.quote = opt_bool(rs, "quote_late");
    t.late.finish = opt_bool(rs, "finish_late");
    t.version = rs.getUInt("version");
    t.updated_at = time(rs, "updated_at");
    return t;
}

Result<Ticket> find_one(sql::Connection& c, const std::string& where, const auto& value) {
    auto st = prepare(c, std::string("SELECT ") + kColumns + " FROM tickets WHERE " + where);
    bind_all(*st, value);
    auto rs = query(*st);
    if (!rs->next()) return Error{StoreErrc::not_found, "ticket"};
    return read_ticket(*rs);
}

constexpr const char* kInsertEvent =
    "INSERT INTO ticket_events (ticket_id, at, actor, actor_role, type, details) VALUES (?,?,?,?,?,?)";

// Takes `count` numbers of the desk's day `day` and returns the last: the numbers are
// last - count + 1 .. last.
std::uint64_t next_sequences(sql::Connection& c, const std::string& day, std::uint64_t count) {
    // Autocommit, before the tickets' transaction: the day's row is locked for this one
    // statement only, so concurrent creations do not queue behind each other's whole
    // transaction (measured: ~1.5x the tickets/s). Numbers stay unique across processes and
    // increasing; a creation that fails after this (deadlock retry, a racing duplicate key)
    // leaves a gap, which the desk can live with. RETURNING hands back the value written, by
    // the insert or by the update (MariaDB 10.5+), in the same statement.
    auto st = prepare(c,
                      "INSERT INTO ticket_sequences (day, n) VALUES (?, ?) "
                      "ON DUPLICATE KEY UPDATE n = n + VALUES(n) RETURNING n");
    bind_all(*st, day, count);
    auto rs = query(*st);
    if (!rs->next()) throw sql::SQLException("INSERT INTO ticket_sequences ... RETURNING n returned no row");
    return rs->getUInt64(1);
}

// The ticket's INSERT for `rows` tickets: 37 values a row (version is 0), RETURNING id and
// idempotency_key (by which a row of a group finds its ticket).
std::string insert_tickets_sql(std::size_t rows) {
    std::string q =
        "INSERT INTO tickets (number, idempotency_key, owner_openid, reporter_name, phone, "
        "building, unit, room, area, address, public_area, fault_type, trade, urgency, "
        "description, channel, preferred_from, preferred_to, status, technician_id, paid, "
        "quote_cents, quote_status, fee_cents, materials, done_note, cancel_reason, reopen_count, "
        "created_at, dispatched_at, dispatch_due, accept_due, arrive_due, quote_due, finish_due, "
        "dispatch_late, version, updated_at) VALUES ";
    for (std::size_t i = 0; i < rows; ++i) {
        if (i > 0) q += ',';
        q += '(';
        q += placeholders(36);
        q += ",0,?)";
    }
    q += " RETURNING id, idempotency_key";
    return q;
}
constexpr int kTicketValues = 37;

void bind_ticket(sql::PreparedStatement& st, int row, const Ticket& t) {
    bind_after(st, row * kTicketValues, t.number, t.idempotency_key, t.owner_openid, t.reporter_name, t.phone,
               t.building, t.unit, t.room, t.area, t.address, t.public_area, t.fault_type, t.trade,
               t.urgency, t.description, t.channel, t.preferred_from, t.preferred_to, t.status,
               t.technician_id, t.paid, t.quote_cents, t.quote_status, t.fee_cents, t.materials,
               t.done_note, t.cancel_reason, t.reopen_count, t.created_at, t.at.dispatched,
               t.due.dispatch, t.due.accept, t.due.arrive, t.due.quote, t.due.finish, t.late.dispatch,
               t.created_at);
}

// A new ticket with its number, completed (NewTicket::complete), ready to insert.
struct Completed {
    Ticket ticket;
    std::vector<NewEvent> events;
    std::vector<NewOutbox> outbox;
};

Completed complete(sql::Connection& c, const NewTicket& in, std::uint64_t sequence) {
    Completed out{in.ticket, {}, in.outbox};
    out.ticket.number = format_ticket_number(out.ticket.created_at, sequence);
    if (!in.first_event.type.empty()) out.events.push_back(in.first_event);
    if (in.complete) in.complete(c, out.ticket, out.events, out.outbox);
    out.ticket.version = 0;
    out.ticket.updated_at = out.ticket.created_at;
    return out;
}

// The inserted ticket's events, outbox rows and NewTicket::within's rows.
void add_rows_of(SqlBatch& batch, const NewTicket& in, const Completed& done) {
    TicketRepository::append_events(batch, done.ticket.id, done.events, done.ticket.created_at);
    for (const auto& m : done.outbox) OutboxRepository::enqueue(batch, done.ticket.id, m, done.ticket.created_at);
    if (in.within) in.within(batch, done.ticket);
}

}  // namespace

Result<CreatedTicket> TicketRepository::create(sql::Connection& c, const NewTicket& in) {
    // No look-up by idempotency key first: a repeat is rare (a resend that got past the dedupe,
    // a hop retried after its commit) and the unique key catches it at the INSERT below, so
    // every first creation saves a statement; a repeat costs a sequence number (a gap).
    Completed done = complete(c, in, next_sequences(c, desk_day(in.ticket.created_at), 1));
    // START TRANSACTION, then the ticket as a prepared statement (the server parses its 37
    // values once per connection, not once per ticket), whose RETURNING id the rest needs.
    Transaction trx(c);
    auto st = prepare(c, insert_tickets_sql(1));
    bind_ticket(*st, 0, done.ticket);
    std::unique_ptr<sql::ResultSet> inserted;
    try {
        inserted = query(*st);  // RETURNING id: the new id without a second statement
    } catch (const sql::SQLException& e) {
        if (e.getErrorCode() != 1062) throw;
        // The key has its ticket already: committed earlier, or by a racing caller first (we
        // waited on its unique-key lock).
        trx.rollback();
        auto existing = find_by_idempotency_key(c, done.ticket.idempotency_key);
        if (!existing) throw;
        return CreatedTicket{std::move(existing).value(), false};
    }
    if (!inserted->next()) throw sql::SQLException("INSERT INTO tickets ... RETURNING id returned no row");
    done.ticket.id = inserted->getUInt64(1);
    inserted.reset();
    // One round trip for its events, outbox rows, NewTicket::within's rows and the COMMIT.
    SqlBatch rest;
    add_rows_of(rest, in, done);
    rest.add(trx.commit_sql());
    rest.run(c);
    trx.committed();
    return CreatedTicket{std::move(done.ticket), true};
}

std::optional<std::vector<Ticket>> TicketRepository::create_group(sql::Connection& c,
                                                                  const std::vector<const NewTicket*>& in) {
    if (in.empty()) return std::vector<Ticket>{};
    // Numbers in the order given, one statement per desk day the group spans (one, but for a
    // group that straddles midnight).
    std::vector<std::string> days;
    days.reserve(in.size());
    for (const auto* t : in) days.push_back(desk_day(t->ticket.created_at));
    std::vector<std::uint64_t> sequence(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (sequence[i] != 0) continue;
        std::uint64_t count = 0;
        for (std::size_t j = i; j < in.size(); ++j) count += days[j] == days[i];
        std::uint64_t next = next_sequences(c, days[i], count) - count + 1;
        for (std::size_t j = i; j < in.size(); ++j)
            if (days[j] == days[i]) sequence[j] = next++;
    }
    std::vector<Completed> done;
    done.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) done.push_back(complete(c, *in[i], sequence[i]));

    Transaction trx(c);
    auto st = prepare(c, insert_tickets_sql(in.size()));
    for (std::size_t i = 0; i < done.size(); ++i) bind_ticket(*st, static_cast<int>(i), done[i].ticket);
    std::unique_ptr<sql::ResultSet> inserted;
    try {
        inserted = query(*st);
    } catch (const sql::SQLException& e) {
        if (e.getErrorCode() != 1062) throw;
        trx.rollback();  // a key of the group has its ticket already: nothing of it was written
        return std::nullopt;
    }
    std::size_t ids = 0;
    while (inserted->next()) {
        const std::uint64_t id = inserted->getUInt64(1);
        const std::string key = str(*inserted, "idempotency_key");
        for (auto& d : done)
            if (d.ticket.id == 0 && d.ticket.idempotency_key == key) {
                d.ticket.id = id;
                ++ids;
                break;
            }
    }
    inserted.reset();
    if (ids != done.size())
        throw sql::SQLException("INSERT INTO tickets ... RETURNING gave " + std::to_string(ids) + " ids for " +
                                std::to_string(done.size()) + " tickets");
    // Everyone's events, outbox rows, photos and profiles as one multi-row statement each (they
    // do not depend on each other's order; NewTicket::within adds only such rows, or statements
    // that read nothing the group writes).
    SqlBatch rest(SqlBatch::Merge::rows);
    for (std::size_t i = 0; i < done.size(); ++i) add_rows_of(rest, *in[i], done[i]);
    rest.add(trx.commit_sql());
    rest.run(c);
    trx.committed();
    std::vector<Ticket> out;
    out.reserve(done.size());
    for (auto& d : done) out.push_back(std::move(d.ticket));
    return out;
}

Result<Ticket> TicketRepository::find_by_id(sql::Connection& c, std::uint64_t id) {
    return find_one(c, "id = ?", id);
}

Result<Ticket> TicketRepository::find_by_number(sql::Connection& c, const std::string& number) {
    return find_one(c, "number = ?", number);
}

Result<Ticket> TicketRepository::find_by_idempotency_key(sql::Connection& c,
                                                         const std::string& key) {
    return find_one(c, "idempotency_key = ?", key);
}

std::vector<Ticket> TicketRepository::list(sql::Connection& c, const TicketFilter& f) {
    std::string q = std::string("SELECT ") + kColumns + " FROM tickets WHERE 1=1";
    if (f.status) q += " AND status = ?";
    if (f.urgency) q += " AND urgency = ?";
    if (f.technician_id) q += " AND technician_id = ?";
    if (f.owner_openid) q += " AND owner_openid = ?";
    if (f.from) q += " AND created_at >= ?";
    if (f.to) q += " AND created_at < ?";
    if (f.open_only) q += " AND status NOT IN ('closed', 'cancelled')";
    q += " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?";
    auto st = prepare(c, q);
    int i = 0;
    if (f.status) sql_row::bind(*st, ++i, *f.status);
    if (f.urgency) sql_row::bind(*st, ++i, *f.urgency);
    if (f.technician_id) sql_row::bind(*st, ++i, *f.technician_id);
    if (f.owner_openid) sql_row::bind(*st, ++i, *f.owner_openid);
    if (f.from) sql_row::bind(*st, ++i, *f.from);
    if (f.to) sql_row::bind(*st, ++i, *f.to);
    sql_row::bind(*st, ++i, f.limit);
    sql_row::bind(*st, ++i, f.offset);
    auto rs = query(*st);
    std::vector<Ticket> out;
    while (rs->next()) out.push_back(read_ticket(*rs));
    return out;
}

std::vector<TicketProgress> TicketRepository::progress_of_owner(sql::Connection& c,
                                                                const std::string& owner_openid,
                                                                std::uint32_t max) {
    // The revisit's arrival once reopened: bot/ticket_stages.h's stage_due, in SQL. A job
    // reopened before the revisit columns (reopen_count > 0, no reopened_at) has none; a
    // technician no longer active is not named (they cannot move the job).
    auto st = prepare(
        c,
        "SELECT t.number, t.fault_type, t.status, IF(k.active, k.name, '') AS technician, "
        "t.quote_status, t.quote_cents, t.fee_cents, t.reopen_count, "
        "(t.arrived_at IS NOT NULL OR t.quoted_at IS NOT NULL) AS visited, "
        "CASE WHEN t.reopened_at IS NOT NULL THEN t.revisit_arrive_due "
        "WHEN t.reopen_count > 0 THEN NULL ELSE t.arrive_due END AS arrive_due, t.finish_due "
        "FROM tickets t LEFT JOIN technicians k ON k.id = t.technician_id "
        "WHERE t.owner_openid = ? AND t.status NOT IN ('closed', 'cancelled') "
        "ORDER BY t.created_at DESC, t.id DESC LIMIT ?");
    sql_row::bind(*st, 1, owner_openid);
    sql_row::bind(*st, 2, max);
    auto rs = query(*st);
    std::vector<TicketProgress> out;
    while (rs->next()) {
        TicketProgress p;
        p.number = str(*rs, "number");
        p.fault_type = str(*rs, "fault_type");
        p.status = str(*rs, "status");
        p.technician = str(*rs, "technician");
        p.quote_status = str(*rs, "quote_status");
        p.quote_cents = opt_u32(*rs, "quote_cents");
        p.fee_cents = opt_u32(*rs, "fee_cents");
        p.reopen_count = rs->getUInt("reopen_count");
        p.visited = rs->getBoolean("visited");
        p.arrive_due = opt_time(*rs, "arrive_due");
        p.finish_due = opt_time(*rs, "finish_due");
        out.push_back(std::move(p));
    }
    return out;
}

std::vector<Ticket> TicketRepository::list_after(sql::Connection& c, std::uint64_t after_id,
                                                const std::vector<std::string>& statuses, std::uint32_t max) {
    if (statuses.empty()) return {};
    std::string q = std::string("SELECT ") + kColumns + " FROM tickets WHERE id > ? AND status IN (?";
    for (std::size_t i = 1; i < statuses.size(); ++i) q += ",?";
    q += ") ORDER BY id LIMIT ?";
    auto st = prepare(c, q);
    int i = 0;
    sql_row::bind(*st, ++i, after_id);
    for (const auto& s : statuses) sql_row::bind(*st, ++i, s);
    sql_row::bind(*st, ++i, max);
    auto rs = query(*st);
    std::vector<Ticket> out;
    while (rs->next()) out.push_back(read_ticket(*rs));
    return out;
}

std::vector<Ticket> TicketRepository::quotes_in_review(sql::Connection& c, std::uint32_t max) {
    auto st = prepare(c, std::string("SELECT ") + kColumns +
                             " FROM tickets WHERE status IN ('dispatched', 'accepted', 'arrived') "
                             "AND quote_status = 'review' ORDER BY id LIMIT ?");
    sql_row::bind(*st, 1, max);
    auto rs = query(*st);
    std::vector<Ticket> out;
    while (rs->next()) out.push_back(read_ticket(*rs));
    return out;
}

std::vector<Ticket> TicketRepository::next_waiting(sql::Connection& c, std::uint32_t max) {
    // The first waiting ticket of each trade and building, emergencies' areas first: a derived
    // table of ids (from the status-new entries of ix_tickets_status) joined to their rows, so
    // the history is never scanned. An area is listed once, by its emergency when it has one.
    auto st = prepare(c, std::string("SELECT ") + kColumns +
                             " FROM (SELECT MIN(CASE WHEN urgency = 'emergency' THEN id END) AS emergency_id, "
                             "MIN(id) AS oldest_id FROM tickets WHERE status = 'new' AND dispatched_at IS NULL "
                             "GROUP BY trade, building) w JOIN tickets ON tickets.id = COALESCE(w.emergency_id, "
                             "w.oldest_id) ORDER BY w.emergency_id IS NULL, tickets.id LIMIT ?");
    sql_row::bind(*st, 1, max);
    auto rs = query(*st);
    std::vector<Ticket> out;
    while (rs->next()) out.push_back(read_ticket(*rs));
    return out;
}

Result<Ticket> TicketRepository::update(sql::Connection& c, const Ticket& t, const NewEvent& event,
                                        const std::vector<NewOutbox>& outbox, Timestamp at) {
    Transaction trx(c);
    auto st = prepare(
        c,
        "UPDATE tickets SET owner_openid=?, reporter_name=?, phone=?, building=?, unit=?, room=?, "
        "area=?, address=?, public_area=?, fault_type=?, trade=?, urgency=?, first_urgency=?, "
        "description=?, "
        "preferred_from=?, preferred_to=?, status=?, technician_id=?, paid=?, quote_cents=?, "
        "quote_status=?, fee_cents=?, materials=?, done_note=?, cancel_reason=?, push_error=?, "
        "reopen_count=?, dispatched_at=?, accepted_at=?, arrived_at=?, quoted_at=?, done_at=?, "
        "confirmed_at=?, rated_at=?, closed_at=?, cancelled_at=?, dispatch_due=?, accept_due=?, "
        "arrive_due=?, quote_due=?, finish_due=?, dispatch_late=?, accept_late=?, arrive_late=?, "
        "quote_late=?, finish_late=?, quote_asked_at=?, reopened_at=?, revisit_accepted_at=?, "
        "revisit_arrived_at=?, revisit_accept_due=?, revisit_arrive_due=?, revisit_accept_late=?, "
        "revisit_arrive_late=?, revisit_finish_late=?, first_finish_due=?, first_done_at=?, "
        "version = version + 1, updated_at=? "
        "WHERE id=? AND version=?");
    bind_all(*st, t.owner_openid, t.reporter_name, t.phone, t.building, t.unit, t.room, t.area,
             t.address, t.public_area, t.fault_type, t.trade, t.urgency, t.first_urgency,
             t.description, t.preferred_from, t.preferred_to, t.status, t.technician_id, t.paid,
             t.quote_cents, t.quote_status, t.fee_cents, t.materials, t.done_note, t.cancel_reason,
             t.push_error, t.reopen_count, t.at.dispatched, t.at.accepted, t.at.arrived,
             t.at.quoted, t.at.done, t.at.confirmed, t.at.rated, t.at.closed, t.at.cancelled,
             t.due.dispatch, t.due.accept, t.due.arrive, t.due.quote, t.due.finish, t.late.dispatch,
             t.late.accept, t.late.arrive, t.late.quote, t.late.finish, t.quote_asked_at,
             t.revisit.reopened, t.revisit.accepted, t.revisit.arrived, t.revisit.accept_due,
             t.revisit.arrive_due, t.revisit.accept_late, t.revisit.arrive_late,
             t.revisit.finish_late, t.first_finish.due, t.first_finish.done, at, t.id, t.version);
    if (st->executeUpdate() == 0) {
        trx.rollback();
        auto current = find_by_id(c, t.id);
        if (!current) return current.error();
        return Error{StoreErrc::version_conflict, "ticket " + t.number};
    }
    if (!event.type.empty()) append_event(c, t.id, event, at);
    for (const auto& m : outbox) OutboxRepository::enqueue(c, t.id, m, at);
    trx.commit();
    Ticket out = t;
    out.version = t.version + 1;
    out.updated_at = at;
    return out;
}

void TicketRepository::append_events(sql::Connection& c, std::uint64_t ticket_id,
                                     const std::vector<NewEvent>& events, Timestamp at) {
    if (events.empty()) return;
    std::string q = kInsertEvent;
    for (std::size_t i = 1; i < events.size(); ++i) q += ",(?,?,?,?,?,?)";
    auto st = prepare(c, q);
    int i = 0;
    for (const auto& e : events) {
        sql_row::bind(*st, ++i, ticket_id);
        sql_row::bind(*st, ++i, at);
        sql_row::bind(*st, ++i, e.actor);
        sql_row::bind(*st, ++i, e.actor_role);
        sql_row::bind(*st, ++i, e.type);
        sql_row::bind(*st, ++i, json_or_empty_object(e.details));
    }
    st->executeUpdate();
}

void TicketRepository::append_events(SqlBatch& batch, std::uint64_t ticket_id, const std::vector<NewEvent>& events,
                                     Timestamp at) {
    // Two rows per statement (a new ticket has one or two events): a batch's statement takes a
    // fixed number of values, and each statement the server runs costs it a parse.
    static const std::string two_rows = std::string(kInsertEvent) + ",(?,?,?,?,?,?)";
    for (std::size_t i = 0; i < events.size(); i += 2) {
        const auto& e = events[i];
        if (i + 1 == events.size()) {
            batch.add(kInsertEvent, ticket_id, at, e.actor, e.actor_role, e.type, json_or_empty_object(e.details));
            break;
        }
        const auto& f = events[i + 1];
        batch.add(two_rows, ticket_id, at, e.actor, e.actor_role, e.type, json_or_empty_object(e.details),
                  ticket_id, at, f.actor, f.actor_role, f.type, json_or_empty_object(f.details));
    }
}

void TicketRepository::append_event(sql::Connection& c, std::uint64_t ticket_id, const NewEvent& e, Timestamp at) {
    append_events(c, ticket_id, {e}, at);
}

namespace {
std::vector<TicketEvent> read_events(sql::ResultSet& rs) {
    std::vector<TicketEvent> out;
    while (rs.next()) {
        TicketEvent e;
        e.id = rs.getUInt64("id");
        e.ticket_id = rs.getUInt64("ticket_id");
        e.at = time(rs, "at");
        e.actor = str(rs, "actor");
        e.actor_role = str(rs, "actor_role");
        e.type = str(rs, "type");
        e.details = str(rs, "details");
        out.push_back(std::move(e));
    }
    return out;
}
}  // namespace

std::vector<TicketEvent> TicketRepository::events(sql::Connection& c, std::uint64_t ticket_id) {
    auto st =
        prepare(c,
                "SELECT id, ticket_id, at, actor, actor_role, type, details FROM ticket_events "
                "WHERE ticket_id = ? ORDER BY id");
    bind_all(*st, ticket_id);
    return read_events(*query(*st));
}

std::vector<TicketEvent> TicketRepository::latest_events(sql::Connection& c,
                                                         std::uint64_t ticket_id,
                                                         const std::vector<std::string>& types) {
    if (types.empty()) return {};
    std::string q =
        "SELECT id, ticket_id, at, actor, actor_role, type, details FROM ticket_events "
        "WHERE ticket_id = ? AND type IN (?";
    for (std::size_t i = 1; i < types.size(); ++i) q += ",?";
    q += ") ORDER BY id DESC LOCK IN SHARE MODE";
    auto st = prepare(c, q);
    int i = 0;
    sql_row::bind(*st, ++i, ticket_id);
    for (const auto& t : types) sql_row::bind(*st, ++i, t);
    return read_events(*query(*st));
}

}  // namespace repairbot::store
