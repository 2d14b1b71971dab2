#!/usr/bin/env bash
# Installs what slamon needs, builds it, and runs the whole test suite: unit and integration
# tests (real Prometheus on loopback) in a normal build, then the unit tests again under
# AddressSanitizer + UndefinedBehaviorSanitizer. This is the README's test command and CI's.
#   bash scripts/test.sh            everything
#   SLAMON_SKIP_SANITIZERS=1 ...    only the normal build
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
echo "== build (RelWithDebInfo) =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLAMON_BUILD_BENCH=ON >/dev/null
cmake --build build -j"$jobs"

echo "== tests =="
ctest --test-dir build --output-on-failure -j"$jobs" --timeout 300

if [ "${SLAMON_SKIP_SANITIZERS:-0}" != "1" ]; then
  echo "== unit tests under ASan + UBSan =="
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSLAMON_SANITIZE=ON -DSLAMON_BUILD_BENCH=OFF >/dev/null
  cmake --build build-asan -j"$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0" \
    ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 300 -L unit
fi
