#!/usr/bin/env bash
# What Flux:Redis:Durability=always costs: the seed storm without faults, on redis-server with the append-only file
# off, fsync every second and fsync always, then on the embedded Garnet with and without waiting for each commit.
#
#   bench/durability.sh [storm options, e.g. --duration 30]
#
# Prints one line per mode: p50/p95/p99, deliveries per second, and the verdict. Reports land in out/durability-*.json.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p out
printf '%-22s %8s %8s %8s %12s  %s\n' mode p50_ms p95_ms p99_ms delivered/s verdict
for mode in server:no server:everysec server:always embedded:everysec embedded:always; do
  redis=${mode%%:*} aof=${mode##*:}
  report="out/durability-$redis-$aof.json"
  bench/storm-local.sh --redis "$redis" --aof "$aof" -- --scenario seed --no-faults --report "$report" "$@" >"out/durability-$redis-$aof.log" 2>&1
  python3 - "$report" "$mode" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
l = r["latency_ms"]
print(f'{sys.argv[2]:<22} {l["p50"]:8.2f} {l["p95"]:8.2f} {l["p99"]:8.2f} {r["throughput"]["delivered_per_s"]:12,.0f}  {r["outcome"]}: {r["verdict"]}')
PY
done
