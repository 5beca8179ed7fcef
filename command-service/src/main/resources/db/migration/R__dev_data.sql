-- Small reference data set for local development and tests. Applied only when the Flyway placeholder
-- seed_dev_data is 'true' (default in dev/test and on the local stack; false in %prod).
DO $$
BEGIN
    IF '${seed_dev_data}' = 'true' THEN
        INSERT INTO customers (id, name, email) VALUES
            ('c0000000-0000-4000-8000-000000000001', 'Ada Lovelace',     'ada@example.com'),
            ('c0000000-0000-4000-8000-000000000002', 'Grace Hopper',     'grace@example.com'),
            ('c0000000-0000-4000-8000-000000000003', 'Alan Turing',      'alan@example.com'),
            ('c0000000-0000-4000-8000-000000000004', 'Edsger Dijkstra',  'edsger@example.com'),
            ('c0000000-0000-4000-8000-000000000005', 'Barbara Liskov',   'barbara@example.com')
        ON CONFLICT (id) DO NOTHING;
        INSERT INTO products (id, name, price_cents, currency) VALUES
            ('a0000000-0000-4000-8000-000000000001', 'Mechanical keyboard',  8900, 'EUR'),
            ('a0000000-0000-4000-8000-000000000002', 'Wireless mouse',       2900, 'EUR'),
            ('a0000000-0000-4000-8000-000000000003', '27" monitor',         24900, 'EUR'),
            ('a0000000-0000-4000-8000-000000000004', 'USB-C dock',          12900, 'EUR'),
            ('a0000000-0000-4000-8000-000000000005', 'Laptop stand',         3900, 'EUR'),
            ('a0000000-0000-4000-8000-000000000006', 'Noise-cancelling headphones', 19900, 'EUR'),
            ('a0000000-0000-4000-8000-000000000007', 'Webcam',               6900, 'EUR'),
            ('a0000000-0000-4000-8000-000000000008', 'Desk lamp',            4500, 'EUR')
        ON CONFLICT (id) DO NOTHING;
    END IF;
END
$$;
