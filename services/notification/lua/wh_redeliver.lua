-- Queues dead letters for delivery again, from the first step of the retry schedule: one
-- (ARGV[1]) or every one that failed at or after ARGV[2] ms (at most ARGV[4]). The dead letter
-- is held (KEYS[6]) until delivered: the log may no longer keep its event.
-- KEYS: 1 the subscription's hash, 2 dead letters, 3 dead letters by time, 4 retries due,
--       5 tries, 6 held events
-- ARGV: 1 entry ('' for every one since ARGV[2]), 2 since (ms), 3 now (ms), 4 at most,
--       5..9 the caller's quota
-- Reply: {'OK', queued} | {'NOT_FOUND'} | {'QUOTA', retry seconds, what}
--@include quota
local q = quota_check(ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9])
if q[1] ~= 'OK' then return q end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOT_FOUND'} end
local entries
if ARGV[1] ~= '' then
  if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return {'NOT_FOUND'} end
  entries = {ARGV[1]}
else
  entries = redis.call('ZRANGEBYSCORE', KEYS[3], ARGV[2], '+inf', 'LIMIT', 0, tonumber(ARGV[4]))
end
quota_charge(q, ARGV[9])
for _, entry in ipairs(entries) do
  redis.call('HSET', KEYS[6], entry, redis.call('HGET', KEYS[2], entry))
  redis.call('HDEL', KEYS[2], entry)
  redis.call('ZREM', KEYS[3], entry)
  redis.call('ZADD', KEYS[4], ARGV[3], entry)
  redis.call('HSET', KEYS[5], entry, '0|' .. ARGV[3])
end
return {'OK', #entries}
