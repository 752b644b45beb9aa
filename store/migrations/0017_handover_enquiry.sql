-- A handover opened by an owner's question about a quote (报价咨询, "能便宜点吗"): the ticket whose
-- quote it is. The owner's answer to that quote (同意, 不同意) or their cancelling the ticket
-- settles the question, and so the handover (bot/callback_desk.h settle_quote_enquiry): nobody is
-- left to call back about it, and no supervisor is told at its due time that nobody did. NULL for
-- every other callback, and for a handover a plain 人工 or another question has joined.
-- Safe to repeat (IF NOT EXISTS).
ALTER TABLE callbacks ADD COLUMN IF NOT EXISTS enquiry_ticket_id BIGINT UNSIGNED NULL AFTER owner_openid;
