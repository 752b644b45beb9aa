-- Every deadline of a queued ticket in the queue note (bot/queue_notes.h), not only dispatch's.
-- A storm's queue that nobody takes for hours reaches its arrival deadlines and then its finish
-- deadlines in turn, and a warning per ticket to every dispatcher (and a breach per ticket to
-- every supervisor) is the flood the note replaced. A record names the stage whose deadline it
-- is and, for a breach, the deadline missed (a finish breach moves the ticket's finish deadline
-- to the new promised time: the note names the one missed); a warning's note reads the stage's
-- current deadline. One record per ticket and stage: a dispatch breach still untold and an
-- arrival warning are both told.
-- Safe to repeat (IF [NOT] EXISTS). Rows from before are the dispatch stage's, as they were.
-- Upgrade every process of a desk together: an older one's note reads every record as a
-- dispatch deadline (it would forget an arrival warning and misname a finish breach).
ALTER TABLE queue_note_deadlines
    ADD COLUMN IF NOT EXISTS stage VARCHAR(16) NOT NULL DEFAULT 'dispatch' AFTER ticket_id,
    ADD COLUMN IF NOT EXISTS due DATETIME(3) NULL AFTER late;
ALTER TABLE queue_note_deadlines
    ADD UNIQUE KEY IF NOT EXISTS ux_queue_note_deadlines_ticket_stage (ticket_id, stage);
ALTER TABLE queue_note_deadlines DROP INDEX IF EXISTS ux_queue_note_deadlines_ticket;
