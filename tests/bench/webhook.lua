-- wrk script of scripts/bench webhook: sends the requests of a pool written by webhook-pool,
-- each exactly once, and prints one machine-readable line.
--
--   wrk -t2 -c64 -d15s --timeout 5s -s tests/bench/webhook.lua http://127.0.0.1:PORT/wechat \
--       -- POOL_PREFIX LABEL
--
-- Thread n (from 0) reads POOL_PREFIX.n: records "<bytes>\n<raw HTTP request>" (webhook-pool
-- gives each thread its own openids). With POOL_PREFIX "-" every request is the URL's plain GET
-- (the raw-HTTP ceiling), through the same request() path so the client's cost is the same.
--
-- Counted: non-2xx/3xx answers (wrk counts status > 399), replies that took >= the --timeout
-- (5 s: WeChat's limit; wrk counts them as timeouts and leaves them out of the percentiles),
-- socket errors, and pool reuse: a thread that ran out of requests starts again from its first
-- one (those are then WeChat resends, answered from the dedupe store) and the count says so.
-- The line, on stdout:
--   BENCH label=L requests=N seconds=S rps=R p50_ms=.. p90_ms=.. p99_ms=.. max_ms=..
--         non2xx=.. over_timeout=.. socket_errors=.. pool=.. reused=..

local threads = {}
local next_id = 0

function setup(thread)
    thread:set("id", next_id)
    next_id = next_id + 1
    table.insert(threads, thread)
end

function init(args)
    local prefix = args[1] or "-"
    label = args[2] or "run"
    pool = {}
    size = 0
    served = 0
    cursor = 1
    if prefix == "-" then
        pool[1] = wrk.format()
        size = 1
        ceiling = true
        return
    end
    ceiling = false
    local file = assert(io.open(prefix .. "." .. id, "rb"))
    while true do
        local header = file:read("*l")
        if not header then break end
        local bytes = tonumber(header)
        if not bytes then error("bad record in " .. prefix .. "." .. id .. ": " .. header) end
        size = size + 1
        pool[size] = file:read(bytes)
    end
    file:close()
    if size == 0 then error("empty pool " .. prefix .. "." .. id) end
end

function request()
    local r = pool[cursor]
    served = served + 1
    cursor = cursor + 1
    if cursor > size then cursor = 1 end
    return r
end

function done(summary, latency, requests)
    local pool_total, reused = 0, 0
    for _, t in ipairs(threads) do
        local n, s = t:get("size"), t:get("served")
        pool_total = pool_total + n
        if not t:get("ceiling") and s > n then reused = reused + (s - n) end
    end
    local e = summary.errors
    local seconds = summary.duration / 1e6
    io.write(string.format(
        "BENCH label=%s requests=%d seconds=%.2f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f " ..
        "max_ms=%.3f non2xx=%d over_timeout=%d socket_errors=%d pool=%d reused=%d\n",
        threads[1]:get("label"), summary.requests, seconds, summary.requests / seconds,
        latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000, e.status, e.timeout,
        e.connect + e.read + e.write, pool_total, reused))
end
