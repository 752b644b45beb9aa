-- A complaint nobody handles is reminded of (bot/sla_timers.h: staff_complaint_unhandled to the
-- supervisors, and from the second reminder on, or for a serious complaint, the managers) every
-- follow_ups.complaint_reminder (config/sla.toml, 24 h by default) until its handling is recorded.
-- reminded_at is the last reminder's time, from which the next is counted (the first from
-- created_at); reminders counts them. The timer's firing sets both in the transaction that queues
-- the reminder, under the complaint's row lock, so two workers or a refreshed index remind once.
-- Safe to repeat (IF NOT EXISTS). Complaints filed before it have none: each one still open is
-- reminded of at the first refresh of the timer index after it (its first reminder long due),
-- then daily like any other until it is handled.
ALTER TABLE complaints
    ADD COLUMN IF NOT EXISTS reminded_at DATETIME(3) NULL AFTER handled_at,
    ADD COLUMN IF NOT EXISTS reminders INT UNSIGNED NOT NULL DEFAULT 0 AFTER reminded_at;
