-- Takes the retries of one subscription that are due, leasing each (its due time moves to
-- now + the lease) so no other replica takes it while this one delivers; the outcome moves it
-- again, and a replica that dies leaves it to be taken once the lease ran out.
-- KEYS: 1 retries due (ZSET entry -> ms), 2 tries, 3 held events
-- ARGV: 1 now in milliseconds, 2 lease in milliseconds, 3 at most this many
-- Reply: {{entry, tries, held event or ''}, ...}, the earliest due time left ('' for none)}
local now = tonumber(ARGV[1])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, entry in ipairs(due) do
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), entry)
  out[#out + 1] = {entry, redis.call('HGET', KEYS[2], entry) or '',
                   redis.call('HGET', KEYS[3], entry) or ''}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {out, first[2] or ''}
