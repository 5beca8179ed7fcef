-- Limit for GET /orders/{id} (cold): query-service's statement (OrderViewReads.BY_ID, id and created_at as
-- parameters, so the plan prunes to one partition) through PgBouncer to the replica. pgbench cannot hold a uuid,
-- so a first statement fetches a random id from bench_ids (one key lookup: an extra round trip the API does not make).
\set k random(1, :ids)
SELECT id AS oid, created_at AS ts FROM bench_ids WHERE k = :k \gset
SELECT id, customer_id, customer_name, customer_email, status, version, (extract(epoch FROM created_at) * 1000000)::int8 AS created_us, (extract(epoch FROM updated_at) * 1000000)::int8 AS updated_us, currency, total_cents, items::text AS items, revision FROM order_view WHERE id = :oid::uuid AND created_at = :ts::timestamptz;
