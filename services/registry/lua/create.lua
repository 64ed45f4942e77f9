-- Creates a plan: takes the next plan number, and writes the plan, its first version, indexes,
-- counters, audit record, outbox event and idempotency key, in one step. The number is taken
-- here, in the same atomic write as the plan it names, so the counter never runs ahead of or
-- behind the plans (with appendfsync always nothing acknowledged is lost, so an acknowledged
-- id never names another plan). The caller sends the BASIC view and the event without the
-- name: Protocol Buffers take the last occurrence of a field, so appending the name field to
-- the serialized bytes names them; versions are stored without it (see PackVersion).
-- KEYS: 1 plan number counter, 2 list order counter, 3 idx:all, 4 stats, 5 outbox,
--       6 request key (or KEYS[1] when there is none)
-- ARGV: 1 type letter, 2 body, 3 summary, 4 folded title, 5 stage, 6 stats field,
--       7 index keys (space separated), 8 audit record, 9 event, 10 event type,
--       11 request TTL seconds (> 0), 12 "1" when KEYS[6] is a request key, 13 key prefix,
--       14 principal key part, 15 writes a minute, 16 bytes an hour (0: no limit), 17 bytes,
--       18 the plan's serialized size (what a reader gets; the body is stored compressed),
--       19 the request's fingerprint (kept with the request key: "id fingerprint")
-- Reply: {'OK', id} | {'DUPLICATE', "id fingerprint"} | {'EXISTS', id} |
--        {'QUOTA', retry seconds, what}
--@include quota
--@include outbox
local has_request = ARGV[12] == '1'
if has_request then
  local existing = redis.call('GET', KEYS[6])
  if existing then return {'DUPLICATE', existing} end
end
local bytes = tonumber(ARGV[17])
local q = quota_check(ARGV[13], ARGV[14], tonumber(ARGV[15]), tonumber(ARGV[16]), bytes)
if q[1] ~= 'OK' then return q end
local n = tonumber(redis.call('GET', KEYS[1]) or '0') + 1
local id = ARGV[1] .. '-' .. string.format('%05d', n)
local plan_key = ARGV[13] .. 'plan:' .. id
-- A number already taken (a counter restored behind its plans) is skipped, not reused.
local tries = 0
while redis.call('EXISTS', plan_key) == 1 do
  tries = tries + 1
  if tries > 1000 then return {'EXISTS', id} end
  n = n + 1
  id = ARGV[1] .. '-' .. string.format('%05d', n)
  plan_key = ARGV[13] .. 'plan:' .. id
end
-- Every check is above this line: Redis does not roll a script back, so nothing below may fail
-- after the first write (only commands on keys and values of this script's own making).
local name = 'plans/' .. id
local event_id = 'registry/' .. name .. '/v1'
-- field 1 (name) of Plan; fields 1 (id) and 5 (plan) of Event: tag, length, bytes
local name_field = string.char(10, #name) .. name
-- The first write is one Redis refuses when it is full (maxmemory): then the whole script is
-- refused, nothing written. Once a script has written, Redis lets it finish.
redis.call('SET', KEYS[1], n)
quota_charge(q, bytes)
local seq = redis.call('INCR', KEYS[2])
for k in string.gmatch(ARGV[7], '%S+') do redis.call('ZADD', k, seq, id) end
redis.call('ZADD', KEYS[3], seq, id)
redis.call('HINCRBY', KEYS[4], ARGV[6], 1)
redis.call('SET', plan_key .. ':v:1', ARGV[2])
redis.call('HSET', plan_key, 'ver', '1', 'seq', seq, 'stage', ARGV[5], 'idx', ARGV[7],
           'stats', ARGV[6], 'sum', ARGV[3] .. name_field, 'title', ARGV[4],
           'size', ARGV[18] + #name_field)
redis.call('RPUSH', plan_key .. ':hist', ARGV[8])
outbox_append(KEYS[5], event_id, ARGV[10],
              ARGV[9] .. string.char(10, #event_id) .. event_id .. string.char(42, #name) .. name)
if has_request then redis.call('SET', KEYS[6], id .. ' ' .. ARGV[19], 'EX', ARGV[11]) end
return {'OK', id}
