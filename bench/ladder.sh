#!/usr/bin/env bash
# The rate ladder: drives one target (Flux's gateways, or a peer from bench/peers) with the headless swarm, stepping
# the send rate up until the SLA breaks, on one machine, everything on 127.0.0.1.
#
#   bench/ladder.sh --target flux|signalr|socketio [--replicas N] [--redis embedded|server]
#                   [--rates "500 1000 ..."] [--step-seconds S] [--idle-users N] [--idle-only] [--out DIR]
#
#   bench/ladder.sh --target flux --replicas 1
#   bench/ladder.sh --target signalr --redis server
#
# Layout: the seed's guilds of 50; each user sends 1 msg/s on average (a Poisson stream, well under the 2 msg/s at
# which Flux's send limit starts closing users), so a step of R msg/s has R users in R/50 guilds and R x 50 deliveries/s.
# Each step ramps for 10 s, then holds --step-seconds (default 20) of steady load, without faults.
#
# First the idle measurement: --idle-users (default 10,000) identified users connect and stay, with the target's own
# heartbeats (Flux's, SignalR's pings, Socket.IO's server pings) and 1 msg/s in all; memory per idle connection is the
# growth of the target's resident memory (all replicas) from just before the storm to its peak, divided by the users.
# Then the ladder, from the lowest rate up, stopping at the first step that does not pass (the 1,000 msg/s step always
# runs, for the p99 at 50k deliveries/s). A step passes with p95 < 50 ms and p99 < 100 ms and nothing lost.
#
# Prints one row per step (deliveries/s, p95, p99, lost, outcome, CPU seconds of the target, Redis and the swarm, and
# the target's and Redis's CPU per 1,000 deliveries), then a summary: the highest deliveries/s at SLA, the p99 at
# 50k deliveries/s, CPU per 1,000 deliveries there, memory per idle connection, and each process's peak memory.
# Reports land in --out (default out/ladder/<target>-<replicas>-<redis>).
set -euo pipefail
cd "$(dirname "$0")/.."

target=flux
replicas=2
redis_mode=
rates="500 1000 1500 2000 2500 3000 4000 5000"
step_seconds=20
idle_users=10000
idle_only=0
out_dir=
while [[ $# -gt 0 ]]; do
  case "$1" in
    --target) target=$2; shift 2 ;;
    --replicas) replicas=$2; shift 2 ;;
    --redis) redis_mode=$2; shift 2 ;;
    --rates) rates=$2; shift 2 ;;
    --step-seconds) step_seconds=$2; shift 2 ;;
    --idle-users) idle_users=$2; shift 2 ;;
    --idle-only) idle_only=1; shift ;;
    --out) out_dir=$2; shift 2 ;;
    *) echo "unknown option $1 (see the head of $0)" >&2; exit 2 ;;
  esac
done
case "$target" in flux | signalr | socketio) ;; *) echo "--target must be flux, signalr or socketio" >&2; exit 2 ;; esac
# Flux runs on the embedded server by default (as the AppHost does where redis-server is not installed); the peers on
# redis-server, as their docs use.
[[ -z $redis_mode ]] && redis_mode=$([[ $target == flux ]] && echo embedded || echo server)
case "$redis_mode" in embedded | server) ;; *) echo "--redis must be embedded or server" >&2; exit 2 ;; esac
out_dir=${out_dir:-out/ladder/$target-$replicas-$redis_mode}
mkdir -p "$out_dir"
logs=$(mktemp -d /tmp/flux-ladder.XXXXXX)
echo "reports in $out_dir, logs in $logs" >&2

export Auth__SigningKey=${Auth__SigningKey:-$(head -c 32 /dev/urandom | base64)}
export Admin__Key=${Admin__Key:-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')}

pids=()   # every process started here, for the cleanup
names=()  # what the usage table calls them
target_pids=()
cleanup() {
  [[ $target != flux ]] && bench/peers/stop.sh "$target" >/dev/null 2>&1
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

for project in Flux.Swarm Flux.Gateway Flux.EmbeddedRedis; do
  dotnet build -c Release "$project" -nologo -v quiet >"$logs/build-$project.log" 2>&1 || { cat "$logs/build-$project.log"; exit 2; }
done

# Redis.
redis_port=${REDIS_PORT:-16479}
if (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null; then
  echo "port $redis_port is in use (a Redis left over?); stop it or set REDIS_PORT" >&2; exit 2
fi
if [[ $redis_mode == server ]]; then
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$logs" >"$logs/redis.log" 2>&1 &
else
  dotnet Flux.EmbeddedRedis/bin/Release/net10.0/Flux.EmbeddedRedis.dll --port "$redis_port" --data "$logs/redis" >"$logs/redis.log" 2>&1 &
fi
pids+=($!); names+=(redis)
for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.2; done
redis-cli -p "$redis_port" ping >/dev/null 2>&1 || { echo "Redis did not start; see $logs/redis.log" >&2; exit 2; }

# The target's replicas.
gateway_args=()
if [[ $target == flux ]]; then
  for i in $(seq 1 "$replicas"); do
    http=$((15200 + i))
    ASPNETCORE_URLS="http://127.0.0.1:$http" GRPC_PORT=$((15300 + i)) ConnectionStrings__redis="127.0.0.1:$redis_port" \
      Logging__LogLevel__Default=Warning Flux.Gateway/bin/Release/net10.0/Flux.Gateway >"$logs/gateway-$i.log" 2>&1 &
    pids+=($!); names+=("gateway-$i"); target_pids+=($!)
    gateway_args+=(--gateway "ws://127.0.0.1:$http/gateway?v=1")
  done
  for i in $(seq 1 "$replicas"); do
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$((15200 + i))/health" >/dev/null && break; sleep 0.2; done
    curl -sf "http://127.0.0.1:$((15200 + i))/health" >/dev/null || { echo "gateway $i is not healthy; see $logs/gateway-$i.log" >&2; exit 2; }
  done
else
  bench/peers/stop.sh "$target" >/dev/null 2>&1 || true
  bench/peers/start.sh "$target" --replicas "$replicas" --redis "127.0.0.1:$redis_port" >"$logs/urls" || exit 2
  mapfile -t urls <"$logs/urls"
  ((${#urls[@]} == replicas)) || { echo "the peers started ${#urls[@]} of $replicas replicas" >&2; exit 2; }
  mapfile -t peer_pids <"${TMPDIR:-/tmp}/flux-peers-$target/pids"
  for i in "${!peer_pids[@]}"; do names+=("$target-$((i + 1))"); pids+=("${peer_pids[$i]}"); target_pids+=("${peer_pids[$i]}"); done
  for url in "${urls[@]}"; do gateway_args+=(--gateway "$url"); done
fi

ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
target_rss_kb() { local sum=0; for pid in "${target_pids[@]}"; do sum=$((sum + $(rss_kb "$pid"))); done; echo "$sum"; }
hz=$(getconf CLK_TCK)

# Runs one storm; leaves the report in $out_dir/$1.json and the CPU ticks each process spent in $logs/$1.cpu
# (target replicas and Redis, then the swarm). With --watch-rss, also the target's peak resident memory in $logs/$1.rss.
storm() {
  local name=$1; shift
  local watch=0
  [[ ${1:-} == --watch-rss ]] && { watch=1; shift; }
  local before=() pid
  for pid in "${pids[@]}"; do before+=("$(ticks "$pid")"); done
  Flux.Swarm/bin/Release/net10.0/Flux.Swarm storm --target "$target" "${gateway_args[@]}" --scenario seed --no-faults \
    --report "$out_dir/$name.json" "$@" >"$logs/$name.log" 2>&1 &
  local swarm=$! swarm_ticks=0 peak=0
  while kill -0 "$swarm" 2>/dev/null; do
    swarm_ticks=$(ticks "$swarm")
    if ((watch)); then local now; now=$(target_rss_kb); ((now > peak)) && peak=$now; fi
    sleep 1
  done
  wait "$swarm" || true
  : >"$logs/$name.cpu"
  for i in "${!pids[@]}"; do echo "${names[$i]} $(($(ticks "${pids[$i]}") - ${before[$i]}))" >>"$logs/$name.cpu"; done
  echo "swarm $swarm_ticks" >>"$logs/$name.cpu"
  ((watch)) && echo "$peak" >"$logs/$name.rss"
  return 0
}

# Reads a report: outcome p95 p99 lost deliveries_per_s delivered (or "missing" when the storm wrote none).
read_report() {
  python3 - "$1" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except OSError:
    print("missing 0 0 0 0 0"); sys.exit()
l = r["latency_ms"]
print(r["outcome"], f'{l["p95"]:.1f}', f'{l["p99"]:.1f}', r["lost"] + r["duplicates"], f'{r["throughput"]["delivered_per_s"]:.0f}', r["delivered"])
PY
}

# A short warm-up storm, not measured: the first requests of every process JIT-compile their paths.
storm warmup --users 200 --guilds 4 --rate 200 --ramp 2 --duration 5

echo "== idle: $idle_users identified users" >&2
sleep 3
baseline=$(target_rss_kb)
storm idle --watch-rss --users "$idle_users" --guilds $((idle_users / 50)) --rate 1 --ramp 20 --duration 15
peak=$(cat "$logs/idle.rss")
idle_kb=$(echo "scale=2; ($peak - $baseline) / $idle_users" | bc)
read -r idle_outcome _ _ idle_lost _ _ < <(read_report "$out_dir/idle.json")
printf 'idle: target resident %d MB before, %d MB peak with %d users: %.2f KB per connection (%s, %s lost)\n' \
  $((baseline / 1024)) $((peak / 1024)) "$idle_users" "$idle_kb" "$idle_outcome" "$idle_lost"

if ((idle_only)); then
  for i in "${!pids[@]}"; do printf 'peak memory %-12s %6d MB\n' "${names[$i]}" $(($(hwm_kb "${pids[$i]}") / 1024)); done
  exit 0
fi

printf '%6s %9s %7s %7s %6s %-13s %8s %8s %8s %10s\n' "msg/s" "deliv/s" "p95" "p99" "lost" "outcome" "target s" "redis s" "swarm s" "cpu ms/1k"
best=0; p99_50k=; cpu_50k=
for rate in $rates; do
  users=$(printf '%.0f' "$rate")
  guilds=$(( users / 50 > 0 ? users / 50 : 1 ))
  storm "step-$rate" --users "$users" --guilds "$guilds" --rate "$rate" --ramp 10 --duration "$step_seconds"
  read -r outcome p95 p99 lost dps delivered < <(read_report "$out_dir/step-$rate.json")
  target_ticks=$(awk '$1 != "redis" && $1 != "swarm" {s += $2} END {print s + 0}' "$logs/step-$rate.cpu")
  redis_ticks=$(awk '$1 == "redis" {print $2}' "$logs/step-$rate.cpu")
  swarm_ticks=$(awk '$1 == "swarm" {print $2}' "$logs/step-$rate.cpu")
  # The serving side's CPU (target and Redis) per 1,000 deliveries, over the whole step (ramp and drain included).
  per_k=$( ((delivered > 0)) && echo "scale=3; ($target_ticks + $redis_ticks) * 1000 / $hz * 1000 / $delivered" | bc || echo 0)
  printf '%6s %9s %7s %7s %6s %-13s %8.1f %8.1f %8.1f %10.3f\n' "$rate" "$dps" "$p95" "$p99" "$lost" "$outcome" \
    "$(echo "$target_ticks / $hz" | bc -l)" "$(echo "$redis_ticks / $hz" | bc -l)" "$(echo "$swarm_ticks / $hz" | bc -l)" "$per_k"
  if [[ $rate == 1000 ]]; then p99_50k=$p99; cpu_50k=$per_k; fi
  if [[ $outcome == passed && $lost == 0 ]]; then
    best=$dps
  elif [[ -n $p99_50k ]]; then
    break
  fi
done

echo "== $target, $replicas replica(s), redis $redis_mode"
echo "max deliveries/s at SLA: $best"
echo "p99 at 50k deliveries/s (1,000 msg/s): ${p99_50k:-not measured} ms"
echo "CPU per 1,000 deliveries at 50k/s (target + Redis): ${cpu_50k:-not measured} ms"
echo "memory per idle connection: $idle_kb KB"
for i in "${!pids[@]}"; do printf 'peak memory %-12s %6d MB\n' "${names[$i]}" $(($(hwm_kb "${pids[$i]}") / 1024)); done
