-- Creates a webhook subscription or an e-mail contact, and its consumer group on the event
-- log, which starts at the log's tip: it receives the events logged from now on.
-- KEYS: 1 its hash, 2 every subscription (or every contact) (ZSET), 3 the owner's
--       subscriptions (or the contacts of its body) (ZSET), 4 the version counter, 5 the log
-- ARGV: 1 id, 2 config (serialized rfs.notification.v1.Subscription), 3 state ('ACTIVE' |
--       'DISABLED'), 4 secret, 5 now in milliseconds, 6 owner's role, 7 owner's body code,
--       8 owner's block, 9 subscriptions an owner may have, 10 subscriptions in all,
--       11 the consumer group, 12..16 the caller's quota (QuotaArgs), 17 the channel
--       ('webhook' | 'email')
-- Reply: {'OK'} | {'LIMIT', 'owner' | 'total'} | {'EXISTS'} | {'QUOTA', retry seconds, what}
--        (nothing written but on 'OK').
--@include quota
local q = quota_check(ARGV[12], ARGV[13], ARGV[14], ARGV[15], ARGV[16])
if q[1] ~= 'OK' then return q end
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[9]) then return {'LIMIT', 'owner'} end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[10]) then return {'LIMIT', 'total'} end
if redis.call('EXISTS', KEYS[1]) == 1 then return {'EXISTS'} end
quota_charge(q, ARGV[16])
redis.call('HSET', KEYS[1], 'config', ARGV[2], 'state', ARGV[3], 'secret', ARGV[4],
           'update_ms', ARGV[5], 'role', ARGV[6], 'body', ARGV[7], 'block', ARGV[8],
           'channel', ARGV[17])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
redis.call('XGROUP', 'CREATE', KEYS[5], ARGV[11], '$', 'MKSTREAM')
redis.call('INCR', KEYS[4])
return {'OK'}
