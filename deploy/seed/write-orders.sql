-- Inserts :n orders (1-3 lines each) for existing customers and products into the write model, each with its
-- OrderCreated outbox row, exactly as command-service would have written them (UUIDv7 ids whose timestamp is
-- created_at; the event JSON is the order-events contract). created_at is spread over the last :days days.
-- Run with psql -v n=10000 -v days=30 -v seed_tag=... ; idempotent per run only through fresh random ids.
\set ON_ERROR_STOP on
BEGIN;
SET LOCAL statement_timeout = '10min';

CREATE TEMP TABLE seed_customers ON COMMIT DROP AS
    SELECT id, name, email, row_number() OVER (ORDER BY id) - 1 AS rn FROM customers;
CREATE TEMP TABLE seed_products ON COMMIT DROP AS
    SELECT id, name, price_cents, currency, row_number() OVER (ORDER BY id) - 1 AS rn FROM products
     WHERE active AND currency = 'EUR';

-- UUIDv7 from a timestamp: 48-bit Unix milliseconds, version 7, RFC 4122 variant, random rest.
CREATE TEMP TABLE seed_orders ON COMMIT DROP AS
WITH base AS (
    SELECT g,
           date_trunc('milliseconds', now() - random() * make_interval(days => :days)) AS created_at,
           -- skewed: a few customers get many orders (square of a uniform draw)
           floor(power(random(), 2) * (SELECT count(*) FROM seed_customers))::bigint AS crn
      FROM generate_series(1, :n) g
), ids AS (
    SELECT g, created_at, crn,
           set_byte(set_byte(overlay(uuid_send(gen_random_uuid())
                        PLACING substring(int8send((extract(epoch FROM created_at) * 1000)::bigint) FROM 3)
                        FROM 1 FOR 6), 6, (get_byte(uuid_send(gen_random_uuid()), 6) & 15) | 112),
                    8, (get_byte(uuid_send(gen_random_uuid()), 8) & 63) | 128) AS b
      FROM base
)
SELECT encode(b, 'hex')::uuid AS id, created_at, c.id AS customer_id, 1 + (g % 3) AS lines
  FROM ids JOIN seed_customers c ON c.rn = ids.crn;

CREATE TEMP TABLE seed_items ON COMMIT DROP AS
SELECT o.id AS order_id, l AS line_no, p.id AS product_id, p.name AS product_name, 1 + (l % 2) AS quantity,
       p.price_cents AS unit_price_cents
  FROM seed_orders o
 CROSS JOIN LATERAL generate_series(1, o.lines) l
  JOIN seed_products p ON p.rn = (abs(hashtext(o.id::text || l)) % (SELECT count(*) FROM seed_products));

INSERT INTO orders (id, customer_id, status, version, currency, total_cents, created_at, updated_at)
SELECT o.id, o.customer_id, 'PENDING', 1, 'EUR',
       (SELECT sum(i.quantity * i.unit_price_cents) FROM seed_items i WHERE i.order_id = o.id), o.created_at, o.created_at
  FROM seed_orders o;

INSERT INTO order_items (id, order_id, line_no, product_id, product_name, quantity, unit_price_cents)
SELECT gen_random_uuid(), order_id, line_no, product_id, product_name, quantity, unit_price_cents FROM seed_items;

INSERT INTO outbox (id, aggregatetype, aggregateid, type, schemaversion, payload, occurred_at)
SELECT e.event_id, 'Order', o.id::text, 'OrderCreated', 1,
       jsonb_build_object(
           'eventId', e.event_id, 'type', 'OrderCreated', 'schemaVersion', 1, 'aggregateId', o.id,
           'aggregateVersion', 1, 'occurredAt', e.ts, 'customerId', o.customer_id,
           'payload', jsonb_build_object(
               'id', o.id, 'customerId', o.customer_id, 'customerName', c.name, 'customerEmail', c.email,
               'status', 'PENDING', 'version', 1, 'createdAt', e.ts, 'updatedAt', e.ts, 'currency', 'EUR',
               'totalCents', o.total_cents,
               'items', (SELECT jsonb_agg(jsonb_build_object('productId', i.product_id, 'name', i.product_name,
                                                             'quantity', i.quantity, 'unitPriceCents', i.unit_price_cents)
                                          ORDER BY i.line_no)
                           FROM order_items i WHERE i.order_id = o.id))),
       o.created_at
  FROM orders o
  JOIN seed_orders s ON s.id = o.id
  JOIN customers c ON c.id = o.customer_id
 CROSS JOIN LATERAL (SELECT gen_random_uuid() AS event_id,
                            to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts) e;
COMMIT;
