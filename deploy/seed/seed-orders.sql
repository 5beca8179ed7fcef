-- One chunk of the realistic data set (deploy/seed/seed), first part: :n orders created in the time slice [:lo, :hi)
-- inserted into the write model, in a transaction left open for the second part, which either prints the read rows
-- as COPY data (seed-to-read.sql) or writes the OrderCreated outbox rows (seed-to-outbox.sql), then commits.
-- Variables: n, lo, hi (timestamptz literals), customers, products (counts of the seeded reference data),
-- pending ('true': every order new, PENDING at version 1, as an OrderCreated event describes it).
\set ON_ERROR_STOP on
BEGIN;
SET LOCAL statement_timeout = '30min';
SET LOCAL synchronous_commit = off;  -- a seeder's commit can afford to wait for the WAL writer

-- UUIDv7 (48-bit Unix milliseconds of created_at, version 7, RFC 4122 variant, random rest) so ids sort by time
-- and name their partition, as command-service's ids do. Customers are Zipf-like: number floor(C * r^3), so the
-- first gets ~C^(-1/3) of all orders (21,000 of 1M with 100k customers), the next ones thousands, the last few.
-- Older orders have mostly finished.
CREATE TEMP TABLE seed_orders ON COMMIT DROP AS
WITH base AS (
    SELECT g,
           date_trunc('milliseconds', :'lo'::timestamptz + random() * (:'hi'::timestamptz - :'lo'::timestamptz)) AS created_at,
           floor(power(random(), 3) * :customers)::int AS crn,
           random() AS s
      FROM generate_series(1, :n) g
), shaped AS (
    SELECT g, created_at, crn,
           CASE WHEN :'pending' = 'true' THEN 'PENDING'
                WHEN created_at < now() - interval '14 days'
                THEN CASE WHEN s < 0.9 THEN 'DELIVERED' ELSE 'CANCELLED' END
                ELSE (ARRAY['PENDING','PAID','SHIPPED','DELIVERED','CANCELLED'])[1 + floor(s * 5)::int] END AS status,
           1 + floor(power(random(), 1.6) * 7)::int AS lines
      FROM base
)
SELECT encode(set_byte(set_byte(overlay(uuid_send(gen_random_uuid())
                PLACING substring(int8send((extract(epoch FROM created_at) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
            6, (get_byte(uuid_send(gen_random_uuid()), 6) & 15) | 112),
            8, (get_byte(uuid_send(gen_random_uuid()), 8) & 63) | 128), 'hex')::uuid AS id,
       created_at, md5('seed-customer-' || crn)::uuid AS customer_id, status,
       CASE status WHEN 'PENDING' THEN 1 WHEN 'PAID' THEN 2 WHEN 'SHIPPED' THEN 3 WHEN 'DELIVERED' THEN 4 ELSE 2 END AS version,
       lines
  FROM shaped;

CREATE TEMP TABLE seed_items ON COMMIT DROP AS
SELECT o.id AS order_id, l AS line_no, md5('seed-product-' || p.pn)::uuid AS product_id, 1 + (l * 7 + p.pn) % 3 AS quantity
  FROM seed_orders o
 CROSS JOIN LATERAL generate_series(1, o.lines) l
 CROSS JOIN LATERAL (SELECT floor(power(random() + l * 0, 1.5) * :products)::int AS pn) p;

INSERT INTO orders (id, customer_id, status, version, currency, total_cents, created_at, updated_at)
SELECT o.id, o.customer_id, o.status, o.version, 'EUR', t.total, o.created_at,
       o.created_at + (o.version - 1) * interval '20 hours'
  FROM seed_orders o
  JOIN (SELECT i.order_id, sum(i.quantity * p.price_cents) AS total
          FROM seed_items i JOIN products p ON p.id = i.product_id GROUP BY i.order_id) t ON t.order_id = o.id;

INSERT INTO order_items (id, order_id, line_no, product_id, product_name, quantity, unit_price_cents)
SELECT gen_random_uuid(), i.order_id, i.line_no, i.product_id, p.name, i.quantity, p.price_cents
  FROM seed_items i JOIN products p ON p.id = i.product_id;
