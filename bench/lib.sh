# Shared pieces of bench/run: one redis-server and one eventbed at a time, on
# free 127.0.0.1 ports, in a scratch directory. Sourced, not executed.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# What a figure was measured under: the load average when this file was
# sourced and now, and the scheduling policy. Run as `chrt -f 10 bench/run`,
# every process of the suite (Redis, wrk, eventbed) runs at real-time
# priority, so that other users' work on a shared machine waits for it
# instead of landing inside it; the ceilings and eventbed alike.
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
conditions() {
  echo "load average $load_at_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end;" \
    "$(chrt -p $$ | awk -F': ' '/policy/ {p = $2} /priority/ {print p " priority " $2}')"
}

# median [min-max] of the numbers on stdin, rounded to `decimals` (default 0).
median_range() {
  sort -g | awk -v d="${1:-0}" '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2;
    f="%." d "f"; printf f " [" f "-" f "]", m, a[1], a[NR]}'
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }

redis_up() {  # AOF everysec, the setting the targets are stated for
  redis_port=$(free_port)
  mkdir -p "$work/redis"
  redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work/redis" --appendonly yes \
    --appendfsync everysec --save "" >"$work/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 200); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return; sleep 0.05; done
  echo "redis did not start" >&2; exit 1
}

# Waits (bounded) until no AOF rewrite runs or is scheduled: a rewrite forks
# and takes a core for seconds, so a run must not start on top of one.
aof_settled() {
  for _ in $(seq 600); do
    redis-cli -p "$redis_port" info persistence |
      grep -qE '^aof_rewrite_(in_progress|scheduled):1' || return 0
    sleep 0.1
  done
}

# Empties Redis and rewrites the AOF, so the next run starts on a small file.
redis_flush() {
  redis-cli -p "$redis_port" flushall >/dev/null
  aof_settled
  redis-cli -p "$redis_port" bgrewriteaof >/dev/null
  sleep 0.1
  aof_settled
}

# server_up DATA_DIR [serve flags...]: starts eventbed, sets server_pid and
# ready_ms (exec to the first 200 from /readyz, polled every 2 ms).
server_up() {
  local data=$1; shift
  port=$(free_port) admin=$(free_port)
  mkdir -p "$data"
  local start; start=$(date +%s%N)
  "$bin" serve --redis "127.0.0.1:$redis_port" --bind 127.0.0.1 --port "$port" --admin-port "$admin" \
    --data-dir "$data" --log-level warn --drain-delay-ms 0 "$@" >>"$work/eventbed.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 15000); do
    if curl -sf "http://127.0.0.1:$admin/readyz" >/dev/null 2>&1; then
      ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))
      return
    fi
    kill -0 "$server_pid" 2>/dev/null || { echo "eventbed exited; see $work/eventbed.log" >&2; tail -5 "$work/eventbed.log" >&2; exit 1; }
    sleep 0.002
  done
  echo "eventbed not ready after 30 s" >&2; exit 1
}

server_down() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
}

# latency_run REPORT: case 4 against a fresh all-roles server started from
# $bin on an empty log: the simulator at 2,000 events/s for $seconds s, open
# loop; its JSON report goes to REPORT.
latency_run() {
  redis_flush; rm -rf "$work/data-sim"; server_up "$work/data-sim"
  "$bin" simulate --ingest "http://127.0.0.1:$port" --rate 2000 --duration "${seconds}s" --admin-port 0 \
    --concurrency 32 --query-concurrency 32 \
    --progress never --report "$1" >/dev/null 2>&1 || true
  server_down
}
latency_ms() {  # latency_ms REPORT ingest|visible p50|p99|p99_9
  python3 -c "import json; r=json.load(open('$1')); print(r['latency']['$2']['$3'] * 1000)"
}

# idle_run: case 9 against a fresh all-roles server started from $bin on an
# empty log. Once it has been ready for 5 s (first reads, reports and
# housekeeping done), bench/idle_cpu.py samples it for $idle_seconds s and
# prints its JSON line.
idle_run() {
  redis_flush; rm -rf "$work/data-idle"; server_up "$work/data-idle"
  sleep 5
  python3 bench/idle_cpu.py --pid "$server_pid" --seconds "$idle_seconds"
  server_down
}
idle_field() {  # idle_field cpu_s_per_10s|rss_kb: that field of each JSON line on stdin
  python3 -c "import json,sys; [print(json.loads(l)['$1']) for l in sys.stdin if l.strip()]"
}

rss_kb() {  # rss_kb VmRSS|VmHWM [PID]: of eventbed, or of PID
  awk -v k="$1" '$1 == k":" {print $2}' "/proc/${2:-$server_pid}/status"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

metric() {  # metric NAME: the value of an unlabelled sample on the admin port
  curl -s "http://127.0.0.1:$admin/metrics" | awk -v n="$1" '$1 == n {print $2}'
}

visible_processed() {  # events visible as processed through the query API
  curl -s "http://127.0.0.1:$port/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["by_status"]["processed"])'
}

# wrk_lua FILE EVENTS_PER_REQUEST: a POST /ingest script, 200-byte events. It
# sets the method, body and Content-Type only: wrk sends its default request
# otherwise, with no Connection header (HTTP/1.1 is persistent by default).
wrk_lua() {
  local event='{"type":"bench","data":{"payload":"'"$(printf 'x%.0s' $(seq 150))"'"}}'
  local body="$event"
  if [ "$2" -gt 1 ]; then
    body="["; for i in $(seq "$2"); do body+="$event"; [ "$i" -lt "$2" ] && body+=","; done; body+="]"
  fi
  cat >"$1" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
LUA
}

wrk_rps() {  # wrk_rps SCRIPT CONNECTIONS SECONDS: requests per second
  wrk -t1 -c"$2" -d"$3s" -s "$1" "http://127.0.0.1:$port/ingest" | awk '/Requests\/sec/ {print $2}'
}

xadd_ops() {  # xadd_ops PIPELINE REQUESTS: redis-benchmark XADD ops per second, 200-byte value
  redis-benchmark -p "$redis_port" -c 50 -n "$2" -P "$1" -q XADD bench:ceiling '*' f "$(printf 'x%.0s' $(seq 200))" |
    awk '{for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/ && $(i + 1) ~ /requests/) print $i}'
  redis-cli -p "$redis_port" del bench:ceiling >/dev/null
}
