-- Indexes for reads whose cost grew with the desk's history (measured on a year of data:
-- 200,000 tickets, 150,000 photos, 25,000 callbacks).
-- Safe to repeat (IF NOT EXISTS): DDL is not transactional.

-- The photo worker's claim leases rows with an UPDATE and then reads back the rows it leased by
-- (lease_owner, lease_until). Without an index on those columns MariaDB answered that read by
-- walking the primary key (ORDER BY id; 'pending' is not selective while a storm's backlog
-- waits), so every pass read every photo ever recorded. Now it reads just the pass's rows.
-- (The outbox's read-back is by status = 'sending', which ix_outbox_due already narrows to the
-- rows in flight.)
ALTER TABLE photos ADD KEY IF NOT EXISTS ix_photos_lease (lease_owner, lease_until);

-- The desk's figures (统计) take the callbacks due in a date range, and the callback lists
-- (回访) show them by due date: both scanned and sorted the whole table (24,949 rows for a
-- month's 2,056; 25,180 for a page of 100), now a range of this index (6,581 with the joins;
-- 229).
ALTER TABLE callbacks ADD KEY IF NOT EXISTS ix_callbacks_due_at (due_at);
