-- Next best action and models (issue #10): the offers catalogue and the model registry, each
-- versioned and reviewed like journeys (submitted → approved, the live one, or rejected; the
-- previously approved version is retired); scores cached with the model version that produced
-- them; and the log of every automated decision.

CREATE TABLE offer_versions (
    offer_id      TEXT NOT NULL,
    number        BIGINT NOT NULL,
    document      TEXT NOT NULL,
    status        TEXT NOT NULL,
    submitted_by  TEXT NOT NULL,
    submitted_at  BIGINT NOT NULL,
    decided_by    TEXT,
    decided_at    BIGINT,
    comment       TEXT,
    PRIMARY KEY (offer_id, number)
);

-- `document` is core's `scoring::TrainedModel` (coefficients, training report, drift baselines).
CREATE TABLE model_versions (
    kind          TEXT NOT NULL,
    number        BIGINT NOT NULL,
    document      TEXT NOT NULL,
    status        TEXT NOT NULL,
    submitted_by  TEXT NOT NULL,
    submitted_at  BIGINT NOT NULL,
    decided_by    TEXT,
    decided_at    BIGINT,
    comment       TEXT,
    PRIMARY KEY (kind, number)
);

-- A customer's score from one model version, valid while the profile is unchanged
-- (`profile_updated_at` = `customers.updated_at` when it was computed).
CREATE TABLE score_cache (
    customer_id         TEXT NOT NULL,
    kind                TEXT NOT NULL,
    model_version       BIGINT NOT NULL,
    score               DOUBLE PRECISION NOT NULL,
    profile_updated_at  BIGINT NOT NULL,
    computed_at         BIGINT NOT NULL,
    PRIMARY KEY (customer_id, kind, model_version)
);

-- Every automated decision: `record` is core's `explain::DecisionRecord` (eligible set with
-- figures, exclusions with reasons, scores and model versions).
CREATE TABLE decision_log (
    seq          BIGINT PRIMARY KEY,
    customer_id  TEXT NOT NULL,
    journey_id   TEXT NOT NULL,
    version      BIGINT NOT NULL,
    node         TEXT NOT NULL,
    at           BIGINT NOT NULL,
    chosen       TEXT,
    reason       TEXT NOT NULL,
    record       TEXT NOT NULL
);
CREATE INDEX decision_log_customer ON decision_log (customer_id, at);
