-- The urgency a reopened ticket's first visit was judged by, when a reopen raised `urgency`
-- since (a 没修好 naming a danger: bot/ticket_lifecycle.h reopen_job). The first visit's deadlines
-- and verdicts (dispatch_due .. finish_late) were set in its limits; the missed-deadlines report
-- and the policy's deadline of a ticket without stored dues read this, while `urgency` drives the
-- revisit. NULL: never raised, the same as `urgency`. Set once, by the first raise.
-- Tickets raised before it: the first raising reopen's audit event says [old, new] in
-- details.urgency. Safe to repeat (IF NOT EXISTS; only rows still NULL are filled).
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS first_urgency VARCHAR(16) NULL AFTER urgency;
UPDATE tickets t SET first_urgency = (
    SELECT JSON_VALUE(e.details, '$.urgency[0]') FROM ticket_events e
    WHERE e.ticket_id = t.id AND e.type = 'reopened'
      AND JSON_VALUE(e.details, '$.urgency[0]') IS NOT NULL
    ORDER BY e.id LIMIT 1)
WHERE t.first_urgency IS NULL AND t.reopen_count > 0;
