#!/usr/bin/env bash
# Runs a storm against a local Flux without Aspire: a Redis-protocol server, N gateway replicas, then the
# headless swarm. Everything binds to 127.0.0.1 and is stopped at the end.
#
#   bench/storm-local.sh [--redis embedded|server|cluster] [--aof no|everysec|always|each] [--gateways N] [--gateway-cpus LIST]
#                        [--swarm-cpus LIST] [--warm-up SECONDS] [--swarms N | --agents N] [--config Release|Debug] -- <storm options>
#   bench/storm-local.sh -- --scenario seed --report out/seed.json
#   bench/storm-local.sh -- --scenario chaos --report out/chaos.json
#
# --redis cluster starts a Redis Cluster of three redis-server masters (ports REDIS_PORT..+2, joined with redis-cli
# --cluster create, no persistence) and gives the gateways all three nodes: they then publish on sharded pub/sub.
#
# Each gateway runs under a small supervisor that starts it again when it dies with a failure (the kill-gateway
# fault); the swarm gets --redis, so the restart-redis fault works. --aof sets redis-server's append-only file (no, the
# default, so a restart comes back empty; everysec; always); the embedded Garnet always keeps one, committed once a
# second (always: it waits for each commit; each: a commit issued per write without waiting, Garnet's own default).
#
# --gateway-cpus confines the gateways to those CPUs (taskset, e.g. 1); --swarm-cpus confines the load side (the swarm
# processes and the Redis server) to others (e.g. 0). Together they give the gateways cores of their own, so on one
# small machine the gateways, not the swarm that shares it, are what runs out of capacity: docs/benchmarks.md,
# "Overload", uses them to show shedding.
#
# --warm-up SECONDS first runs a short storm the report ignores (1,000 users in 20 guilds at 500 msg/s, within the
# gateways' send limit), so the measured storm does not pay for compiling the gateways' hot paths.
#
# --swarms N runs N swarm processes side by side, each with the same storm options (so give each its share:
# --users and --rate are per swarm) and its own run id, guilds and report (--report out/x.json becomes out/x-1.json,
# out/x-2.json, ...). One process holds at most ~20,000 sockets here (the file-descriptor hard limit), so 50,000 users
# take three. Their percentiles are each swarm's own; for one storm over several processes use --agents N instead.
#
# --agents N runs one storm distributed over N swarm processes (docs/protocol.md, "Distributed storms"): N - 1 swarm
# services as agents, and the headless swarm as the coordinator with --agent for each. The storm options are the
# whole storm's (--users and --rate are totals); the report is one, with exact merged percentiles and a shards block.
#
# Exits with the storm's exit code (the highest of them with --swarms) (0 passed, 1 failed, 2 usage/connection error, 3 inconclusive).
set -euo pipefail
cd "$(dirname "$0")/.."

redis_mode=embedded
aof=no
gateways=2
config=Release
gateway_cpus=
swarm_cpus=
warm_up=0
swarms=1
agents=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --redis) redis_mode=$2; shift 2 ;;
    --aof) aof=$2; shift 2 ;;
    --gateways) gateways=$2; shift 2 ;;
    --gateway-cpus) gateway_cpus=$2; shift 2 ;;
    --swarm-cpus) swarm_cpus=$2; shift 2 ;;
    --warm-up) warm_up=$2; shift 2 ;;
    --swarms) swarms=$2; shift 2 ;;
    --agents) agents=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

pin=()
[[ -n $gateway_cpus ]] && pin=(taskset -c "$gateway_cpus")
load_pin=()
[[ -n $swarm_cpus ]] && load_pin=(taskset -c "$swarm_cpus")

out=$(mktemp -d /tmp/flux-storm.XXXXXX)
echo "logs in $out" >&2
pids=()
cleanup() {
  touch "$out/stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

for project in Flux.Gateway Flux.Swarm Flux.EmbeddedRedis; do
  dotnet build -c "$config" "$project" -nologo -v quiet >"$out/build-$project.log" 2>&1 || { cat "$out/build-$project.log"; exit 2; }
done

export Auth__SigningKey=${Auth__SigningKey:-$(head -c 32 /dev/urandom | base64)}
export Admin__Key=${Admin__Key:-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')}
redis_port=${REDIS_PORT:-16379}
if [[ $redis_mode == server || $redis_mode == cluster ]]; then
  mkdir -p "$out/redis"
  cluster=()
  [[ $redis_mode == cluster ]] && cluster=(--cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 --cluster-require-full-coverage no)
  appendonly=(--appendonly no)
  [[ $aof != no ]] && appendonly=(--appendonly yes --appendfsync "$aof")
  # From its absolute path and with DEBUG allowed locally: the restart-redis fault sends DEBUG RESTART.
  "${load_pin[@]}" "$(command -v redis-server)" --port "$redis_port" --bind 127.0.0.1 --save "" "${appendonly[@]}" --dir "$out/redis" \
    --enable-debug-command local "${cluster[@]}" >"$out/redis.log" 2>&1 &
else
  commit=()
  [[ $aof == always ]] && commit=(--aof-commit-wait)
  [[ $aof == each ]] && commit=(--aof-commit-freq 0)
  "${load_pin[@]}" dotnet "Flux.EmbeddedRedis/bin/$config/net10.0/Flux.EmbeddedRedis.dll" --port "$redis_port" --data "$out/redis" "${commit[@]}" >"$out/redis.log" 2>&1 &
fi
pids+=($!); names=("redis")
for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.2; done 2>/dev/null || sleep 3
redis_endpoints="127.0.0.1:$redis_port"
if [[ $redis_mode == cluster ]]; then
  redis_endpoints=$(echo 127.0.0.1:$((redis_port + 1)) 127.0.0.1:$((redis_port + 2)) | sed "s/^/127.0.0.1:$redis_port /")
  for node in 1 2; do
    port=$((redis_port + node))
    mkdir -p "$out/redis-$node"
    "${load_pin[@]}" redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$out/redis-$node" --cluster-enabled yes \
      --cluster-config-file nodes.conf --cluster-node-timeout 2000 --cluster-require-full-coverage no >"$out/redis-$node.log" 2>&1 &
    pids+=($!); names+=("redis-$node")
    for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.2; done
  done
  # shellcheck disable=SC2086
  redis-cli --cluster create $redis_endpoints --cluster-replicas 0 --cluster-yes >"$out/cluster-create.log" 2>&1 \
    || { cat "$out/cluster-create.log"; exit 2; }
  for _ in $(seq 100); do [[ $(redis-cli -p "$redis_port" cluster info) == *cluster_state:ok* ]] && break; sleep 0.2; done
  [[ $(redis-cli -p "$redis_port" cluster info) == *cluster_state:ok* ]] || { echo "the cluster did not become ok" >&2; exit 2; }
  redis_endpoints=$(echo "$redis_endpoints" | tr ' ' ',')
fi

# Runs a gateway, and starts it again on the same ports whenever it exits with a failure (restart on failure, as
# systemd or Kubernetes would). Its current pid is in $out/<name>.pid.
supervise() {
  local name=$1; shift
  local child
  trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 0' TERM
  while true; do
    "$@" >>"$out/$name.log" 2>&1 &
    child=$!
    echo "$child" >"$out/$name.pid"
    local code=0
    wait "$child" || code=$?   # set -e would otherwise end the supervisor with its gateway
    if [[ $code -eq 0 || -e "$out/stopping" ]]; then return; fi
    echo "$(date +%T.%N | cut -c1-12) $name exited with $code; starting it again" | tee -a "$out/supervisor.log" >&2
    sleep 0.5
  done
}

storm_args=(--redis "127.0.0.1:$redis_port")
for i in $(seq 1 "$gateways"); do
  http=$((15000 + i)); grpc=$((15100 + i))
  ASPNETCORE_URLS="http://127.0.0.1:$http" GRPC_PORT=$grpc ConnectionStrings__redis="$redis_endpoints" \
    Logging__LogLevel__Default=Warning \
    supervise "gateway-$i" "${pin[@]}" "Flux.Gateway/bin/$config/net10.0/Flux.Gateway" &
  pids+=($!); names+=("gateway-$i")
  storm_args+=(--gateway "ws://127.0.0.1:$http/gateway?v=1" --admin "http://127.0.0.1:$grpc")
done
for i in $(seq 1 "$gateways"); do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$((15000 + i))/health" >/dev/null && break; sleep 0.2; done
done

# Swarm agents for a distributed storm: swarm services, each running one shard when the coordinator asks.
for k in $(seq 2 "$agents"); do
  http=$((15200 + k)); grpc=$((15300 + k))
  ASPNETCORE_URLS="http://127.0.0.1:$http" GRPC_PORT=$grpc ConnectionStrings__redis="$redis_endpoints" \
    Swarm__WarmUpSeconds=0 Logging__LogLevel__Default=Warning OTEL_EXPORTER_OTLP_ENDPOINT= \
    "${load_pin[@]}" "Flux.Swarm/bin/$config/net10.0/Flux.Swarm" >"$out/swarm-agent-$k.log" 2>&1 &
  pids+=($!); names+=("swarm-agent-$k")
  storm_args+=(--agent "http://127.0.0.1:$grpc")
done
for k in $(seq 2 "$agents"); do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$((15200 + k))/health" >/dev/null && break; sleep 0.2; done
done

# CPU seconds (user+system) and resident memory of a process, from /proc. A supervised gateway is measured by the
# pid its supervisor last started (a gateway killed by a fault takes its CPU seconds with it).
usage() {
  local pid=$1 name=$2
  [ -r "$out/$name.pid" ] && pid=$(cat "$out/$name.pid")
  [ -r "/proc/$pid/stat" ] || return 0
  local ticks rss
  ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  printf '%-14s cpu %7.1f s   peak rss %6d MB\n' "$name" "$(echo "$ticks / $(getconf CLK_TCK)" | bc -l)" $((rss / 1024))
}
snapshot() { for i in "${!pids[@]}"; do usage "${pids[$i]}" "${names[$i]}"; done; }

if [[ $warm_up != 0 ]]; then
  echo "warming up for ${warm_up} s" >&2
  warm_code=0
  "${load_pin[@]}" "Flux.Swarm/bin/$config/net10.0/Flux.Swarm" storm "${storm_args[@]}" --users 1000 --guilds 20 --rate 500 --ramp 2 \
    --duration "$warm_up" --no-faults --report "$out/warm-up.json" >"$out/warm-up.log" 2>&1 || warm_code=$?
  # Its verdict does not matter (1 or 3 are fine); a refused plan or a failed connection (2) means no warm-up happened.
  [[ $warm_code -eq 2 ]] && { echo "the warm-up storm could not run:" >&2; tail -5 "$out/warm-up.log" >&2; exit 2; }
fi

set +e
swarm_pids=()
for k in $(seq 1 "$swarms"); do
  args=("$@")
  if [[ $swarms -gt 1 ]]; then
    for j in "${!args[@]}"; do
      [[ ${args[$j]} == --report || ${args[$j]} == --junit ]] && args[$((j + 1))]=$(echo "${args[$((j + 1))]}" | sed -E "s/(\.[a-z]+)?$/-$k\1/")
    done
    args+=(--seed "$k")
  fi
  # With several swarms, only the first prints its live progress.
  if [[ $k -eq 1 ]]; then
    "${load_pin[@]}" "Flux.Swarm/bin/$config/net10.0/Flux.Swarm" storm "${storm_args[@]}" "${args[@]}" &
  else
    "${load_pin[@]}" "Flux.Swarm/bin/$config/net10.0/Flux.Swarm" storm "${storm_args[@]}" "${args[@]}" >"$out/swarm-$k.log" 2>&1 &
  fi
  swarm_pids+=($!); pids+=($!); names+=("swarm$([[ $swarms -gt 1 ]] && echo "-$k")")
done
running() { for pid in "${swarm_pids[@]}"; do kill -0 "$pid" 2>/dev/null && return 0; done; return 1; }
# Sample just before the swarms exit, while /proc still has them.
while running; do
  snapshot >"$out/usage.next"
  # Keep the last complete sample: one taken while a swarm was exiting lacks its numbers.
  running && mv "$out/usage.next" "$out/usage.txt"
  sleep 1
done
code=0
for pid in "${swarm_pids[@]}"; do
  wait "$pid"; c=$?
  (( c > code )) && code=$c
done
echo "== process usage over the run (last sample)" >&2
cat "$out/usage.txt" >&2
[ -s "$out/supervisor.log" ] && { echo "== gateway restarts" >&2; cat "$out/supervisor.log" >&2; }
echo "storm exit code $code" >&2
exit $code
