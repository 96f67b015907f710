-- The bank's customer schema (core's `customer_schema`), one row per applied version; the
-- highest version is in force. Applying is audited; nothing is ever updated in place.
CREATE TABLE customer_schemas (
    version     BIGINT PRIMARY KEY,
    document    TEXT NOT NULL,
    applied_by  TEXT NOT NULL,
    applied_at  BIGINT NOT NULL
);
