-- A storm's dispatch breaches in the queue note too (bot/queue_notes.h): a queued ticket that is
-- not an emergency and passes its dispatch deadline is marked late and its breach recorded on it
-- as always, and recorded here (late = 1) for the next note instead of an escalation per ticket
-- to every supervisor and dispatcher (9,000 queued tickets made 36,000 pushes two minutes after
-- their warnings). The note tells the dispatchers, and the supervisors in a digest of their own.
-- Safe to repeat (IF NOT EXISTS). Upgrade every process of a desk together: an older one's note
-- takes a late row for a lapsed warning and forgets it.
ALTER TABLE queue_note_deadlines ADD COLUMN IF NOT EXISTS late TINYINT(1) NOT NULL DEFAULT 0 AFTER ticket_id;
