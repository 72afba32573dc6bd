#!/bin/sh
# Starts one Redis of the StatefulSet. The Sentinels know which one is the
# primary now; a pod asks them and starts as a replica of it. Only when no
# Sentinel answers (a new deployment) does redis-0 start as the primary and the
# others as its replicas. The password goes into a config file, never on the
# command line (it would show in the process list).
set -eu
password="$(cat /etc/redis/secret/password)"
self="$(hostname).redis"
. /scripts/primary.sh
primary="$(primary_now)"
{
  echo "dir /data"
  echo "appendonly yes"
  # always: Redis fsyncs before it answers (see overlays/local/redis.yaml).
  echo "appendfsync always"
  echo "save \"\""
  echo "maxmemory-policy noeviction"
  echo "replica-announce-ip $self"
  echo "requirepass \"$password\""
  echo "masterauth \"$password\""
  case "$primary" in
    "$self"|"$self".*) ;;
    *) echo "replicaof $primary 6379" ;;
  esac
} > /conf/redis.conf
exec redis-server /conf/redis.conf
