SET client_min_messages = warning;
-- Input of the catch-up's limit (upsert-batch.sql): 40 batches of 500 order rows, as the arrays the projector binds,
-- taken from orders the read model already holds: the seeded data set (deploy/seed/seed) that the catch-up's backlog
-- comes from too, so the limit's rows cost the indexes what the catch-up's cost (customers' names and numbered
-- e-mails, 1-7 items with coded product names) without a second copy of the seed's rules. Made once before the limit
-- runs, so building them is not part of what it measures; each limit transaction only gives a batch fresh ids and
-- creation times.
DROP TABLE IF EXISTS bench_catchup_input;
CREATE UNLOGGED TABLE bench_catchup_input AS
WITH sample AS (
    SELECT row_number() OVER () - 1 AS k, customer_id, customer_name, customer_email, total_cents, item_count,
           items::text AS items
      FROM (SELECT * FROM order_view LIMIT 20000) s
)
SELECT k / 500 + 1 AS n, array_agg(customer_id ORDER BY k) AS customer_id,
       array_agg(customer_name ORDER BY k) AS customer_name, array_agg(customer_email ORDER BY k) AS customer_email,
       array_agg(total_cents ORDER BY k) AS total_cents, array_agg(item_count ORDER BY k) AS item_count,
       array_agg(items ORDER BY k) AS items
  FROM sample GROUP BY k / 500 HAVING count(*) = 500;
ALTER TABLE bench_catchup_input ADD PRIMARY KEY (n);
DO $$
BEGIN
    IF (SELECT count(*) FROM bench_catchup_input) < 40 THEN
        RAISE EXCEPTION 'the catch-up''s limit needs 20,000 orders in the read model (deploy/seed/seed) to take its rows from';
    END IF;
END $$;
