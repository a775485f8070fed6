-- wrk script for Benchmarks/run-server-load.sh: every request is a valid Segment /v1/batch of
-- 100 messages with unique messageIds, in a mix like a brand's web and app traffic, that Kehu
-- stores as exactly 100 events:
--   40 page views, 24 Product Viewed, 10 Products Searched, 8 Product Added, 7 Promotion Viewed,
--    3 Product Added to Wishlist, 2 Product Clicked: 94 messages, one event each;
--    3 Order Completed: 2 events each (the order and the payment);
--    3 identify: link a member, an anonymous id and a phone, and store no event.
--   100 messages, 94 + 6 = 100 events.
-- Consumers: 400,000 members and anonymous visitors in all (KEHU_LOAD_CONSUMERS), split evenly
-- between the wrk threads, so the server sees the same number of consumers however many threads
-- send; a tenth of messages carry a phone number in context.traits (hashed by the server).
--
-- The batches are built before the clock starts: each thread's init() makes KEHU_LOAD_POOL batches
-- (default 2,000; run-server-load.sh asks for 1,400 per second of load in all, more than the
-- server takes) with the ids left open, and request() only fills in the ids. So every request is
-- what formatting it on the spot would give (new consumers and new phone numbers keep arriving
-- all through the run), but the load generator, which shares the 2 cores with the server, spends
-- less: one wrk thread sending 1,270 requests/s took 0.17 of a core (10-11.5 s of CPU in a
-- 60-second run). Every request has its own messageIds
-- ("w<thread>-<request>-<message>"); only if a thread sends more requests than its pool holds do
-- consumers, times and phones repeat (done() says whether that happened).
-- KEHU_LOAD_FRESH=1 formats every request on the spot instead (the same server work, a dearer client).
--
-- Environment: KEHU_KEY (the write key). Each thread counts its requests and 200 answers;
-- done() prints "requests N" and "acknowledged N" for the script to compare with the store.

local threads = {}
local counter = 0
-- This thread's share of the consumers (set in init, once the thread count is known).
local consumers = 400000

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  sent = 0
  acknowledged = 0
  failed = 0
  seq = 0
  local key = os.getenv("KEHU_KEY")
  if key == nil or key == "" then
    io.stderr:write("segment_batch.lua: set KEHU_KEY to a write key\n")
    os.exit(2)
  end
  auth = "Basic " .. base64(key .. ":")
  math.randomseed(7919 * tid)
  consumers = math.floor(tonumber(os.getenv("KEHU_LOAD_CONSUMERS") or "400000") / tonumber(os.getenv("KEHU_LOAD_THREADS") or "1"))
  if os.getenv("KEHU_LOAD_FRESH") ~= "1" then
    local started = os.clock()
    build_pool()
    -- The pool is millions of strings; a collection cycle that walks them would pause this
    -- thread for tens to hundreds of milliseconds while responses wait, and those pauses would
    -- count as server latency. The garbage of a run (a body of ~25 KB per request) is kept
    -- instead: about 1 GB per thread for a minute of load.
    collectgarbage("collect")
    collectgarbage("stop")
    io.stderr:write(string.format("segment_batch.lua: thread %d built %d batches in %.1f s\n", tid, POOL, os.clock() - started))
    -- This thread is ready; request() waits until every thread is (see wait_for_all).
    local ready = os.getenv("KEHU_LOAD_READY_DIR")
    if ready ~= nil then io.open(ready .. "/ready-" .. tid, "w"):close() end
  end
end

-- wrk runs each thread's init() just before starting that thread, and starts its clock after the
-- last one: a thread whose pool is built would send while the next thread's pool is still being
-- built, before the clock starts. So the first request of each thread waits until every thread
-- has written its ready file (KEHU_LOAD_READY_DIR, emptied by the script; KEHU_LOAD_THREADS threads).
-- wrk also calls thread 1's request() once from its main thread, before starting any thread, to
-- check the script: that call must not wait (no other thread could get ready), and is not sent.
local function wait_for_all()
  local dir = os.getenv("KEHU_LOAD_READY_DIR")
  if dir == nil then return end
  local count = tonumber(os.getenv("KEHU_LOAD_THREADS") or "1")
  for t = 1, count do
    while true do
      local f = io.open(dir .. "/ready-" .. t, "r")
      if f ~= nil then f:close(); break end
    end
  end
end

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
function base64(data)
  return ((data:gsub(".", function(x)
    local r, b = "", x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return b64chars:sub(c + 1, c + 1)
  end) .. ({ "", "==", "=" })[#data % 3 + 1])
end

-- The 100 message kinds of one batch.
local plan = {}
local function add(kind, n) for _ = 1, n do table.insert(plan, kind) end end
add("page", 40); add("viewed", 24); add("searched", 10); add("added", 8); add("promotion", 7)
add("wishlist", 3); add("clicked", 2); add("order", 3); add("identify", 3)

local channels = { "tmall", "jd", "douyin", "wechat_mp", "web", "app" }
local categories = { "skincare", "makeup", "fragrance", "haircare", "bodycare" }
local campaigns = { "618", "double11", "new_year", "members_day" }

local function who()
  local n = math.random(1, consumers)
  if n % 3 == 0 then
    return string.format('"anonymousId": "a-%d-%d"', tid, n)
  end
  return string.format('"userId": "m-%d-%d"', tid, n)
end

local function ts()
  -- June 2026, any second.
  return string.format('"timestamp": "2026-06-%02dT%02d:%02d:%02d+08:00"',
    math.random(1, 30), math.random(0, 23), math.random(0, 59), math.random(0, 59))
end

local function message(kind, id)
  local head = string.format('{"messageId": "%s", %s, %s, ', id, who(), ts())
  local channel = channels[math.random(1, #channels)]
  local sku = string.format("SKU-%d", math.random(1, 5000))
  local category = categories[math.random(1, #categories)]
  local context = ""
  if math.random(1, 10) == 1 then
    context = string.format(', "context": {"traits": {"phone": "1%010d"}, "campaign": {"name": "%s", "medium": "live"}}',
      math.random(3000000000, 9999999999), campaigns[math.random(1, #campaigns)])
  end
  if kind == "page" then
    return head .. string.format('"type": "page", "name": "%s", "properties": {"channel": "%s", "category": "%s"}%s}', category, channel, category, context)
  elseif kind == "identify" then
    return string.format('{"messageId": "%s", "type": "identify", "userId": "m-%d-%d", "anonymousId": "a-%d-%d", %s, "traits": {"phone": "1%010d"}}',
      id, tid, math.random(1, consumers), tid, math.random(1, consumers), ts(), math.random(3000000000, 9999999999))
  end
  local event, props
  if kind == "viewed" then
    event = "Product Viewed"; props = string.format('"sku": "%s", "category": "%s", "price": %d.%02d', sku, category, math.random(9, 899), math.random(0, 99))
  elseif kind == "searched" then
    event = "Products Searched"; props = string.format('"category": "%s"', category)
  elseif kind == "added" then
    event = "Product Added"; props = string.format('"sku": "%s", "quantity": %d', sku, math.random(1, 3))
  elseif kind == "promotion" then
    event = "Promotion Viewed"; props = string.format('"campaign": "%s"', campaigns[math.random(1, #campaigns)])
  elseif kind == "wishlist" then
    event = "Product Added to Wishlist"; props = string.format('"sku": "%s"', sku)
  elseif kind == "clicked" then
    event = "Product Clicked"; props = string.format('"sku": "%s"', sku)
  else
    event = "Order Completed"
    props = string.format('"order_id": "O-%s", "total": %d.%02d, "currency": "CNY", "sku": "%s", "quantity": 1',
      id, math.random(49, 1999), math.random(0, 99), sku)
  end
  return head .. string.format('"type": "track", "event": "%s", "properties": {"channel": "%s", %s}%s}', event, channel, props, context)
end

-- One batch; `id(i)` gives the i-th message's id.
local function batch(id)
  local parts = {}
  for i, kind in ipairs(plan) do
    parts[i] = message(kind, id(i))
  end
  return '{"batch": [' .. table.concat(parts, ",") .. '], "sentAt": "2026-06-30T12:00:00.000Z"}'
end

-- The pool: batches with MARK where each id starts, split there, so that table.concat(pieces,
-- prefix) writes "<prefix>-<i>" in every place the i-th message's id goes (its messageId, and an
-- order's order_id). Split ahead, one C call per request builds the body; a gsub of the marks
-- instead doubled wrk's CPU (23 s against 11.5 s in a 60-second run).
POOL = tonumber(os.getenv("KEHU_LOAD_POOL") or "2000")
local MARK = "~"  -- never part of a generated body, and not special in a Lua pattern

-- Global, so init() (defined above) finds it when it runs: this thread's batches, each split
-- where its ids go, so that table.concat(pieces, prefix) is one C call per request.
function build_pool()
  pool = {}
  for k = 1, POOL do
    local body = batch(function(i) return MARK .. "-" .. i end)
    local pieces, from = {}, 1
    while true do
      local at = string.find(body, MARK, from, true)
      if at == nil then break end
      pieces[#pieces + 1] = string.sub(body, from, at - 1)
      from = at + 1
    end
    pieces[#pieces + 1] = string.sub(body, from)
    pool[k] = pieces
  end
end

local headers = nil
local fresh = os.getenv("KEHU_LOAD_FRESH") == "1"

function request()
  seq = seq + 1
  sent = sent + 1
  if headers == nil then
    headers = { ["Content-Type"] = "application/json", ["Authorization"] = auth }
    waiting = not fresh
    check_call = tid == 1  -- thread 1's first call is wrk's check: it does not wait
  end
  if waiting then
    if check_call then check_call = false else wait_for_all(); waiting = false end
  end
  local body
  if fresh then
    body = batch(function(i) return string.format("w%d-%d-%d", tid, seq, i) end)
  else
    body = table.concat(pool[(seq - 1) % #pool + 1], string.format("w%d-%d", tid, seq))
  end
  return wrk.format("POST", "/v1/batch", headers, body)
end

function response(status, headers, body)
  if status == 200 then acknowledged = acknowledged + 1 else failed = failed + 1 end
end

function done(summary, latency, requests)
  local s, a, f = 0, 0, 0
  for _, thread in ipairs(threads) do
    s = s + thread:get("sent")
    a = a + thread:get("acknowledged")
    f = f + thread:get("failed")
  end
  io.write(string.format("requests %d\nacknowledged %d\nfailed %d\n", s, a, f))
  local most = 0
  for _, thread in ipairs(threads) do most = math.max(most, thread:get("seq")) end
  if os.getenv("KEHU_LOAD_FRESH") == "1" then
    io.write("pool none (every request formatted when sent)\n")
  else
    io.write(string.format("pool %d batches per thread, %s\n", POOL,
      most > POOL and "used more than once (consumers and times repeat)" or "each used at most once"))
  end
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("latency_p%s_ms %.2f\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("duration_s %.3f\n", summary.duration / 1e6))
end
