-- A year of a busy desk's history, for scripts/bench (REPAIRBOT_BENCH_HISTORY=1, the default):
-- the webhook load then runs against the tables a desk has after a year, not against empty ones,
-- so a statement whose reads grow with the history shows in the numbers (docs/performance.md,
-- step 25: one such query read 183,804 rows per ticket filed; an empty database hid it).
--
-- What it holds, ending now: 200,000 tickets (~550 a day; the newest 600 spread over the whole
-- lifecycle, ~300 of them open jobs: ~6 per technician against a capacity of 10), 1,000,000 ticket events, 150,000 photos, 400,000 outbox rows,
-- ratings, complaints and callbacks; 20,000 owners; 50 technicians over every trade of
-- config/faults.toml and the bench's buildings (N栋), 3 of them dispatchers and 2 supervisors, all
-- bound, so the bench's tickets are dispatched (and pushed) while someone has room and queued
-- (with a note to the dispatchers) after that. Ticket numbers follow ticket_sequences, so today's
-- new tickets continue the day's numbering.
--
-- Runs on a freshly migrated database (scripts/bench creates it); ~20 s on the 2-core bench VM.
-- Relies on MariaDB's SEQUENCE engine (seq_1_to_N), built into Debian's server.
SET time_zone = '+00:00', NAMES utf8mb4 COLLATE utf8mb4_unicode_ci;
SET @now = NOW(3), @start = NOW(3) - INTERVAL 365 DAY;
SET foreign_key_checks = 0, unique_checks = 0;

INSERT INTO technicians (id, openid, name, phone, trades, buildings, on_duty, capacity, is_supervisor, is_dispatcher, is_manager, active, created_at, updated_at)
SELECT seq, CONCAT('oTECH', LPAD(seq, 23, '0')), CONCAT('师傅', seq), CONCAT('1380000', LPAD(seq,4,'0')),
       ELT(1 + seq % 7, '水,电', '电,燃气', '门窗,水', '水,电,门窗', '燃气,综合', '电梯,土建', '综合,水'),
       IF(seq % 3 = 0, '', CONCAT(1 + seq % 30, '栋,', 1 + (seq+7) % 30, '栋')),
       IF(seq % 10 = 0, 0, 1), 10, seq IN (1,2), seq IN (3,4,5), seq = 6, IF(seq = 50, 0, 1),
       @start, @start
FROM seq_1_to_50;

INSERT INTO bind_codes (code, technician_id, created_at, expires_at, used_at, used_by)
SELECT CONCAT('BC', LPAD(seq, 8, '0')), seq, @start, @start + INTERVAL 1 DAY, @start + INTERVAL 1 HOUR, CONCAT('oTECH', LPAD(seq, 23, '0')) FROM seq_1_to_50;

INSERT INTO owners (id, openid, name, phone, building, unit, room, address, last_inbound_at, created_at, updated_at)
SELECT seq, CONCAT('oOWN', LPAD(seq, 24, '0')), CONCAT('业主', seq), CONCAT('139', LPAD(seq, 8, '0')),
       CONCAT(1 + seq % 30, '栋'), CONCAT(1 + seq % 4, '单元'), CONCAT(100 + seq % 2000),
       CONCAT(1 + seq % 30, '栋', 1 + seq % 4, '单元', 100 + seq % 2000, '室'),
       @now - INTERVAL (seq * 1571) % (365*86400) SECOND, @start, @start
FROM seq_1_to_20000;

-- status: last 600 tickets (~1 day) carry the open ones
INSERT INTO tickets (id, number, idempotency_key, owner_openid, reporter_name, phone, building, unit, room, area, address,
  public_area, fault_type, trade, urgency, description, channel, preferred_from, preferred_to, status, technician_id, paid,
  quote_cents, quote_status, fee_cents, created_at, dispatched_at, accepted_at, arrived_at, done_at, confirmed_at, rated_at,
  closed_at, cancelled_at, dispatch_due, accept_due, arrive_due, finish_due, dispatch_late, accept_late, arrive_late, finish_late,
  version, updated_at)
SELECT id, CONCAT('BX', DATE_FORMAT(ca + INTERVAL 8 HOUR, '%Y%m%d'), '-', LPAD(day_n, 4, '0')), CONCAT('draft:', id, ':', MD5(id)),
  CONCAT('oOWN', LPAD(1 + (id * 7919) % 20000, 24, '0')), '业主', '13900000000', CONCAT(1 + id % 30, '栋'), '1单元', '101', '',
  CONCAT(1 + id % 30, '栋1单元101室'), 0,
  ELT(1 + id % 5, '水管漏水', '电路故障', '门窗损坏', '下水道堵塞', '其他'), ELT(1 + id % 3, '水', '电', '门窗'),
  CASE WHEN id % 20 = 0 THEN 'emergency' WHEN id % 10 = 1 THEN 'planned' ELSE 'normal' END,
  CONCAT('厨房水管漏水，请尽快处理 #', id), 'wechat', NULL, NULL, st,
  IF(st IN ('new'), NULL, 1 + id % 49), 0, NULL, 'none', NULL,
  ca, IF(st='new', NULL, ca + INTERVAL 5 MINUTE),
  IF(st IN ('new','dispatched'), NULL, ca + INTERVAL 20 MINUTE),
  IF(st IN ('new','dispatched','accepted'), NULL, ca + INTERVAL 60 MINUTE),
  IF(st IN ('done','confirmed','rated','closed'), ca + INTERVAL 3 HOUR, NULL),
  IF(st IN ('confirmed','rated','closed'), ca + INTERVAL 5 HOUR, NULL),
  IF(st IN ('rated','closed') AND id % 10 < 7, ca + INTERVAL 6 HOUR, NULL),
  IF(st = 'closed', ca + INTERVAL 6 HOUR, NULL), IF(st = 'cancelled', ca + INTERVAL 1 HOUR, NULL),
  ca + INTERVAL 15 MINUTE, ca + INTERVAL 45 MINUTE, ca + INTERVAL 2 HOUR, ca + INTERVAL 1 DAY,
  IF(st='new', NULL, id % 17 = 0), IF(st IN ('new','dispatched'), NULL, id % 13 = 0),
  IF(st IN ('new','dispatched','accepted'), NULL, id % 11 = 0), IF(st IN ('done','confirmed','rated','closed'), id % 9 = 0, NULL),
  6, ca + INTERVAL 6 HOUR
FROM (SELECT seq AS id, @start + INTERVAL seq * 157.68 SECOND AS ca,
        ROW_NUMBER() OVER (PARTITION BY DATE(@start + INTERVAL seq * 157.68 SECOND + INTERVAL 8 HOUR) ORDER BY seq) AS day_n,
        CASE WHEN seq <= 199400 THEN (CASE WHEN seq % 20 = 0 THEN 'cancelled' WHEN seq % 500 = 7 THEN 'rated' ELSE 'closed' END)
             ELSE ELT(1 + seq % 12, 'new','dispatched','dispatched','accepted','accepted','arrived','arrived','done','done','confirmed','rated','closed') END AS st
      FROM seq_1_to_200000) s;

INSERT INTO ticket_sequences (day, n)
SELECT DATE(created_at + INTERVAL 8 HOUR), COUNT(*) FROM tickets GROUP BY DATE(created_at + INTERVAL 8 HOUR);

-- 5 events per ticket; ~4% by the SLA
INSERT INTO ticket_events (ticket_id, at, actor, actor_role, type, details)
SELECT t.id, t.created_at + INTERVAL k * 30 MINUTE,
  CASE WHEN k = 4 AND t.id % 5 = 0 THEN 'sla' WHEN k IN (0,3) THEN t.owner_openid ELSE CONCAT('oTECH', LPAD(1 + t.id % 49, 23, '0')) END,
  CASE WHEN k = 4 AND t.id % 5 = 0 THEN 'system' WHEN k IN (0,3) THEN 'owner' ELSE 'technician' END,
  CASE WHEN k = 4 AND t.id % 5 = 0 THEN 'escalated' ELSE ELT(k + 1, 'created', 'dispatched', 'accepted', 'arrived', 'done') END,
  IF(k = 4 AND t.id % 5 = 0, JSON_OBJECT('timer', CONCAT('accept:', t.id, ':0'), 'status', 'dispatched'), '{}')
FROM tickets t JOIN (SELECT seq AS k FROM seq_0_to_4) s ON TRUE
ORDER BY t.id, s.k;

-- 150,000 photos: 100 pending (newest), 300 failed, rest stored
INSERT INTO photos (ticket_id, owner_openid, media_id, pic_url, stored_path, sha256, size_bytes, status, attempts, last_error, created_at, stored_at)
SELECT tid, CONCAT('oOWN', LPAD(1 + (tid * 7919) % 20000, 24, '0')), CONCAT('MEDIA_', seq, '_', MD5(seq)),
  CONCAT('http://mmbiz.qpic.cn/mmbiz_jpg/', MD5(seq), '/0'),
  IF(st = 'stored', CONCAT('var/media/', LEFT(SHA2(seq,256),2), '/', SHA2(seq,256), '.jpg'), ''),
  IF(st = 'stored', SHA2(seq,256), ''), IF(st='stored', 150000 + seq % 100000, NULL), st, IF(st='pending',0,1),
  IF(st='failed','http 404',''), @start + INTERVAL seq * 210.24 SECOND, IF(st='stored', @start + INTERVAL seq * 210.24 + 5 SECOND, NULL)
FROM (SELECT seq, LEAST(200000, CEIL(seq * 4 / 3)) AS tid,
        CASE WHEN seq > 149900 THEN 'pending' WHEN seq % 500 = 3 THEN 'failed' ELSE 'stored' END AS st FROM seq_1_to_150000) s;

-- 400,000 outbox rows: 2 per ticket; newest 20 pending, 5 sending, ~800 failed
INSERT INTO outbox (kind, ticket_id, recipient, payload, status, attempts, next_attempt_at, lease_until, lease_owner, last_errcode, last_error, wechat_msgid, receipt_status, receipt_at, created_at, sent_at)
SELECT IF(k = 0, 'template', ELT(1 + tid % 3, 'notify', 'cs_text', 'template')), tid,
  IF(k = 0, CONCAT('oOWN', LPAD(1 + (tid * 7919) % 20000, 24, '0')), CONCAT('oTECH', LPAD(1 + tid % 49, 23, '0'))),
  JSON_OBJECT('template_id', 'TPL', 'data', JSON_OBJECT('number', tid)), st, IF(st='failed', 8, 1),
  ca, IF(st='sending', @now + INTERVAL 30 SECOND, NULL), IF(st IN ('sent','sending','failed'), CONCAT('host-', tid % 3, ':', tid % 7), ''),
  IF(st='failed', 43004, NULL), IF(st='failed', 'require subscribe', ''),
  IF(st='sent' AND (k=0 OR tid % 3 = 2), 2800000000000000000 + n, NULL), IF(st='sent' AND (k=0 OR tid % 3 = 2), 'success', NULL),
  IF(st='sent' AND (k=0 OR tid % 3 = 2), ca + INTERVAL 3 SECOND, NULL), ca, IF(st='sent', ca + INTERVAL 1 SECOND, NULL)
FROM (SELECT seq AS n, CEIL(seq/2) AS tid, seq % 2 AS k, @start + INTERVAL seq * 78.84 SECOND AS ca,
        CASE WHEN seq > 399980 THEN 'pending' WHEN seq > 399975 THEN 'sending' WHEN seq % 500 = 11 THEN 'failed' ELSE 'sent' END AS st
      FROM seq_1_to_400000) s;
UPDATE outbox SET next_attempt_at = @now - INTERVAL 2 SECOND WHERE status = 'pending';

-- ratings: ~70% of closed/rated tickets
INSERT INTO ratings (ticket_id, round, owner_openid, score, comment, created_at)
SELECT id, 0, owner_openid,
  CASE WHEN id % 100 < 70 THEN 5 WHEN id % 100 < 90 THEN 4 WHEN id % 100 < 95 THEN 3 WHEN id % 100 < 98 THEN 2 ELSE 1 END,
  IF(id % 4 = 0, '师傅很专业', ''), rated_at
FROM tickets WHERE rated_at IS NOT NULL;

-- complaints: every low rating plus ~1,000 others; ~30 recent ones still open
INSERT INTO complaints (ticket_id, owner_openid, source, severity, text, status, handled_by, resolution, created_at, handled_at)
SELECT r.ticket_id, r.owner_openid, 'low_rating', IF(r.score = 1, 'serious', 'normal'), CONCAT(r.score, '星：'), 'handled', 'admin', '已回访', r.created_at, r.created_at + INTERVAL 1 DAY
FROM ratings r WHERE r.score <= 2 ORDER BY r.created_at;
INSERT INTO complaints (ticket_id, owner_openid, source, severity, text, status, handled_by, resolution, created_at, handled_at)
SELECT id, owner_openid, ELT(1 + id % 3, 'owner', 'reopen', 'callback'), 'normal', '投诉', 'handled', 'admin', '处理', created_at + INTERVAL 1 DAY, created_at + INTERVAL 2 DAY
FROM tickets WHERE id % 200 = 13;
UPDATE complaints SET status = 'open', handled_by = '', resolution = '', handled_at = NULL ORDER BY created_at DESC LIMIT 30;

-- callbacks: one per complaint, plus a 10% sample of closed repairs; the recent ones open
INSERT INTO callbacks (ticket_id, complaint_id, kind, dedupe_key, due_at, done_at, done_by, outcome, notes, created_at)
SELECT ticket_id, id, 'complaint', CONCAT('complaint:', id), created_at + INTERVAL 1 DAY, IF(status = 'open', NULL, created_at + INTERVAL 20 HOUR),
  IF(status='open','','admin'), IF(status='open', NULL, 'satisfied'), '', created_at FROM complaints;
INSERT INTO callbacks (ticket_id, complaint_id, kind, dedupe_key, due_at, done_at, done_by, outcome, notes, created_at)
SELECT id, NULL, 'sample', CONCAT('sample:', id), confirmed_at + INTERVAL 2 DAY,
  IF(confirmed_at > @now - INTERVAL 2 DAY, NULL, confirmed_at + INTERVAL 30 HOUR), '', NULL, '', confirmed_at
FROM tickets WHERE confirmed_at IS NOT NULL AND id % 10 = 3;

-- The pushes still waiting are staff notices the worker can word (the older rows' kinds are
-- only history: they are never claimed again).
UPDATE outbox SET kind = 'notify', payload = JSON_OBJECT('event', 'staff_notice', 'text', CONCAT('历史待发通知 #', id))
WHERE status IN ('pending', 'sending');

-- Fresh statistics, as a server that has been running for a year has them.
ANALYZE TABLE tickets, ticket_events, photos, outbox, owners, technicians, callbacks, complaints, ratings;
