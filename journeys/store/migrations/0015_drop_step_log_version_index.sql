-- Reports read the counters (journey_rollup), never the step log, and nothing queries the step
-- log by version but a benchmark's check; every step (about four per event) paid for this
-- index on insert. The step log stays the record of every effect, in sequence order.
DROP INDEX IF EXISTS journey_steps_version;
