#!/usr/bin/env bash
# Builds slamon (Release) and runs the evaluation-cycle benchmark (bench/README.md): 5,000 sites,
# 10,000 policies × 3 thresholds, a real Prometheus started on a free loopback port, a real
# SQLite store, then the real slamon daemon. Prints markdown tables on stdout and one line per
# cycle on stderr. Takes about two minutes on 2 cores, most of it in the per-scope cycles.
#
#   bash scripts/bench-cycle.sh                      # the figures in bench/README.md
#   bash scripts/bench-cycle.sh --sites=500 --per-scope-cycles=1 --no-daemon   # a quick look
#   bash scripts/bench-cycle.sh --help               # every option
#
# Arguments are passed to slamon_bench_cycle. BENCH_BUILD_DIR (default build-bench) is the
# build directory; BENCH_JOBS (default 2) the build parallelism. Needs /usr/bin/prometheus and
# /usr/bin/promtool (scripts/install-deps.sh installs them).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BENCH_BUILD_DIR:-$repo/build-bench}
jobs=${BENCH_JOBS:-2}

for tool in /usr/bin/prometheus /usr/bin/promtool; do
  if [ ! -x "$tool" ]; then
    echo "bench-cycle.sh: $tool is missing; run scripts/install-deps.sh" >&2
    exit 1
  fi
done

echo "== build (Release) in $build_dir ==" >&2
cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DSLAMON_BUILD_TESTS=ON \
  -DSLAMON_BUILD_BENCH=ON >/dev/null
cmake --build "$build_dir" --target slamon slamon_bench_cycle -j"$jobs" >/dev/null

echo "== slamon_bench_cycle $* ==" >&2
exec "$build_dir/bench/cycle/slamon_bench_cycle" --daemon="$build_dir/daemon/slamon" "$@"
