-- Appends a batch of events to the event log, in order, each once: an event whose id the log
-- has seen within the retention is counted as a duplicate and not appended again. Then trims
-- the log by age (MINID, the retention) and by length (MAXLEN): approximately ("~", whole
-- macro nodes), so the log keeps at least the retention and at most a little more than its
-- bound. Trimming is the only way entries leave the log, oldest first; each entry carries its
-- ordinal `n` (1, 2, … counted by KEYS[2]), so "added - length" entries were trimmed and a
-- cursor at ordinal n has lost events exactly when that count exceeds n.
-- KEYS: 1 the log stream, 2 the counter of entries ever added
-- ARGV: 1 retention in milliseconds, 2 maximum entries, 3 prefix of the seen keys
--       ("{prefix}seen:"), 4 TTL of a seen key in seconds, 5..9 the publisher's quota
--       (QuotaArgs: prefix, who, per minute, per hour, bytes), 10 event count,
--       then 3 per event: id, type, serialized rfs.common.v1.Event
-- Reply: {appended, duplicates, one character per event: '1' appended, '0' a duplicate} |
--        {'QUOTA', retry seconds, what} (nothing written).
--@include quota
local q = quota_check(ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9])
if q[1] ~= 'OK' then return q end
-- The first write is one Redis refuses when it is full (maxmemory): then nothing is written.
quota_charge(q, ARGV[9])
local appended, duplicates = 0, 0
local flags = {}
local i = 11
for _ = 1, tonumber(ARGV[10]) do
  local seen = ARGV[3] .. ARGV[i]
  if redis.call('EXISTS', seen) == 1 then
    duplicates = duplicates + 1
    flags[#flags + 1] = '0'
  else
    local n = redis.call('INCR', KEYS[2])
    local entry = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*',
                             'id', ARGV[i], 'type', ARGV[i + 1], 'event', ARGV[i + 2], 'n', n)
    redis.call('SET', seen, entry, 'EX', ARGV[4])
    appended = appended + 1
    flags[#flags + 1] = '1'
  end
  i = i + 3
end
local now = redis.call('TIME')
local cutoff = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[1])
if cutoff > 0 then
  redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%.0f', cutoff))
end
return {appended, duplicates, table.concat(flags)}
