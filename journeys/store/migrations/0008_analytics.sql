-- Journey analytics: what every instance did (the step log), who entered and converted, and
-- counters per (journey, version, UTC day) kept in the same transaction as the steps they
-- count, so a report reads a few thousand counter rows instead of millions of steps.
-- Portable as 0001–0006: epoch-ms BIGINT, TEXT, upserts with ON CONFLICT … DO UPDATE.

-- One row per effect worth keeping: moved (node → to_node by port), contact, held_out,
-- decided (detail: the chosen offer), goal (detail: event), exited (detail: reason),
-- converted (detail: the goal event).
CREATE TABLE journey_steps (
    seq          BIGINT PRIMARY KEY,
    journey_id   TEXT NOT NULL,
    version      BIGINT NOT NULL,
    customer_id  TEXT NOT NULL,
    at           BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    node         TEXT NOT NULL,
    port         TEXT,
    to_node      TEXT,
    detail       TEXT
);
CREATE INDEX journey_steps_version ON journey_steps (journey_id, version, at);
CREATE INDEX journey_steps_customer ON journey_steps (customer_id, at);

-- One row per customer who ever entered a version: first and latest entry, conversion, the
-- number of contacts sent (for the contacts-per-customer histogram) and the offer of the latest
-- one that carried an offer (a conversion is valued at it).
CREATE TABLE journey_customers (
    journey_id        TEXT NOT NULL,
    version           BIGINT NOT NULL,
    customer_id       TEXT NOT NULL,
    first_entered_at  BIGINT NOT NULL,
    entered_at        BIGINT NOT NULL,
    converted_at      BIGINT,
    contacts          BIGINT NOT NULL DEFAULT 0,
    last_offer        TEXT,
    PRIMARY KEY (journey_id, version, customer_id)
);

-- The ports of branching steps each customer has taken (first time, with its UTC day), so a
-- later conversion is credited to every branch the customer went through.
CREATE TABLE journey_customer_branches (
    journey_id   TEXT NOT NULL,
    version      BIGINT NOT NULL,
    customer_id  TEXT NOT NULL,
    node         TEXT NOT NULL,
    port         TEXT NOT NULL,
    day          BIGINT NOT NULL,
    PRIMARY KEY (journey_id, version, customer_id, node, port)
);

-- Counters: metric names and keys are core's `analytics::metric` (node_entered k1=node,
-- edge k1=from k2=port, sent k1=channel, suppressed k1=reason, …); '' for an unused key.
CREATE TABLE journey_rollup (
    journey_id  TEXT NOT NULL,
    version     BIGINT NOT NULL,
    day         BIGINT NOT NULL,
    metric      TEXT NOT NULL,
    k1          TEXT NOT NULL,
    k2          TEXT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (journey_id, version, day, metric, k1, k2)
);
