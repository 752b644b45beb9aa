-- When the owner was last asked about a paid repair's quote (bot/ticket_lifecycle.h quote_job).
-- quoted_at is the first quote, the quote stage's milestone; a technician may replace a quote
-- (the work turned out bigger) and the owner is asked again, and the reminder of an unanswered
-- quote (bot/timer_plan.h, follow_ups.quote_reminder) counts from this time.
-- Safe to repeat (IF NOT EXISTS). Tickets quoted before it have none: their reminder counts from
-- quoted_at.
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS quote_asked_at DATETIME(3) NULL AFTER quoted_at;
