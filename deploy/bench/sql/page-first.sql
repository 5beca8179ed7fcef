-- Limit for GET /orders?limit=20 (page 1): the statement OrderViewReads.pageQuery runs (20 rows + 1 to know there is more).
SELECT id, customer_id, customer_name, customer_email, status, version, created_at, updated_at, currency, total_cents, items::text AS items FROM order_view WHERE true AND customer_id = :customer ORDER BY created_at DESC, id DESC LIMIT 21;
