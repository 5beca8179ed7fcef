SET client_min_messages = warning;
-- Input of the catch-up's limit (upsert-batch.sql): 40 batches of 500 order rows, as the arrays the projector binds,
-- shaped as deploy/seed/seed shapes the orders the catch-up applies (seed-reference.sql's customer and product names,
-- seed-orders.sql's Zipf-like customers and 1-7 lines of Zipf-like products), so the limit's rows cost the indexes what
-- the catch-up's cost. Made once before the limit runs, so building them is not part of what it measures; each limit
-- transaction only gives a batch fresh ids and creation times.
DROP TABLE IF EXISTS bench_catchup_input;
CREATE UNLOGGED TABLE bench_catchup_input AS
WITH orders AS (
    SELECT k, floor(power(random(), 3) * 100000)::int AS crn, 1 + floor(power(random(), 1.6) * 7)::int AS lines
      FROM generate_series(1, 20000) k
), lines AS (
    SELECT o.k, l, p.pn, 1 + (l * 7 + p.pn) % 3 AS quantity, 199 + (hashtext(p.pn::text) & 65535) * 3 AS price
      FROM orders o
     CROSS JOIN LATERAL generate_series(1, o.lines) l
     CROSS JOIN LATERAL (SELECT floor(power(random() + l * 0, 1.5) * 5000)::int AS pn) p
), items AS (
    SELECT k, sum(quantity * price)::int8 AS total_cents, sum(quantity)::int4 AS item_count,
           jsonb_agg(jsonb_build_object('productId', md5('seed-product-' || pn)::uuid,
                                        'name', (ARRAY['Mechanical','Wireless','Ergonomic','Compact','Portable','Silent',
                                                 'Smart','Foldable','Rugged','Modular','Vintage','Studio','Travel',
                                                 'Pro','Eco'])[1 + pn % 15]
                                                || ' ' || (ARRAY['keyboard','mouse','monitor','dock','stand',
                                                 'headphones','webcam','lamp','charger','cable','speaker','microphone',
                                                 'tablet','router','backpack','chair','desk','notebook','pen',
                                                 'mug'])[1 + (pn / 15) % 20]
                                                || ' ' || upper(substr(md5(pn::text), 1, 5)),
                                        'quantity', quantity, 'unitPriceCents', price) ORDER BY l)::text AS items
      FROM lines GROUP BY k
)
, rows AS (
SELECT o.k, md5('seed-customer-' || o.crn)::uuid AS customer_id, f.w || ' ' || l.w AS customer_name,
       lower(f.w || '.' || l.w || '.' || o.crn) || '@example.org' AS customer_email,
       i.total_cents, i.item_count, i.items
  FROM orders o
  JOIN items i USING (k)
 CROSS JOIN LATERAL (SELECT (ARRAY['Ada','Grace','Alan','Edsger','Barbara','Donald','Frances','John','Margaret',
        'Ken','Dennis','Radia','Leslie','Tim','Sophie','Linus','Guido','Bjarne','Anita','Hedy','Niklaus','Tony',
        'Shafi','Silvio','Whitfield','Martin','Yukihiro','James','Brian','Rob'])[1 + o.crn % 30] AS w) f
 CROSS JOIN LATERAL (SELECT (ARRAY['Lovelace','Hopper','Turing','Dijkstra','Liskov','Knuth','Allen','Backus',
        'Hamilton','Thompson','Ritchie','Perlman','Lamport','Berners-Lee','Wilson','Torvalds','Rossum','Stroustrup',
        'Borg','Lamarr','Wirth','Hoare','Goldwasser','Micali','Diffie','Fowler','Matsumoto','Gosling','Kernighan',
        'Pike','Moore','Fischer','Weber','Novak','Silva'])[1 + (o.crn / 30) % 35] AS w) l
)
SELECT (k - 1) / 500 + 1 AS n, array_agg(customer_id ORDER BY k) AS customer_id, array_agg(customer_name ORDER BY k) AS customer_name,
       array_agg(customer_email ORDER BY k) AS customer_email, array_agg(total_cents ORDER BY k) AS total_cents,
       array_agg(item_count ORDER BY k) AS item_count, array_agg(items ORDER BY k) AS items
  FROM rows GROUP BY (k - 1) / 500;
ALTER TABLE bench_catchup_input ADD PRIMARY KEY (n);
