-- Limit for GET /orders?limit=20&cursor=... at depth D: the keyset statement OrderViewReads.pageQuery runs.
SELECT * FROM order_page(:customer, NULL, NULL, NULL, :deep_ts, :deep_id, 21);
