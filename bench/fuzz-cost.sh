#!/usr/bin/env bash
# What protocol fuzzing costs the healthy users: the seed layout without other faults, 30 s steady, once without and
# once with N fuzzing clients (default 20) for 5 s a third into the steady phase. Prints each run's p99 over the whole
# run and the worst one-second p99 while the fuzzing clients were active, plus how the fuzzing connections ended.
#
#   bench/fuzz-cost.sh [clients]
set -uo pipefail
cd "$(dirname "$0")/.."
clients=${1:-20}
mkdir -p out
for run in without with; do
  extra=()
  [[ $run == with ]] && extra=(--fuzz "$clients")
  bench/storm-local.sh -- --scenario seed --no-faults --duration 30 "${extra[@]}" --report "out/fuzz-$run.json" >"out/fuzz-$run.log" 2>&1
done
python3 - <<'PY'
import json
for run in ("without", "with"):
    r = json.load(open(f"out/fuzz-{run}.json"))
    fuzz = [f for f in r["faults"] if f["kind"] == "fuzz"]
    lo, hi = (fuzz[0]["at_s"], fuzz[0]["at_s"] + fuzz[0]["duration_s"]) if fuzz else (20, 25)
    window = [t["p99_ms"] for t in r["timeline"] if lo <= t["t"] <= hi + 1]
    closes = {k: v for f in fuzz for k, v in f["closes"].items()}
    print(f'{run:>8} fuzz: p99 {r["latency_ms"]["p99"]:7.2f} ms over the run, worst 1-s p99 in t={lo:.0f}-{hi + 1:.0f} s {max(window):7.2f} ms, '
          f'lost {r["lost"]}, {r["outcome"]}; fuzz connections: {sum(closes.values())} {closes}')
PY
