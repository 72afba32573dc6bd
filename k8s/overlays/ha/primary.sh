# Sourced by redis-start.sh and sentinel-start.sh. primary_now [SKIP]: the
# host of the primary as the first Sentinel that answers names it (asking all
# but SKIP), or redis-0.redis when none answers (a new deployment).
primary_now() {
  for sentinel in redis-sentinel-0.redis-sentinel redis-sentinel-1.redis-sentinel redis-sentinel-2.redis-sentinel; do
    [ "$sentinel" = "${1:-}" ] && continue
    host="$(redis-cli -h "$sentinel" -p 26379 --raw SENTINEL get-master-addr-by-name eventbed 2>/dev/null | head -n 1)" || true
    if [ -n "$host" ]; then
      echo "$host"
      return
    fi
  done
  echo redis-0.redis
}
