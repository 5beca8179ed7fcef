-- Latest known state of each customer (from catalog.events.v1). Order rows take their customer fields from here when
-- present, and a rename rewrites the customer's order rows, so the read model shows current names whatever order
-- the two topics' events arrive in.
CREATE TABLE customer_view (
    customer_id  uuid PRIMARY KEY,
    name         text   NOT NULL,
    email        text   NOT NULL,
    version      bigint NOT NULL
);

-- Per-customer summary, maintained in the same statement as the order rows (from the upsert's before/after
-- images), so it is exact under redelivery: a no-op upsert contributes nothing.
CREATE TABLE customer_summary (
    customer_id           uuid PRIMARY KEY,
    order_count           bigint      NOT NULL DEFAULT 0,
    lifetime_total_cents  bigint      NOT NULL DEFAULT 0,  -- all orders except CANCELLED ones
    last_order_at         timestamptz,
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- Written every second by the projector on the read primary; on a replica, now() - beat_at is the replication lag
-- in time (what a reader cares about), not only in bytes.
CREATE TABLE projector_heartbeat (
    id       int PRIMARY KEY CHECK (id = 1),
    beat_at  timestamptz NOT NULL
);
INSERT INTO projector_heartbeat VALUES (1, now());

-- Contains-search over customer name/email and item names: one lower-cased text per row, trigram-indexed, so
-- ILIKE '%term%' is an index scan instead of a scan of every partition.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER TABLE order_view ADD COLUMN search_text text GENERATED ALWAYS AS (
    lower(customer_name || ' ' || customer_email || ' ' || jsonb_path_query_array(items, '$[*].name')::text)
) STORED;
CREATE INDEX order_view_search_trgm_idx ON order_view USING gin (search_text gin_trgm_ops);

-- Hot filter: a customer's open orders (what a "my orders" screen shows first); small because most orders end.
CREATE INDEX order_view_open_idx ON order_view (customer_id, created_at DESC, id DESC)
    WHERE status IN ('PENDING', 'PAID', 'SHIPPED');
