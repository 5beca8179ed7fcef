-- Limit for GET /orders/{id} (cold): query-service's statement (OrderViewReads.BY_ID) through PgBouncer to the
-- replica. pgbench cannot hold a uuid, so the id and its created_at come from bench_ids (a 200k-row key lookup).
\set k random(1, :ids)
SELECT id, customer_id, customer_name, customer_email, status, version, created_at, updated_at, currency, total_cents, items::text AS items FROM order_view WHERE (id, created_at) = (SELECT id, created_at FROM bench_ids WHERE k = :k);
