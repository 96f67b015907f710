-- Saved simulation runs: the parameters they were run with and the full JSON report.
CREATE TABLE simulation_runs (
    id          TEXT PRIMARY KEY,
    journey_id  TEXT NOT NULL,
    revision    BIGINT NOT NULL,
    parameters  TEXT NOT NULL,
    report      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX simulation_runs_by_journey ON simulation_runs (journey_id, created_at);
