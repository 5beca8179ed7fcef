-- Retention detaches with DETACH PARTITION ... CONCURRENTLY, which takes only a SHARE UPDATE EXCLUSIVE lock on
-- order_view (the projector's upserts and the consistency checks keep running), and which cannot run inside a
-- function or a transaction block. So the projector issues it statement by statement, and this function only names
-- the partitions to detach: those whose whole range ends before the cutoff, and any whose concurrent detach was
-- interrupted (detach pending: it must be finalized before anything else).
DROP FUNCTION detach_order_view_partitions_before(timestamptz);

CREATE FUNCTION expired_order_view_partitions(cutoff timestamptz)
RETURNS TABLE (relname text, detach_pending boolean)
LANGUAGE sql STABLE AS $$
    SELECT c.relname::text, i.inhdetachpending
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'order_view'::regclass
       AND (i.inhdetachpending
            OR (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz <= cutoff)
     ORDER BY c.relname
$$;
