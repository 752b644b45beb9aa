-- The first visit's finish, for the figures (bot/stats.h), which count a ticket's first visit:
-- first_finish_due is the finish deadline it was first given, kept when the SLA engine's finish
-- breach moves finish_due to a new promised finish (bot/sla_timers.cpp) or a reopen (返修) moves
-- it to the revisit's (bot/ticket_lifecycle.h reopen_job), so the late list (逾期明细) shows the
-- deadline that was missed and how late against it; first_done_at is when the first visit was
-- done, kept by the first reopen, which clears done_at for the revisit. NULL: not moved yet, the
-- same as finish_due / done_at. Set once.
-- Tickets from before it, from their audit events before the first reopen (the first visit's):
-- first_finish_due from the first finish breach's details.due ("YYYY-MM-DDTHH:MM:SS+08:00"),
-- else the first finish warning's (a reopened ticket never breached; for one breached and never
-- reopened the breach's always comes first); first_done_at from the first "done"
-- event of a reopened ticket. A reopened ticket with neither event keeps NULL (its recorded
-- verdict, finish_late, still counts; the late list then shows the revisit's deadline). Safe to
-- repeat (IF NOT EXISTS; only NULLs are filled).
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS first_finish_due DATETIME(3) NULL AFTER revisit_finish_late;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS first_done_at DATETIME(3) NULL AFTER first_finish_due;
UPDATE tickets t SET first_finish_due = (
    SELECT CONVERT_TZ(STR_TO_DATE(LEFT(JSON_VALUE(e.details, '$.due'), 19), '%Y-%m-%dT%H:%i:%s'),
                      SUBSTRING(JSON_VALUE(e.details, '$.due'), 20), '+00:00')
    FROM ticket_events e
    WHERE e.ticket_id = t.id AND e.type IN ('sla_breach', 'sla_warning')
      AND JSON_VALUE(e.details, '$.stage') = 'finish'
      AND JSON_VALUE(e.details, '$.revisit') IS NULL
      AND JSON_VALUE(e.details, '$.due') IS NOT NULL
      AND e.id < COALESCE((SELECT MIN(r.id) FROM ticket_events r
                           WHERE r.ticket_id = t.id AND r.type = 'reopened'), 18446744073709551615)
    ORDER BY e.type = 'sla_breach' DESC, e.id LIMIT 1)
WHERE t.first_finish_due IS NULL AND (t.finish_late = 1 OR t.reopen_count > 0);
UPDATE tickets t SET first_done_at = (
    SELECT e.at FROM ticket_events e WHERE e.ticket_id = t.id AND e.type = 'done'
    ORDER BY e.id LIMIT 1)
WHERE t.first_done_at IS NULL AND t.reopen_count > 0;
