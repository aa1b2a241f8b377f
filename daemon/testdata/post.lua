-- wrk script: single-observation POSTs to /api/v1/observations, each a
-- distinct month of a province or a new revision of one.
-- wrk -t2 -c8 -d30s -s daemon/testdata/post.lua http://127.0.0.1:9787 -- TOKEN
local token = "change-me"
local areas = {"PT", "VP", "DB", "PY", "HB"}
local counter = 0
local thread_id = 0
local threads = 0
local non2xx = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function init(args)
  if args[1] then token = args[1] end
end

function request()
  counter = counter + 1
  local n = counter
  local area = areas[(n + thread_id) % #areas + 1]
  local period = string.format("%d-%02d", 2005 + math.floor(n / 12) % 20, n % 12 + 1)
  local body = string.format("indicator,area,period,value\nvillage_mobile_broadband_coverage,%s,%s,\"%d,%d\"\n",
    area, period, 50 + thread_id, math.floor(n / 240) % 10)
  return wrk.format("POST", "/api/v1/observations",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "text/csv"}, body)
end

function response(status, headers, body)
  if status ~= 200 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, errors (socket) %d, non-2xx counted by wrk %d\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
  for _, p in pairs({50, 90, 99, 99.9}) do
    io.write(string.format("latency p%g: %.2f ms\n", p, latency:percentile(p) / 1000))
  end
end
