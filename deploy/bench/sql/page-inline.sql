-- For contrast only: the page-1 statement written inline (as the API ran it before read-migration V5), planned on
-- every execution over every partition behind transaction pooling.
SELECT id, customer_id, customer_name, customer_email, status, version, (extract(epoch FROM created_at) * 1000000)::int8 AS created_us, (extract(epoch FROM updated_at) * 1000000)::int8 AS updated_us, currency, total_cents, items::text AS items, revision FROM order_view WHERE customer_id = :customer ORDER BY created_at DESC, id DESC LIMIT 21;
