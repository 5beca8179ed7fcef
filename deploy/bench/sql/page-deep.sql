-- Limit for GET /orders?limit=20&cursor=... at depth D: the keyset statement OrderViewReads.pageQuery runs.
SELECT id, customer_id, customer_name, customer_email, status, version, created_at, updated_at, currency, total_cents, items::text AS items FROM order_view WHERE true AND customer_id = :customer AND (created_at, id) < (:deep_ts, :deep_id) ORDER BY created_at DESC, id DESC LIMIT 21;
