#!/usr/bin/env bash
# CPU per delivery in the steady part of the ladder's 1,000 msg/s step, for A/B runs of a change: redis-server and two
# gateways start once, then the headless swarm runs the step (1,000 users in guilds of 50, 1 msg/s each, no faults)
# once to warm everything up and then once per variant. Each variant's row gives the CPU microseconds per delivery of
# the swarm, the gateways and Redis over t = 13..27 s of its storm (ramp and drain left out, so the swarm's start-up
# and JIT do not count), and context switches per delivery.
#
#   bench/steady-cpu.sh [--users N] [--guild-size N] [--rate MSGS] [--gateway-env "K=V ..."] [--gateway-bin DIR] VARIANT...
#
# A VARIANT is "label" or "label:K=V K=V ...": environment for that swarm run; BIN=DIR runs the swarm from DIR (a
# copy of Flux.Swarm/bin/Release/net10.0 built from another commit). For example, to compare two swarm builds back to
# back, twice each:
#
#   cp -r Flux.Swarm/bin/Release/net10.0 /tmp/swarm-before   # (after building the old commit in Release)
#   bench/steady-cpu.sh old:BIN=/tmp/swarm-before new old:BIN=/tmp/swarm-before new
#
# --gateway-env and --gateway-bin do the same for the gateways (for the whole run: compare in separate runs).
# --guild-size (default 50) changes the deliveries per message at the same message rate, which separates what a message
# costs from what a delivery costs; --rate (default: one message a second per user) the messages a second.
set -euo pipefail
cd "$(dirname "$0")/.."
users=1000
guild_size=50
rate=
gateway_env=
gateway_bin=Flux.Gateway/bin/Release/net10.0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --users) users=$2; shift 2 ;;
    --guild-size) guild_size=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --gateway-env) gateway_env=$2; shift 2 ;;
    --gateway-bin) gateway_bin=$2; shift 2 ;;
    --*) echo "unknown option $1 (see the head of $0)" >&2; exit 2 ;;
    *) break ;;
  esac
done
(($# > 0)) || set -- current
rate=${rate:-$users}
command -v redis-server >/dev/null || apt-get install -y -qq redis-server >/dev/null \
  || { echo "redis-server is missing and apt-get install redis-server failed (run as root)" >&2; exit 2; }
for project in Flux.Swarm Flux.Gateway; do
  dotnet build -c Release "$project" -nologo -v quiet >/dev/null || { echo "build of $project failed" >&2; exit 2; }
done
logs=$(mktemp -d /tmp/flux-steady.XXXXXX)
export Auth__SigningKey=${Auth__SigningKey:-$(head -c 32 /dev/urandom | base64)}
export Admin__Key=${Admin__Key:-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')}
redis_port=${REDIS_PORT:-16579}
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$logs/redis.log" 2>&1 &
redis=$!
gateways=()
trap 'kill $redis "${gateways[@]}" 2>/dev/null || true' EXIT
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
gateway_args=()
for i in 1 2; do
  # shellcheck disable=SC2086
  env $gateway_env ASPNETCORE_URLS="http://127.0.0.1:$((15400 + i))" GRPC_PORT=$((15500 + i)) ConnectionStrings__redis="127.0.0.1:$redis_port" \
    Logging__LogLevel__Default=Warning "$gateway_bin/Flux.Gateway" >"$logs/gateway-$i.log" 2>&1 &
  gateways+=($!)
  gateway_args+=(--gateway "ws://127.0.0.1:$((15400 + i))/gateway?v=1")
done
for i in 1 2; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$((15400 + i))/health" >/dev/null && break; sleep 0.2; done
done
echo "logs and reports in $logs" >&2

ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {s += $2} END {print s + 0}'; }
sample() { echo "$(ticks "$1") $(ticks "${gateways[0]}") $(ticks "${gateways[1]}") $(ticks "$redis") $(switches "$1") $(switches "${gateways[0]}") $(switches "${gateways[1]}")"; }
# Waits until the storm's log has printed second $2 (or the swarm ended).
second() { until grep -q "^\[ *$2 s\]" "$logs/$3.log" 2>/dev/null || ! kill -0 "$1" 2>/dev/null; do sleep 0.1; done; }

run() {
  local label=$1; shift
  local bin=Flux.Swarm/bin/Release/net10.0 e
  for e in "$@"; do [[ $e == BIN=* ]] && bin=${e#BIN=}; done
  env "$@" "$bin/Flux.Swarm" storm "${gateway_args[@]}" --scenario seed --no-faults --users "$users" --guilds $((users / guild_size)) \
    --rate "$rate" --ramp 10 --duration 20 --report "$logs/$label.json" >"$logs/$label.log" 2>&1 &
  local swarm=$! before after
  second "$swarm" 12 "$label"; before=$(sample "$swarm")
  second "$swarm" 27 "$label"; after=$(sample "$swarm")
  wait "$swarm" || true
  python3 - "$logs/$label.json" "$logs/$label.log" "$label" "$before" "$after" "$hz" <<'PY'
import json, re, sys
report, log, label, before, after, hz = sys.argv[1:7]
hz = int(hz)
try:
    r = json.load(open(report)); outcome, lat = r["outcome"], r["latency_ms"]
except (OSError, ValueError):
    print(f"{label:12} no report (see {log})"); sys.exit()
delivered = sum(int(m.group(2).replace(",", "")) for m in (re.match(r"\[\s*(\d+) s\].*deliver\s+([\d,]+)/s", l) for l in open(log))
                if m and 13 <= int(m.group(1)) <= 27)
d = [b - a for a, b in zip(map(int, before.split()), map(int, after.split()))]
us = lambda t: t / hz * 1e6 / max(1, delivered)
print(f"{label:12} {outcome:12} p99 {lat['p99']:6.1f} ms  {delivered / 15:9,.0f}/s  CPU s: swarm {d[0] / hz:5.2f} gateways {(d[1] + d[2]) / hz:5.2f} redis {d[3] / hz:4.2f}  µs/delivery: swarm {us(d[0]):6.2f}  gateways {us(d[1] + d[2]):6.2f}"
      f"  redis {us(d[3]):5.2f}  gateways+redis {us(d[1] + d[2] + d[3]):6.2f} µs/delivery  switches/delivery swarm {d[4] / max(1, delivered):.3f}"
      f" gateways {(d[5] + d[6]) / max(1, delivered):.3f}")
PY
}
run warm-up >/dev/null
for variant in "$@"; do
  label=${variant%%:*}
  envs=()
  [[ $variant == *:* ]] && read -r -a envs <<<"${variant#*:}"
  run "$label" "${envs[@]}"
done
