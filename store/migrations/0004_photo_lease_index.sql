-- The photo worker's claim leases rows with an UPDATE and then reads back the rows it leased by
-- (lease_owner, lease_until). Without an index on those columns MariaDB answered that read by
-- walking the primary key (ORDER BY id; 'pending' is not selective while a storm's backlog
-- waits), so every pass read every photo ever recorded. Now it reads just the pass's rows.
-- (The outbox's read-back is by status = 'sending', which its ix_outbox_due already narrows to
-- the rows in flight.)
-- Safe to repeat (IF NOT EXISTS): DDL is not transactional.
ALTER TABLE photos ADD KEY IF NOT EXISTS ix_photos_lease (lease_owner, lease_until);
