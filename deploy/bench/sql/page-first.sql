-- Limit for GET /orders?limit=20 (page 1): the statement OrderViewReads.pageQuery runs (20 rows + 1 to know there is
-- more): order_page, whose plan the server session keeps (read-migration V5).
SELECT id, customer_id, customer_name, customer_email, status, version, (extract(epoch FROM created_at) * 1000000)::int8 AS created_us, (extract(epoch FROM updated_at) * 1000000)::int8 AS updated_us, currency, total_cents, items::text AS items, revision FROM order_page(:customer, NULL, NULL, NULL, NULL, NULL, 21);
