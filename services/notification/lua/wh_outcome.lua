-- Records the outcome of one delivery attempt, in one step: the attempt in the delivery log,
-- the entry acknowledged in the consumer group (when it came through it), and then
--   delivered  the retry state forgotten; the subscription no longer failing;
--   retry      the next attempt due at ARGV[6], the tries so far ARGV[7];
--   dead       the event kept as a dead letter (the oldest beyond ARGV[11] go);
--   gone       dead, and the subscription disabled at once (a webhook's 410, a mail the relay
--              refused for good: ARGV[13] says which).
-- A failure starts the subscription's failing streak (kept until a delivery succeeds); an
-- ACTIVE subscription failing for ARGV[9] ms is disabled. A subscription deleted meanwhile
-- records nothing.
-- KEYS: 1 the subscription's hash, 2 the event log, 3 attempts, 4 retries due, 5 tries,
--       6 held events, 7 dead letters, 8 dead letters by time, 9 the version counter
-- ARGV: 1 the consumer group, 2 the log entry, 3 verdict, 4 the attempt (serialized
--       rfs.notification.v1.DeliveryAttempt), 5 now in milliseconds, 6 next attempt (ms),
--       7 tries ("{failed attempts}|{first attempt ms}"), 8 the dead letter (serialized
--       rfs.notification.v1.DeadLetter), 9 disable after (ms failing), 10 attempts kept,
--       11 dead letters kept, 12 '1' when the entry came through the consumer group,
--       13 why a 'gone' disables ('gone' | 'bounced')
-- Reply: {'OK', '1' when this outcome disabled the subscription else '0'} | {'DELETED'}
if ARGV[12] == '1' and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])
end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'DELETED'} end
local verdict = ARGV[3]
local entry = ARGV[2]
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[10], '*', 'a', ARGV[4])
if verdict == 'delivered' then
  redis.call('ZREM', KEYS[4], entry)
  redis.call('HDEL', KEYS[5], entry)
  redis.call('HDEL', KEYS[6], entry)
  redis.call('HDEL', KEYS[1], 'failing_since')
  return {'OK', '0'}
end
if verdict == 'retry' then
  redis.call('ZADD', KEYS[4], ARGV[6], entry)
  redis.call('HSET', KEYS[5], entry, ARGV[7])
else
  redis.call('ZREM', KEYS[4], entry)
  redis.call('HDEL', KEYS[5], entry)
  redis.call('HDEL', KEYS[6], entry)
  redis.call('HSET', KEYS[7], entry, ARGV[8])
  redis.call('ZADD', KEYS[8], ARGV[5], entry)
  local excess = redis.call('ZCARD', KEYS[8]) - tonumber(ARGV[11])
  if excess > 0 then
    local oldest = redis.call('ZRANGE', KEYS[8], 0, excess - 1)
    redis.call('ZREMRANGEBYRANK', KEYS[8], 0, excess - 1)
    redis.call('HDEL', KEYS[7], unpack(oldest))
  end
end
local now = tonumber(ARGV[5])
redis.call('HSETNX', KEYS[1], 'failing_since', ARGV[5])
if redis.call('HGET', KEYS[1], 'state') ~= 'ACTIVE' then return {'OK', '0'} end
local reason = nil
if verdict == 'gone' then
  reason = ARGV[13]
elseif now - tonumber(redis.call('HGET', KEYS[1], 'failing_since')) >= tonumber(ARGV[9]) then
  reason = 'failing'
end
if reason == nil then return {'OK', '0'} end
redis.call('HSET', KEYS[1], 'state', 'DISABLED', 'reason', reason, 'update_ms', ARGV[5])
redis.call('INCR', KEYS[9])
return {'OK', '1'}
