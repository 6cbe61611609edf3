#!/usr/bin/env bash
# The loopback TCP floor of this machine: CPU per delivery for one small message written with one send() and read with
# epoll + recv(), in C, with no runtime, framework or protocol (bench/floor/floor.c). It is what any server and any
# load generator that give each delivery its own TCP segment pay at least, here; docs/benchmarks.md, "The floor".
#
#   bench/floor.sh [--rates "1000 3000"] [--connections 1000] [--seconds 15] [--bytes 230]
#
# For each rate (messages a second, each to a guild of 50 sockets, so rate x 50 deliveries a second) it runs the
# sender and the receiver as two processes on 127.0.0.1 and prints their CPU per delivery, for the receiver three ways:
# plain (read until EAGAIN), short (one read per wake-up) and short,nap (wake-ups gathered 0.5 ms apart).
# Needs a C compiler (gcc; installed with apt-get when missing, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
rates="1000 3000"
connections=1000
seconds=15
bytes=230
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rates) rates=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --bytes) bytes=$2; shift 2 ;;
    *) echo "unknown option $1 (see the head of $0)" >&2; exit 2 ;;
  esac
done
if ! command -v gcc >/dev/null; then
  apt-get install -y -qq gcc >/dev/null || { echo "gcc is missing and apt-get install gcc failed (run as root)" >&2; exit 2; }
fi
work=$(mktemp -d /tmp/flux-floor.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
gcc -O2 -o "$work/floor" bench/floor/floor.c
port=${FLOOR_PORT:-17011}

printf '%8s %10s %-10s %14s %14s %14s\n' "msg/s" "deliv/s" "receiver" "send µs/deliv" "recv µs/deliv" "both µs/deliv"
for rate in $rates; do
  for mode in plain short short,nap; do
    "$work/floor" send "$port" "$connections" "$rate" "$seconds" "$bytes" >"$work/send.out" &
    sender=$!
    sleep 0.3
    "$work/floor" recv "$port" "$connections" $((seconds + 2)) "$([[ $mode == plain ]] && echo '' || echo "$mode")" >"$work/recv.out"
    wait "$sender"
    # send N deliveries CPU cpu_s US us_per_delivery / recv B bytes R reads W epoll_waits CPU cpu_s
    deliveries=$(awk '{print $2}' "$work/send.out")
    send_us=$(awk '{print $6}' "$work/send.out")
    recv_cpu=$(awk '{print $8}' "$work/recv.out")
    recv_us=$(echo "scale=2; $recv_cpu * 1000000 / $deliveries" | bc)
    printf '%8s %10s %-10s %14.2f %14.2f %14.2f\n' "$rate" "$((deliveries / seconds))" "$mode" "$send_us" "$recv_us" "$(echo "$send_us + $recv_us" | bc)"
    port=$((port + 1))
  done
done
