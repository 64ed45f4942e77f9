-- One atomic write of the next version of an existing plan with everything that goes with it.
-- KEYS: 1 plan hash, 2 new version key, 3 history list, 4 stats, 5 outbox
-- ARGV: 1 expected version, 2 new version, 3 body, 4 summary, 5 folded title, 6 stage,
--       7 stats field, 8 index keys (space separated), 9 audit record, 10 plan id,
--       11 event id, 12 event type, 13 event, 14 author codes the write removes (space
--       separated): each keeps read access up to the expected version, 15 key prefix,
--       16 principal key part, 17 writes a minute, 18 bytes an hour (0: no limit), 19 bytes,
--       20 the plan's serialized size
-- Reply: {'OK', ver} | {'CONFLICT', ver} | {'NOT_FOUND'} | {'QUOTA', retry seconds, what}
--@include quota
--@include outbox
local cur = redis.call('HGET', KEYS[1], 'ver')
if not cur then return {'NOT_FOUND'} end
if cur ~= ARGV[1] then return {'CONFLICT', cur} end
local bytes = tonumber(ARGV[19])
local q = quota_check(ARGV[15], ARGV[16], tonumber(ARGV[17]), tonumber(ARGV[18]), bytes)
if q[1] ~= 'OK' then return q end
-- Every check is above this line: Redis does not roll a script back, so nothing below may fail
-- after the first write (only commands on keys and values of this script's own making).
local id = ARGV[10]
-- The first write is one Redis refuses when it is full (maxmemory): then the whole script is
-- refused, nothing written. Once a script has written, Redis lets it finish.
redis.call('SET', KEYS[2], ARGV[3])
quota_charge(q, bytes)
-- move the plan between index sets and counters only where they differ
local seq = redis.call('HGET', KEYS[1], 'seq')
local old_idx = redis.call('HGET', KEYS[1], 'idx') or ''
if old_idx ~= ARGV[8] then
  for k in string.gmatch(old_idx, '%S+') do redis.call('ZREM', k, id) end
  for k in string.gmatch(ARGV[8], '%S+') do redis.call('ZADD', k, seq, id) end
end
local old_stats = redis.call('HGET', KEYS[1], 'stats') or ''
if old_stats ~= ARGV[7] then
  if old_stats ~= '' then redis.call('HINCRBY', KEYS[4], old_stats, -1) end
  redis.call('HINCRBY', KEYS[4], ARGV[7], 1)
end
redis.call('HSET', KEYS[1], 'ver', ARGV[2], 'stage', ARGV[6], 'idx', ARGV[8],
           'stats', ARGV[7], 'sum', ARGV[4], 'title', ARGV[5], 'size', ARGV[20])
redis.call('RPUSH', KEYS[3], ARGV[9])
outbox_append(KEYS[5], ARGV[11], ARGV[12], ARGV[13])
for code in string.gmatch(ARGV[14], '%S+') do redis.call('HSET', KEYS[1], 'fa:' .. code, ARGV[1]) end
return {'OK', ARGV[2]}
