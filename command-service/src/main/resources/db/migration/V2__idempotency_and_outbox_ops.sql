-- Idempotency-Key support (Stripe semantics): one row per (principal, key). IN_FLIGHT while the first request runs
-- (a concurrent duplicate gets 409); COMPLETED with the stored response, written in the same transaction as the
-- change itself, so a replay can never observe a change without its response or the reverse.
CREATE TABLE idempotency_keys (
    principal         text        NOT NULL,
    idem_key          text        NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 255),
    request_hash      text        NOT NULL,
    state             text        NOT NULL CHECK (state IN ('IN_FLIGHT', 'COMPLETED')),
    response_status   int,
    response_body     text,
    response_headers  text,
    locked_at         timestamptz NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    expires_at        timestamptz NOT NULL,
    PRIMARY KEY (principal, idem_key)
);
-- The purge job deletes by expiry.
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

-- Outbox retention deletes relayed rows by age: index only the published ones.
CREATE INDEX outbox_published_at_idx ON outbox (published_at) WHERE published_at IS NOT NULL;

-- Wake the relay as soon as a transaction that wrote outbox rows commits (NOTIFY is delivered at commit and folds
-- identical notifications of one transaction into one). The relay LISTENs on a direct connection, not through
-- PgBouncer (LISTEN is session state); a short poll covers lost notifications.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox_inserted', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
