-- The repair desk's source of truth. Every time is UTC (sessions run with time_zone '+00:00');
-- every text column is utf8mb4 (names and descriptions carry Chinese and emoji).
-- Statements end with ';' at the end of a line; each is safe to run twice.

CREATE TABLE IF NOT EXISTS owners (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    openid          VARCHAR(64)  NOT NULL,
    name            VARCHAR(64)  NOT NULL DEFAULT '',
    phone           VARCHAR(32)  NOT NULL DEFAULT '',
    building        VARCHAR(32)  NOT NULL DEFAULT '',
    unit            VARCHAR(32)  NOT NULL DEFAULT '',
    room            VARCHAR(32)  NOT NULL DEFAULT '',
    address         VARCHAR(255) NOT NULL DEFAULT '',   -- the remembered address, as shown
    last_inbound_at DATETIME(3)  NULL,                  -- opens WeChat's 48 h service window
    created_at      DATETIME(3)  NOT NULL,
    updated_at      DATETIME(3)  NOT NULL,
    UNIQUE KEY uq_owners_openid (openid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS technicians (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    openid        VARCHAR(64)  NULL,                    -- set once bound with a bind code
    name          VARCHAR(64)  NOT NULL,
    phone         VARCHAR(32)  NOT NULL DEFAULT '',
    trades        VARCHAR(255) NOT NULL DEFAULT '',     -- comma-separated: 水,电,门窗
    buildings     VARCHAR(255) NOT NULL DEFAULT '',     -- comma-separated buildings/zones; '' = all
    on_duty       TINYINT(1)   NOT NULL DEFAULT 1,
    capacity      INT UNSIGNED NOT NULL DEFAULT 5,      -- open jobs at once
    is_supervisor TINYINT(1)   NOT NULL DEFAULT 0,
    is_dispatcher TINYINT(1)   NOT NULL DEFAULT 0,
    is_manager    TINYINT(1)   NOT NULL DEFAULT 0,
    active        TINYINT(1)   NOT NULL DEFAULT 1,      -- 0 = disabled, kept for history
    created_at    DATETIME(3)  NOT NULL,
    updated_at    DATETIME(3)  NOT NULL,
    UNIQUE KEY uq_technicians_openid (openid),
    KEY ix_technicians_duty (active, on_duty)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS bind_codes (
    code          VARCHAR(32)     NOT NULL PRIMARY KEY,
    technician_id BIGINT UNSIGNED NOT NULL,
    created_at    DATETIME(3)     NOT NULL,
    expires_at    DATETIME(3)     NOT NULL,
    used_at       DATETIME(3)     NULL,
    used_by       VARCHAR(64)     NULL,                 -- the openid that bound with it
    KEY ix_bind_codes_technician (technician_id),
    CONSTRAINT fk_bind_codes_technician FOREIGN KEY (technician_id) REFERENCES technicians (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per local (UTC+8) day; n is the last number handed out that day.
CREATE TABLE IF NOT EXISTS ticket_sequences (
    day DATE         NOT NULL PRIMARY KEY,
    n   INT UNSIGNED NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS tickets (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    number          VARCHAR(24)  NOT NULL,              -- BX20261121-0007
    idempotency_key VARCHAR(128) NOT NULL,              -- the same draft never makes two tickets
    owner_openid    VARCHAR(64)  NOT NULL,
    reporter_name   VARCHAR(64)  NOT NULL DEFAULT '',
    phone           VARCHAR(32)  NOT NULL DEFAULT '',
    building        VARCHAR(32)  NOT NULL DEFAULT '',
    unit            VARCHAR(32)  NOT NULL DEFAULT '',
    room            VARCHAR(32)  NOT NULL DEFAULT '',
    area            VARCHAR(128) NOT NULL DEFAULT '',   -- public place, e.g. 3号楼电梯厅
    address         VARCHAR(255) NOT NULL DEFAULT '',   -- as shown to people
    public_area     TINYINT(1)   NOT NULL DEFAULT 0,
    fault_type      VARCHAR(32)  NOT NULL,
    trade           VARCHAR(32)  NOT NULL DEFAULT '',
    urgency         VARCHAR(16)  NOT NULL,              -- emergency | normal | planned
    description     TEXT         NOT NULL,
    channel         VARCHAR(16)  NOT NULL DEFAULT 'wechat',
    preferred_from  DATETIME(3)  NULL,                  -- booked visit window (预约维修时间)
    preferred_to    DATETIME(3)  NULL,
    status          VARCHAR(16)  NOT NULL,              -- new dispatched accepted arrived done confirmed rated closed cancelled
    technician_id   BIGINT UNSIGNED NULL,
    paid            TINYINT(1)   NOT NULL DEFAULT 0,    -- 有偿维修
    quote_cents     INT UNSIGNED NULL,
    quote_status    VARCHAR(16)  NOT NULL DEFAULT 'none',  -- none pending agreed refused
    fee_cents       INT UNSIGNED NULL,
    materials       VARCHAR(512) NOT NULL DEFAULT '',
    done_note       VARCHAR(512) NOT NULL DEFAULT '',
    cancel_reason   VARCHAR(255) NOT NULL DEFAULT '',
    push_error      VARCHAR(255) NOT NULL DEFAULT '',   -- last TEMPLATESENDJOBFINISH failure
    reopen_count    INT UNSIGNED NOT NULL DEFAULT 0,
    created_at      DATETIME(3)  NOT NULL,              -- received (受理)
    dispatched_at   DATETIME(3)  NULL,
    accepted_at     DATETIME(3)  NULL,
    arrived_at      DATETIME(3)  NULL,
    quoted_at       DATETIME(3)  NULL,
    done_at         DATETIME(3)  NULL,
    confirmed_at    DATETIME(3)  NULL,
    rated_at        DATETIME(3)  NULL,
    closed_at       DATETIME(3)  NULL,
    cancelled_at    DATETIME(3)  NULL,
    dispatch_due    DATETIME(3)  NULL,
    accept_due      DATETIME(3)  NULL,
    arrive_due      DATETIME(3)  NULL,
    quote_due       DATETIME(3)  NULL,
    finish_due      DATETIME(3)  NULL,
    -- Per stage: NULL pending, 0 met on time, 1 late. Kept once set, for the figures.
    dispatch_late   TINYINT(1)   NULL,
    accept_late     TINYINT(1)   NULL,
    arrive_late     TINYINT(1)   NULL,
    quote_late      TINYINT(1)   NULL,
    finish_late     TINYINT(1)   NULL,
    version         INT UNSIGNED NOT NULL DEFAULT 0,    -- bumped by every update
    updated_at      DATETIME(3)  NOT NULL,
    UNIQUE KEY uq_tickets_number (number),
    UNIQUE KEY uq_tickets_idempotency (idempotency_key),
    KEY ix_tickets_owner (owner_openid, created_at),
    KEY ix_tickets_technician (technician_id, status),
    KEY ix_tickets_status (status, created_at),
    KEY ix_tickets_created (created_at),
    CONSTRAINT fk_tickets_technician FOREIGN KEY (technician_id) REFERENCES technicians (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The audit log: every change of a ticket, by whom, when, with details.
CREATE TABLE IF NOT EXISTS ticket_events (
    id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id  BIGINT UNSIGNED NOT NULL,
    at         DATETIME(3)  NOT NULL,
    actor      VARCHAR(64)  NOT NULL,                   -- openid, 'system', 'admin', 'sla'
    actor_role VARCHAR(16)  NOT NULL DEFAULT '',        -- owner technician dispatcher system
    type       VARCHAR(32)  NOT NULL,                   -- created dispatched accepted ... escalated
    details    JSON         NOT NULL,
    KEY ix_ticket_events_ticket (ticket_id, at),
    CONSTRAINT fk_ticket_events_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS photos (
    id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id    BIGINT UNSIGNED NULL,
    owner_openid VARCHAR(64)   NOT NULL,
    media_id     VARCHAR(128)  NOT NULL,
    pic_url      VARCHAR(1024) NOT NULL DEFAULT '',     -- fallback when the download fails
    stored_path  VARCHAR(512)  NOT NULL DEFAULT '',     -- content-addressed under var/media
    sha256       CHAR(64)      NOT NULL DEFAULT '',
    size_bytes   BIGINT UNSIGNED NULL,
    status       VARCHAR(16)   NOT NULL DEFAULT 'pending',  -- pending stored failed
    attempts     INT UNSIGNED  NOT NULL DEFAULT 0,
    last_error   VARCHAR(255)  NOT NULL DEFAULT '',
    created_at   DATETIME(3)   NOT NULL,
    stored_at    DATETIME(3)   NULL,
    UNIQUE KEY uq_photos_media (media_id),
    KEY ix_photos_ticket (ticket_id),
    KEY ix_photos_status (status),
    CONSTRAINT fk_photos_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS ratings (
    id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id    BIGINT UNSIGNED NOT NULL,
    round        INT UNSIGNED  NOT NULL DEFAULT 0,      -- the ticket's reopen_count when rated
    owner_openid VARCHAR(64)   NOT NULL,
    score        TINYINT UNSIGNED NOT NULL,             -- 1..5
    comment      VARCHAR(1024) NOT NULL DEFAULT '',
    created_at   DATETIME(3)   NOT NULL,
    UNIQUE KEY uq_ratings_ticket_round (ticket_id, round),
    CONSTRAINT fk_ratings_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id),
    CONSTRAINT ck_ratings_score CHECK (score BETWEEN 1 AND 5)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS complaints (
    id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id    BIGINT UNSIGNED NULL,
    owner_openid VARCHAR(64)   NOT NULL,
    source       VARCHAR(16)   NOT NULL,                -- low_rating reopen owner callback
    severity     VARCHAR(16)   NOT NULL DEFAULT 'normal',  -- normal serious
    text         VARCHAR(2048) NOT NULL DEFAULT '',
    status       VARCHAR(16)   NOT NULL DEFAULT 'open', -- open handled closed
    handled_by   VARCHAR(64)   NOT NULL DEFAULT '',
    resolution   VARCHAR(2048) NOT NULL DEFAULT '',
    created_at   DATETIME(3)   NOT NULL,
    handled_at   DATETIME(3)   NULL,
    KEY ix_complaints_status (status, created_at),
    KEY ix_complaints_ticket (ticket_id),
    CONSTRAINT fk_complaints_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- 回访: every complaint, and a sample of finished repairs.
CREATE TABLE IF NOT EXISTS callbacks (
    id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id    BIGINT UNSIGNED NULL,
    complaint_id BIGINT UNSIGNED NULL,
    kind         VARCHAR(16)   NOT NULL,                -- complaint sample
    due_at       DATETIME(3)   NOT NULL,
    done_at      DATETIME(3)   NULL,
    done_by      VARCHAR(64)   NOT NULL DEFAULT '',
    outcome      VARCHAR(16)   NULL,                    -- satisfied unsatisfied unreachable
    notes        VARCHAR(2048) NOT NULL DEFAULT '',
    created_at   DATETIME(3)   NOT NULL,
    UNIQUE KEY uq_callbacks_ticket_kind (ticket_id, complaint_id, kind),
    KEY ix_callbacks_due (done_at, due_at),
    CONSTRAINT fk_callbacks_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id),
    CONSTRAINT fk_callbacks_complaint FOREIGN KEY (complaint_id) REFERENCES complaints (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The transactional outbox: written with the change it announces, sent later by a worker.
CREATE TABLE IF NOT EXISTS outbox (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind            VARCHAR(32)   NOT NULL,             -- template cs_text media_download ...
    ticket_id       BIGINT UNSIGNED NULL,
    recipient       VARCHAR(64)   NOT NULL DEFAULT '',  -- openid
    payload         JSON          NOT NULL,
    status          VARCHAR(16)   NOT NULL DEFAULT 'pending',  -- pending sending sent failed
    attempts        INT UNSIGNED  NOT NULL DEFAULT 0,
    next_attempt_at DATETIME(3)   NOT NULL,
    lease_until     DATETIME(3)   NULL,                 -- a worker holds it until then
    lease_owner     VARCHAR(64)   NOT NULL DEFAULT '',
    last_errcode    INT           NULL,                 -- WeChat errcode of the last try
    last_error      VARCHAR(512)  NOT NULL DEFAULT '',
    created_at      DATETIME(3)   NOT NULL,
    sent_at         DATETIME(3)   NULL,
    KEY ix_outbox_due (status, next_attempt_at),
    KEY ix_outbox_ticket (ticket_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
