-- Appends the events of one or more PublishEvents calls to the event log (a group commit:
-- calls that arrived while the previous batch was in Redis share this script, its one reply
-- and its one fsync). Each call is taken whole, in the order given, under its own publisher's
-- write quota: a call over quota is refused with nothing of it written, and the others go on.
-- Within a call the events go in order, each once: an event whose id the log has seen within
-- the retention is a duplicate and is not appended again (also when an earlier call of this
-- batch carried it). Then trims the log by age (MINID, the retention) and by length (MAXLEN):
-- approximately ("~", whole macro nodes), so the log keeps at least the retention and at most
-- a little more than its bound. Trimming is the only way entries leave the log, oldest first;
-- each entry carries its ordinal `n` (1, 2, … counted by KEYS[2]), so "added - length" entries
-- were trimmed and a cursor at ordinal n has lost events exactly when that count exceeds n.
-- KEYS: 1 the log stream, 2 the counter of entries ever added
-- ARGV: 1 retention in milliseconds, 2 maximum entries, 3 prefix of the seen keys
--       ("{prefix}seen:"), 4 TTL of a seen key in seconds, 5 the quota keys' prefix,
--       6 number of calls, then per call: its publisher's quota (who, per minute, per hour,
--       bytes: QuotaArgs), its event count, then 3 per event: id, type, serialized
--       rfs.common.v1.Event
-- Reply: one element per call, in order: {appended, duplicates, one character per event:
--        '1' appended, '0' a duplicate} | {'QUOTA', retry seconds, what} (nothing of it written).
-- Redis refuses the script's first write when it is full (maxmemory): then nothing is written.
--@include quota
local added = tonumber(redis.call('GET', KEYS[2]) or '0')
local n = added
local replies = {}
local i = 7
for c = 1, tonumber(ARGV[6]) do
  local count = tonumber(ARGV[i + 4])
  local q = quota_check(ARGV[5], ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3])
  if q[1] ~= 'OK' then
    replies[c] = q
  else
    quota_charge(q, ARGV[i + 3])
    local appended, duplicates = 0, 0
    local flags = {}
    local e = i + 5
    for _ = 1, count do
      -- The seen key holds the entry's ordinal; SET NX both asks and claims.
      if redis.call('SET', ARGV[3] .. ARGV[e], n + 1, 'NX', 'EX', ARGV[4]) then
        n = n + 1
        redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*',
                   'id', ARGV[e], 'type', ARGV[e + 1], 'event', ARGV[e + 2], 'n', n)
        appended = appended + 1
        flags[#flags + 1] = '1'
      else
        duplicates = duplicates + 1
        flags[#flags + 1] = '0'
      end
      e = e + 3
    end
    replies[c] = {appended, duplicates, table.concat(flags)}
  end
  i = i + 5 + 3 * count
end
if n > added then redis.call('SET', KEYS[2], n) end
local now = redis.call('TIME')
local cutoff = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[1])
if cutoff > 0 then
  redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%.0f', cutoff))
end
return replies
