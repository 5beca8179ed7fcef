-- Customers and products change through the ops API and announce each change as an event; a per-row version
-- (1 on creation, +1 per change) lets consumers apply those events idempotently, like order versions.
ALTER TABLE customers ADD COLUMN version bigint NOT NULL DEFAULT 1 CHECK (version >= 1);
ALTER TABLE products  ADD COLUMN version bigint NOT NULL DEFAULT 1 CHECK (version >= 1);
