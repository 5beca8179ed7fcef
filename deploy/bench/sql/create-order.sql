-- Limit for POST /orders with 3 lines: the work command-service does in its transaction, as plain SQL through
-- PgBouncer to the write primary: read the customer and the products, insert the order, its lines and the
-- OrderCreated outbox row. The orders are real: relayed and projected like any.
-- Every id is a UUIDv7 of the order's millisecond, as command-service makes them (OrderIds and the events'
-- eventId): random (v4) line and event ids, as this file had until session 15, insert into random leaf pages of
-- order_items' and outbox's primary keys, which the service's own writes do not.
-- (chr(58) is a colon: pgbench would take ":MI" in a literal for a variable.)
\set c random(0, :customers - 1)
\set p1 random(0, :products - 1)
\set p2 random(0, :products - 1)
\set p3 random(0, :products - 1)
BEGIN;
SELECT id, name, email, version FROM customers WHERE id = md5('seed-customer-' || :c::text)::uuid;
SELECT id, name, price_cents, currency, active, version FROM products WHERE id IN (md5('seed-product-' || :p1::text)::uuid, md5('seed-product-' || :p2::text)::uuid, md5('seed-product-' || :p3::text)::uuid);
SELECT ids[1] AS oid, ids[2] AS i1, ids[3] AS i2, ids[4] AS i3, ids[5] AS eid, t AS ts FROM (SELECT t, array_agg(encode(set_byte(set_byte(overlay(uuid_send(gen_random_uuid()) PLACING substring(int8send((extract(epoch FROM t) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 6, (get_byte(uuid_send(gen_random_uuid()), 6) & 15) | 112), 8, (get_byte(uuid_send(gen_random_uuid()), 8) & 63) | 128), 'hex') ORDER BY n) AS ids FROM (SELECT date_trunc('milliseconds', clock_timestamp()) AS t) x CROSS JOIN generate_series(1, 5) n GROUP BY t) y \gset
INSERT INTO orders (id, customer_id, status, version, currency, total_cents, created_at, updated_at) SELECT :oid::uuid, md5('seed-customer-' || :c::text)::uuid, 'PENDING', 1, 'EUR', sum(p.price_cents * l.q), :ts::timestamptz, :ts::timestamptz FROM (VALUES (:p1::int, 1), (:p2::int, 2), (:p3::int, 1)) l(pn, q) JOIN products p ON p.id = md5('seed-product-' || l.pn)::uuid;
INSERT INTO order_items (id, order_id, line_no, product_id, product_name, quantity, unit_price_cents) SELECT l.iid, :oid::uuid, l.n, p.id, p.name, l.q, p.price_cents FROM (VALUES (1, :p1::int, 1, :i1::uuid), (2, :p2::int, 2, :i2::uuid), (3, :p3::int, 1, :i3::uuid)) l(n, pn, q, iid) JOIN products p ON p.id = md5('seed-product-' || l.pn)::uuid;
INSERT INTO outbox (id, aggregatetype, aggregateid, type, schemaversion, payload, occurred_at) SELECT e.event_id, 'Order', o.id::text, 'OrderCreated', 1, jsonb_build_object('eventId', e.event_id, 'type', 'OrderCreated', 'schemaVersion', 1, 'aggregateId', o.id, 'aggregateVersion', 1, 'occurredAt', e.ts, 'customerId', o.customer_id, 'payload', jsonb_build_object('id', o.id, 'customerId', o.customer_id, 'customerName', c.name, 'customerEmail', c.email, 'status', 'PENDING', 'version', 1, 'createdAt', e.ts, 'updatedAt', e.ts, 'currency', 'EUR', 'totalCents', o.total_cents, 'items', (SELECT jsonb_agg(jsonb_build_object('productId', i.product_id, 'name', i.product_name, 'quantity', i.quantity, 'unitPriceCents', i.unit_price_cents) ORDER BY i.line_no) FROM order_items i WHERE i.order_id = o.id))), o.created_at FROM orders o JOIN customers c ON c.id = o.customer_id CROSS JOIN LATERAL (SELECT :eid::uuid AS event_id, to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24' || chr(58) || 'MI' || chr(58) || 'SS.MS"Z"') AS ts) e WHERE o.id = :oid::uuid;
COMMIT;
