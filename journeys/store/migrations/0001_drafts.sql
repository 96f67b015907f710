-- Portable SQL: runs unchanged on SQLite and PostgreSQL (times are epoch milliseconds,
-- ids and JSON documents are TEXT).
CREATE TABLE journey_drafts (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    document    TEXT NOT NULL,
    revision    BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
