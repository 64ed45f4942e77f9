-- Scans an index after a list position, keeps plans that are in every other index and whose
-- title contains the text, and returns their summaries.
-- KEYS: 1 primary index. ARGV: 1 after (exclusive), 2 want, 3 max scan, 4 folded title text,
--       5 other index keys (space separated), 6 plan hash prefix, 7 plan id prefix ("A-") or "",
--       8 "1" to add each plan's current version size in bytes
-- Reply: {exhausted ('1'/'0'), last scanned, seq1, sum1[, size1], seq2, sum2[, size2], ...}
local after = ARGV[1]
local want = tonumber(ARGV[2])
local max_scan = tonumber(ARGV[3])
local title = ARGV[4]
local others = {}
for k in string.gmatch(ARGV[5], '%S+') do others[#others + 1] = k end
local out = {'0', after}
local found, scanned = 0, 0
while found < want and scanned < max_scan do
  local batch = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. after, '+inf', 'WITHSCORES',
                           'LIMIT', 0, 100)
  local consumed = 0
  for i = 1, #batch, 2 do
    local id, score = batch[i], batch[i + 1]
    consumed = i + 1
    scanned = scanned + 1
    after = score
    local keep = ARGV[7] == '' or string.sub(id, 1, #ARGV[7]) == ARGV[7]
    for _, k in ipairs(others) do
      if not keep then break end
      if not redis.call('ZSCORE', k, id) then keep = false break end
    end
    local key = ARGV[6] .. id
    if keep and title ~= '' then
      local t = redis.call('HGET', key, 'title')
      keep = t and string.find(t, title, 1, true) ~= nil
    end
    if keep then
      out[#out + 1] = score
      out[#out + 1] = redis.call('HGET', key, 'sum')
      if ARGV[8] == '1' then
        -- the serialized size; versions written before compression have none: their length
        out[#out + 1] = tonumber(redis.call('HGET', key, 'size')) or
                        redis.call('STRLEN', key .. ':v:' .. redis.call('HGET', key, 'ver'))
      end
      found = found + 1
    end
    if found >= want or scanned >= max_scan then break end
  end
  -- a batch shorter than asked for, read to its end, is the end of the index
  if #batch < 200 and consumed == #batch then out[1] = '1' break end
end
out[2] = after
return out
