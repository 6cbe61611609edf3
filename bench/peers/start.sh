#!/usr/bin/env bash
# Starts N replicas of a peer chat server (see bench/peers/README.md) in the background on 127.0.0.1, waits until
# each answers GET /health, and prints on stdout one line per replica: the WebSocket URL a client connects to.
# Everything else (build output, where the logs are) goes to stderr.
#
#   bench/peers/start.sh signalr|socketio [--replicas N] [--base-port P] [--redis HOST:PORT]
#
# Needs Auth__SigningKey (base64 of at least 32 bytes) in the environment. Replicas listen on consecutive ports from
# --base-port (default 5310 for signalr, 5320 for socketio). Without --redis a throwaway redis-server
# (no persistence) is started on a free port and stopped with the replicas. PIDs and logs are kept in
# ${TMPDIR:-/tmp}/flux-peers-<peer>/; bench/peers/stop.sh <peer> stops them all.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() { echo "usage: $0 signalr|socketio [--replicas N] [--base-port P] [--redis HOST:PORT]" >&2; exit 2; }

peer=${1:-}
[[ $# -gt 0 ]] && shift
case "$peer" in
  signalr) base_port=5310; ws_path=/hub ;;
  socketio) base_port=5320; ws_path='/socket.io/?EIO=4&transport=websocket' ;;
  *) usage ;;
esac
replicas=2
redis=
while [[ $# -gt 0 ]]; do
  case "$1" in
    --replicas) replicas=${2:-}; shift 2 || usage ;;
    --base-port) base_port=${2:-}; shift 2 || usage ;;
    --redis) redis=${2:-}; shift 2 || usage ;;
    *) echo "unknown option $1" >&2; usage ;;
  esac
done
[[ $replicas =~ ^[1-9][0-9]*$ && $base_port =~ ^[1-9][0-9]*$ ]] || usage

if [[ -z ${Auth__SigningKey:-} ]]; then
  echo "Auth__SigningKey is not set: export it as base64 of at least 32 random bytes (the key the tokens are signed with)," >&2
  echo "e.g. export Auth__SigningKey=\$(head -c 32 /dev/urandom | base64)" >&2
  exit 2
fi

run_dir=${TMPDIR:-/tmp}/flux-peers-$peer
pid_file=$run_dir/pids
if [[ -s $pid_file ]]; then
  echo "$peer peers may already be running (PIDs in $pid_file): run bench/peers/stop.sh $peer first" >&2
  exit 1
fi
mkdir -p "$run_dir"
: >"$pid_file"

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# On any failure from here on, stop what was already started.
trap 'echo "start failed; stopping what was started" >&2; "$here/stop.sh" "$peer" >&2' ERR

for ((i = 0; i < replicas; i++)); do
  if port_open $((base_port + i)); then
    echo "port $((base_port + i)) is in use; pick another --base-port" >&2
    false
  fi
done

if [[ -z $redis ]]; then
  redis_port=6390
  while port_open "$redis_port"; do redis_port=$((redis_port + 1)); done
  nohup redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$run_dir" \
    </dev/null >"$run_dir/redis.log" 2>&1 &
  echo $! >>"$pid_file"
  redis=127.0.0.1:$redis_port
  for _ in $(seq 50); do port_open "$redis_port" && break; sleep 0.2; done
  port_open "$redis_port" || { echo "redis-server did not start; see $run_dir/redis.log" >&2; false; }
  echo "started redis-server on $redis" >&2
fi

case "$peer" in
  signalr)
    project=$here/signalr/Flux.Peers.SignalR.csproj
    dotnet build "$project" -c Release -nologo -v quiet >"$run_dir/build.log" 2>&1 \
      || { cat "$run_dir/build.log" >&2; false; }
    # Run from the output folder: its appsettings.json (log level Warning) is read from the working directory.
    workdir=$here/signalr/bin/Release/net10.0
    command=(dotnet Flux.Peers.SignalR.dll)
    ;;
  socketio)
    workdir=$here/socketio
    [[ -d $workdir/node_modules ]] || npm ci --prefix "$workdir" --no-audit --no-fund >&2
    command=(node server.js)
    ;;
esac

replica_pids=()
for ((i = 0; i < replicas; i++)); do
  port=$((base_port + i))
  (cd "$workdir" && export PORT=$port Redis=$redis && exec nohup "${command[@]}") </dev/null >"$run_dir/$port.log" 2>&1 &
  replica_pids+=($!)
  echo $! >>"$pid_file"
done

# Wait (60 s at most) until every replica answers /health; a replica that exits meanwhile fails the start.
deadline=$((SECONDS + 60))
for ((i = 0; i < replicas; i++)); do
  port=$((base_port + i))
  until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/health" 2>/dev/null; do
    if ! kill -0 "${replica_pids[i]}" 2>/dev/null; then
      echo "replica on port $port exited; its log ($run_dir/$port.log) ends:" >&2
      tail -n 20 "$run_dir/$port.log" >&2
      false
    fi
    if ((SECONDS >= deadline)); then
      echo "replica on port $port did not answer /health within 60 s; see $run_dir/$port.log" >&2
      false
    fi
    sleep 0.2
  done
done
trap - ERR

echo "$replicas $peer replica(s) up, Redis $redis; logs and PIDs in $run_dir" >&2
for ((i = 0; i < replicas; i++)); do
  echo "ws://127.0.0.1:$((base_port + i))$ws_path"
done
