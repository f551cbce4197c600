#!/usr/bin/env bash
# CPU time per request of `arbiter bench inference` (user + system, all threads), against the
# loopback nginx stand-in, which must be running (see ../shared/bench/README.md).
# Usage: Benchmarks/inference/cpu-per-request.sh [RUNS] [extra bench options, e.g. --transport ahc]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-3}
shift || true
bin="$root/.build/release/arbiter"
steps=30
for _ in $(seq "$runs"); do
    out=$(mktemp)
    times=$(mktemp)
    /usr/bin/time -f "%U %S" -o "$times" "$bin" bench inference --steps "$steps" --warmup-steps 1 --json "$@" >"$out"
    python3 - "$out" "$times" "$steps" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
user, system = map(float, open(sys.argv[2]).read().split())
steps = int(sys.argv[3])
requests = r["requests"] * (steps + 1) / steps  # the warm-up step costs CPU too
print(f"{r['requests_per_s']:8.0f} requests/s   {1e6 * (user + system) / requests:5.1f} µs CPU/request "
      f"(user {1e6 * user / requests:4.1f}, system {1e6 * system / requests:4.1f})")
PY
    rm -f "$out" "$times"
done
