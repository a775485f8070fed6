-- wrk script for Benchmarks/run-server-load.sh: every request is a valid Segment /v1/batch of
-- 100 messages with unique messageIds, in a mix like a brand's web and app traffic, that Kehu
-- stores as exactly 100 events:
--   40 page views, 24 Product Viewed, 10 Products Searched, 8 Product Added, 7 Promotion Viewed,
--    3 Product Added to Wishlist, 2 Product Clicked: 94 messages, one event each;
--    3 Order Completed: 2 events each (the order and the payment);
--    3 identify: link a member, an anonymous id and a phone, and store no event.
--   100 messages, 94 + 6 = 100 events.
-- Consumers: 200,000 members and anonymous visitors per wrk thread; a tenth of messages carry
-- a phone number in context.traits (hashed by the server).
--
-- The batches are built once, in init() before the clock starts: each thread makes POOL (2,000)
-- batches with the ids left open, and request() only fills in the ids, so the load generator,
-- which shares the 2 cores with the server, spends about 1 µs per event instead of about 5 when it
-- formatted every message of every request. Every request still has its own messageIds
-- ("w<thread>-<request>-<message>"), so no message is a duplicate of another; the consumers and
-- times repeat once a thread has sent POOL requests (2,000 x 100 messages over 200,000 consumers).
-- KEHU_LOAD_FRESH=1 formats every request afresh as before (slower for the client, same server work).
--
-- Environment: KEHU_KEY (the write key). Each thread counts its requests and 200 answers;
-- done() prints "requests N" and "acknowledged N" for the script to compare with the store.

local threads = {}
local counter = 0

-- The pools of every thread are built in the first setup() call, in wrk's main Lua state, before
-- any thread starts sending (each thread's own state is set up just before that thread starts,
-- so a pool built there would be built while the threads before it already send), and copied into
-- each thread's state by thread:set. KEHU_LOAD_THREADS tells it how many threads wrk runs (2).
local pools = nil

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
  if os.getenv("KEHU_LOAD_FRESH") == "1" then return end
  if pools == nil then
    local started = os.clock()
    pools = {}
    for t = 1, tonumber(os.getenv("KEHU_LOAD_THREADS") or "2") do
      math.randomseed(7919 * t + 1)
      pools[t] = build_pool(t)
    end
    io.stderr:write(string.format("segment_batch.lua: %d batches per thread built in %.2f s\n", POOL, os.clock() - started))
  end
  -- One string (tables are not copied safely between states); init() splits it at the newlines.
  thread:set("pool_text", table.concat(pools[counter] or build_pool(counter), "\n"))
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
  if pool_text ~= nil then
    pool = {}
    -- Each batch split where its ids go: table.concat(pieces, prefix) is then one C call.
    for body in string.gmatch(pool_text, "[^\n]+") do
      local pieces, from = {}, 1
      while true do
        local at = string.find(body, "~", from, true)
        if at == nil then break end
        table.insert(pieces, string.sub(body, from, at - 1))
        from = at + 1
      end
      table.insert(pieces, string.sub(body, from))
      table.insert(pool, pieces)
    end
    pool_text = nil
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
  local n = math.random(1, 200000)
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
      id, tid, math.random(1, 200000), tid, math.random(1, 200000), ts(), math.random(3000000000, 9999999999))
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

-- The pool: batches with MARK where each id starts; init() splits them there, so that
-- table.concat(pieces, prefix) writes "<prefix>-<i>" in every place the i-th message's id goes
-- (its messageId, and an order's order_id).
POOL = 2000
local MARK = "~"  -- never part of a generated body, and not special in a Lua pattern

-- Global, so setup() (defined above) finds it when it runs. `tid` is the thread the ids are for.
function build_pool(thread_id)
  tid = thread_id
  local pool = {}
  for k = 1, POOL do
    pool[k] = batch(function(i) return MARK .. "-" .. i end)
  end
  tid = nil
  return pool
end

local headers = nil
local fresh = os.getenv("KEHU_LOAD_FRESH") == "1"

function request()
  seq = seq + 1
  sent = sent + 1
  if headers == nil then
    headers = { ["Content-Type"] = "application/json", ["Authorization"] = auth }
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
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("latency_p%s_ms %.2f\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("duration_s %.3f\n", summary.duration / 1e6))
end
