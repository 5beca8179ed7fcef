-- wrk script for the read API: GET paths from a file (one per line, ORDERS_PATHS), in order, cycling; bearer token
-- from ORDERS_TOKEN ("none": no Authorization header). One path only = the hot (cached) case; many distinct ids =
-- the cold (uncached) case: each thread starts at its own quarter of the file, and a warm-up run (ORDERS_WARMUP set)
-- in the second half, so no id is requested twice within a run of fewer than #paths/4 requests per thread. A warm-up in
-- several runs passes what the earlier ones requested per thread (ORDERS_WARMUP_SKIP) and goes on from there.
local threads = 0
setup = function(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local paths = {}
for line in io.lines(os.getenv("ORDERS_PATHS")) do paths[#paths + 1] = line end
local token = os.getenv("ORDERS_TOKEN")
local headers = {}
if token and token ~= "none" then headers["Authorization"] = "Bearer " .. token end
local i = 0
init = function(args)
  local base = os.getenv("ORDERS_WARMUP") and math.floor(#paths / 2) + tonumber(os.getenv("ORDERS_WARMUP_SKIP") or "0") or 0
  i = (base + (tid or 0) * math.floor(#paths / 4)) % #paths
end
request = function()
  i = i + 1
  if i > #paths then i = 1 end
  return wrk.format("GET", paths[i], headers)
end
done = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk-result.lua")
