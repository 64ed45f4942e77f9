-- KEYS: 1 review hash, 2 review log, 3 report hash, 4 outbox
-- ARGV: 1 requirement id, 2 review bytes, 3 event id, 4 event type, 5 event bytes,
--       6..10 the reviewer's quota (QuotaArgs: prefix, who, per minute, per hour, bytes)
-- Reply: the new generation | {'QUOTA', retry seconds, what} (nothing written).
--@include quota
--@include outbox
local q = quota_check(ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10])
if q[1] ~= 'OK' then return q end
quota_charge(q, ARGV[10])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local gen = redis.call('HINCRBY', KEYS[1], '#gen', 1)
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('DEL', KEYS[3])
outbox_append(KEYS[4], ARGV[3], ARGV[4], ARGV[5])
return gen
