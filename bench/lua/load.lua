-- wrk script for the Verdict benchmark (bench/load.py runs it; see docs/performance.md).
--
-- Environment:
--   BENCH_MANIFEST  file of "<path>\t<body file>" lines; requests cycle through them in order
--   BENCH_RATE      requests per second for each wrk thread (fixed rate); unset: closed loop
--   BENCH_STATUS    "1": count responses by status code (a little wrk CPU per response)
-- done() prints one line "BENCH_JSON {...}" that bench/load.py parses.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

local threads = {}
function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

local prepared = {}
local position = 1
counts = {}
late = 0

function init(args)
  local manifest = assert(io.open(os.getenv("BENCH_MANIFEST"), "r"))
  for line in manifest:lines() do
    local path, file = line:match("^(%S+)\t(%S+)$")
    local handle = assert(io.open(file, "rb"))
    local body = handle:read("*a")
    handle:close()
    prepared[#prepared + 1] = wrk.format("POST", path, { ["Content-Type"] = "application/json" }, body)
  end
  manifest:close()
  -- Threads start at different places so they do not send the same large body at once.
  position = (thread_index * 7) % #prepared + 1
end

function request()
  local prepared_request = prepared[position]
  position = position % #prepared + 1
  return prepared_request
end

-- Fixed rate: each call claims the thread's next send slot on one schedule shared by all of the
-- thread's connections, so a connection held up by a slow answer does not slow the schedule:
-- another idle connection takes the slot. wrk's timer has millisecond resolution.
local rate = tonumber(os.getenv("BENCH_RATE") or "")
if rate then
  local interval = 1000 / rate
  local next_slot = nil
  function delay()
    local now = now_ms()
    next_slot = (next_slot or now) + interval
    local wait = next_slot - now
    if wait < -1 then
      late = late + 1
    end
    if wait > 0 then
      return wait
    end
    return 0
  end
end

if os.getenv("BENCH_STATUS") == "1" then
  function response(status, headers, body)
    counts[status] = (counts[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local statuses, late_total = {}, 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("counts") or {}) do
      local key = tostring(status)
      statuses[key] = (statuses[key] or 0) + count
    end
    late_total = late_total + (thread:get("late") or 0)
  end
  local parts = {}
  for status, count in pairs(statuses) do
    parts[#parts + 1] = string.format('"%s": %d', status, count)
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "p999": %d, "max": %d, "mean": %.1f}, ' ..
    '"late": %d, "status": {%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean,
    late_total, table.concat(parts, ", ")))
end
