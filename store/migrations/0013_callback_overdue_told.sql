-- The due time whose overdue note went out (bot/sla_timers.h: callback_overdue to the
-- dispatchers). A callback is told overdue once per due time: the timer's firing sets it in the
-- transaction that queues the note, and a refresh of the timer index (bot/timer_plan.h
-- plan_callback_timer) leaves a callback told for its current due time out. A callback about no
-- ticket (an owner's 投诉 in chat) has no audit log to remember the note by, so before this
-- column every 10-minute refresh told the dispatchers again. A due time moved later (a complaint
-- handled: its callback is due 3 days on) is told again when it passes.
-- Safe to repeat (IF NOT EXISTS). Callbacks told before it have none: one about a ticket is
-- still recognised by its audit event.
ALTER TABLE callbacks ADD COLUMN IF NOT EXISTS overdue_told_for DATETIME(3) NULL AFTER due_at;
