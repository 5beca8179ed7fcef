-- Second part for deploy/seed/seed --via-outbox: the chunk's OrderCreated outbox rows, exactly as command-service
-- writes them (the order-events envelope with the full state), one set-based INSERT. The running relay publishes
-- them and the projector builds the read model from them, so this measures relay and projector catch-up.
INSERT INTO outbox (id, aggregatetype, aggregateid, type, schemaversion, payload, occurred_at)
SELECT e.event_id, 'Order', o.id::text, 'OrderCreated', 1,
       jsonb_build_object(
           'eventId', e.event_id, 'type', 'OrderCreated', 'schemaVersion', 1, 'aggregateId', o.id,
           'aggregateVersion', o.version, 'occurredAt', e.ts, 'customerId', o.customer_id,
           'payload', jsonb_build_object(
               'id', o.id, 'customerId', o.customer_id, 'customerName', c.name, 'customerEmail', c.email,
               'status', o.status, 'version', o.version, 'createdAt', e.ts, 'updatedAt', e.ts, 'currency', o.currency,
               'totalCents', o.total_cents, 'items', i.items)),
       o.created_at
  FROM seed_orders s
  JOIN orders o ON o.id = s.id
  JOIN customers c ON c.id = o.customer_id
  JOIN (SELECT i.order_id,
               jsonb_agg(jsonb_build_object('productId', i.product_id, 'name', i.product_name, 'quantity', i.quantity,
                                            'unitPriceCents', i.unit_price_cents) ORDER BY i.line_no) AS items
          FROM order_items i JOIN seed_orders s ON s.id = i.order_id GROUP BY i.order_id) i ON i.order_id = o.id
 CROSS JOIN LATERAL (SELECT gen_random_uuid() AS event_id,
                            to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts) e;
COMMIT;
