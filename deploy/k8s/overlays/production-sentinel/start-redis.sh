#!/bin/sh
# Starts a Redis pod of rfs-redis: the primary is whoever the Sentinels name; with no Sentinel
# answering (the first start of the set) it is rfs-redis-0. The password goes into a config
# file in a memory-backed /tmp, never onto the command line.
set -eu
umask 077
me="$(hostname).rfs-redis-headless"
password="$(cat /etc/redis/auth/password)"
cp /etc/redis-ha/redis.conf /tmp/redis.conf
printf 'requirepass "%s"\nmasterauth "%s"\nreplica-announce-ip %s\n' "$password" "$password" "$me" >> /tmp/redis.conf
primary=""
for s in 0 1 2; do
  primary=$(redis-cli -h "rfs-sentinel-$s.rfs-sentinel-headless" -p 26379 --raw \
    SENTINEL get-master-addr-by-name rfs 2>/dev/null | head -n 1 || true)
  [ -n "$primary" ] && break
done
if [ -z "$primary" ] && [ "$(hostname)" != rfs-redis-0 ]; then
  primary=rfs-redis-0.rfs-redis-headless
fi
if [ -n "$primary" ] && [ "$primary" != "$me" ]; then
  printf 'replicaof %s 6379\n' "$primary" >> /tmp/redis.conf
fi
exec redis-server /tmp/redis.conf
