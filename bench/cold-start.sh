#!/usr/bin/env bash
# The first storm after a fresh start, as a new user meets it: N times (default 5), start the whole application with
# the README's command, wait until the Flux dashboard reaches the swarm, start a storm through the dashboard (the
# page's own path, POST /api/storms), wait for its verdict, then run a second, warm storm in the same application and
# stop it. Prints each run's cold and warm p99 and verdict.
#
#   bench/cold-start.sh [runs] [preset] [storms per start]    e.g. bench/cold-start.sh 5 seed
#   bench/cold-start.sh 5 10k 1      five fresh starts, one 10k storm each (the first after start, from the page's path)
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
preset=${2:-seed}
per_start=${3:-2}
dashboard=http://localhost:9090
mkdir -p out
dotnet build Flux.AppHost -nologo -v quiet >/dev/null || exit 2

storm() { # preset -> prints "outcome p99 verdict"
  local id status
  id=$(curl -sf -X POST "$dashboard/api/storms" -H 'content-type: application/json' -d "{\"preset\": \"$1\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') || return 1
  while status=$(curl -sf "$dashboard/api/storms/$id"); do
    python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["outcome"] else 1)' <<<"$status" && break
    sleep 2
  done
  for _ in $(seq 30); do curl -sf "$dashboard/storms/$id/report.json" -o "out/cold-$id.json" && break; sleep 1; done
  python3 - "out/cold-$id.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f'{r["outcome"]:<12} p99 {r["latency_ms"]["p99"]:8.2f} ms  p95 {r["latency_ms"]["p95"]:7.2f} ms  {r["run_id"]}  {r["verdict"][:100]}')
PY
}

# A background job of a script ignores SIGINT, so the AppHost (the child of `dotnet run`) is stopped with SIGTERM, which
# it handles like Ctrl+C: it stops every resource. Then wait until they are all gone, so the next start is fresh.
stop_apphost() {
  pkill -TERM -P "$apphost"; wait "$apphost" 2>/dev/null
  for _ in $(seq 60); do pgrep -f 'Flux\.(Gateway|Swarm|Dashboard|EmbeddedRedis)|dcp (start-apiserver|run-controllers)' >/dev/null || return 0; sleep 1; done
  echo "resources still running 60 s after the AppHost stopped" >&2
}

printf 'run  %-58s  %s\n' "cold (first storm after start)" "warm (the next one)"
for run in $(seq 1 "$runs"); do
  dotnet run --project Flux.AppHost --no-build >"out/cold-apphost-$run.log" 2>&1 &
  apphost=$!
  started=$(date +%s)
  # Ready when the dashboard answers and reaches the swarm (a GET of an unknown storm is then 404, not 503).
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$dashboard/api/storms/none")" = 404 ]; do
    sleep 1
    if [ $(( $(date +%s) - started )) -gt 300 ]; then echo "run $run: not ready within 300 s"; stop_apphost; continue 2; fi
  done
  ready=$(( $(date +%s) - started ))
  cold=$(storm "$preset")
  warm=""
  [[ $per_start -ge 2 ]] && warm=$(storm "$preset")
  printf '%-4s %-58s  %s   (ready %d s after start)\n' "$run" "$cold" "$warm" "$ready"
  stop_apphost
done
