-- The outbox trigger's NOTIFY serialized every write: a transaction that notifies takes one cluster-wide lock at
-- commit (PreCommit_Notify) and holds it until its commit record is flushed, so outbox-writing commits flushed one at a
-- time and never shared a WAL flush (BENCHMARKS.md, session 24: +20-40 % POST capacity without it). Each instance
-- wakes its relay after its own commits, and any relay drains every instance's rows; the 1 s poll finds the rest (a
-- writer that died between its commit and its wake-up). An older build still LISTENs, hears nothing, and relies on
-- the same poll.
DROP TRIGGER IF EXISTS outbox_notify ON outbox;
DROP FUNCTION IF EXISTS outbox_notify();
