-- Adds an event's line to a contact's daily digest and acknowledges the entry in its consumer
-- group, in one step. The digest keeps at most ARGV[4] lines (the oldest go first).
-- KEYS: 1 the contact's hash, 2 the event log, 3 the digest (LIST)
-- ARGV: 1 the consumer group, 2 the log entry, 3 the line, 4 lines kept, 5 '1' when the entry
--       came through the consumer group
-- Reply: {'OK'} | {'DELETED'}
if ARGV[5] == '1' and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])
end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'DELETED'} end
redis.call('RPUSH', KEYS[3], ARGV[3])
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[4]), -1)
return {'OK'}
