-- The leader lease (common/redis/leader_lease.h): compare and delete.
-- KEYS: 1 lease key. ARGV: 1 instance id. Deletes the lease only while it is ours.
-- Reply: 1 deleted, 0 not ours.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
