-- KEYS: 1 m:{id}, 2 c:{id}, 3 plan:{id}, 4 outbox, 5 plans, 6 buckets, 7 history list or
--       unused, 8 request key or unused, 9 gone:{id}, 10 versions, 11.. agg:{bucket} keys and
--       the hashes of field writes
-- ARGV: 1 generation expected, 2 measurement field ("" none), 3 measurement bytes,
--       4 change bytes ("" none), 5 plan snapshot bytes ("" unchanged), 6 plan id,
--       7 as-of key, 8 request value ("" none), 9 request TTL seconds, 10 event count,
--       11 difference count, 12 removed-indicator count, 13 restored-indicator count,
--       14 "{version} {as-of}" for the versions hash, 15 field-write count, 16 bytes the
--       write adds to the plan's "#bytes" (may be negative), 17 unix seconds since when the
--       plan is public ("" unchanged), 18..22 the writer's quota (QuotaArgs: prefix, who, per
--       minute, per hour, bytes),
--       then 3 per event (id, type, bytes); per difference: contribution field, delta, cell
--       count, and 3 per cell (agg key index in KEYS, bucket, aggregate field); 2 per removed
--       indicator (id, bytes), 1 per restored indicator (id), 3 per field write (key index in
--       KEYS, field, value; an empty value deletes the field)
-- Returns the new generation, -1 when the generation moved, or {'QUOTA', retry seconds, what}
-- when the writer's quota is used up (nothing written in either case).
--@include quota
--@include outbox
local gen = tonumber(redis.call('HGET', KEYS[1], '#gen') or '0')
if gen ~= tonumber(ARGV[1]) then return -1 end
local q = quota_check(ARGV[18], ARGV[19], ARGV[20], ARGV[21], ARGV[22])
if q[1] ~= 'OK' then return q end
quota_charge(q, ARGV[22])
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) end
if ARGV[4] ~= '' then redis.call('RPUSH', KEYS[7], ARGV[4]) end
if ARGV[5] ~= '' then redis.call('SET', KEYS[3], ARGV[5]) end
redis.call('SADD', KEYS[5], ARGV[6])
redis.call('HSET', KEYS[2], '#asof', ARGV[7])
redis.call('HSET', KEYS[10], ARGV[6], ARGV[14])
if ARGV[8] ~= '' then redis.call('SET', KEYS[8], ARGV[8], 'EX', ARGV[9]) end
if ARGV[16] ~= '0' and redis.call('HINCRBY', KEYS[1], '#bytes', ARGV[16]) < 0 then
  redis.call('HSET', KEYS[1], '#bytes', 0)  -- what was kept before it was counted
end
if ARGV[17] ~= '' then redis.call('HSETNX', KEYS[2], '#since', ARGV[17]) end
local i = 23
for _ = 1, tonumber(ARGV[10]) do
  outbox_append(KEYS[4], ARGV[i], ARGV[i + 1], ARGV[i + 2])
  i = i + 3
end
for _ = 1, tonumber(ARGV[11]) do
  local delta = ARGV[i + 1]
  if redis.call('HINCRBY', KEYS[2], ARGV[i], delta) == 0 then
    redis.call('HDEL', KEYS[2], ARGV[i])
  end
  local cells = tonumber(ARGV[i + 2])
  i = i + 3
  for _ = 1, cells do
    local agg = KEYS[tonumber(ARGV[i])]
    if redis.call('HINCRBY', agg, ARGV[i + 2], delta) == 0 then
      redis.call('HDEL', agg, ARGV[i + 2])
    end
    redis.call('SADD', KEYS[6], ARGV[i + 1])
    i = i + 3
  end
end
for _ = 1, tonumber(ARGV[12]) do
  redis.call('HSET', KEYS[9], ARGV[i], ARGV[i + 1])
  i = i + 2
end
for _ = 1, tonumber(ARGV[13]) do
  redis.call('HDEL', KEYS[9], ARGV[i])
  i = i + 1
end
for _ = 1, tonumber(ARGV[15]) do
  if ARGV[i + 2] == '' then
    redis.call('HDEL', KEYS[tonumber(ARGV[i])], ARGV[i + 1])
  else
    redis.call('HSET', KEYS[tonumber(ARGV[i])], ARGV[i + 1], ARGV[i + 2])
  end
  i = i + 3
end
return redis.call('HINCRBY', KEYS[1], '#gen', 1)
