-- Limit for the projector: its batch statement (the read database's apply_orders, migration V8: order rows upserted
-- with a version guard, customer summaries from the before/after images, one round trip) for 500 new orders,
-- straight to the read primary into the scratch tables bench.*; only the input differs (generated server-side
-- instead of arrays) and it is planned per call (one partition here, so planning is cheap).
WITH input AS (
    SELECT gen_random_uuid() AS id, now() - random() * interval '20 days' AS created_at,
           md5('seed-customer-' || floor(power(random(), 2) * 100000)::int)::uuid AS customer_id,
           'Grace Hopper' AS customer_name, 'grace.hopper@example.org' AS customer_email, 'PENDING' AS status,
           1::int8 AS version, now() AS updated_at, 'EUR' AS currency, 12900::int8 AS total_cents, 4 AS item_count,
           '[{"productId":"a0000000-0000-4000-8000-000000000001","name":"Mechanical keyboard","quantity":1,"unitPriceCents":8900},{"productId":"a0000000-0000-4000-8000-000000000002","name":"Wireless mouse","quantity":3,"unitPriceCents":1333}]' AS items
      FROM generate_series(1, 500)
), old AS MATERIALIZED (
    SELECT v.id, v.status, v.total_cents FROM bench.order_view v JOIN input i ON v.id = i.id AND v.created_at = i.created_at
), upserted AS (
    INSERT INTO bench.order_view (id, created_at, customer_id, customer_name, customer_email, status, version,
                                  updated_at, currency, total_cents, item_count, items, revision)
    SELECT i.id, i.created_at, i.customer_id, coalesce(c.name, i.customer_name), coalesce(c.email, i.customer_email),
           i.status, i.version, i.updated_at, i.currency, i.total_cents, i.item_count, i.items::jsonb,
           nextval('order_view_revision')
      FROM input i LEFT JOIN bench.customer_view c ON c.customer_id = i.customer_id
    ON CONFLICT (id, created_at) DO UPDATE
       SET customer_name = EXCLUDED.customer_name, customer_email = EXCLUDED.customer_email, status = EXCLUDED.status,
           version = EXCLUDED.version, updated_at = EXCLUDED.updated_at, currency = EXCLUDED.currency,
           total_cents = EXCLUDED.total_cents, item_count = EXCLUDED.item_count, items = EXCLUDED.items,
           revision = EXCLUDED.revision, projected_at = now()
     WHERE bench.order_view.version < EXCLUDED.version
    RETURNING id, customer_id, created_at, status, total_cents, version, revision
), deltas AS (
    SELECT u.customer_id, count(*) FILTER (WHERE o.id IS NULL) AS new_orders,
           sum(CASE WHEN u.status <> 'CANCELLED' THEN u.total_cents ELSE 0 END
             - CASE WHEN o.id IS NOT NULL AND o.status <> 'CANCELLED' THEN o.total_cents ELSE 0 END) AS total_delta,
           max(u.created_at) AS last_order_at
      FROM upserted u LEFT JOIN old o ON o.id = u.id GROUP BY u.customer_id
), summary AS (
    INSERT INTO bench.customer_summary AS s (customer_id, order_count, lifetime_total_cents, last_order_at)
    SELECT customer_id, new_orders, total_delta, last_order_at FROM deltas ORDER BY customer_id
    ON CONFLICT (customer_id) DO UPDATE
       SET order_count = s.order_count + EXCLUDED.order_count,
           lifetime_total_cents = s.lifetime_total_cents + EXCLUDED.lifetime_total_cents,
           last_order_at = greatest(s.last_order_at, EXCLUDED.last_order_at), updated_at = now()
    RETURNING 1
)
SELECT count(*) FROM upserted;
