-- wrk script: POST /orders with 3 lines, bearer token from ORDERS_TOKEN, body from ORDERS_BODY (default: three of
-- the development products).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("ORDERS_TOKEN")
wrk.body = os.getenv("ORDERS_BODY") or
           ('{"items":[{"productId":"a0000000-0000-4000-8000-000000000001","quantity":1},' ..
            '{"productId":"a0000000-0000-4000-8000-000000000002","quantity":2},' ..
            '{"productId":"a0000000-0000-4000-8000-000000000005","quantity":1}]}')

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f non2xx=%d errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
