-- The dispatchers' queue note: in a storm, when nobody can take the tickets, the dispatchers are
-- told of them in one note at most every dispatch.queue_note_seconds instead of one note per
-- ticket (3 dispatchers and 9,000 queued tickets made 27,000 pushes nobody could read). One row
-- per note: the newest queued ticket it has told of, and when it was last sent. The passes of
-- every bot process lock the row (SELECT … FOR UPDATE), so one note goes out however many run.
-- Safe to repeat (IF NOT EXISTS): DDL is not transactional.
CREATE TABLE IF NOT EXISTS queue_notes (
    name              VARCHAR(32)     NOT NULL,          -- 'dispatchers'
    told_through_id   BIGINT UNSIGNED NOT NULL DEFAULT 0, -- tickets.id of the newest ticket told of
    sent_at           DATETIME(3)     NULL,
    PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The note starts at the newest ticket already filed: tickets waiting when this migration runs
-- were told to the dispatchers one by one (before queue notes), so the first note does not
-- count them as new again; they are in its "waiting" total.
INSERT INTO queue_notes (name, told_through_id)
SELECT 'dispatchers', COALESCE(MAX(id), 0) FROM tickets
ON DUPLICATE KEY UPDATE name = name;
