-- Reads the current version number; returns the body only when the caller's cached version is
-- not current.
-- KEYS: 1 plan hash. ARGV: 1 the version the caller has cached ("" none), 2 the prefix of the
--       plan's version keys ("{prefix}plan:{id}:v:").
-- Reply: nil (no plan) | {ver} | {ver, body}.
local v = redis.call('HGET', KEYS[1], 'ver')
if not v then return false end
if v == ARGV[1] then return {v} end
return {v, redis.call('GET', ARGV[2] .. v)}
