#!/usr/bin/env bash
# Inference throughput, three ways, in one run against the loopback nginx stand-in
# (../shared/bench/stub-nginx.conf):
#   A: arbiter bench inference   (RolloutScheduler + InferenceClient, release build)
#   B: pyref_orchestrate.py --criteria 0   (Python asyncio + aiohttp reference)
#   C: wrk -t1 -c64 POST /v1/completions   (the ceiling of this machine)
# A and B alternate for ROUNDS rounds; medians and ratios are printed at the end.
# Usage: Benchmarks/inference/compare.sh   (env: ROUNDS PROMPTS GROUP STEPS CONC BENCH_CMD SHARED)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shared=${SHARED:-$root/../shared/bench}
ROUNDS=${ROUNDS:-3}
PROMPTS=${PROMPTS:-256}
GROUP=${GROUP:-8}
STEPS=${STEPS:-3}
CONC=${CONC:-256}
default_cmd="$root/.build/release/arbiter bench inference"
BENCH_CMD=${BENCH_CMD:-$default_cmd}

command -v nginx >/dev/null || apt-get install -y nginx-light >/dev/null
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
python3 -c "import aiohttp, numpy" 2>/dev/null || pip install -q aiohttp numpy
if [[ "$BENCH_CMD" == "$default_cmd" ]]; then
    (cd "$root" && swift build -c release --product arbiter >&2)
fi

stub=$(mktemp -d)
cp "$shared/stub-nginx.conf" "$stub/nginx.conf"
nginx -p "$stub" -c nginx.conf
trap 'kill "$(cat "$stub/nginx.pid")" 2>/dev/null || true; rm -rf "$stub"' EXIT
sleep 0.5

out="$stub/results.jsonl"
for r in $(seq "$ROUNDS"); do
    echo "round $r" >&2
    $BENCH_CMD --prompts "$PROMPTS" --group "$GROUP" --steps "$STEPS" --concurrency "$CONC" --json \
        | sed 's/^/{"round":'"$r"',"who":"arbiter","r":/; s/$/}/' | tee -a "$out" >&2
    python3 "$shared/pyref_orchestrate.py" --prompts "$PROMPTS" --group "$GROUP" --criteria 0 --steps "$STEPS" \
        --concurrency "$CONC" --db "$stub/pyref.sqlite" \
        | sed 's/^/{"round":'"$r"',"who":"pyref","r":/; s/$/}/' | tee -a "$out" >&2
    rps=$(wrk -t1 -c64 -d5s -s "$here/post.lua" http://127.0.0.1:18080/v1/completions | awk '/Requests\/sec/ {print $2}')
    echo '{"round":'"$r"',"who":"wrk","r":{"requests_per_s":'"$rps"'}}' | tee -a "$out" >&2
done

python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(who): return statistics.median(r["r"]["requests_per_s"] for r in rows if r["who"] == who)
a, b, c = med("arbiter"), med("pyref"), med("wrk")
print(f"median requests/s   arbiter {a:,.0f}   pyref {b:,.0f}   wrk {c:,.0f}")
print(f"arbiter / pyref = {a / b:.2f}x   (target >= 5x)")
print(f"arbiter / wrk   = {100 * a / c:.0f}%   (target >= 40%)")
PY
