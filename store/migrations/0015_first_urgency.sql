-- The urgency a reopened ticket's first visit was judged by, when a reopen raised `urgency`
-- since (a 没修好 naming a danger: bot/ticket_lifecycle.h reopen_job). The first visit's deadlines
-- and verdicts (dispatch_due .. finish_late) were set in its limits; the missed-deadlines report
-- and the policy's deadline of a ticket without stored dues read this, while `urgency` drives the
-- revisit. NULL: never raised, the same as `urgency`. Set once, by the first raise.
-- Safe to repeat (IF NOT EXISTS).
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS first_urgency VARCHAR(16) NULL AFTER urgency;
