-- For contrast only (no endpoint runs this): the same page at depth D by OFFSET, which reads and discards D rows.
-- Without the reader role's 2 s statement_timeout: on a loaded machine a few of these took longer and pgbench
-- aborted the run (20261201T203938Z); SET LOCAL ends with the transaction, as PgBouncer's transaction pooling needs.
BEGIN;
SET LOCAL statement_timeout = 0;
SELECT id, customer_id, customer_name, customer_email, status, version, (extract(epoch FROM created_at) * 1000000)::int8 AS created_us, (extract(epoch FROM updated_at) * 1000000)::int8 AS updated_us, currency, total_cents, items::text AS items, revision FROM order_view WHERE true AND customer_id = :customer ORDER BY created_at DESC, id DESC OFFSET :depth LIMIT 21;
COMMIT;
