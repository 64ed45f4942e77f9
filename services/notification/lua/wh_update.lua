-- Changes a subscription: its configuration, its state, or its secrets (a rotation).
-- Turning it ACTIVE forgets why it was disabled and since when it was failing; its consumer
-- group resumes where it stopped.
-- KEYS: 1 the subscription's hash, 2 the subscriptions' version counter
-- ARGV: 1 config ('' unchanged), 2 state ('' unchanged), 3 new secret ('' unchanged: then the
--       current secret becomes the previous one, signing until ARGV[4]), 4 until when the
--       previous secret signs (ms), 5 now in milliseconds, 6..10 the caller's quota
-- Reply: {'OK'} | {'NOT_FOUND'} | {'QUOTA', retry seconds, what} (nothing written but on 'OK').
--@include quota
local q = quota_check(ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10])
if q[1] ~= 'OK' then return q end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'NOT_FOUND'} end
quota_charge(q, ARGV[10])
if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], 'config', ARGV[1]) end
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], 'state', ARGV[2])
  if ARGV[2] == 'ACTIVE' then redis.call('HDEL', KEYS[1], 'reason', 'failing_since') end
end
if ARGV[3] ~= '' then
  local current = redis.call('HGET', KEYS[1], 'secret')
  redis.call('HSET', KEYS[1], 'secret', ARGV[3], 'previous_secret', current,
             'previous_expire_ms', ARGV[4])
end
redis.call('HSET', KEYS[1], 'update_ms', ARGV[5])
redis.call('INCR', KEYS[2])
return {'OK'}
