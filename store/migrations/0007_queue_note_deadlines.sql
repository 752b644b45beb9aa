-- Dispatch deadlines near, told in the dispatchers' queue note (bot/queue_notes.h). In a storm
-- every queued ticket reaches the warning point of its dispatch window (80 %) in turn, and a
-- warning per ticket to each dispatcher is the same flood the queue note replaced. So the SLA
-- timer of a queued ticket that is not an emergency records its warning here (and its audit
-- event on the ticket, as always), and the next note names the ones still waiting and not yet
-- late, nearest deadline first; a note that went out deletes the rows it read. Emergencies and
-- breaches are still told per ticket. Rows left when queue notes are switched off (or of a
-- deleted ticket) are never shown late: the note reads the ticket's current deadline.
CREATE TABLE IF NOT EXISTS queue_note_deadlines (
    seq        BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    ticket_id  BIGINT UNSIGNED NOT NULL,
    warned_at  DATETIME(3)     NOT NULL,
    PRIMARY KEY (seq),
    UNIQUE KEY ux_queue_note_deadlines_ticket (ticket_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
