-- The run-time engine's durable state. Times are epoch ms (BIGINT), JSON is TEXT, so the same
-- file runs on SQLite and PostgreSQL. Sequence numbers are assigned by the engine (MAX + 1
-- inside the writing transaction; one process writes).

-- Customer profiles as posted (core `population::Customer` as JSON).
CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    profile     TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- Every accepted event; the primary key makes a re-sent event id a no-op.
CREATE TABLE events (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL,
    type         TEXT NOT NULL,
    time         BIGINT NOT NULL,
    attributes   TEXT NOT NULL,
    received_at  BIGINT NOT NULL
);
CREATE INDEX events_customer ON events (customer_id, time);

-- One customer's place in one journey version (core `interpret::Instance` plus visits).
CREATE TABLE instances (
    customer_id  TEXT NOT NULL,
    journey_id   TEXT NOT NULL,
    version      BIGINT NOT NULL,
    node         TEXT NOT NULL,
    status       TEXT NOT NULL,
    wake_at      BIGINT,
    state        TEXT NOT NULL,
    entered_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (customer_id, journey_id, version)
);
-- Due timers are pulled in wake-up order.
CREATE INDEX instances_wake ON instances (wake_at);

-- Actions allowed to send, written with the state change; the relay delivers them in seq order.
CREATE TABLE outbox (
    seq              BIGINT PRIMARY KEY,
    idempotency_key  TEXT NOT NULL UNIQUE,
    channel          TEXT NOT NULL,
    customer_id      TEXT NOT NULL,
    journey_id       TEXT NOT NULL,
    version          BIGINT NOT NULL,
    node             TEXT NOT NULL,
    payload          TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    delivered_at     BIGINT,
    attempts         BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX outbox_undelivered ON outbox (delivered_at, seq);

-- Every contact a journey asked for, with what governance made of it: sent, deferred (until
-- `due_at`; `pending` = 1 until the deferral is judged again) or suppressed (with `reason`).
CREATE TABLE action_log (
    seq              BIGINT PRIMARY KEY,
    customer_id      TEXT NOT NULL,
    journey_id       TEXT NOT NULL,
    version          BIGINT NOT NULL,
    node             TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    channel          TEXT NOT NULL,
    outcome          TEXT NOT NULL,
    reason           TEXT,
    at               BIGINT NOT NULL,
    due_at           BIGINT,
    pending          BIGINT NOT NULL DEFAULT 0,
    request          TEXT NOT NULL
);
CREATE INDEX action_log_customer ON action_log (customer_id, at);
CREATE INDEX action_log_due ON action_log (pending, due_at);
