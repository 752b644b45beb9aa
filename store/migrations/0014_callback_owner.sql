-- A handover (人工, kind 'handover'): the owner who asked for a person, whom a dispatcher calls
-- back (bot/callback_desk.h open_handover). It concerns no ticket or complaint, so the owner is
-- the callback's own column. open_handover_of is that owner while the handover is open (NULL for
-- every other callback and once done); its unique key makes one open handover per owner a rule
-- of the table, so two 人工 at once from one owner file one (the second INSERT waits for the
-- first and finds it), without a locking read ahead of every insert.
-- Safe to repeat (IF NOT EXISTS). Other callbacks leave owner_openid NULL.
ALTER TABLE callbacks ADD COLUMN IF NOT EXISTS owner_openid VARCHAR(64) NULL AFTER complaint_id;
ALTER TABLE callbacks ADD COLUMN IF NOT EXISTS open_handover_of VARCHAR(64)
    AS (IF(kind = 'handover' AND done_at IS NULL, owner_openid, NULL)) PERSISTENT;
ALTER TABLE callbacks ADD UNIQUE KEY IF NOT EXISTS uq_callbacks_open_handover (open_handover_of);
