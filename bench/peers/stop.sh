#!/usr/bin/env bash
# Stops what bench/peers/start.sh started for a peer: its replicas and, if it started one, its redis-server.
#
#   bench/peers/stop.sh signalr|socketio
set -euo pipefail

peer=${1:-}
[[ $peer == signalr || $peer == socketio ]] || { echo "usage: $0 signalr|socketio" >&2; exit 2; }
pid_file=${TMPDIR:-/tmp}/flux-peers-$peer/pids
if [[ ! -s $pid_file ]]; then
  echo "no $peer peers recorded in $pid_file; nothing to stop" >&2
  exit 0
fi

mapfile -t pids <"$pid_file"
for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
# Give them 10 s to shut down, then kill what is left.
for _ in $(seq 50); do
  alive=0
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
  ((alive)) || break
  sleep 0.2
done
for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
: >"$pid_file"
echo "stopped $peer peers (${#pids[@]} processes)" >&2
