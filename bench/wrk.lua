-- wrk's side of bench/run, set through the environment.
--
-- With BENCH_SECRETS (a file of secrets, one a line) each request presents the next
-- secret in turn: as its bearer token (BENCH_KIND=bearer, the default), or in the body
-- of a POST to /api/v1/verify made with the service credential BENCH_SERVICE
-- (BENCH_KIND=verify). Each comes through X-Forwarded-For from the next of
-- BENCH_ADDRESSES addresses (default 1) counted up from 10.0.0.1; bench/run's server
-- trusts 127.0.0.1 as a proxy. Without BENCH_SECRETS the request is wrk's own,
-- built once (the lists, with their session cookie from -H). With BENCH_STATUSES set,
-- answers are counted by status (a Lua call per answer: for the slow cases only).
--
-- done() prints one line for bench/run: BENCH requests=… duration_us=… p50_us=…
-- p99_us=… non2xx=… socket_errors=… statuses=200:…,503:… (- when not counted).

local secrets_file = os.getenv("BENCH_SECRETS")
local kind = os.getenv("BENCH_KIND") or "bearer"
local service = os.getenv("BENCH_SERVICE") or ""
local addresses = tonumber(os.getenv("BENCH_ADDRESSES") or "1")

if secrets_file then
  local secrets = {}
  for line in io.lines(secrets_file) do
    if #line > 0 then
      secrets[#secrets + 1] = line
    end
  end
  local count, i = #secrets, 0

  function request()
    i = i + 1
    local secret = secrets[(i % count) + 1]
    local a = (i % addresses) + 1
    local headers = {
      ["X-Forwarded-For"] = string.format("10.%d.%d.%d",
        math.floor(a / 65536) % 256, math.floor(a / 256) % 256, a % 256),
    }
    if kind == "verify" then
      headers["Authorization"] = "Bearer " .. service
      headers["Content-Type"] = "application/json"
      return wrk.format("POST", nil, headers, '{"token":"' .. secret .. '"}')
    end
    headers["Authorization"] = "Bearer " .. secret
    return wrk.format("GET", nil, headers)
  end
end

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

if os.getenv("BENCH_STATUSES") then
  statuses = {}

  function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
  end
end

-- "200:29,503:12" over every thread, or "-".
local function counted_statuses()
  local tally, parts = {}, {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      tally[status] = (tally[status] or 0) + count
    end
  end
  for status, count in pairs(tally) do
    parts[#parts + 1] = status .. ":" .. count
  end
  table.sort(parts)
  return #parts > 0 and table.concat(parts, ",") or "-"
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d socket_errors=%d statuses=%s\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout,
    counted_statuses()))
end
