-- Partition granularity and retention, maintained by the projector with these functions rather than pg_partman:
-- pg_partman needs a superuser to install and a background worker or cron to run, which managed Postgres
-- services and transaction-pooled app roles do not always give; the rule here is a few lines run as the app role.
--
-- The unit ('month' by default, or 'week' / 'day') is fixed when the schema is created (Flyway placeholder
-- partition_unit, from orders.partitions.unit). Changing it on an existing table is not supported: new ranges
-- would overlap existing partitions.
CREATE TABLE order_view_partitioning (
    id    int PRIMARY KEY CHECK (id = 1),
    unit  text NOT NULL CHECK (unit IN ('month', 'week', 'day'))
);
INSERT INTO order_view_partitioning VALUES (1, '${partition_unit}');

DROP FUNCTION ensure_order_view_partitions(int, int);
DROP FUNCTION ensure_order_view_partition(date);

-- The partition holding ts (UTC), created if missing. Name: order_view_p<YYYYMM> (month) or _p<YYYYMMDD>.
CREATE FUNCTION ensure_order_view_partition(ts timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    u           text := (SELECT unit FROM order_view_partitioning);
    lower_bound timestamp := date_trunc(u, ts AT TIME ZONE 'UTC');
    upper_bound timestamp := lower_bound + ('1 ' || u)::interval;
    part_name   text := format('order_view_p%s', to_char(lower_bound, CASE u WHEN 'month' THEN 'YYYYMM' ELSE 'YYYYMMDD' END));
BEGIN
    IF to_regclass(part_name) IS NULL THEN
        -- Serialise concurrent creators (several projector instances) on one advisory lock per partition.
        PERFORM pg_advisory_xact_lock(hashtext(part_name));
        IF to_regclass(part_name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF order_view FOR VALUES FROM (%L) TO (%L)',
                           part_name, lower_bound AT TIME ZONE 'UTC', upper_bound AT TIME ZONE 'UTC');
        END IF;
    END IF;
    RETURN part_name;
END
$$;

-- Premakes the partitions from now - back to now + ahead units.
CREATE FUNCTION ensure_order_view_partitions(back int, ahead int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    u text := (SELECT unit FROM order_view_partitioning);
    k int;
BEGIN
    FOR k IN -back .. ahead LOOP
        PERFORM ensure_order_view_partition(now() + k * ('1 ' || u)::interval);
    END LOOP;
    RETURN back + ahead + 1;
END
$$;

-- Detaches (does not drop) partitions whose whole range ends before the cutoff, renaming them <name>_detached so
-- an operator can archive or drop them; returns their new names. Reads keep working throughout (DETACH takes a
-- short lock on the parent).
CREATE FUNCTION detach_order_view_partitions_before(cutoff timestamptz) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    part record;
BEGIN
    FOR part IN
        SELECT c.relname,
               (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz AS upper_bound
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'order_view'::regclass
    LOOP
        IF part.upper_bound <= cutoff THEN
            EXECUTE format('ALTER TABLE order_view DETACH PARTITION %I', part.relname);
            EXECUTE format('ALTER TABLE %I RENAME TO %I', part.relname, part.relname || '_detached');
            RETURN NEXT part.relname || '_detached';
        END IF;
    END LOOP;
END
$$;

SELECT ensure_order_view_partitions(1, 3);
