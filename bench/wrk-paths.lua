-- wrk script: each request takes the next path from the file named by WUYE_PATHS (one path
-- per line), round-robin, with the Authorization header from WUYE_TOKEN when set.
local paths = {}
local i = 0
function init(args)
  for line in io.lines(os.getenv("WUYE_PATHS")) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  local token = os.getenv("WUYE_TOKEN")
  if token and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
end
function request()
  i = (i % #paths) + 1
  return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
  io.write(string.format("WUYE rps=%.1f p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d requests=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.requests))
end
