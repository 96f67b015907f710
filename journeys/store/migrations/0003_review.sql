-- Users and roles, immutable submitted versions with their review, and the hash-chained
-- append-only audit log.
CREATE TABLE users (
    name           TEXT PRIMARY KEY,
    role           TEXT NOT NULL,
    password_hash  TEXT,
    created_at     BIGINT NOT NULL
);

CREATE TABLE journey_versions (
    journey_id    TEXT NOT NULL,
    number        BIGINT NOT NULL,
    content_hash  TEXT NOT NULL,
    document      TEXT NOT NULL,
    status        TEXT NOT NULL,
    submitted_by  TEXT NOT NULL,
    submitted_at  BIGINT NOT NULL,
    decided_by    TEXT,
    decided_at    BIGINT,
    comment       TEXT,
    PRIMARY KEY (journey_id, number)
);

CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    detail     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
