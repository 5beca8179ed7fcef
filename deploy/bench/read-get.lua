-- wrk script for the read API: GET paths from a file (one per line, ORDERS_PATHS), in order, cycling; bearer token
-- from ORDERS_TOKEN ("none": no Authorization header). One path only = the hot (cached) case; many distinct ids =
-- the cold (uncached) case: each thread starts at its own quarter of the file, and a warm-up run (ORDERS_WARMUP set)
-- in the second half, so no id is requested twice within a run of fewer than #paths/4 requests per thread. A warm-up in
-- several runs passes what the earlier ones requested per thread (ORDERS_WARMUP_SKIP) and goes on from there.
--
-- A file of equal-length lines (the cold case's 600,000 ids) is read as the thread goes, from an offset it seeks to:
-- loading it into a table took each of wrk's three Lua states about 0.7 s of CPU before the first request, which the
-- harness's CPU window around wrk counted as the load generator's (session 32). Other files are small: a table.
local threads = 0
setup = function(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local token = os.getenv("ORDERS_TOKEN")
local headers = {}
if token and token ~= "none" then headers["Authorization"] = "Bearer " .. token end

local file, width, count -- the file when its lines are of one width (bytes per line, newline included), and its lines
local paths = {}         -- otherwise, its lines
local i = 0              -- the last line read (1-based)

local function open_paths(name)
  local f = assert(io.open(name, "r"))
  local first = f:read("*l")
  local size = f:seek("end")
  if first and size % (#first + 1) == 0 and size > 64 * (#first + 1) then
    -- a sample of lines shows whether the width is really fixed; a file that is not falls back to the table
    local w, n, fixed = #first + 1, size / (#first + 1), true
    for _, k in ipairs({ 1, math.floor(n / 3), math.floor(n / 2), n - 1 }) do
      f:seek("set", k * w - 1)
      local nl, line = f:read(1), f:read("*l")
      if nl ~= "\n" or not line or #line ~= w - 1 then fixed = false break end
    end
    if fixed then file, width, count = f, w, n return end
  end
  f:close()
  for line in io.lines(name) do paths[#paths + 1] = line end
  count = #paths
end

init = function(args)
  open_paths(os.getenv("ORDERS_PATHS"))
  local base = os.getenv("ORDERS_WARMUP") and math.floor(count / 2) + tonumber(os.getenv("ORDERS_WARMUP_SKIP") or "0") or 0
  i = (base + (tid or 0) * math.floor(count / 4)) % count
  if file then file:seek("set", i * width) end
end

request = function()
  i = i + 1
  if i > count then
    i = 1
    if file then file:seek("set", 0) end
  end
  return wrk.format("GET", file and file:read("*l") or paths[i], headers)
end
done = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk-result.lua")
