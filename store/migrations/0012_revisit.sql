-- A reopened job's visit (返修, bot/ticket_lifecycle.h reopen_job, store/records.h Revisit): when
-- it was reopened, when the technician accepted it and was on site again, the revisit's own
-- acceptance and arrival deadlines (counted from the reopen) and its verdicts (NULL pending,
-- 0 on time, 1 late; kept once set). The SLA engine (bot/ticket_stages.h) watches these after a
-- reopen, while accepted_at, arrived_at, accept_due, arrive_due and the *_late columns keep the
-- first visit's for the figures; finish_due is the one finish deadline, moved by the reopen.
-- Safe to repeat (IF NOT EXISTS). Tickets reopened before it have none: the engine watches only
-- their finish, as it did.
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS reopened_at DATETIME(3) NULL AFTER quote_asked_at;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS revisit_accepted_at DATETIME(3) NULL AFTER reopened_at;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS revisit_arrived_at DATETIME(3) NULL AFTER revisit_accepted_at;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS revisit_accept_due DATETIME(3) NULL AFTER revisit_arrived_at;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS revisit_arrive_due DATETIME(3) NULL AFTER revisit_accept_due;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS revisit_accept_late TINYINT(1) NULL AFTER revisit_arrive_due;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS revisit_arrive_late TINYINT(1) NULL AFTER revisit_accept_late;
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS revisit_finish_late TINYINT(1) NULL AFTER revisit_arrive_late;
