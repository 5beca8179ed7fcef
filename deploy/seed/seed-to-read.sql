-- Second part for deploy/seed/seed: the chunk's read rows, denormalized as OrderViewStore writes them (items as the
-- event's OrderLine JSON), printed as COPY data that the seeder pipes into a COPY on the read primary. Printed before
-- COMMIT: if the read side's COPY fails, the broken pipe fails this \copy and the write side rolls back too.
-- No outbox rows: these orders never exist in Kafka (a rebuild from the topics would not contain them).
\copy (SELECT o.id, o.created_at, o.customer_id, c.name, c.email, o.status, o.version, o.updated_at, o.currency, o.total_cents, sum(i.quantity), jsonb_agg(jsonb_build_object('productId', i.product_id, 'name', i.product_name, 'quantity', i.quantity, 'unitPriceCents', i.unit_price_cents) ORDER BY i.line_no) FROM seed_orders s JOIN orders o ON o.id = s.id JOIN customers c ON c.id = o.customer_id JOIN order_items i ON i.order_id = o.id GROUP BY o.id, c.id) TO STDOUT
COMMIT;
