-- Deletes a subscription (or a contact): its hash, its consumer group, its delivery log,
-- retries, dead letters and digest.
-- KEYS: 1 the subscription's hash, 2 every subscription, 3 the owner's subscriptions,
--       4 the version counter, 5 the event log, 6 attempts, 7 dead letters, 8 dead letters by
--       time, 9 retries due, 10 tries, 11 held events, 12..15 the digest, its lines being
--       sent, its day and its lock
-- ARGV: 1 id, 2 the consumer group, 3..7 the caller's quota
-- Reply: {'OK'} | {'NOT_FOUND'} | {'QUOTA', retry seconds, what}.
--@include quota
local q = quota_check(ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7])
if q[1] ~= 'OK' then return q end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOT_FOUND'} end
quota_charge(q, ARGV[7])
if redis.call('EXISTS', KEYS[5]) == 1 then
  redis.call('XGROUP', 'DESTROY', KEYS[5], ARGV[2])
end
redis.call('DEL', KEYS[1], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12],
           KEYS[13], KEYS[14], KEYS[15])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('INCR', KEYS[4])
return {'OK'}
