-- One row that every audit append locks first (an UPDATE holds a row lock until commit on
-- PostgreSQL; SQLite serialises writers anyway), so concurrent transactions append to the hash
-- chain one after another instead of colliding on the next sequence number.
CREATE TABLE audit_lock (id BIGINT PRIMARY KEY);
INSERT INTO audit_lock (id) VALUES (1);
