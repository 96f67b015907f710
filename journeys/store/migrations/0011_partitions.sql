-- Scale-out: customers hash into 256 partitions (`partitions::partition_of`), and engine
-- processes lease partitions. Only a partition's holder moves its customers, fires their
-- timers and delivers their actions. Every acquisition bumps `epoch`, the fencing token: a
-- transaction checks (owner, epoch) of its partitions before it commits, so a process that lost
-- a lease cannot write for it any more.
CREATE TABLE partition_leases (
    partition   BIGINT PRIMARY KEY,
    owner       TEXT,
    epoch       BIGINT NOT NULL DEFAULT 0,
    expires_at  BIGINT NOT NULL DEFAULT 0
);
WITH RECURSIVE p(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM p WHERE n < 255)
INSERT INTO partition_leases (partition, owner, epoch, expires_at) SELECT n, NULL, 0, 0 FROM p;

-- Engine processes that are alive (a recent heartbeat): each aims at an equal share.
CREATE TABLE engine_nodes (
    id            TEXT PRIMARY KEY,
    started_at    BIGINT NOT NULL,
    heartbeat_at  BIGINT NOT NULL
);

-- The partition of each row a partition's holder looks for (timers, deferrals, deliveries).
-- Rows written before this migration get theirs when the store opens (NULL until then).
ALTER TABLE instances ADD COLUMN partition BIGINT;
ALTER TABLE action_log ADD COLUMN partition BIGINT;
ALTER TABLE outbox ADD COLUMN partition BIGINT;
CREATE INDEX instances_partition_wake ON instances (partition, wake_at);
CREATE INDEX outbox_partition ON outbox (partition, delivered_at);

-- An event taken in by a process that does not hold its partition waits (pending = 1) for
-- the holder.
ALTER TABLE events ADD COLUMN partition BIGINT;
ALTER TABLE events ADD COLUMN pending BIGINT NOT NULL DEFAULT 0;
CREATE INDEX events_pending ON events (pending, partition, received_at);

-- Sequence numbers for several writers (PostgreSQL): a process reserves a block of numbers in
-- a short transaction of its own, so writers never wait on each other for them.
CREATE TABLE seq_blocks (
    name  TEXT PRIMARY KEY,
    next  BIGINT NOT NULL
);
INSERT INTO seq_blocks (name, next) SELECT 'action_log', COALESCE(MAX(seq), 0) + 1 FROM action_log;
INSERT INTO seq_blocks (name, next) SELECT 'outbox', COALESCE(MAX(seq), 0) + 1 FROM outbox;
INSERT INTO seq_blocks (name, next) SELECT 'decision_log', COALESCE(MAX(seq), 0) + 1 FROM decision_log;
INSERT INTO seq_blocks (name, next) SELECT 'journey_steps', COALESCE(MAX(seq), 0) + 1 FROM journey_steps;
