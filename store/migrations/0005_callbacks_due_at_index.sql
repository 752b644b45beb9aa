-- The desk's figures (统计) take the callbacks due in a date range, and the callback lists
-- (回访) show them by due date: both scanned and sorted the whole callbacks table (on a year of
-- data, 25,000 callbacks: 29,475 rows read for a month's 2,056; 25,180 for a list page of 100),
-- now a range of this index (6,581 with the joins; 229).
-- Safe to repeat (IF NOT EXISTS): DDL is not transactional.
ALTER TABLE callbacks ADD KEY IF NOT EXISTS ix_callbacks_due_at (due_at);
