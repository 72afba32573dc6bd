#!/bin/sh
# Starts one Sentinel. It monitors the primary the other Sentinels name, or
# redis-0 in a new deployment; the rest (replicas, other Sentinels) it learns.
# Its config lives in an emptyDir, which Sentinel rewrites as it learns.
set -eu
password="$(cat /etc/redis/secret/password)"
self="$(hostname).redis-sentinel"
. /scripts/primary.sh
primary="$(primary_now "$self")"
{
  echo "port 26379"
  echo "sentinel resolve-hostnames yes"
  echo "sentinel announce-hostnames yes"
  echo "sentinel announce-ip $self"
  echo "sentinel monitor eventbed $primary 6379 2"
  echo "sentinel auth-pass eventbed \"$password\""
  # The primary is down after 5 s without an answer; a stalled failover is retried after 60 s.
  echo "sentinel down-after-milliseconds eventbed 5000"
  echo "sentinel failover-timeout eventbed 60000"
  echo "sentinel parallel-syncs eventbed 1"
} > /conf/sentinel.conf
exec redis-server /conf/sentinel.conf --sentinel
