-- Everything the dialog accepts fits (dialog/inbound.h: a message of up to 1,000 characters, an
-- openid of up to 64): in strict mode MariaDB refuses an overlong value, and the owner's report
-- or the technician's 完成 then failed on every resend.
-- - idempotency_key: "<openid>:{<openid>}:m:<MsgId>#<revision>" is up to ~160 characters for a
--   64-character openid (WeChat's are 28: ~90).
-- - done_note: the technician's note after 完成 (up to 1,000 characters).
-- - cancel_reason: "业主不同意报价：" and the owner's reason (up to 1,000 characters).
-- Safe to repeat: MODIFY to the same definition changes nothing; a longer VARCHAR keeps its data.
ALTER TABLE tickets
    MODIFY idempotency_key VARCHAR(191) NOT NULL,
    MODIFY done_note VARCHAR(1024) NOT NULL DEFAULT '',
    MODIFY cancel_reason VARCHAR(1024) NOT NULL DEFAULT '';
