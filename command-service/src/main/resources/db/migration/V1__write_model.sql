-- Write model of the orders platform. Owned by command-service; migrated by Flyway straight against Postgres
-- (never through PgBouncer). Every foreign key has an index: Postgres does not create one for the referencing side.

CREATE TABLE customers (
    id          uuid PRIMARY KEY,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email       text        NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX customers_email_uq ON customers (lower(email));

CREATE TABLE products (
    id           uuid PRIMARY KEY,
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    price_cents  bigint      NOT NULL CHECK (price_cents >= 0),
    currency     char(3)     NOT NULL,
    active       boolean     NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- id is a UUIDv7: time-ordered, so inserts append at the right edge of the primary key index.
CREATE TABLE orders (
    id           uuid PRIMARY KEY,
    customer_id  uuid        NOT NULL REFERENCES customers (id),
    status       text        NOT NULL CHECK (status IN ('PENDING', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
    version      bigint      NOT NULL CHECK (version >= 1),
    currency     char(3)     NOT NULL,
    total_cents  bigint      NOT NULL CHECK (total_cents >= 0),
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
-- Serves the foreign key and "orders of a customer, newest first".
CREATE INDEX orders_customer_id_idx ON orders (customer_id, id DESC);

CREATE TABLE order_items (
    id               uuid PRIMARY KEY,
    order_id         uuid    NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no          int     NOT NULL CHECK (line_no >= 1),
    product_id       uuid    NOT NULL REFERENCES products (id),
    product_name     text    NOT NULL,
    quantity         int     NOT NULL CHECK (quantity BETWEEN 1 AND 1000),
    unit_price_cents bigint  NOT NULL CHECK (unit_price_cents >= 0),
    UNIQUE (order_id, line_no)   -- also the index for the order_id foreign key
);
CREATE INDEX order_items_product_id_idx ON order_items (product_id);

-- Transactional outbox, laid out as Debezium's outbox event router expects (id, aggregatetype, aggregateid, type,
-- payload; schemaversion can be placed as a header), so a platform team can replace the in-service relay with CDC.
-- seq gives the relay a strict commit-independent order; published_at is set once the broker acknowledged the record.
CREATE TABLE outbox (
    id             uuid PRIMARY KEY,
    seq            bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    aggregatetype  text        NOT NULL,
    aggregateid    text        NOT NULL,
    type           text        NOT NULL,
    schemaversion  int         NOT NULL,
    payload        jsonb       NOT NULL,
    occurred_at    timestamptz NOT NULL,
    published_at   timestamptz
);
-- The relay's hot query reads only unpublished rows in seq order: keep that index tiny.
CREATE INDEX outbox_unpublished_idx ON outbox (seq) WHERE published_at IS NULL;
