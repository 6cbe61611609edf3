#!/usr/bin/env bash
# Runs a storm against a local Flux without Aspire: a Redis-protocol server, N gateway replicas, then the
# headless swarm. Everything binds to 127.0.0.1 and is stopped at the end.
#
#   bench/storm-local.sh [--redis embedded|server] [--gateways N] [--config Release|Debug] -- <storm options>
#   bench/storm-local.sh -- --scenario seed --report out/seed.json
#
# Exits with the storm's exit code (0 passed, 1 SLA violated or messages lost, 2 usage/connection error).
set -euo pipefail
cd "$(dirname "$0")/.."

redis_mode=embedded
gateways=2
config=Release
while [[ $# -gt 0 ]]; do
  case "$1" in
    --redis) redis_mode=$2; shift 2 ;;
    --gateways) gateways=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

out=$(mktemp -d /tmp/flux-storm.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

dotnet build -c "$config" Flux.Gateway Flux.Swarm Flux.EmbeddedRedis -v quiet -nologo >/dev/null 2>&1 || \
  { dotnet build -c "$config" Flux.Gateway -nologo; dotnet build -c "$config" Flux.Swarm -nologo; dotnet build -c "$config" Flux.EmbeddedRedis -nologo; }

export Auth__SigningKey=${Auth__SigningKey:-$(head -c 32 /dev/urandom | base64)}
redis_port=${REDIS_PORT:-16379}
if [[ $redis_mode == server ]]; then
  mkdir -p "$out/redis"
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$out/redis" >"$out/redis.log" 2>&1 &
else
  dotnet "Flux.EmbeddedRedis/bin/$config/net10.0/Flux.EmbeddedRedis.dll" --port "$redis_port" --data "$out/redis" >"$out/redis.log" 2>&1 &
fi
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.2; done 2>/dev/null || sleep 3

storm_args=()
for i in $(seq 1 "$gateways"); do
  http=$((15000 + i)); grpc=$((15100 + i))
  ASPNETCORE_URLS="http://127.0.0.1:$http" GRPC_PORT=$grpc ConnectionStrings__redis="127.0.0.1:$redis_port" \
    Logging__LogLevel__Default=Warning \
    "Flux.Gateway/bin/$config/net10.0/Flux.Gateway" >"$out/gateway-$i.log" 2>&1 &
  pids+=($!)
  storm_args+=(--gateway "ws://127.0.0.1:$http/gateway?v=1" --admin "http://127.0.0.1:$grpc")
done
for i in $(seq 1 "$gateways"); do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$((15000 + i))/health" >/dev/null && break; sleep 0.2; done
done

echo "logs in $out" >&2
set +e
"Flux.Swarm/bin/$config/net10.0/Flux.Swarm" storm "${storm_args[@]}" "$@"
code=$?
echo "storm exit code $code" >&2
exit $code
