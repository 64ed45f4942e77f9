#!/bin/sh
# Starts a Sentinel pod of rfs-sentinel: monitors the primary the other Sentinels name (after a
# failover it is no longer rfs-redis-0), or rfs-redis-0 at the first start.
set -eu
umask 077
me="$(hostname).rfs-sentinel-headless"
primary=""
for s in 0 1 2; do
  [ "rfs-sentinel-$s" = "$(hostname)" ] && continue
  primary=$(redis-cli -h "rfs-sentinel-$s.rfs-sentinel-headless" -p 26379 --raw \
    SENTINEL get-master-addr-by-name rfs 2>/dev/null | head -n 1 || true)
  [ -n "$primary" ] && break
done
[ -n "$primary" ] || primary=rfs-redis-0.rfs-redis-headless
cp /etc/redis-ha/sentinel.conf /data/sentinel.conf
# Down after 5 s without an answer; a quorum of 2 of the 3 Sentinels decides; one replica
# resynchronizes at a time.
printf 'sentinel announce-ip %s\nsentinel monitor rfs %s 6379 2\nsentinel auth-pass rfs "%s"\n' \
  "$me" "$primary" "$(cat /etc/redis/auth/password)" >> /data/sentinel.conf
printf 'sentinel down-after-milliseconds rfs 5000\nsentinel failover-timeout rfs 60000\nsentinel parallel-syncs rfs 1\n' \
  >> /data/sentinel.conf
exec redis-server /data/sentinel.conf --sentinel
