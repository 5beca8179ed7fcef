-- wrk script: POST /orders with 3 lines. ORDERS_WRITERS names a file of writers, one per line as "token<TAB>body"
-- (bench/lib.sh create_order_writers): each request is the next writer's (each thread starts at its own offset, then
-- cycles). Without it, every request carries the bearer token ORDERS_TOKEN and the body ORDERS_BODY (default: three of
-- the development products).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local writers = {}
local writers_file = os.getenv("ORDERS_WRITERS")
if writers_file then
  for line in io.lines(writers_file) do
    local token, body = line:match("^([^\t]+)\t(.+)$")
    if token then writers[#writers + 1] = { { ["Authorization"] = "Bearer " .. token,
                                              ["Content-Type"] = "application/json" }, body } end
  end
  assert(#writers > 0, "no writers in " .. writers_file)
else
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("ORDERS_TOKEN")
  wrk.body = os.getenv("ORDERS_BODY") or
             ('{"items":[{"productId":"a0000000-0000-4000-8000-000000000001","quantity":1},' ..
              '{"productId":"a0000000-0000-4000-8000-000000000002","quantity":2},' ..
              '{"productId":"a0000000-0000-4000-8000-000000000005","quantity":1}]}')
end

local threads = 0
setup = function(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

local i = 0
init = function(args)
  if #writers > 0 then i = ((tid or 0) * 7919) % #writers end
end

if writers_file then
  request = function()
    i = i % #writers + 1
    local w = writers[i]
    return wrk.format("POST", nil, w[1], w[2])
  end
end

done = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk-result.lua")
