-- The write quota of one principal (common/redis/write_quota.h), checked and charged inside
-- the write script it is included in, so that a refused write writes nothing:
--   quota_check(prefix, who, per_minute, per_hour, bytes) -> {'OK', wkey, bkey} when the write
--     is within both bounds (0: no bound), else {'QUOTA', seconds until it would be, what}
--   quota_charge(q, bytes) counts the write once the script is sure to make it
local function quota_check(prefix, who, per_minute, per_hour, bytes)
  per_minute = tonumber(per_minute)
  per_hour = tonumber(per_hour)
  bytes = tonumber(bytes)
  if per_minute <= 0 and per_hour <= 0 then return {'OK', '', ''} end
  local t = redis.call('TIME')
  local now = tonumber(t[1])
  local wkey = prefix .. 'quota:' .. who .. ':w:' .. math.floor(now / 60)
  local bkey = prefix .. 'quota:' .. who .. ':b:' .. math.floor(now / 3600)
  if per_minute > 0 and tonumber(redis.call('GET', wkey) or '0') >= per_minute then
    return {'QUOTA', tostring(60 - now % 60), 'writes'}
  end
  if per_hour > 0 and tonumber(redis.call('GET', bkey) or '0') + bytes > per_hour then
    return {'QUOTA', tostring(3600 - now % 3600), 'bytes'}
  end
  return {'OK', per_minute > 0 and wkey or '', per_hour > 0 and bkey or ''}
end
local function quota_charge(q, bytes)
  if q[2] ~= '' then
    redis.call('INCR', q[2])
    redis.call('EXPIRE', q[2], 120)
  end
  if q[3] ~= '' then
    redis.call('INCRBY', q[3], tonumber(bytes))
    redis.call('EXPIRE', q[3], 7200)
  end
end
