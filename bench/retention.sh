#!/usr/bin/env bash
# Does a long-running AppHost stay flat? Starts the whole application with the README's command, runs N storms in a
# row through the Flux dashboard's API (the page's path), and after each prints the swarm service's RSS, its storm
# count in Redis and the verdict. Issue 22 asks that the RSS after the 100th storm be within 10 % of the 10th's.
#
#   bench/retention.sh [storms] [preset]     e.g. bench/retention.sh 100 smoke
#   GCDUMP_AT="10 40" bench/retention.sh 40  also writes a heap dump of the swarm (dotnet-gcdump, installed into .tools/)
#                                            after those storms, to out/retention-<n>.gcdump; read one with
#                                            .tools/dotnet-gcdump report out/retention-<n>.gcdump
set -uo pipefail
cd "$(dirname "$0")/.."
storms=${1:-100}
preset=${2:-smoke}
dashboard=http://localhost:9090
mkdir -p out
dotnet build Flux.AppHost -nologo -v quiet >/dev/null || exit 2
gcdump_at=" ${GCDUMP_AT:-} "
if [[ -n ${GCDUMP_AT:-} ]]; then
  mkdir -p .tools
  [[ -x .tools/dotnet-gcdump ]] || dotnet tool install dotnet-gcdump --tool-path .tools >/dev/null || { echo "could not install dotnet-gcdump" >&2; exit 2; }
fi

dotnet run --project Flux.AppHost --no-build >out/retention-apphost.log 2>&1 &
apphost=$!
stop_apphost() {
  pkill -TERM -P "$apphost"; wait "$apphost" 2>/dev/null
  for _ in $(seq 60); do pgrep -f 'Flux\.(Gateway|Swarm|Dashboard|EmbeddedRedis)|dcp (start-apiserver|run-controllers)' >/dev/null || return 0; sleep 1; done
}
trap stop_apphost EXIT
started=$(date +%s)
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$dashboard/api/storms/none")" = 404 ]; do
  sleep 1
  if [ $(( $(date +%s) - started )) -gt 300 ]; then echo "not ready within 300 s" >&2; exit 1; fi
done

# The swarm service's own process (the built binary), not the `dotnet run` that launched it.
swarm_pid() { pgrep -f 'Flux\.Swarm/bin/.*/Flux\.Swarm( |$)|Flux\.Swarm\.dll' | head -1; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$(swarm_pid)/status"; }

printf 'storm  %-12s %9s %8s  %s\n' outcome "RSS (MB)" elapsed id
for n in $(seq 1 "$storms"); do
  t0=$(date +%s)
  id=$(curl -sf -X POST "$dashboard/api/storms" -H 'content-type: application/json' -d "{\"preset\": \"$preset\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') || { echo "storm $n: not started" >&2; exit 1; }
  outcome=""
  for _ in $(seq 300); do
    outcome=$(curl -sf "$dashboard/api/storms/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["outcome"] or "")') || true
    [ -n "$outcome" ] && break
    sleep 1
  done
  printf '%5d  %-12s %9s %7ds  %s\n' "$n" "${outcome:-none}" "$(rss_mb)" $(( $(date +%s) - t0 )) "$id"
  if [[ $gcdump_at == *" $n "* ]]; then
    sleep 2
    .tools/dotnet-gcdump collect -p "$(swarm_pid)" -o "out/retention-$n.gcdump" >/dev/null 2>&1 || echo "no heap dump after storm $n" >&2
  fi
done
