-- apply_orders (V8) also answers the batch's orders that an earlier delivery of the same version already wrote, with
-- their stored revisions (applied = false), besides the rows it changed (applied = true).
--
-- Why: the projector announces a batch's changes (Redis tombstones and pub/sub, InvalidationPublisher) after its
-- commit. A projector that committed a batch and stopped (crash, lost partition) before announcing it gets the batch
-- again, and the version guard changes nothing, so nothing was announced: query-service kept serving the older
-- copies until their TTL. Re-announcing an order at its stored revision is harmless (tombstones and floors only
-- move forward), and it costs no look-up: the previous images the summary already reads carry the version and
-- revision. A row at a newer version than the event's was announced by its own batch. An older build's
-- "SELECT id, revision FROM apply_orders(...)" still works on this function (a rollback, SchemaRollbackTest).
--
-- Otherwise row-for-row V8's statement.
DO $migration$
DECLARE
    template constant text := $template$
CREATE FUNCTION apply_orders{sfx}(p_id uuid[], p_created_at timestamptz[], p_customer_id uuid[],
                                  p_customer_name text[], p_customer_email text[], p_status text[], p_version int8[],
                                  p_updated_at timestamptz[], p_currency text[], p_total_cents int8[],
                                  p_item_count int4[], p_items text[])
RETURNS TABLE (id uuid, revision bigint, applied boolean)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $body$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH input AS (
        SELECT * FROM unnest(p_id, p_created_at, p_customer_id, p_customer_name, p_customer_email, p_status,
                             p_version, p_updated_at, p_currency, p_total_cents, p_item_count, p_items)
            AS u(id, created_at, customer_id, customer_name, customer_email, status, version,
                 updated_at, currency, total_cents, item_count, items)
    ), old AS MATERIALIZED (
        SELECT v.id, v.status, v.total_cents, v.version, v.revision
          FROM order_view{sfx} v JOIN input i ON v.id = i.id AND v.created_at = i.created_at
    ), upserted AS (
        INSERT INTO order_view{sfx} AS t (id, created_at, customer_id, customer_name, customer_email, status, version,
                                          updated_at, currency, total_cents, item_count, items, revision)
        SELECT i.id, i.created_at, i.customer_id, coalesce(c.name, i.customer_name),
               coalesce(c.email, i.customer_email), i.status, i.version, i.updated_at, i.currency,
               i.total_cents, i.item_count, i.items::jsonb, nextval('order_view_revision')
          FROM input i LEFT JOIN customer_view{sfx} c ON c.customer_id = i.customer_id
        ON CONFLICT (id, created_at) DO UPDATE
           SET customer_name  = EXCLUDED.customer_name,
               customer_email = EXCLUDED.customer_email,
               status         = EXCLUDED.status,
               version        = EXCLUDED.version,
               updated_at     = EXCLUDED.updated_at,
               currency       = EXCLUDED.currency,
               total_cents    = EXCLUDED.total_cents,
               item_count     = EXCLUDED.item_count,
               items          = EXCLUDED.items,
               revision       = EXCLUDED.revision,
               projected_at   = now()
         WHERE t.version < EXCLUDED.version
        RETURNING t.id, t.customer_id, t.created_at, t.status, t.total_cents, t.version, t.revision
    ), deltas AS (
        SELECT u.customer_id,
               count(*) FILTER (WHERE o.id IS NULL) AS new_orders,
               sum(CASE WHEN u.status <> 'CANCELLED' THEN u.total_cents ELSE 0 END
                 - CASE WHEN o.id IS NOT NULL AND o.status <> 'CANCELLED' THEN o.total_cents ELSE 0 END)
                   AS total_delta,
               max(u.created_at) AS last_order_at
          FROM upserted u LEFT JOIN old o ON o.id = u.id
         GROUP BY u.customer_id
    ), summary AS (
        INSERT INTO customer_summary{sfx} AS s (customer_id, order_count, lifetime_total_cents, last_order_at)
        SELECT customer_id, new_orders, total_delta, last_order_at FROM deltas
         ORDER BY customer_id -- concurrent batches lock summary rows in one order: no deadlock
        ON CONFLICT (customer_id) DO UPDATE
           SET order_count = s.order_count + EXCLUDED.order_count,
               lifetime_total_cents = s.lifetime_total_cents + EXCLUDED.lifetime_total_cents,
               last_order_at = greatest(s.last_order_at, EXCLUDED.last_order_at),
               updated_at = now()
        RETURNING 1
    ) -- data-modifying CTEs always run to completion, referenced or not
    SELECT u.id, u.revision, true FROM upserted u
    UNION ALL -- rows an earlier delivery of this very version wrote (the statement sees them as they were before it)
    SELECT o.id, o.revision, false FROM old o JOIN input i ON i.id = o.id AND i.version = o.version;
END
$body$
$template$;
    sfx text;
BEGIN
    FOREACH sfx IN ARRAY ARRAY['', '_next'] LOOP
        -- the result type changes: CREATE OR REPLACE cannot do that
        EXECUTE format('DROP FUNCTION apply_orders%s(uuid[], timestamptz[], uuid[], text[], text[], text[], int8[], '
                       'timestamptz[], text[], int8[], int4[], text[])', sfx);
        EXECUTE replace(template, '{sfx}', sfx);
    END LOOP;
END
$migration$;
