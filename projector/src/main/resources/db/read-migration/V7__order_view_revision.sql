-- A read-model revision per order row. An order's version counts the write model's changes to it; the read row also
-- changes when denormalized data changes (a customer renamed: name and email are rewritten on every order row),
-- and then the version stays. The revision changes on every write of the row, from one sequence (so it only grows),
-- and is what the read API's caches compare and what its ETag carries: a rename reaches the cache and the ETag.
-- Rows written before this migration have revision 0, lower than any the projector assigns.
CREATE SEQUENCE order_view_revision;
ALTER TABLE order_view ADD COLUMN revision bigint NOT NULL DEFAULT 0;

-- order_page (V5) returns the revision too; otherwise unchanged.
DROP FUNCTION order_page(uuid, text[], timestamptz, timestamptz, timestamptz, uuid, int);

CREATE FUNCTION order_page(p_customer uuid, p_statuses text[], p_from timestamptz, p_to timestamptz,
                           p_after_created_at timestamptz, p_after_id uuid, p_limit int)
RETURNS TABLE (id uuid, customer_id uuid, customer_name text, customer_email text, status text, version bigint,
               created_at timestamptz, updated_at timestamptz, currency char(3), total_cents bigint, items text,
               revision bigint)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
    -- page 1 starts above every possible key
    after_at timestamptz := coalesce(p_after_created_at, 'infinity');
    after_id uuid        := coalesce(p_after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff');
    lo       timestamptz := coalesce(p_from, '-infinity');
    hi       timestamptz := coalesce(p_to, 'infinity');
BEGIN
    IF p_customer IS NOT NULL THEN
        -- (customer_id, created_at DESC, id DESC) in each partition, newest partition first
        RETURN QUERY
        SELECT v.id, v.customer_id, v.customer_name, v.customer_email, v.status, v.version, v.created_at,
               v.updated_at, v.currency, v.total_cents, v.items::text, v.revision
          FROM order_view v
         WHERE v.customer_id = p_customer
           AND v.created_at >= lo AND v.created_at < hi
           AND v.created_at <= after_at AND (v.created_at, v.id) < (after_at, after_id)
           AND (p_statuses IS NULL OR v.status = ANY (p_statuses))
         ORDER BY v.created_at DESC, v.id DESC
         LIMIT p_limit;
    ELSE
        -- (created_at DESC, id DESC) in each partition, newest partition first
        RETURN QUERY
        SELECT v.id, v.customer_id, v.customer_name, v.customer_email, v.status, v.version, v.created_at,
               v.updated_at, v.currency, v.total_cents, v.items::text, v.revision
          FROM order_view v
         WHERE v.created_at >= lo AND v.created_at < hi
           AND v.created_at <= after_at AND (v.created_at, v.id) < (after_at, after_id)
           AND (p_statuses IS NULL OR v.status = ANY (p_statuses))
         ORDER BY v.created_at DESC, v.id DESC
         LIMIT p_limit;
    END IF;
END
$$;

GRANT EXECUTE ON FUNCTION order_page(uuid, text[], timestamptz, timestamptz, timestamptz, uuid, int) TO PUBLIC;
