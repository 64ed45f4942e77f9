-- The leader lease (common/redis/leader_lease.h): compare and extend.
-- KEYS: 1 lease key. ARGV: 1 instance id, 2 ttl in ms. Extends the lease only while it is
-- ours: a GET then PEXPIRE from the client could extend a lease another replica took in
-- between. Reply: 1 extended, 0 not ours.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
