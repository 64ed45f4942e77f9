-- KEYS: 1 hash, 2 outbox, 3 m:{id} when the change shows in the plan's progress (its "#gen"
-- moves, so progress cached for the old generation is not served again), else unused.
-- ARGV: 1 field, 2 bytes ("" deletes), 3 event id, 4 type, 5 bytes, 6 "1" to move "#gen",
--       7..11 the writer's quota (QuotaArgs)
-- Returns 1, or {'QUOTA', retry seconds, what} (nothing written).
--@include quota
--@include outbox
local q = quota_check(ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11])
if q[1] ~= 'OK' then return q end
quota_charge(q, ARGV[11])
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
outbox_append(KEYS[2], ARGV[3], ARGV[4], ARGV[5])
if ARGV[6] == '1' then redis.call('HINCRBY', KEYS[3], '#gen', 1) end
return 1
