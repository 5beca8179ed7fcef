-- For contrast only: the page-1 statement written inline (as the API ran it before read-migration V5), planned on
-- every execution over every partition behind transaction pooling.
SELECT id, customer_id, customer_name, customer_email, status, version, created_at, updated_at, currency, total_cents, items::text AS items, revision FROM order_view WHERE customer_id = :customer ORDER BY created_at DESC, id DESC LIMIT 21;
