-- A callback is unique per purpose ("sample:<ticket id>", "complaint:<complaint id>"); the
-- composite key of 0001 could not say so, because NULL never equals NULL in a unique index.
-- Each statement is safe to repeat (IF [NOT] EXISTS): DDL is not transactional.
ALTER TABLE callbacks ADD COLUMN IF NOT EXISTS dedupe_key VARCHAR(64) NULL AFTER kind;
-- The ticket foreign key needs an index of its own before the old composite one goes.
ALTER TABLE callbacks ADD KEY IF NOT EXISTS ix_callbacks_ticket (ticket_id);
ALTER TABLE callbacks DROP INDEX IF EXISTS uq_callbacks_ticket_kind;
ALTER TABLE callbacks ADD UNIQUE KEY IF NOT EXISTS uq_callbacks_dedupe (dedupe_key);
