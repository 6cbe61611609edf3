#!/usr/bin/env bash
# What it would cost to count every send against a per-user limit in Redis (shared by all replicas) instead of in
# each replica's memory: the publish script alone, against the publish script plus a counter script per send.
# Runs redis-benchmark against redis-server and the embedded Garnet on 127.0.0.1.
#
#   bench/rate-limit-cost.sh [requests]
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-50000}
out=$(mktemp -d /tmp/flux-ratecost.XXXXXX)
dotnet build -c Release Flux.EmbeddedRedis -nologo -v quiet >"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 2; }

publish=$(cat <<'LUA'
local epoch = redis.call('GET', KEYS[3])
if not epoch then redis.call('SET', KEYS[3], ARGV[8], 'NX'); epoch = ARGV[8] end
local seq = redis.call('INCR', KEYS[1])
local frame = ARGV[1] .. seq .. ARGV[2]
local length = redis.call('RPUSH', KEYS[2], frame)
local keep = tonumber(ARGV[3])
if length > keep + tonumber(ARGV[7]) then redis.call('LTRIM', KEYS[2], -keep, -1) end
redis.call('PUBLISH', ARGV[4], seq .. '\n' .. epoch .. '\n' .. ARGV[5] .. '\n' .. frame)
return seq
LUA
)
# A fixed one-minute window per user (the cheapest shared counter; an exact sliding window would need a sorted set).
counter="local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], 60) end return n"
body='{"op":"msg","guild":"g","seq":'

# redis-benchmark -q prints "<command>: N requests per second"; the command here spans lines.
rps() { tr -d '\r' | grep -o '[0-9.]* requests per second' | tail -1 | awk '{printf "%.0f", $1}'; }

run() {
  local name=$1 port=$2
  local guild="{g__rand_int__}"
  pub=$(redis-benchmark -p "$port" -c 20 -n "$requests" -r 50 -q EVAL "$publish" 3 "$guild:seq" "$guild:history" "$guild:epoch" \
        "$body" ',"body":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}' 1000 ch "" 0 64 42 | rps)
  cnt=$(redis-benchmark -p "$port" -c 20 -n "$requests" -r 1000 -q EVAL "$counter" 1 "flux:rate:u__rand_int__" | rps)
  echo "$name: publish script ${pub}/s; per-user counter script ${cnt}/s; both per send: $(echo "1 / (1/$pub + 1/$cnt)" | bc -l | xargs printf '%.0f')/s"
}

redis-server --port 16591 --bind 127.0.0.1 --save "" --appendonly no --dir "$out" >"$out/redis.log" 2>&1 &
rpid=$!
dotnet Flux.EmbeddedRedis/bin/Release/net10.0/Flux.EmbeddedRedis.dll --port 16592 --data "$out/garnet" >"$out/garnet.log" 2>&1 &
gpid=$!
trap 'kill $rpid $gpid 2>/dev/null; wait 2>/dev/null' EXIT
for _ in $(seq 100); do redis-cli -p 16592 ping >/dev/null 2>&1 && redis-cli -p 16591 ping >/dev/null 2>&1 && break; sleep 0.2; done
run "redis-server 7" 16591
run "Garnet (embedded)" 16592
