-- Delivery through connectors (file sink, signed webhook): a failing action is retried on its
-- own schedule (`next_attempt_at`, exponential backoff) without holding up the others, and
-- after too many attempts (or a refusal that retrying cannot fix) it is set aside with
-- `failed_at` and the receiver's last answer in `last_error`.
ALTER TABLE outbox ADD COLUMN next_attempt_at BIGINT;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
ALTER TABLE outbox ADD COLUMN failed_at BIGINT;
CREATE INDEX outbox_channel_due ON outbox (channel, delivered_at, failed_at, seq);

-- The suppression list: customers who must not be contacted on a channel ('*' = any channel),
-- whatever their consents say (legal hold, fraud, bereavement, a complaint in progress).
CREATE TABLE suppressions (
    customer_id  TEXT NOT NULL,
    channel      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    added_at     BIGINT NOT NULL,
    PRIMARY KEY (customer_id, channel)
);
