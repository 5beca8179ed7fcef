-- Reference data of the realistic data set (deploy/seed/seed): :customers customers and :products products with
-- deterministic ids (md5 of a name), so re-running the seeder reuses them instead of adding more. Names come from
-- word lists so that contains-search finds a realistic fraction of rows.
\set ON_ERROR_STOP on
BEGIN;
SET LOCAL statement_timeout = '30min';
INSERT INTO customers (id, name, email, created_at, updated_at)
SELECT md5('seed-customer-' || n)::uuid,
       f.w || ' ' || l.w,
       lower(f.w || '.' || l.w || '.' || n) || '@example.org',
       now() - interval '25 months', now() - interval '25 months'
  FROM generate_series(0, :customers - 1) n
 CROSS JOIN LATERAL (SELECT (ARRAY['Ada','Grace','Alan','Edsger','Barbara','Donald','Frances','John','Margaret',
        'Ken','Dennis','Radia','Leslie','Tim','Sophie','Linus','Guido','Bjarne','Anita','Hedy','Niklaus','Tony',
        'Shafi','Silvio','Whitfield','Martin','Yukihiro','James','Brian','Rob'])[1 + n % 30] AS w) f
 CROSS JOIN LATERAL (SELECT (ARRAY['Lovelace','Hopper','Turing','Dijkstra','Liskov','Knuth','Allen','Backus',
        'Hamilton','Thompson','Ritchie','Perlman','Lamport','Berners-Lee','Wilson','Torvalds','Rossum','Stroustrup',
        'Borg','Lamarr','Wirth','Hoare','Goldwasser','Micali','Diffie','Fowler','Matsumoto','Gosling','Kernighan',
        'Pike','Moore','Fischer','Weber','Novak','Silva'])[1 + (n / 30) % 35] AS w) l
ON CONFLICT DO NOTHING;

INSERT INTO products (id, name, price_cents, currency, active, created_at, updated_at)
SELECT md5('seed-product-' || n)::uuid,
       a.w || ' ' || k.w || ' ' || upper(substr(md5(n::text), 1, 5)),
       199 + (hashtext(n::text) & 65535) * 3,
       'EUR', true, now() - interval '25 months', now() - interval '25 months'
  FROM generate_series(0, :products - 1) n
 CROSS JOIN LATERAL (SELECT (ARRAY['Mechanical','Wireless','Ergonomic','Compact','Portable','Silent','Smart',
        'Foldable','Rugged','Modular','Vintage','Studio','Travel','Pro','Eco'])[1 + n % 15] AS w) a
 CROSS JOIN LATERAL (SELECT (ARRAY['keyboard','mouse','monitor','dock','stand','headphones','webcam','lamp',
        'charger','cable','speaker','microphone','tablet','router','backpack','chair','desk','notebook',
        'pen','mug'])[1 + (n / 15) % 20] AS w) k
ON CONFLICT DO NOTHING;
COMMIT;
ANALYZE customers;
ANALYZE products;
