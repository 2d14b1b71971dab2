-- wrk script of the REST API benchmark (scripts/bench-api.sh, bench/README.md).
--
-- Sends every request with `Authorization: Bearer <token>`, the token read from the file named
-- by SLAMON_BENCH_TOKEN_FILE (so it never appears on a command line), with
-- `Connection: close` when SLAMON_BENCH_CLOSE is 1 (one request per connection), and prints one
-- machine-readable line when the run ends:
--   BENCH requests=N duration_us=N bytes=N p50_us=N p90_us=N p99_us=N max_us=N
--         connect=N read=N write=N status=N timeout=N
-- `status` counts answers outside 2xx/3xx, the others are wrk's socket errors.

local path = os.getenv("SLAMON_BENCH_TOKEN_FILE")
local file = assert(io.open(path, "r"), "cannot read the token file " .. tostring(path))
local token = file:read("*l")
file:close()
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Accept"] = "application/json"
if os.getenv("SLAMON_BENCH_CLOSE") == "1" then
  wrk.headers["Connection"] = "close"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
