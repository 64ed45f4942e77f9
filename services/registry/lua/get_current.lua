-- Reads the current version number; returns the body only when the caller's cached version is
-- not current. Reply: nil (no plan) | {ver} | {ver, body}.
local v = redis.call('HGET', KEYS[1], 'ver')
if not v then return false end
if v == ARGV[1] then return {v} end
return {v, redis.call('GET', ARGV[2] .. v)}
