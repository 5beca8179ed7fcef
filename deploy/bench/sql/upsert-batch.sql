-- Limit for the projector's catch-up: its own batch statement (apply_orders, migration V8: order rows upserted with a
-- version guard, customer summaries from the before/after images) for 500 new orders, straight to the read primary,
-- into the very tables and partitions the catch-up fills, then rolled back. Only the input differs: generated
-- server-side instead of sent as arrays.
--
-- Why the live tables and not scratch copies: most of an upsert's cost is index maintenance, and it grows with the
-- partition (five indexes, one of them trigram GIN: ~196 us of database time per row on an 850k-row partition
-- against ~68 us in an empty one, session 10). An empty scratch table measured a cheaper statement than the one the
-- projector runs. Rolled back, so the read model keeps exactly what the write model holds (the checker still runs
-- after the catch-up); the sequence order_view_revision advances, which only skips revision numbers.
--
-- The rows look like the catch-up's (deploy/seed/seed --months 1 --via-outbox): PENDING orders at version 1 of
-- seeded customers (Zipf-like), UUIDv7 ids of their created_at, created in one 36-hour slice of the last month (the
-- seed writes a 1M-order month in 20 chunks of 50,000 orders, ~36 h each, and the relay publishes them in turn, so a
-- batch's rows share one).
\set chunk random(0, 19)
BEGIN;
WITH input AS MATERIALIZED (
    SELECT created_at, md5('seed-customer-' || floor(power(random(), 3) * 100000)::int)::uuid AS customer_id,
           encode(set_byte(set_byte(overlay(uuid_send(gen_random_uuid())
                       PLACING substring(int8send((extract(epoch FROM created_at) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
                   6, (get_byte(uuid_send(gen_random_uuid()), 6) & 15) | 112),
                   8, (get_byte(uuid_send(gen_random_uuid()), 8) & 63) | 128), 'hex')::uuid AS id
      FROM (SELECT date_trunc('milliseconds', now() - interval '1 hour' - (:chunk + random()) * interval '36 hours')
                   AS created_at
              FROM generate_series(1, 500)) g
), arrays AS (
    SELECT array_agg(id) AS id, array_agg(created_at) AS created_at, array_agg(customer_id) AS customer_id,
           array_agg('Grace Hopper'::text) AS customer_name, array_agg('grace.hopper@example.org'::text) AS customer_email,
           array_agg('PENDING'::text) AS status, array_agg(1::int8) AS version, array_agg(created_at) AS updated_at,
           array_agg('EUR'::text) AS currency, array_agg(12900::int8) AS total_cents, array_agg(4::int4) AS item_count,
           array_agg('[{"productId":"a0000000-0000-4000-8000-000000000001","name":"Mechanical keyboard","quantity":1,"unitPriceCents":8900},{"productId":"a0000000-0000-4000-8000-000000000002","name":"Wireless mouse","quantity":3,"unitPriceCents":1333}]'::text) AS items
      FROM input
)
SELECT count(*)
  FROM arrays a, apply_orders(a.id, a.created_at, a.customer_id, a.customer_name, a.customer_email, a.status,
                              a.version, a.updated_at, a.currency, a.total_cents, a.item_count, a.items);
ROLLBACK;
