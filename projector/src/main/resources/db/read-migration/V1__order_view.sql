-- Read model of the orders platform, owned by the projector (query-service only reads it, from replicas).
-- Rows are denormalized (customer fields, items as jsonb, totals) so every read is one index lookup, and
-- range-partitioned by creation time. The primary key must contain the partition key, so it is (id, created_at);
-- ids are UUIDv7 whose timestamp equals created_at, so a lookup by id can always name its partition.

CREATE TABLE order_view (
    id              uuid        NOT NULL,
    created_at      timestamptz NOT NULL,
    customer_id     uuid        NOT NULL,
    customer_name   text        NOT NULL,
    customer_email  text        NOT NULL,
    status          text        NOT NULL,
    version         bigint      NOT NULL,
    updated_at      timestamptz NOT NULL,
    currency        char(3)     NOT NULL,
    total_cents     bigint      NOT NULL,
    item_count      int         NOT NULL,
    items           jsonb       NOT NULL,
    projected_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

-- Keyset index for "a customer's orders, newest first" (GET /orders): (customer_id, created_at, id) matches
-- ORDER BY created_at DESC, id DESC with a row-value comparison on the cursor.
CREATE INDEX order_view_customer_keyset_idx ON order_view (customer_id, created_at DESC, id DESC);
-- Keyset index for operators' "all orders, newest first".
CREATE INDEX order_view_created_keyset_idx ON order_view (created_at DESC, id DESC);

-- Monthly partitions (UTC months), named order_view_pYYYYMM. Idempotent: the projector calls it before applying a batch whose
-- rows fall in a month it has not seen, and a scheduled job keeps the coming months premade, so a good event can never
-- fail for want of a partition.
CREATE FUNCTION ensure_order_view_partition(month_start date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    lower_bound date := date_trunc('month', month_start)::date;
    upper_bound date := (date_trunc('month', month_start) + interval '1 month')::date;
    part_name   text := format('order_view_p%s', to_char(lower_bound, 'YYYYMM'));
BEGIN
    IF to_regclass(part_name) IS NULL THEN
        -- Serialise concurrent creators (several projector instances) on one advisory lock per partition.
        PERFORM pg_advisory_xact_lock(hashtext(part_name));
        IF to_regclass(part_name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF order_view FOR VALUES FROM (%L) TO (%L)',
                           part_name, lower_bound::timestamp AT TIME ZONE 'UTC',
                           upper_bound::timestamp AT TIME ZONE 'UTC');
        END IF;
    END IF;
    RETURN part_name;
END
$$;

CREATE FUNCTION ensure_order_view_partitions(months_back int, months_ahead int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    m int;
BEGIN
    FOR m IN -months_back .. months_ahead LOOP
        PERFORM ensure_order_view_partition(
            (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => m))::date);
    END LOOP;
    RETURN months_back + months_ahead + 1;
END
$$;

SELECT ensure_order_view_partitions(1, 3);
