#!/usr/bin/env bash
# What the swarm and one gateway allocate and how long their garbage collections pause them, in the steady part of a
# headless seed storm without faults (1,000 users, 1,000 msg/s, about 50,000 deliveries a second, redis-server, two
# gateways): dotnet-counters on both processes for 15 s from t = 15 s, then the storm's own verdict, p99 and the
# swarm's send lag and GC pauses over the whole run. Every GC pause stops the process: the swarm's delay its sends
# and receipts (its send lag decides whether a storm is conclusive), a gateway's every delivery it holds.
#
#   bench/gc-rate.sh [label]        e.g. bench/gc-rate.sh before; (change); bench/gc-rate.sh after
#
# Installs dotnet-counters as a local tool in .tools/ (from NuGet). Output: out/gc-rate/LABEL.{log,json,*.csv}.
set -euo pipefail
cd "$(dirname "$0")/.."
label=${1:-current}
out=out/gc-rate
mkdir -p "$out"
[[ -x .tools/dotnet-counters ]] || dotnet tool install dotnet-counters --tool-path .tools >/dev/null \
  || { echo "could not install dotnet-counters" >&2; exit 2; }
command -v redis-server >/dev/null || apt-get install -y -qq redis-server >/dev/null \
  || { echo "redis-server is needed (apt-get install redis-server)" >&2; exit 2; }

bench/storm-local.sh --redis server -- --scenario seed --no-faults --duration 40 --report "$out/$label.json" >"$out/$label.log" 2>&1 &
storm=$!
for _ in $(seq 600); do
  grep -q '^\[ *15 s\]' "$out/$label.log" 2>/dev/null && break
  kill -0 "$storm" 2>/dev/null || { cat "$out/$label.log"; exit 2; }
  sleep 0.5
done
counters="System.Runtime[dotnet.gc.heap.total_allocated,dotnet.gc.collections,dotnet.gc.pause.time]"
for name in Flux.Swarm Flux.Gateway; do
  pid=$(pgrep -x "$name" | head -1)
  .tools/dotnet-counters collect -p "$pid" --counters "$counters" --format csv -o "$out/$label-$name.csv" \
    --duration 00:00:00:15 >/dev/null 2>&1 &
done
wait "$storm" || true
wait
python3 - "$out" "$label" <<'PY'
import csv, json, sys
out, label = sys.argv[1], sys.argv[2]
for name in ("Flux.Swarm", "Flux.Gateway"):
    rows = list(csv.reader(open(f"{out}/{label}-{name}.csv")))[1:]
    def total(prefix):
        return sum(float(r[-1]) for r in rows if r[2].startswith(prefix))
    seconds = max(1, sum(1 for r in rows if r[2].startswith("dotnet.gc.pause.time")))
    print(f"{label:<10} {name:<13} allocated {total('dotnet.gc.heap.total_allocated') / seconds / 1e6:6.2f} MB/s  "
          f"GCs gen0 {total('dotnet.gc.collections ({collection} / 1 sec)[gc.heap.generation=gen0]'):3.0f} "
          f"gen1 {total('dotnet.gc.collections ({collection} / 1 sec)[gc.heap.generation=gen1]'):2.0f} "
          f"gen2 {total('dotnet.gc.collections ({collection} / 1 sec)[gc.heap.generation=gen2]'):2.0f}  "
          f"paused {total('dotnet.gc.pause.time') * 1000:5.0f} ms in {seconds} s")
r = json.load(open(f"{out}/{label}.json")); g = r["generator"]
print(f"{label:<10} storm         {r['outcome']}, p99 {r['latency_ms']['p99']:.1f} ms, swarm send lag p99 {g['lag_p99_ms']:.1f} ms, "
      f"swarm GC pauses {g['gc_pause_ms']:.0f} ms over the run")
PY
