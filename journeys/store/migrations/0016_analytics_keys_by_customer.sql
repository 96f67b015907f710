-- The customer's rows of both tables are read by customer id (a batch's prefetch), and nothing
-- reads them by journey first but a report's list of versions (a scan either way). Keyed by
-- customer first, the primary key serves those reads, and the second index each table kept for
-- them (migration 0012) goes: every entry and every branch taken paid for two index writes.
CREATE TABLE journey_customers_by_customer (
    journey_id        TEXT NOT NULL,
    version           BIGINT NOT NULL,
    customer_id       TEXT NOT NULL,
    first_entered_at  BIGINT NOT NULL,
    entered_at        BIGINT NOT NULL,
    converted_at      BIGINT,
    contacts          BIGINT NOT NULL DEFAULT 0,
    last_offer        TEXT,
    PRIMARY KEY (customer_id, journey_id, version)
);
INSERT INTO journey_customers_by_customer (journey_id, version, customer_id, first_entered_at, entered_at, converted_at, contacts, last_offer)
    SELECT journey_id, version, customer_id, first_entered_at, entered_at, converted_at, contacts, last_offer FROM journey_customers;
DROP TABLE journey_customers;
ALTER TABLE journey_customers_by_customer RENAME TO journey_customers;

CREATE TABLE journey_customer_branches_by_customer (
    journey_id   TEXT NOT NULL,
    version      BIGINT NOT NULL,
    customer_id  TEXT NOT NULL,
    node         TEXT NOT NULL,
    port         TEXT NOT NULL,
    day          BIGINT NOT NULL,
    PRIMARY KEY (customer_id, journey_id, version, node, port)
);
INSERT INTO journey_customer_branches_by_customer (journey_id, version, customer_id, node, port, day)
    SELECT journey_id, version, customer_id, node, port, day FROM journey_customer_branches;
DROP TABLE journey_customer_branches;
ALTER TABLE journey_customer_branches_by_customer RENAME TO journey_customer_branches;
