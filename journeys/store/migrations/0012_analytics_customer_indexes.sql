-- Every engine transaction reads the standing and branches of its customers (all versions) by
-- customer id; without these indexes that read scanned both tables whole, so each batch got
-- slower as the tables grew.
CREATE INDEX journey_customers_customer ON journey_customers (customer_id);
CREATE INDEX journey_customer_branches_customer ON journey_customer_branches (customer_id);
