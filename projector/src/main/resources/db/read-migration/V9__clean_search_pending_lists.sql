-- The trigram search index (order_view_search_trgm_idx, V2) is a GIN index with fastupdate on: each upsert appends
-- its entries to the index's pending list, and the upsert that finds the list over gin_pending_list_limit (4 MB,
-- about 2,000 orders) merges all of it into the index before it returns. That merge ran inside an apply's
-- transaction: measured under the harness's write load (session 33), every 10-20 s one apply of 2-33 records took
-- 50-170 ms, and up to 1 s on a busier machine, while its consumer's partitions waited (visibility's tail).
--
-- The projector now calls this function every few seconds on its own connection (SearchIndexMaintenance), so the
-- lists are merged off the apply path and an apply does not meet a full one at steady write rates. An insert that
-- finds a merge running does not wait for it (ginInsertCleanup's conditional lock). fastupdate off instead would
-- avoid the merge but measured 0.48 ms per inserted row against 0.18 ms through the pending list (100-row batches
-- into a 610,000-row partition's index): the catch-up would pay it on every row.
--
-- Only indexes the caller owns: gin_clean_pending_list needs the owner's rights (like VACUUM). Returns the pending
-- pages merged.
CREATE FUNCTION clean_search_pending_lists(parent regclass) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    idx    regclass;
    merged bigint := 0;
BEGIN
    FOR idx IN
        SELECT i.indexrelid::regclass
          FROM pg_inherits h
          JOIN pg_index i ON i.indrelid = h.inhrelid
          JOIN pg_class c ON c.oid = i.indexrelid
          JOIN pg_am a ON a.oid = c.relam
         WHERE h.inhparent = parent AND a.amname = 'gin' AND pg_has_role(c.relowner, 'USAGE')
         ORDER BY c.relname
    LOOP
        merged := merged + gin_clean_pending_list(idx);
    END LOOP;
    RETURN merged;
END
$$;
