#!/usr/bin/env bash
# Runs `arbiter bench numerics` (release build) and Benchmarks/numpy_reference.py on the same
# workloads, alternating them ROUNDS times, and prints each side's best median and the ratio.
#
#   Benchmarks/compare.sh                  # reference BLAS (whatever libblas.so.3 points at)
#   BLAS=openblas Benchmarks/compare.sh    # the Swift side on Debian's OpenBLAS, via LD_LIBRARY_PATH
#   SAMPLES=200000 REPEAT=5 ROUNDS=1 Benchmarks/compare.sh
#
# BLAS=openblas needs `apt-get install -y libopenblas-dev` and changes nothing system-wide.
set -euo pipefail
cd "$(dirname "$0")/.."

SAMPLES=${SAMPLES:-1000000}
REPEAT=${REPEAT:-9}
ROUNDS=${ROUNDS:-2}
BLAS=${BLAS:-system}

swift build -c release --product arbiter >&2
BIN="$(swift build -c release --show-bin-path)/arbiter"

case "$BLAS" in
system) ;;
openblas)
    dir=/usr/lib/x86_64-linux-gnu/openblas-pthread
    [ -e "$dir/libblas.so.3" ] || { echo "OpenBLAS not found in $dir (apt-get install -y libopenblas-dev)" >&2; exit 1; }
    export LD_LIBRARY_PATH="$dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    ;;
*) echo "BLAS must be system or openblas" >&2; exit 1 ;;
esac
echo "swift binary resolves: $(ldd "$BIN" | grep -E 'libblas|liblapack\.' | awk '{print $1 " -> " $3}' | tr '\n' ' ')" >&2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $(seq 1 "$ROUNDS"); do
    echo "round $r/$ROUNDS: swift" >&2
    "$BIN" bench numerics --samples "$SAMPLES" --repeat "$REPEAT" --json >>"$tmp/swift.jsonl"
    echo "round $r/$ROUNDS: numpy" >&2
    env -u LD_LIBRARY_PATH python3 Benchmarks/numpy_reference.py --samples "$SAMPLES" --repeat "$REPEAT" --json >>"$tmp/numpy.jsonl"
done

python3 - "$tmp/swift.jsonl" "$tmp/numpy.jsonl" <<'PY'
import json, sys
def best(path):
    out = {}
    for line in open(path):
        r = json.loads(line)
        key = (r["workload"], r["group_size"])
        out[key] = min(out.get(key, float("inf")), r["median_s"])
    return out
s, n = best(sys.argv[1]), best(sys.argv[2])
print(f"{'workload':24s} {'group':>5s} {'swift ms':>10s} {'numpy ms':>10s} {'numpy/swift':>12s}")
for key in s:
    if key in n:
        print(f"{key[0]:24s} {key[1]:5d} {s[key]*1e3:10.3f} {n[key]*1e3:10.3f} {n[key]/s[key]:11.2f}x")
PY
