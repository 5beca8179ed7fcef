-- Limit for the projector's catch-up: its own batch statement (apply_orders, migration V8: order rows upserted with a
-- version guard, customer summaries from the before/after images) for 500 new orders, straight to the read primary,
-- into the very tables and partitions the catch-up fills, then rolled back. Only the input's way in differs: read from a
-- prepared table (ids made server-side) instead of bound as parameters.
--
-- Why the live tables and not scratch copies: most of an upsert's cost is index maintenance, and it grows with the
-- partition (five indexes, one of them trigram GIN: ~196 us of database time per row on an 850k-row partition
-- against ~68 us in an empty one, session 10). An empty scratch table measured a cheaper statement than the one the
-- projector runs. Rolled back, so the read model keeps exactly what the write model holds (the checker still runs
-- after the catch-up); the sequence order_view_revision advances, which only skips revision numbers.
--
-- The rows are the catch-up's (deploy/seed/seed --months 1 --via-outbox): PENDING orders at version 1 with UUIDv7 ids
-- of their created_at, created in one 36-hour slice of the last month (the seed writes a 1M-order month in 20 chunks
-- of 50,000 orders, ~36 h each, and the relay publishes them in turn, so a batch's rows share one). Everything but
-- the ids and times comes prepared from bench_catchup_input (catchup-input.sql): seeded orders of the read model. The
-- indexes' cost (the trigram index's above all) grows with a row's distinct words, and one constant name with two
-- constant items (this limit until session 17) cost the database 124-144 us per row against 175-215 for these rows,
-- which is what the catch-up's own rows cost it (191 us per event, /proc, same stack). Making the ids and times takes
-- ~3.5 us per row (the statement without apply_orders).
--
-- The slice moves as the catch-up's does: the relay publishes the backlog chunk by chunk, so the projector's consumers
-- apply one slice's 50,000 orders (about 5-7 s) together before the next, on that slice's index pages. The limit takes
-- the slice from the clock, a new one every 5 s, the same for every client. Until session 41 each batch took a random
-- slice, so the two clients rarely shared pages as the consumers do. Alternating, 2 clients, 15 s each (batches/s):
-- on a fresh 1M-order seed random 21.3 and 23.7, this version 18.5 and 19.9; on the 2M orders after a full run random
-- 18.2 / 20.0 / 17.5, this version 19.3 / 15.1 / 16.9. The random version also measured 11.4-11.9 on a read model grown
-- to 4.99M orders by repeated runs, below what the catch-up had applied on it (this version was not measured there).
\set batch random(1, 40)
BEGIN;
SELECT count(*)
  FROM bench_catchup_input b,
       LATERAL (SELECT array_agg(encode(set_byte(set_byte(overlay(r
                        PLACING substring(int8send((extract(epoch FROM t) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
                    6, (get_byte(r, 6) & 15) | 112), 8, (get_byte(r, 8) & 63) | 128), 'hex')::uuid) AS id,
                       array_agg(t) AS created_at
                  FROM (SELECT date_trunc('milliseconds', now() - interval '1 hour'
                                          - (c.chunk + random()) * interval '36 hours') AS t,
                               uuid_send(gen_random_uuid()) AS r
                          FROM generate_series(1, 500),
                               (SELECT floor(extract(epoch FROM now()) / 5)::int % 20 AS chunk) c) x) i,
       LATERAL apply_orders(i.id, i.created_at, b.customer_id, b.customer_name, b.customer_email,
                            array_fill('PENDING'::text, ARRAY[500]), array_fill(1::int8, ARRAY[500]), i.created_at,
                            array_fill('EUR'::text, ARRAY[500]), b.total_cents, b.item_count, b.items)
 WHERE b.n = :batch;
ROLLBACK;
