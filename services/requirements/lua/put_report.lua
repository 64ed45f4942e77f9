-- KEYS: 1 review hash, 2 report hash, 3 outbox
-- ARGV: 1 generation expected, 2 report field, 3 report bytes, 4 max reports per plan,
--       5 event id, 6 event type, 7 event bytes
--@include outbox
local gen = redis.call('HGET', KEYS[1], '#gen') or '0'
if gen ~= ARGV[1] then
  -- A review was recorded meanwhile: the report is not cached, but the check did complete
  -- (its caller got it), so its event is still written.
  outbox_append(KEYS[3], ARGV[5], ARGV[6], ARGV[7])
  return 0
end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return 1 end
if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[4]) then redis.call('DEL', KEYS[2]) end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
outbox_append(KEYS[3], ARGV[5], ARGV[6], ARGV[7])
return 1
