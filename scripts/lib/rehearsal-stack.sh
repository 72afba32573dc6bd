# Sourced by scripts/rollout-rehearsal and scripts/upgrade-rehearsal: a local
# stand-in for a cluster on 127.0.0.1, all of it stopped by pid on exit.
#
# The caller sets, before sourcing: bin (the eventbed binary), dir (logs and
# reports; cleared, but only if it holds a rehearsal's timeline.txt or nothing),
# endpoint_lag (seconds between SIGTERM and leaving the Service), and may set
# serve_flags (an array appended to every `eventbed serve` started from then on)
# and public_proxy=http (the public Services as an L7 proxy that balances each
# request by weight, as ingress-nginx does, instead of L4 Services).
# Then: start_stack (redis-server with AOF, two replicas per role, nginx as the
# Services: see scripts/rollout-rehearsal for how it models them), start_replica,
# ready, add_endpoint, remove_endpoint, set_endpoints, apply_endpoints, weight,
# stop_replica (or term_replica, then await_replica), record_peak, svc, log,
# wait_for, peak_extra. Runs scripts/install-deps when nginx, its stream module, Redis, curl, jq or procps
# is missing.
# shellcheck shell=bash
die() { echo "rehearsal: $*" >&2; exit 1; }
[ -n "${serve_flags+x}" ] || serve_flags=()
for p in nginx libnginx-mod-stream redis-server redis-tools curl jq procps; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || { scripts/install-deps; break; }
done
[ -x "$bin" ] || scripts/build --target eventbed >/dev/null
"$bin" simulate --help >/dev/null 2>&1 || { echo "rehearsal: $bin has no simulate subcommand" >&2; exit 1; }

# The manifests' shutdown settings: the replicas run with them, and the grace period bounds their exit.
export $(grep -E '^EVENTBED_(DRAIN_DELAY_MS|SHUTDOWN_TIMEOUT_MS|LOG_LEVEL)=' k8s/base/eventbed.env)
grace=$(sed -n 's/^ *terminationGracePeriodSeconds: *\([0-9]*\).*/\1/p' k8s/base/serve-pod.yaml)

if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ] && [ ! -e "$dir/timeline.txt" ]; then
  die "refusing to clear $dir: not a rehearsal folder"
fi
rm -rf "$dir"
mkdir -p "$dir/redis" "$dir/nginx"
: >"$dir/timeline.txt"  # also marks the folder as a rehearsal's, safe to clear next time

t0=$EPOCHREALTIME
elapsed() { awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%6.1f", b - a}'; }
# Each line also goes to timeline.tsv with its wall-clock time, so a report can
# place the operation's steps on the simulator's clock.
log() {
  echo "[$(elapsed) s] $*" | tee -a "$dir/timeline.txt"
  printf '%s\t%s\n' "$EPOCHREALTIME" "$*" >>"$dir/timeline.tsv"
}

# Polls COMMAND every 0.1 s until it succeeds or SECONDS pass.
wait_for() {
  local seconds="$1"; shift
  local deadline=$(( $(date +%s) + seconds ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}
alive() { kill -0 "$1" 2>/dev/null; }
not_alive() { ! kill -0 "$1" 2>/dev/null; }

declare -A taken=()
# Below the kernel's ephemeral range, so no outgoing connection (to Redis, from
# curl) can take a port between choosing it and binding it.
ephemeral_low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range)
free_port() {  # VARIABLE: set to a port nothing listens on and this run has not handed out
  local candidate  # a name no caller uses: printf -v would set the local instead
  for _ in $(seq 100); do
    candidate=$((10000 + RANDOM % (ephemeral_low - 10000)))
    [ -z "${taken[$candidate]:-}" ] || continue
    (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null && continue
    taken[$candidate]=1
    printf -v "$1" '%s' "$candidate"
    return
  done
  die "no free port"
}

# ---- processes (all ours, stopped by pid on exit) ------------------------------
declare -A pid=() pub=() adm=() role_of=() peak_kb=() peak_extra=()
redis_pid="" nginx_pid="" sim_pid=""
cleanup() {
  local p
  [ -n "$sim_pid" ] && alive "$sim_pid" && kill -KILL "$sim_pid" 2>/dev/null
  for p in "${pid[@]}"; do alive "$p" && kill -KILL "$p" 2>/dev/null; done
  [ -n "$nginx_pid" ] && alive "$nginx_pid" && kill -QUIT "$nginx_pid" 2>/dev/null
  [ -n "$redis_pid" ] && alive "$redis_pid" && kill -TERM "$redis_pid" 2>/dev/null
  wait 2>/dev/null || true
}
trap cleanup EXIT

start_redis() {
  free_port redis_port
  redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$dir/redis" --appendonly yes \
    --appendfsync everysec --save "" >"$dir/redis.log" 2>&1 &
  redis_pid=$!
  wait_for 10 redis-cli -p "$redis_port" ping || die "redis did not start: $dir/redis.log"
}

declare -A seq=() term_sent=()
start_replica() {  # ROLE [NAME PUB ADMIN: restart in place] -> sets $started
  local role="$1" name="${2:-}" p="${3:-}" a="${4:-}"
  if [ -z "$name" ]; then
    seq[$role]=$(( ${seq[$role]:-0} + 1 ))
    name="$role-${seq[$role]}"
    free_port p
    free_port a
  fi
  "$bin" serve --roles "$role" --redis "127.0.0.1:$redis_port" --bind 127.0.0.1 --port "$p" \
    --admin-port "$a" --instance "$name" --data-dir "$dir/data-$name" "${serve_flags[@]}" >>"$dir/$name.log" 2>&1 &
  pid[$name]=$! pub[$name]=$p adm[$name]=$a role_of[$name]=$role
  echo "$name pid ${pid[$name]} public :$p admin :$a ${serve_flags[*]}" >>"$dir/replicas.txt"
  started="$name"
  # Replicas of the role running beyond the two of a steady state: what the operation costs in processes.
  local n running=0
  for n in "${!pid[@]}"; do [ "${role_of[$n]}" = "$role" ] && running=$((running + 1)); done
  [ $((running - 2)) -le "${peak_extra[$role]:-0}" ] || peak_extra[$role]=$((running - 2))
}
ready() { curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:${adm[$1]}/readyz"; }
record_peak() { peak_kb[$1]=$(awk '/^VmHWM/ {print $2}' "/proc/${pid[$1]}/status" 2>/dev/null || echo 0); }

# ---- nginx as the Services ------------------------------------------------------
# endpoints[ROLE]: the replicas behind the role's Services. weight[NAME]: its
# share of the public Service (default 1; 0 keeps it out of the public
# upstream while its admin port stays in the admin Service); weights only
# matter with public_proxy=http.
declare -A svc_port=() endpoints=() weight=()
public_proxy=${public_proxy:-stream}
for s in ingest_public ingest_admin process_admin query_public query_admin; do free_port "svc_port[$s]"; done

upstream_servers() {  # SERVICE: one "server" line per replica behind it
  local s="$1" n w
  for n in ${endpoints[${s%_*}]}; do
    if [ "${s#*_}" = admin ]; then echo "    server 127.0.0.1:${adm[$n]} max_fails=0;"; continue; fi
    w=${weight[$n]:-1}
    [ "$w" -gt 0 ] || continue
    echo "    server 127.0.0.1:${pub[$n]} weight=$w max_fails=0;"
  done
}

write_nginx_conf() {
  local s
  {
    echo "load_module /usr/lib/nginx/modules/ngx_stream_module.so;"
    echo "worker_processes 1;"
    echo "pid $dir/nginx/nginx.pid;"
    echo "error_log $dir/nginx/error.log warn;"
    echo "events { worker_connections 4096; }"
    echo "stream {"
    echo "  proxy_next_upstream off;  # a Service does not retry another pod"
    echo "  proxy_connect_timeout 2s;"
    for s in "${!svc_port[@]}"; do
      [ "$public_proxy" = http ] && [ "${s#*_}" = public ] && continue
      echo "  upstream $s {"
      upstream_servers "$s"
      echo "  }"
      echo "  server { listen 127.0.0.1:${svc_port[$s]}; proxy_pass $s; }"
    done
    echo "}"
    if [ "$public_proxy" = http ]; then
      # As ingress-nginx: each request goes to a replica by weight, over kept-alive upstream connections.
      echo "http {"
      echo "  access_log off;"
      echo "  proxy_next_upstream off;"
      echo "  proxy_http_version 1.1;"
      echo "  proxy_set_header Connection \"\";"
      echo "  proxy_connect_timeout 2s;"
      echo "  client_max_body_size 2m;"
      for s in ingest_public query_public; do
        echo "  upstream $s {"
        upstream_servers "$s"
        echo "    keepalive 64;"
        echo "  }"
        echo "  server { listen 127.0.0.1:${svc_port[$s]}; location / { proxy_pass http://$s; } }"
      done
      echo "}"
    fi
  } >"$dir/nginx/nginx.conf"
}
workers() { pgrep -P "$nginx_pid" | sort | tr '\n' ' '; }
new_worker_since() { local w; for w in $(workers); do [[ " $1 " == *" $w "* ]] || return 0; done; return 1; }
# Rewrites the upstreams and reloads; returns once a worker with the new config runs.
apply_endpoints() {
  local before
  write_nginx_conf
  before=$(workers)
  nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -s reload 2>>"$dir/nginx/error.log"
  wait_for 10 new_worker_since "$before" || die "nginx did not reload: $dir/nginx/error.log"
}
add_endpoint() { endpoints[${role_of[$1]}]="${endpoints[${role_of[$1]}]:-} $1"; apply_endpoints; }
remove_endpoint() {
  local r=${role_of[$1]}
  endpoints[$r]=$(echo "${endpoints[$r]}" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
  [ -n "${endpoints[$r]// /}" ] || die "no endpoint left for $r"
  apply_endpoints
}
set_endpoints() { endpoints[$1]="${*:2}"; }  # ROLE NAME...: the role's replicas from the next apply_endpoints

# Redis, two ready replicas per role, and nginx serving them as the Services.
start_stack() {
  start_redis
  for role in ingest process query; do
    for _ in 1 2; do
      start_replica "$role"
      wait_for 60 ready "$started" || die "$started not ready: $dir/$started.log"
      endpoints[$role]="${endpoints[$role]:-} $started"
    done
  done
  write_nginx_conf
  nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -g "daemon off;" &
  nginx_pid=$!
  wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:${svc_port[ingest_admin]}/readyz" || die "nginx: $dir/nginx/error.log"
  log "stack up: redis :$redis_port; services ingest :${svc_port[ingest_public]} (admin :${svc_port[ingest_admin]}), query :${svc_port[query_public]} (admin :${svc_port[query_admin]}), process admin :${svc_port[process_admin]}"
}

svc() { echo "http://127.0.0.1:${svc_port[$1]}"; }

term_replica() {  # NAME: SIGTERM, as the kubelet sends it
  record_peak "$1"
  term_sent[$1]=$EPOCHREALTIME
  kill -TERM "${pid[$1]}"
  log "  SIGTERM $1"
}

await_replica() {  # NAME: wait for its exit after term_replica; SIGKILL after the grace period
  local name="$1" rc=0
  if ! wait_for "$grace" not_alive "${pid[$name]}"; then
    kill -KILL "${pid[$name]}"
    log "  $name still running after ${grace} s: SIGKILL (the kubelet would)"
  fi
  wait "${pid[$name]}" || rc=$?
  log "  $name exited $rc, $(awk -v a="${term_sent[$name]}" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}') s after SIGTERM"
  unset "pid[$name]"
}

stop_replica() {  # NAME: SIGTERM, leave the Service after the lag, wait (SIGKILL after the grace period)
  local name="$1"
  term_replica "$name"
  sleep "$endpoint_lag"  # models endpoint propagation; the drain delay is there to cover it
  remove_endpoint "$name"
  log "  $name removed from the Service"
  await_replica "$name"
}
