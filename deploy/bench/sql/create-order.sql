-- Limit for POST /orders with 3 lines: the statements command-service sends in its transaction (Hibernate Reactive's,
-- as pg_stat_statements lists them), as plain SQL through PgBouncer to the write primary. The orders are real:
-- relayed and projected like any.
-- - The customer by id (with the ids and the timestamp the service makes in Java: a UUIDv7 of the order's millisecond
--   for the order, each line and the event, as OrderIds does; sequential keys insert into the right-most leaf pages of
--   the primary keys, as the service's do).
-- - The three products in one statement by id = ANY, as one row (pgbench keeps a single row's columns).
-- - INSERT ... VALUES into orders, the three lines pipelined (Hibernate's JDBC batch: one round trip), the outbox
--   row with its payload: the service computes the total and writes the JSON in Java, so the database does neither
--   here beyond building the payload from values.
-- Until session 39 this file inserted with INSERT ... SELECT joins (the prices looked up again, the payload built by a
-- correlated subquery over order_items) and made the ids in a statement of their own: 1.9 times the service's
-- Postgres time per order, so POST /orders was compared with a costlier transaction than it runs (BENCHMARKS.md).
-- (chr(58) is a colon: pgbench would take ":MI" in a literal for a variable.)
\set c random(0, :customers - 1)
\set p1 random(0, :products - 1)
\set p2 random(0, :products - 1)
\set p3 random(0, :products - 1)
BEGIN;
SELECT c.id AS cid, c.name AS cname, c.email AS cemail, t.ms, overlay(replace(gen_random_uuid()::text, '-', '') PLACING t.hx FROM 1 FOR 13) AS oid, overlay(replace(gen_random_uuid()::text, '-', '') PLACING t.hx FROM 1 FOR 13) AS i1, overlay(replace(gen_random_uuid()::text, '-', '') PLACING t.hx FROM 1 FOR 13) AS i2, overlay(replace(gen_random_uuid()::text, '-', '') PLACING t.hx FROM 1 FOR 13) AS i3, overlay(replace(gen_random_uuid()::text, '-', '') PLACING t.hx FROM 1 FOR 13) AS eid, to_char(('epoch'::timestamptz + t.ms * interval '1 millisecond') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24' || chr(58) || 'MI' || chr(58) || 'SS.MS"Z"') AS ts FROM customers c CROSS JOIN (SELECT ms, lpad(to_hex(ms), 12, '0') || '7' AS hx FROM (SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::int8 AS ms) n) t WHERE c.id = md5('seed-customer-' || :c)::uuid \gset
SELECT max(price_cents) FILTER (WHERE id = md5('seed-product-' || :p1)::uuid) AS pr1, max(name) FILTER (WHERE id = md5('seed-product-' || :p1)::uuid) AS pn1, max(price_cents) FILTER (WHERE id = md5('seed-product-' || :p2)::uuid) AS pr2, max(name) FILTER (WHERE id = md5('seed-product-' || :p2)::uuid) AS pn2, max(price_cents) FILTER (WHERE id = md5('seed-product-' || :p3)::uuid) AS pr3, max(name) FILTER (WHERE id = md5('seed-product-' || :p3)::uuid) AS pn3 FROM products WHERE id = ANY (ARRAY[md5('seed-product-' || :p1)::uuid, md5('seed-product-' || :p2)::uuid, md5('seed-product-' || :p3)::uuid]) \gset
\set total :pr1 + 2 * :pr2 + :pr3
INSERT INTO orders (created_at, currency, customer_id, status, total_cents, updated_at, version, id) VALUES ('epoch'::timestamptz + :ms * interval '1 millisecond', 'EUR', :cid, 'PENDING', :total, 'epoch'::timestamptz + :ms * interval '1 millisecond', 1, :oid);
\startpipeline
INSERT INTO order_items (line_no, order_id, product_id, product_name, quantity, unit_price_cents, id) VALUES (1, :oid, md5('seed-product-' || :p1)::uuid, :pn1, 1, :pr1, :i1);
INSERT INTO order_items (line_no, order_id, product_id, product_name, quantity, unit_price_cents, id) VALUES (2, :oid, md5('seed-product-' || :p2)::uuid, :pn2, 2, :pr2, :i2);
INSERT INTO order_items (line_no, order_id, product_id, product_name, quantity, unit_price_cents, id) VALUES (3, :oid, md5('seed-product-' || :p3)::uuid, :pn3, 1, :pr3, :i3);
\endpipeline
INSERT INTO outbox (aggregateid, aggregatetype, occurred_at, payload, schemaversion, trace_context, type, id) VALUES (:oid::uuid::text, 'Order', 'epoch'::timestamptz + :ms * interval '1 millisecond', jsonb_build_object('eventId', :eid::uuid, 'type', 'OrderCreated', 'schemaVersion', 1, 'aggregateId', :oid::uuid, 'aggregateVersion', 1, 'occurredAt', :ts::text, 'customerId', :cid::uuid, 'payload', jsonb_build_object('id', :oid::uuid, 'customerId', :cid::uuid, 'customerName', :cname::text, 'customerEmail', :cemail::text, 'status', 'PENDING', 'version', 1, 'createdAt', :ts::text, 'updatedAt', :ts::text, 'currency', 'EUR', 'totalCents', :total::int8, 'items', jsonb_build_array(jsonb_build_object('productId', md5('seed-product-' || :p1)::uuid, 'name', :pn1::text, 'quantity', 1, 'unitPriceCents', :pr1::int8), jsonb_build_object('productId', md5('seed-product-' || :p2)::uuid, 'name', :pn2::text, 'quantity', 2, 'unitPriceCents', :pr2::int8), jsonb_build_object('productId', md5('seed-product-' || :p3)::uuid, 'name', :pn3::text, 'quantity', 1, 'unitPriceCents', :pr3::int8)))), 1, NULL, 'OrderCreated', :eid);
COMMIT;
