-- Limit for GET /orders?limit=20&cursor=... at depth D: the keyset statement OrderViewReads.pageQuery runs.
SELECT id, customer_id, customer_name, customer_email, status, version, created_at, updated_at, currency, total_cents, items::text AS items, revision FROM order_page(:customer, NULL, NULL, NULL, :deep_ts, :deep_id, 21);
