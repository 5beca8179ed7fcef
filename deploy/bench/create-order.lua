-- wrk script: POST /orders with 3 lines, bearer token from ORDERS_TOKEN, body from ORDERS_BODY (default: three of
-- the development products).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("ORDERS_TOKEN")
wrk.body = os.getenv("ORDERS_BODY") or
           ('{"items":[{"productId":"a0000000-0000-4000-8000-000000000001","quantity":1},' ..
            '{"productId":"a0000000-0000-4000-8000-000000000002","quantity":2},' ..
            '{"productId":"a0000000-0000-4000-8000-000000000005","quantity":1}]}')

done = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk-result.lua")
