-- The engine's work queues (undelivered outbox rows, due wake-ups, events waiting for their
-- partition's holder, deferred contacts) are read through partial indexes that hold only the
-- rows in the queue, and the outbox keeps one index where it had three (SQLite's planner used
-- only outbox_undelivered). Every event updated about 26 B-trees; a small transaction wrote
-- each one's page to the log, so each index cost the engine's latency, not only its storage.
DROP INDEX IF EXISTS outbox_undelivered;
DROP INDEX IF EXISTS outbox_channel_due;
DROP INDEX IF EXISTS outbox_partition;
CREATE INDEX outbox_due ON outbox (seq) WHERE delivered_at IS NULL AND failed_at IS NULL;

DROP INDEX IF EXISTS instances_wake;
DROP INDEX IF EXISTS instances_partition_wake;
CREATE INDEX instances_due ON instances (wake_at) WHERE wake_at IS NOT NULL AND status = 'waiting';

DROP INDEX IF EXISTS events_pending;
CREATE INDEX events_waiting ON events (partition, received_at) WHERE pending = 1;

DROP INDEX IF EXISTS action_log_due;
CREATE INDEX action_log_deferred ON action_log (due_at) WHERE pending = 1;
