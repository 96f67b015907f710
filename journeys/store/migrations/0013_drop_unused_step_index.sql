-- No query reads the step log by customer (the customer page reads instances and the action
-- log), yet every step (about four per event) paid for this index on insert.
DROP INDEX IF EXISTS journey_steps_customer;
