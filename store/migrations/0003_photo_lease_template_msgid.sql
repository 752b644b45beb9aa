-- The photo download worker leases a photo the way the outbox worker leases a row, so two
-- instances never download one photo at once and a crashed worker's photo comes back when its
-- lease ends; a failed try waits until next_attempt_at (NULL: at once).
-- Each statement is safe to repeat (IF [NOT] EXISTS): DDL is not transactional.
ALTER TABLE photos ADD COLUMN IF NOT EXISTS next_attempt_at DATETIME(3) NULL AFTER last_error;
ALTER TABLE photos ADD COLUMN IF NOT EXISTS lease_until DATETIME(3) NULL AFTER next_attempt_at;
ALTER TABLE photos ADD COLUMN IF NOT EXISTS lease_owner VARCHAR(64) NOT NULL DEFAULT '' AFTER lease_until;
ALTER TABLE photos ADD KEY IF NOT EXISTS ix_photos_due (status, next_attempt_at);

-- WeChat's msgid of a sent template message, so its TEMPLATESENDJOBFINISH receipt finds the
-- row (and through it the ticket); the receipt's Status as WeChat sent it, and when.
-- Not unique: WeChat's msgids are, but nothing here should fail a send if one repeats.
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS wechat_msgid BIGINT NULL AFTER last_error;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS receipt_status VARCHAR(64) NULL AFTER wechat_msgid;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS receipt_at DATETIME(3) NULL AFTER receipt_status;
ALTER TABLE outbox ADD KEY IF NOT EXISTS ix_outbox_msgid (wechat_msgid);
