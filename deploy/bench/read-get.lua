-- wrk script for the read API: GET paths from a file (one per line, ORDERS_PATHS), in order, cycling; bearer token
-- from ORDERS_TOKEN ("none": no Authorization header). One path only = the hot (cached) case; many distinct ids in
-- order = the cold (uncached) case.
local paths = {}
for line in io.lines(os.getenv("ORDERS_PATHS")) do paths[#paths + 1] = line end
local token = os.getenv("ORDERS_TOKEN")
local headers = {}
if token and token ~= "none" then headers["Authorization"] = "Bearer " .. token end
local i = 0
request = function()
  i = i + 1
  if i > #paths then i = 1 end
  return wrk.format("GET", paths[i], headers)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f non2xx=%d errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
