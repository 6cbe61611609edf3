#!/usr/bin/env bash
# Where the CPU goes during a storm: CPU microseconds per delivery for each process (the gateways, the swarm, Redis, and
# with --apphost the AppHost's own processes), and each .NET process's top frames from perf, with JIT-compiled code named.
#
#   bench/profile.sh [--redis server|embedded] [--scenario seed] [--at SECONDS] [--seconds N] [--out DIR] [--apphost]
#
#   bench/profile.sh                          # a headless seed storm (bench/storm-local.sh), profiled from 25 s for 20 s
#   bench/profile.sh --apphost                # the same storm started from the page under `dotnet run --project Flux.AppHost`
#
# Installs what it needs: perf (Debian's linux-perf, as root) and dotnet-trace and dotnet-counters (as local tools in
# .tools/, from NuGet). Every .NET process runs with DOTNET_PerfMapEnabled=1, so perf can name JIT-compiled frames.
# Prints a table of CPU per delivery by process over the profiled window (ticks from /proc, deliveries from the storm's
# own timeline), the split of the samples by layer (kernel, JIT code, the runtime, libc), and the top frames of each
# gateway and the swarm. perf.data and the reports stay in --out.
set -euo pipefail
cd "$(dirname "$0")/.."

redis=server
scenario=seed
at=25
seconds=20
out=
apphost=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --redis) redis=$2; shift 2 ;;
    --scenario) scenario=$2; shift 2 ;;
    --at) at=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --apphost) apphost=1; shift ;;
    *) echo "unknown option $1 (see the head of $0)" >&2; exit 2 ;;
  esac
done
out=${out:-out/profile/$scenario-$redis$([[ $apphost == 1 ]] && echo -apphost)}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Tools.
if ! command -v perf >/dev/null; then
  apt-get install -y -qq linux-perf >/dev/null || { echo "perf is missing and apt-get install linux-perf failed (run as root)" >&2; exit 2; }
fi
mkdir -p .tools
for tool in dotnet-trace dotnet-counters; do
  [[ -x .tools/$tool ]] || dotnet tool install "$tool" --tool-path .tools >/dev/null || { echo "could not install $tool" >&2; exit 2; }
done

export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)

# Every process of the storm, as "name pid": found by their command lines once the storm is running.
processes() {
  local pid cmd
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
    case "$cmd" in
      *Flux.Gateway/bin/*Flux.Gateway*|*Flux.Gateway.dll*) echo "gateway-$pid $pid" ;;
      *Flux.Swarm*storm*) echo "swarm $pid" ;;
      *Flux.Swarm/bin/*|*Flux.Swarm.dll*) echo "swarm-service $pid" ;;
      *redis-server*) echo "redis $pid" ;;
      *Flux.EmbeddedRedis*) echo "redis $pid" ;;
      *Flux.Dashboard*) echo "dashboard $pid" ;;
      *Flux.AppHost*) [[ $cmd != *"dotnet run"* ]] && echo "apphost $pid" ;;
      *dcp*|*dcpctrl*|*dcpproc*) echo "dcp-$pid $pid" ;;
      *Aspire.Dashboard*) echo "aspire-dashboard $pid" ;;
      *"dotnet run"*) echo "dotnet-run-$pid $pid" ;;
    esac
  done
}

if [[ $apphost == 1 ]]; then
  echo "starting the AppHost (dotnet run --project Flux.AppHost) and a $scenario storm from the page" >&2
  dotnet run --project Flux.AppHost --launch-profile http >"$out/apphost.log" 2>&1 &
  apphost_pid=$!
  trap 'kill -TERM $(pgrep -P $apphost_pid) 2>/dev/null; wait $apphost_pid 2>/dev/null' EXIT
  for _ in $(seq 240); do curl -sf http://localhost:9090/health >/dev/null 2>&1 && break; sleep 1; done
  # The swarm's warm-up runs first; a storm asked for meanwhile waits for it.
  id=$(curl -sf -X POST http://localhost:9090/api/storms -H 'content-type: application/json' -d "{\"preset\": \"$scenario\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  echo "storm $id" >&2
  report_url="http://localhost:9090/storms/$id/report.json"
else
  bench/storm-local.sh --redis "$redis" -- --scenario "$scenario" --report "$out/storm.json" >"$out/storm.log" 2>&1 &
  storm_pid=$!
fi

sleep "$at"
mapfile -t procs < <(processes)
((${#procs[@]} > 0)) || { echo "no storm processes found" >&2; exit 2; }
declare -A before
for p in "${procs[@]}"; do read -r name pid <<<"$p"; before[$name]=$(ticks "$pid"); done
window_from=$at
perf record -F 199 -a -g -o "$out/perf.data" -- sleep "$seconds" 2>"$out/perf-record.log"
declare -A spent
for p in "${procs[@]}"; do read -r name pid <<<"$p"; spent[$name]=$(($(ticks "$pid") - ${before[$name]})); done
perf report -i "$out/perf.data" -g none --no-children --sort pid --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -20 >"$out/by-pid.txt" || true
perf report -i "$out/perf.data" -g none --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -25 >"$out/by-dso.txt" || true
for p in "${procs[@]}"; do
  read -r name pid <<<"$p"
  [[ $name == gateway-* || $name == swarm ]] || continue
  perf report -i "$out/perf.data" -g none --pid "$pid" --no-children --sort sym --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -25 >"$out/top-$name.txt" || true
done

# Wait for the storm's report: its timeline gives the deliveries of the profiled window.
if [[ $apphost == 1 ]]; then
  for _ in $(seq 600); do curl -sf "$report_url" -o "$out/storm.json" 2>/dev/null && break; sleep 2; done
else
  wait "$storm_pid" || true
fi
deliveries=$(python3 - "$out/storm.json" "$window_from" "$seconds" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); start = float(sys.argv[2]); length = float(sys.argv[3])
rows = [t for t in r["timeline"] if start < t["t"] <= start + length]
print(int(sum(t["deliveries_per_s"] for t in rows) * length / max(1, len(rows))))
PY
)
echo "== $scenario on $redis$([[ $apphost == 1 ]] && echo ', under the AppHost'): $deliveries deliveries in the $seconds s from t = $at s"
printf '%-22s %10s %14s %10s\n' process "cpu s" "µs/delivery" "% of a core"
for p in "${procs[@]}"; do
  read -r name _ <<<"$p"
  s=$(echo "scale=3; ${spent[$name]} / $hz" | bc)
  printf '%-22s %10.2f %14.2f %10.1f\n' "$name" "$s" "$(echo "scale=3; $s * 1000000 / ($deliveries + 1)" | bc)" "$(echo "scale=1; $s * 100 / $seconds" | bc)"
done
echo "== samples by layer (dso)"; cat "$out/by-dso.txt"
for f in "$out"/top-*.txt; do echo "== $(basename "$f" .txt)"; head -15 "$f"; done
