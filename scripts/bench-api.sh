#!/usr/bin/env bash
# REST API load benchmark (bench/README.md): builds slamon and slamon_bench_api_seed (Release),
# seeds 10,000 policies and 100,000 breaches with their events into a temporary folder, starts
# the real slamon daemon on a free loopback port and runs wrk against
#   GET /api/v1/sla/breaches?status=active&limit=50   and   GET /api/v1/sla/summary
# at each concurrency (default 64 and 256 connections, 30 s each; the breach list twice in a row
# at the first concurrency, to show whether the memory grows). Prints a markdown table on stdout
# (requests/s, p50 / p90 / p99 / max latency, errors, connections left waiting for a worker,
# slamon's CPU time, its VmRSS before and after each run) and progress on stderr. Exits 1 when
# any request failed.
#
#   bash scripts/bench-api.sh                          # the figures in bench/README.md (~8 min)
#   bash scripts/bench-api.sh --duration=5s            # a quick look
#   bash scripts/bench-api.sh --data=/tmp/api-bench    # seed there once, reuse it next time
#   bash scripts/bench-api.sh --breaches=20000 --policies=2000   # other options go to the seed tool
#
# Options:
#   --duration=D        wrk duration of each run (wrk syntax: 30s, 1m); default 30s
#   --connections=LIST  comma-separated concurrencies; default 64,256
#   --threads=N         wrk threads; default 2
#   --endpoints=LIST    which of breaches,summary to load; default both
#   --timeout=D         wrk's request timeout (slower answers count as errors); default 10s
#   --connection-close  send `Connection: close`: one request per connection, as clients that
#                       do not keep connections alive (default: keep-alive, as wrk does)
#   --data=DIR          seed into DIR (if it holds no slamon.db yet) and keep it; default: a
#                       temporary folder, removed at the end
#   --no-build          use the binaries already in the build directory
#   anything else       passed to slamon_bench_api_seed (BUILD_DIR/bench/api/slamon_bench_api_seed
#                       --help lists its options)
#
# BENCH_API_BUILD_DIR (default build-benchapi) is the build directory, BENCH_JOBS (default 2) the
# build parallelism. Needs wrk (apt-get install wrk), curl and ss.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/bench-common.sh
. "$repo/scripts/lib/bench-common.sh"
build_dir=${BENCH_API_BUILD_DIR:-$repo/build-benchapi}
jobs=${BENCH_JOBS:-2}
duration=30s
connections=64,256
threads=2
endpoints=breaches,summary
timeout=10s
connection_close=0
data_dir=
build=1
seed_args=()

for arg in "$@"; do
  case "$arg" in
    --duration=*) duration=${arg#*=} ;;
    --connections=*) connections=${arg#*=} ;;
    --threads=*) threads=${arg#*=} ;;
    --endpoints=*) endpoints=${arg#*=} ;;
    --timeout=*) timeout=${arg#*=} ;;
    --connection-close) connection_close=1 ;;
    --data=*) data_dir=${arg#*=} ;;
    --no-build) build=0 ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) seed_args+=("$arg") ;;
  esac
done
[[ $duration =~ ^[0-9]+[smh]?$ ]] || die "--duration must look like 30s, 2m or 10"
[[ $timeout =~ ^[0-9]+[smh]?$ ]] || die "--timeout must look like 10s"
[[ $connections =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--connections must look like 64,256"
[[ $threads =~ ^[1-9][0-9]*$ ]] || die "--threads must be a positive number"
[[ $endpoints =~ ^(breaches|summary)(,(breaches|summary))*$ ]] ||
  die "--endpoints must list breaches and/or summary"
command -v wrk >/dev/null || die "wrk is missing: apt-get install -y wrk"
command -v curl >/dev/null || die "curl is missing: apt-get install -y curl"

slamon=$build_dir/daemon/slamon
seeder=$build_dir/bench/api/slamon_bench_api_seed
if ((build)); then
  echo "== build (Release) in $build_dir ==" >&2
  cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DSLAMON_BUILD_BENCH=ON >/dev/null
  cmake --build "$build_dir" --target slamon slamon_bench_api_seed -j"$jobs" >/dev/null
fi
if [ ! -x "$slamon" ] || [ ! -x "$seeder" ]; then
  die "no slamon or slamon_bench_api_seed in $build_dir"
fi

# ---- seed ------------------------------------------------------------------------------------
cleanup_dir=
if [ -z "$data_dir" ]; then
  data_dir=$(mktemp -d "${TMPDIR:-/tmp}/slamon-bench-api.XXXXXX")
  cleanup_dir=$data_dir
fi
slamon_pid=
stop_slamon() {
  stop_pid "$slamon_pid" 10
  slamon_pid=
}
# shellcheck disable=SC2317  # called by the EXIT trap
on_exit() {
  stop_slamon
  if [ -n "$cleanup_dir" ]; then rm -rf "$cleanup_dir"; fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

mkdir -p "$data_dir"
if [ ! -e "$data_dir/slamon.db" ]; then
  echo "== seed into $data_dir ${seed_args[*]} ==" >&2
  "$seeder" --out="$data_dir" "${seed_args[@]}" >"$data_dir/seed.txt"
elif [ ${#seed_args[@]} -gt 0 ]; then
  die "$data_dir is already seeded; seed options (${seed_args[*]}) need an empty --data folder"
else
  echo "== reuse the data in $data_dir ==" >&2
fi
seeded() { sed -n "s/^$1=//p" "$data_dir/seed.txt"; }
token_file=$(seeded token_file)
expected_active=$(seeded active)

# ---- daemon ----------------------------------------------------------------------------------
port_in_use() { [ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]; }
port=$((20000 + RANDOM % 20000))
while port_in_use "$port"; do port=$((port + 1)); done
base=http://127.0.0.1:$port

echo "== slamon on $base ==" >&2
"$slamon" run --config.file="$data_dir/slamon.yml" --web.listen-address="127.0.0.1:$port" \
  --log.level=info >"$data_dir/slamon.log" 2>&1 &
slamon_pid=$!
started=$(date +%s%N)
for _ in $(seq 600); do
  if curl -fsS -o /dev/null "$base/-/ready" 2>/dev/null; then break; fi
  kill -0 "$slamon_pid" 2>/dev/null || {
    tail -20 "$data_dir/slamon.log" >&2
    die "slamon exited during start-up (log above)"
  }
  sleep 0.1
done
curl -fsS -o /dev/null "$base/-/ready" || die "slamon not ready after 60 s (log: $data_dir/slamon.log)"
ready_after=$(awk -v ns=$(($(date +%s%N) - started)) 'BEGIN { printf "%.1f", ns / 1e9 }')

# User + system CPU time of slamon (all threads), in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$slamon_pid/stat"; }
clk_tck=$(getconf CLK_TCK)
rss_kib() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$slamon_pid/status"; }
hwm_kib() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$slamon_pid/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

api() { curl -sS -H "Authorization: Bearer $(head -n1 "$token_file")" "$@"; }
breaches_path='/api/v1/sla/breaches?status=active&limit=50'
summary_path='/api/v1/sla/summary'
# One request each first: checks that the API serves the seeded data, and shows the latency of
# a single request on an idle daemon.
read -r status seconds < <(api -o "$data_dir/breaches.json" -w '%{http_code} %{time_total}\n' \
  "$base$breaches_path")
if [ "$status" = 200 ]; then
  total=$(grep -o '"total":[0-9]*' "$data_dir/breaches.json" | cut -d: -f2)
  [ "$total" = "$expected_active" ] ||
    die "the breach list says total=$total, the seed stored $expected_active active breaches"
  echo "breach list: total=$total, $(grep -o '"opened_at"' "$data_dir/breaches.json" | wc -l) items," \
    "$(wc -c <"$data_dir/breaches.json") bytes, ${seconds} s" >&2
  if [[ ,$endpoints, == *,summary,* ]]; then
    read -r status seconds < <(api -o "$data_dir/summary.json" -w '%{http_code} %{time_total}\n' \
      "$base$summary_path")
    echo "summary: HTTP $status, $(sed 's/,"recent_breaches".*/}/' "$data_dir/summary.json")," \
      "$(wc -c <"$data_dir/summary.json") bytes, ${seconds} s" >&2
  fi
else
  echo "WARNING: GET $breaches_path answers $status (the API is not served?)" >&2
fi

# ---- runs ------------------------------------------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "# REST API benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo
echo "- machine: $(nproc) CPUs ($cpu), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2), $threads threads, $duration per run," \
  "timeout $timeout, $( ((connection_close)) && echo "Connection: close" || echo keep-alive);" \
  "$("$slamon" version 2>/dev/null | head -1)"
echo "- data: $(seeded policies) policies ($(seeded provisioned_policies) provisioned," \
  "$(seeded api_policies) API), $(seeded breaches) breaches ($(seeded active) active," \
  "$(seeded acknowledged) acknowledged, $(seeded resolved) resolved), $(seeded events) events," \
  "$(seeded sites) sites in $(seeded orgs) org(s); database $(($(seeded database_bytes) / 1048576)) MiB"
echo "- slamon ready after $ready_after s, VmRSS $(mib "$(rss_kib)") MiB"
echo
echo "| # | endpoint | conns | requests/s | p50 ms | p90 ms | p99 ms | max ms | errors | waiting mid-run | slamon CPU cores | CPU ms/req | bytes/resp | RSS before MiB | RSS after MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"

failed=0
run=0
case $duration in
  *m) duration_s=$((${duration%m} * 60)) ;;
  *h) duration_s=$((${duration%h} * 3600)) ;;
  *) duration_s=${duration%s} ;;
esac
# Connections to slamon's port other than the listener, in any state: a request that wrk gave
# up on keeps its socket (CLOSE-WAIT) until slamon has answered it.
server_sockets() { ss -Htn "sport = :$port" 2>/dev/null | grep -vc LISTEN || true; }
wrk_run() { # ENDPOINT_NAME PATH CONNECTIONS
  local name=$1 path=$2 conns=$3 before after line waiting wrk_pid drained cpu_before cpu_after
  run=$((run + 1))
  before=$(rss_kib)
  cpu_before=$(cpu_ticks)
  echo "-- run $run: $name, $conns connections, $duration" >&2
  SLAMON_BENCH_TOKEN_FILE=$token_file SLAMON_BENCH_CLOSE=$connection_close \
    wrk -t"$threads" -c"$conns" -d"$duration" --timeout "$timeout" \
    -s "$repo/bench/api/wrk.lua" "$base$path" >"$data_dir/wrk.out" &
  wrk_pid=$!
  # Half-way: how many connections have a request slamon has not read yet (Recv-Q > 0), i.e.
  # are waiting for a worker thread rather than being served.
  sleep "$(awk -v d="$duration_s" 'BEGIN { print d / 2 }')"
  waiting=$(ss -Htn state established "sport = :$port" 2>/dev/null | awk '$1 > 0' | wc -l)
  wait "$wrk_pid" || die "wrk failed (output in $data_dir/wrk.out)"
  cat "$data_dir/wrk.out" >>"$data_dir/wrk.log"
  line=$(grep '^BENCH ' "$data_dir/wrk.out") || die "wrk printed no result (see $data_dir/wrk.log)"
  kill -0 "$slamon_pid" 2>/dev/null || die "slamon died during the run (log: $data_dir/slamon.log)"
  after=$(rss_kib)
  cpu_after=$(cpu_ticks)
  echo "$line waiting_mid_run=$waiting cpu_ticks=$((cpu_after - cpu_before))" >&2
  awk -v run="$run" -v name="$name" -v conns="$conns" -v before="$before" -v after="$after" \
    -v waiting="$waiting" -v cpu_ms="$(((cpu_after - cpu_before) * 1000 / clk_tck))" '
    {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      errors = v["connect"] + v["read"] + v["write"] + v["status"] + v["timeout"]
      detail = errors == 0 ? "0" : sprintf("%d (status %d, connect %d, read %d, write %d, timeout %d)",
        errors, v["status"], v["connect"], v["read"], v["write"], v["timeout"])
      seconds = v["duration_us"] / 1e6
      printf "| %d | %s | %d | %.0f | %.2f | %.2f | %.2f | %.1f | %s | %d | %.2f | %.2f | %.0f | %.1f | %.1f |\n",
        run, name, conns, v["requests"] / seconds, v["p50_us"] / 1000,
        v["p90_us"] / 1000, v["p99_us"] / 1000, v["max_us"] / 1000, detail, waiting,
        cpu_ms / 1000 / seconds, v["requests"] ? cpu_ms / v["requests"] : 0,
        v["requests"] ? v["bytes"] / v["requests"] : 0, before / 1024, after / 1024
      exit errors == 0 ? 0 : 3
    }' <<<"$line" || failed=1
  # Requests still queued when wrk stopped are served anyway; wait for them (up to 10 min), so
  # they do not load the next run.
  drained=0
  while [ "$(server_sockets)" -gt 0 ] && ((drained < 600)); do
    sleep 1
    drained=$((drained + 1))
  done
  if ((drained > 1)); then echo "   slamon drained the queued requests in ~${drained} s" >&2; fi
  sleep 1
}

IFS=, read -r -a concurrencies <<<"$connections"
if [[ ,$endpoints, == *,breaches,* ]]; then
  for i in "${!concurrencies[@]}"; do
    wrk_run "breaches?status=active&limit=50" "$breaches_path" "${concurrencies[$i]}"
    if ((i == 0)); then
      wrk_run "breaches?status=active&limit=50" "$breaches_path" "${concurrencies[$i]}"
    fi
  done
fi
if [[ ,$endpoints, == *,summary,* ]]; then
  for conns in "${concurrencies[@]}"; do
    wrk_run "summary" "$summary_path" "$conns"
  done
fi

echo
echo "- after the runs: VmRSS $(mib "$(rss_kib)") MiB, VmHWM $(mib "$(hwm_kib)") MiB;" \
  "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
stop_slamon
exit "$failed"
