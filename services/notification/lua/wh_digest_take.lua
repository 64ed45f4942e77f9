-- Takes a contact's digest lines for sending: the lines added since are moved behind those a
-- failed send left, and all of them are returned. Lines added while the mail goes out wait in
-- the digest for the next day; a send that fails leaves its lines to the next attempt. So no
-- line is dropped by a send (only by the digest's bound, oldest first, when it overflows).
-- KEYS: 1 the digest (LIST), 2 the lines being sent (LIST)
-- ARGV: 1 lines kept at most
-- Reply: the lines to send, oldest first
local lines = redis.call('LRANGE', KEYS[1], 0, -1)
if #lines > 0 then
  for i = 1, #lines, 500 do
    redis.call('RPUSH', KEYS[2], unpack(lines, i, math.min(i + 499, #lines)))
  end
  redis.call('DEL', KEYS[1])
  redis.call('LTRIM', KEYS[2], -tonumber(ARGV[1]), -1)
end
return redis.call('LRANGE', KEYS[2], 0, -1)
