-- For contrast only (no endpoint runs this): the same page at depth D by OFFSET, which reads and discards D rows.
SELECT id, customer_id, customer_name, customer_email, status, version, created_at, updated_at, currency, total_cents, items::text AS items, revision FROM order_view WHERE true AND customer_id = :customer ORDER BY created_at DESC, id DESC OFFSET :depth LIMIT 21;
