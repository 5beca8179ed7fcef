-- Limit for GET /orders?limit=20 (page 1): the statement OrderViewReads.pageQuery runs (20 rows + 1 to know there is
-- more): order_page, whose plan the server session keeps (read-migration V5).
SELECT id, customer_id, customer_name, customer_email, status, version, created_at, updated_at, currency, total_cents, items::text AS items, revision FROM order_page(:customer, NULL, NULL, NULL, NULL, NULL, 21);
