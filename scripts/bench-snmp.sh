#!/usr/bin/env bash
# SNMP polling benchmark (bench/snmp/README.md): slamon against prometheus-snmp-exporter, in
# one run, polling the same simulated devices for the same OIDs. snmpd processes on loopback
# (1,000 UDP ports each; every port is one device with the same synthetic ifTable: ifIndex
# 1..5, ifOperStatus, ifInErrors, ifOutErrors and the Counter64 ifHCInUcastPkts) serve
# 1 + 4 × 5 = 21 varbinds per device.
#
#   1. side by side (--devices, --rounds, --modes): slamon's SnmpPoller
#      (slamon_bench_snmp_poller) and prometheus-snmp-exporter driven like Prometheus
#      (slamon_bench_snmp_scrape, --concurrency scrapes in flight); CPU seconds per 10,000
#      varbinds and peak RSS of each;
#   2. scale (--scale): the poller (and with --scale-exporter the exporter) at 5,000, 10,000
#      and 20,000 devices: round wall time and CPU, and the devices a 60 s interval could hold
#      on 2 cores (an extrapolation from the CPU);
#   3. the daemon (--daemon): the real `slamon run` with those devices in its inventory on an
#      snmp source (60 s interval), measured over --daemon-intervals intervals from /proc and
#      its own slamon_snmp_* metrics (varbinds, missed polls).
#
# The devices are spread over all agents and polled round-robin across them. Markdown tables go
# to stdout, progress to stderr. Every process started here is stopped on exit. Exits 1 when a
# run had failed polls or scrapes, or the daemon missed a poll or left a device down.
#
#   bash scripts/bench-snmp.sh --scale-exporter    # the figures in bench/snmp/README.md (~15 min)
#   bash scripts/bench-snmp.sh --devices=200 --rounds=2 --scale= --no-daemon    # a quick look
#   bash scripts/bench-snmp.sh --scale=5000 --no-daemon --no-build              # ~1 min
#
# Options:
#   --devices=N           devices in the side-by-side runs; default 1000
#   --rounds=N            measured rounds per side-by-side run (after 1 warm-up); default 5
#   --modes=LIST          get (GET of the 21 instances) and/or walk (GET sysUpTime.0, GETBULK
#                         walks of the 4 columns); default get,walk
#   --concurrency=N       exporter scrapes in flight; default 64
#   --no-exporter         skip prometheus-snmp-exporter
#   --scale=LIST          fleet sizes of the scale runs; default 5000,10000,20000; empty to skip
#   --scale-rounds=N      measured rounds per scale size; default 3
#   --scale-exporter      also run the exporter at the scale sizes
#   --daemon / --no-daemon  run the daemon part; default: only when the build's daemon exports
#                         slamon_snmp_target_up
#   --daemon-devices=N    devices in the daemon's inventory; default 5000
#   --daemon-intervals=N  60 s intervals measured (after the first round); default 3
#   --daemon-interval=S   the snmp source's interval in seconds; default 60
#   --daemon-interfaces=N interfaces listed per device in the inventory; default 4, so the
#                         daemon's OIDs (sysUpTime.0 and 5 columns per interface: the 4 above
#                         and ifHCOutUcastPkts) are 21 varbinds per device too
#   --interfaces=N        interfaces per device; default 5
#   --walk-max-repetitions=N  GETBULK max-repetitions of the walk mode, both pollers; default
#                         interfaces + 1 (each column's rows and the one that ends it): every
#                         repetition past a column costs the simulated agent a pass_persist
#                         round trip, and with 25 the agents, not the pollers, are measured
#   --ports-per-agent=N   UDP ports per snmpd process; default 1000
#   --first-port=P        lowest UDP port to use; default 12001 (below the ephemeral range)
#   --keep                keep the working folder (configs, logs)
#   --no-build            use the binaries already in the build directory
#
# BENCH_SNMP_BUILD_DIR (default build-bench) is the build directory, BENCH_JOBS (default 2) the
# build parallelism. Needs snmpd, snmpget (snmp), prometheus-snmp-exporter, curl, ss, mawk or
# gawk (scripts/install-deps.sh).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/bench-common.sh
. "$repo/scripts/lib/bench-common.sh"
build_dir=${BENCH_SNMP_BUILD_DIR:-$repo/build-bench}
jobs=${BENCH_JOBS:-2}
devices=1000
rounds=5
modes=get,walk
concurrency=64
exporter=1
scale=5000,10000,20000
scale_rounds=3
scale_exporter=0
daemon=auto
daemon_devices=5000
daemon_intervals=3
daemon_interval=60
daemon_interfaces=4
interfaces=5
walk_max_repetitions=
ports_per_agent=1000
first_port=12001
keep=0
build=1
community=bench

positive() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive whole number, got '$2'"; }

for arg in "$@"; do
  case "$arg" in
    --devices=*) devices=${arg#*=} ;;
    --rounds=*) rounds=${arg#*=} ;;
    --modes=*) modes=${arg#*=} ;;
    --concurrency=*) concurrency=${arg#*=} ;;
    --no-exporter) exporter=0 ;;
    --scale=*) scale=${arg#*=} ;;
    --scale-rounds=*) scale_rounds=${arg#*=} ;;
    --scale-exporter) scale_exporter=1 ;;
    --daemon) daemon=1 ;;
    --no-daemon) daemon=0 ;;
    --daemon-devices=*) daemon_devices=${arg#*=} ;;
    --daemon-intervals=*) daemon_intervals=${arg#*=} ;;
    --daemon-interval=*) daemon_interval=${arg#*=} ;;
    --daemon-interfaces=*) daemon_interfaces=${arg#*=} ;;
    --interfaces=*) interfaces=${arg#*=} ;;
    --walk-max-repetitions=*) walk_max_repetitions=${arg#*=} ;;
    --ports-per-agent=*) ports_per_agent=${arg#*=} ;;
    --first-port=*) first_port=${arg#*=} ;;
    --keep) keep=1 ;;
    --no-build) build=0 ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) die "unknown option $arg (see --help)" ;;
  esac
done
for pair in devices:$devices rounds:$rounds concurrency:$concurrency \
  scale-rounds:$scale_rounds daemon-devices:$daemon_devices daemon-intervals:$daemon_intervals \
  daemon-interval:$daemon_interval daemon-interfaces:$daemon_interfaces \
  interfaces:$interfaces ports-per-agent:$ports_per_agent first-port:$first_port; do
  positive "--${pair%%:*}" "${pair#*:}"
done
[[ $modes =~ ^(get|walk)(,(get|walk))*$ ]] || die "--modes must list get and/or walk"
[[ -z $scale || $scale =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "--scale must look like 5000,10000"
((interfaces <= 100)) || die "--interfaces must be at most 100"
((daemon_interfaces <= interfaces)) || die "--daemon-interfaces must be at most --interfaces"
walk_max_repetitions=${walk_max_repetitions:-$((interfaces + 1))}
positive --walk-max-repetitions "$walk_max_repetitions"
for tool in /usr/sbin/snmpd snmpget curl ss; do
  command -v "$tool" >/dev/null || die "$tool is missing: run scripts/install-deps.sh"
done
if ((exporter)); then
  command -v prometheus-snmp-exporter >/dev/null ||
    die "prometheus-snmp-exporter is missing: apt-get install -y prometheus-snmp-exporter"
fi
# mawk reads a pipe in blocks unless told otherwise; snmpd's pass_persist needs line by line.
if command -v mawk >/dev/null; then
  awk_persist=("$(command -v mawk)" -W interactive)
elif command -v gawk >/dev/null; then
  awk_persist=("$(command -v gawk)")
else
  die "mawk or gawk is needed for the snmpd pass_persist helper"
fi

poller=$build_dir/bench/snmp/slamon_bench_snmp_poller
scraper=$build_dir/bench/snmp/slamon_bench_snmp_scrape
slamon=$build_dir/daemon/slamon
if ((build)); then
  echo "== build (Release) in $build_dir ==" >&2
  cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DSLAMON_BUILD_BENCH=ON >/dev/null
  targets=(slamon_bench_snmp_poller slamon_bench_snmp_scrape)
  [ "$daemon" = 0 ] || targets+=(slamon)
  cmake --build "$build_dir" --target "${targets[@]}" -j"$jobs" >/dev/null
fi
[ -x "$poller" ] || die "no $poller (build it, or drop --no-build)"
((!exporter)) || [ -x "$scraper" ] || die "no $scraper (build it, or drop --no-build)"
if [ "$daemon" = auto ]; then
  daemon=0
  if [ -x "$slamon" ] && grep -q slamon_snmp_target_up "$slamon" 2>/dev/null; then daemon=1; fi
  ((daemon)) || echo "(daemon part skipped: $slamon does not export slamon_snmp_* yet)" >&2
fi
((!daemon)) || [ -x "$slamon" ] || die "no $slamon (build it, or drop --no-build)"

# Many sockets: snmpd's ports, the poller's sessions, the exporter's connections.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

work=$(mktemp -d "${TMPDIR:-/tmp}/slamon-bench-snmp.XXXXXX")
agent_pids=()
exporter_pid=
slamon_pid=
# shellcheck disable=SC2317  # called by the EXIT trap
on_exit() {
  stop_pid "$slamon_pid"
  stop_pid "$exporter_pid"
  for pid in "${agent_pids[@]}"; do stop_pid "$pid"; done
  if ((keep)); then echo "working folder kept: $work" >&2; else rm -rf "$work"; fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

load() { cut -d' ' -f1-3 /proc/loadavg; }
kv() { sed -n "s/^$2=//p" "$1" | head -1; } # FILE KEY
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# ---- agents ----------------------------------------------------------------------------------
need=$devices
for n in ${scale//,/ }; do ((n > need)) && need=$n; done
((daemon && daemon_devices > need)) && need=$daemon_devices
agents=$(((need + ports_per_agent - 1) / ports_per_agent))

declare -A used_ports=()
while read -r port; do
  used_ports[$port]=1
done < <(ss -Huan | awk '{ sub(/.*:/, "", $4); print $4 }')
agent_base=()
port=$first_port
for ((k = 0; k < agents; k++)); do
  while :; do
    ((port + ports_per_agent - 1 <= 65535)) || die "not enough free UDP ports from $first_port"
    clash=
    for ((p = port; p < port + ports_per_agent; p++)); do
      if [ -n "${used_ports[$p]:-}" ]; then
        clash=$p
        break
      fi
    done
    [ -z "$clash" ] && break
    port=$((clash + 1))
  done
  agent_base+=("$port")
  port=$((port + ports_per_agent))
done
if ((port > 32768)); then
  echo "note: UDP ports up to $((port - 1)) overlap the ephemeral range; use --first-port lower" >&2
fi
# N devices as a port list, spread evenly over every agent ("12001-12050,13001-13050,..."). The
# drivers take them round-robin from these ranges (--interleave), so consecutive devices are in
# different snmpd processes, as consecutive devices of a network are different agents.
ports_for() {
  local n=$1 list='' k take
  for ((k = 0; k < agents; k++)); do
    take=$((n / agents + (k < n % agents ? 1 : 0)))
    ((take > 0)) || continue
    list+="${list:+,}${agent_base[$k]}-$((agent_base[k] + take - 1))"
  done
  echo "$list"
}

# snmpd serves ifTable/ifXTable rows 1..N from this configuration, the same on every port:
# `override` for ifOperStatus (up), ifInErrors and ifOutErrors (constant: no errors); a
# pass_persist helper for the Counter64 ifHCInUcastPkts and ifHCOutUcastPkts (override has no
# Counter64), which grow with the clock like a busy interface's. sysUpTime is the agent's own.
cat >"$work/hc.awk" <<EOF
# snmpd pass_persist for ifXTable's ifHCInUcastPkts (.7) and ifHCOutUcastPkts (.11), rows
# 1..$interfaces, Counter64; see scripts/bench-snmp.sh.
BEGIN {
  base = ".1.3.6.1.2.1.31.1.1.1"; n = $interfaces; count = 0
  for (column = 7; column <= 11; column += 4)
    for (i = 1; i <= n; i++) {
      count++; name[count] = base "." column "." i; rate[count] = 1000 * i
    }
}
# -1, 0 or 1 as OID a sorts before, with or after OID b.
function compare(a, b,   x, y, lx, ly, k) {
  lx = split(substr(a, 2), x, "."); ly = split(substr(b, 2), y, ".")
  for (k = 1; k <= lx && k <= ly; k++) if (x[k] + 0 != y[k] + 0) return x[k] + 0 < y[k] + 0 ? -1 : 1
  return lx == ly ? 0 : (lx < ly ? -1 : 1)
}
function answer(k,   now) {
  srand(); now = srand()  # the time of day, in seconds: srand() returns the previous seed
  printf "%s\ncounter64\n%.0f\n", name[k], now * rate[k]; fflush()
}
function none() { print "NONE"; fflush() }
\$0 == "PING" { print "PONG"; fflush(); next }
\$0 == "get" {
  getline oid
  for (k = 1; k <= count; k++) if (name[k] == oid) { answer(k); next }
  none(); next
}
\$0 == "getnext" {
  getline oid
  for (k = 1; k <= count; k++) if (compare(name[k], oid) > 0) { answer(k); next }
  none(); next
}
\$0 == "set" { getline; getline; print "not-writable"; fflush(); next }
EOF
{
  echo "rocommunity $community 127.0.0.1"
  echo "dontLogTCPWrappersConnects yes"
  for ((i = 1; i <= interfaces; i++)); do
    echo "override .1.3.6.1.2.1.2.2.1.8.$i integer 1"
    echo "override .1.3.6.1.2.1.2.2.1.14.$i counter $((i * 3))"
    echo "override .1.3.6.1.2.1.2.2.1.20.$i counter $((i * 7))"
  done
  echo "pass_persist .1.3.6.1.2.1.31.1.1.1 ${awk_persist[*]} -f $work/hc.awk"
} >"$work/snmpd.conf"
mkdir -p "$work/nomibs"
snmp_env=(env MIBS= MIBDIRS="$work/nomibs")

varbinds_per_device=$((1 + 4 * interfaces))
echo "== $agents snmpd process(es), $ports_per_agent ports each, from UDP $first_port ==" >&2
for ((k = 0; k < agents; k++)); do
  mkdir -p "$work/agent-$k"
  base=${agent_base[$k]}
  # Only the modules the devices need: sysUpTime, override, pass_persist, access control.
  "${snmp_env[@]}" SNMP_PERSISTENT_DIR="$work/agent-$k" /usr/sbin/snmpd -f -C \
    -c "$work/snmpd.conf" -Lf "$work/agent-$k/snmpd.log" \
    -I system_mib,override,pass_persist,vacm_conf,vacm_vars \
    $(seq -f 'udp:127.0.0.1:%g' "$base" $((base + ports_per_agent - 1))) &
  agent_pids+=($!)
done
for ((k = 0; k < agents; k++)); do
  last=$((agent_base[k] + ports_per_agent - 1))
  ready=0
  for _ in $(seq 150); do
    if "${snmp_env[@]}" snmpget -On -v2c -c "$community" -t 0.2 -r 0 "127.0.0.1:$last" \
      1.3.6.1.2.1.31.1.1.1.7.1 >/dev/null 2>&1; then
      ready=1
      break
    fi
    kill -0 "${agent_pids[$k]}" 2>/dev/null || break
    sleep 0.2
  done
  ((ready)) || {
    tail -5 "$work/agent-$k/snmpd.log" >&2
    die "snmpd $k (ports ${agent_base[$k]}-$last) did not answer (log above)"
  }
done
# One device's full answer, as a check of the agents' data.
"${snmp_env[@]}" snmpget -On -v2c -c "$community" "127.0.0.1:${agent_base[0]}" \
  1.3.6.1.2.1.1.3.0 1.3.6.1.2.1.2.2.1.8.1 1.3.6.1.2.1.2.2.1.14.1 1.3.6.1.2.1.2.2.1.20.1 \
  1.3.6.1.2.1.31.1.1.1.7.1 | sed 's/^/  /' >&2

# ---- the exporter ----------------------------------------------------------------------------
port_in_use() { [ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]; }
free_tcp_port() {
  local p=$((20000 + RANDOM % 20000))
  while port_in_use "$p"; do p=$((p + 1)); done
  echo "$p"
}
{
  for mode in get walk; do
    echo "slamon_bench_$mode:"
    if [ "$mode" = get ]; then
      echo "  get:"
      echo "  - 1.3.6.1.2.1.1.3.0"
      for column in 1.3.6.1.2.1.2.2.1.8 1.3.6.1.2.1.2.2.1.14 1.3.6.1.2.1.2.2.1.20 \
        1.3.6.1.2.1.31.1.1.1.7; do
        for ((i = 1; i <= interfaces; i++)); do echo "  - $column.$i"; done
      done
    else
      echo "  get:"
      echo "  - 1.3.6.1.2.1.1.3.0"
      echo "  walk:"
      echo "  - 1.3.6.1.2.1.2.2.1.8"
      echo "  - 1.3.6.1.2.1.2.2.1.14"
      echo "  - 1.3.6.1.2.1.2.2.1.20"
      echo "  - 1.3.6.1.2.1.31.1.1.1.7"
    fi
    echo "  max_repetitions: $([ "$mode" = walk ] && echo "$walk_max_repetitions" || echo 25)"
    cat <<'EOF'
  metrics:
  - name: sysUpTime
    oid: 1.3.6.1.2.1.1.3
    type: gauge
    help: The time since the network management portion of the system was last re-initialised.
  - name: ifOperStatus
    oid: 1.3.6.1.2.1.2.2.1.8
    type: gauge
    help: The current operational state of the interface.
    indexes:
    - labelname: ifIndex
      type: gauge
  - name: ifInErrors
    oid: 1.3.6.1.2.1.2.2.1.14
    type: counter
    help: Inbound packets that contained errors.
    indexes:
    - labelname: ifIndex
      type: gauge
  - name: ifOutErrors
    oid: 1.3.6.1.2.1.2.2.1.20
    type: counter
    help: Outbound packets that could not be transmitted because of errors.
    indexes:
    - labelname: ifIndex
      type: gauge
  - name: ifHCInUcastPkts
    oid: 1.3.6.1.2.1.31.1.1.1.7
    type: counter
    help: Unicast packets delivered to a higher-layer protocol (64-bit).
    indexes:
    - labelname: ifIndex
      type: gauge
  version: 2
  retries: 1
  timeout: 2s
  auth:
    community: bench
EOF
  done
} >"$work/snmp.yml"
if ((exporter)); then
  prometheus-snmp-exporter --config.file="$work/snmp.yml" --dry-run >/dev/null 2>&1 ||
    die "prometheus-snmp-exporter rejects $work/snmp.yml (run it with --dry-run to see why)"
fi

exporter_port=
start_exporter() {
  exporter_port=$(free_tcp_port)
  prometheus-snmp-exporter --config.file="$work/snmp.yml" --log.level=warn \
    --web.listen-address="127.0.0.1:$exporter_port" >>"$work/exporter.log" 2>&1 &
  exporter_pid=$!
  for _ in $(seq 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$exporter_port/metrics" 2>/dev/null && return 0
    kill -0 "$exporter_pid" 2>/dev/null || break
    sleep 0.1
  done
  tail -5 "$work/exporter.log" >&2
  die "prometheus-snmp-exporter did not start (log above)"
}
stop_exporter() {
  stop_pid "$exporter_pid"
  exporter_pid=
}

# CPU seconds of every snmpd and its pass_persist helper so far.
agents_cpu() {
  local pids
  pids=$(
    IFS=,
    echo "${agent_pids[*]}"
  )
  # shellcheck disable=SC2046  # one path per process
  awk -v tck="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); sum += $12 + $13 }
    END { printf "%.2f", sum / tck }' \
    $(printf '/proc/%s/stat ' "${agent_pids[@]}" $(pgrep -P "$pids"))
}
# Appends the agents' CPU since BEFORE and the load average to a driver's output.
finish_run() { # OUT BEFORE
  echo "agents_cpu_s=$(awk -v a="$(agents_cpu)" -v b="$2" 'BEGIN { print a - b }')" >>"$1"
  echo "load_after=$(load)" >>"$1"
}
failed=0
run_poller() { # OUT DEVICES ROUNDS MODE
  local out=$1 n=$2 r=$3 mode=$4 walk=()
  [ "$mode" = walk ] && walk=(--walk --max-repetitions="$walk_max_repetitions")
  echo "-- slamon SnmpPoller: $n devices, $mode, $r rounds (load $(load))" >&2
  agents_before=$(agents_cpu)
  "$poller" --ports="$(ports_for "$n")" --interleave --community="$community" \
    --interfaces="$interfaces" \
    --rounds="$r" --warmup-rounds=1 "${walk[@]}" >"$out" || failed=1
  finish_run "$out" "$agents_before"
}
run_exporter() { # OUT DEVICES ROUNDS MODE
  local out=$1 n=$2 r=$3 mode=$4
  start_exporter
  echo "-- prometheus-snmp-exporter: $n devices, $mode, $r rounds, $concurrency scrapes in flight" \
    "(load $(load))" >&2
  agents_before=$(agents_cpu)
  "$scraper" --exporter="127.0.0.1:$exporter_port" --exporter-pid="$exporter_pid" \
    --ports="$(ports_for "$n")" --interleave --module="slamon_bench_$mode" \
    --expected-samples="$varbinds_per_device" --concurrency="$concurrency" --rounds="$r" \
    --warmup-rounds=1 >"$out" || failed=1
  finish_run "$out" "$agents_before"
  stop_exporter
}

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "# SNMP polling benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo
memory=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
snmpd_version=$(/usr/sbin/snmpd -v 2>/dev/null | sed -n 's/^NET-SNMP version: *//p')
echo "- machine: $(nproc) CPUs ($cpu_model), $memory;" \
  "load average at start: $(load)"
echo "- agents: $agents snmpd ($snmpd_version) × $ports_per_agent" \
  "UDP ports on 127.0.0.1, one device per port, $interfaces interfaces each:" \
  "$varbinds_per_device varbinds per device (sysUpTime.0; ifOperStatus, ifInErrors, ifOutErrors," \
  "ifHCInUcastPkts × $interfaces); SNMP v2c, timeout 2 s, 1 retry; walk mode: GETBULK" \
  "max-repetitions $walk_max_repetitions"
if ((exporter)); then
  echo "- $(prometheus-snmp-exporter --version 2>&1 | head -1), scraped like Prometheus:" \
    "$concurrency scrapes in flight, keep-alive, Accept-Encoding: gzip"
fi

# ---- 1. side by side -------------------------------------------------------------------------
# A table row from a driver's key=value output: poller (slamon_bench_snmp_poller) or exporter
# (slamon_bench_snmp_scrape, whose CPU and memory figures are the exporter's).
side_row() { # FILE NAME MODE
  awk -F= -v name="$2" -v mode="$3" '{ v[$1] = substr($0, length($1) + 2) }
    END {
      exporter = ("exporter_cpu_s" in v)
      cpu = exporter ? v["exporter_cpu_s"] : v["cpu_s"]
      hwm = exporter ? v["exporter_vmhwm_kib"] : v["vmhwm_kib"]
      failed = exporter ? v["failed_scrapes"] : v["failed_polls"]
      printf "| %s | %s | %d | %d | %d (%d) | %.3f | **%s** | %.3f / %.3f s | %.1f MiB |\n", name,
        mode, v["varbinds"], failed, v["requests"], v["retries"], cpu,
        (v["varbinds"] > 0 ? sprintf("%.3f", cpu * 10000 / v["varbinds"]) : "n/a"),
        v["wall_round_median_s"], v["wall_round_max_s"], hwm / 1024
    }' "$1"
}
# slamon's CPU per varbind as a share of the exporter's.
cpu_share() { # POLLER_FILE EXPORTER_FILE
  awk -F= '{ v[FILENAME, $1] = substr($0, length($1) + 2) }
    END {
      p = v[ARGV[1], "cpu_s"] / v[ARGV[1], "varbinds"]
      e = v[ARGV[2], "exporter_cpu_s"] / v[ARGV[2], "varbinds"]
      printf "%.1f %%", 100 * p / e
    }' "$1" "$2" 2>/dev/null || echo "n/a"
}

IFS=, read -r -a mode_list <<<"$modes"
for mode in "${mode_list[@]}"; do
  run_poller "$work/side-poller-$mode.txt" "$devices" "$rounds" "$mode"
  if ((exporter)); then
    run_exporter "$work/side-exporter-$mode.txt" "$devices" "$rounds" "$mode"
  fi
done

echo
echo "## Side by side: $devices devices × $rounds rounds (after 1 warm-up round)"
echo
echo "| poller | mode | varbinds | failed polls | SNMP requests (retries) | CPU s |" \
  "CPU s / 10,000 varbinds | round wall median / max | peak RSS |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for mode in "${mode_list[@]}"; do
  side_row "$work/side-poller-$mode.txt" "slamon SnmpPoller" "$mode"
  if ((exporter)); then side_row "$work/side-exporter-$mode.txt" snmp_exporter "$mode"; fi
done
echo
for mode in "${mode_list[@]}"; do
  f=$work/side-poller-$mode.txt
  echo "- $mode, slamon: the driver's RSS before it created the poller" \
    "$(mib "$(kv "$f" rss_before_poller_kib)") MiB (part of its peak); failures:" \
    "$(kv "$f" failures); the agents' CPU (warm-up included) $(kv "$f" agents_cpu_s) s;" \
    "load after: $(kv "$f" load_after)"
  if ((exporter)); then
    g=$work/side-exporter-$mode.txt
    echo "- $mode, snmp_exporter: the scraping client's own CPU (in neither figure)" \
      "$(kv "$g" scraper_cpu_s) s; first failure: $(kv "$g" first_failure); the agents' CPU" \
      "(warm-up included) $(kv "$g" agents_cpu_s) s; load after: $(kv "$g" load_after)"
    echo "- $mode: **slamon's CPU per varbind is $(cpu_share "$f" "$g") of snmp_exporter's**" \
      "(goal: at most 50 %)"
  fi
done

# ---- 2. scale --------------------------------------------------------------------------------
# A row: CPU per device poll, and 2 cores × 60 s divided by it.
scale_row() { # FILE NAME DEVICES
  awk -F= -v name="$2" -v n="$3" '{ v[$1] = substr($0, length($1) + 2) }
    END {
      exporter = ("exporter_cpu_s" in v)
      cpu = exporter ? v["exporter_cpu_round_median_s"] : v["cpu_round_median_s"]
      hwm = exporter ? v["exporter_vmhwm_kib"] : v["vmhwm_kib"]
      failed = exporter ? v["failed_scrapes"] : v["failed_polls"]
      per = cpu / n
      printf "| %s | %d | %.0f | %d | %.2f / %.2f s | %.3f s | %.3f | %.1f MiB | %s | %.2f s |\n",
        name, n, v["varbinds"] / v["rounds"], failed, v["wall_round_median_s"],
        v["wall_round_max_s"], cpu, per * 1000, hwm / 1024,
        (per > 0 ? sprintf("%.0f", 120 / per) : "n/a"), v["agents_cpu_s"] / (v["rounds"] + 1)
    }' "$1"
}
if [ -n "$scale" ]; then
  for n in ${scale//,/ }; do
    run_poller "$work/scale-poller-$n.txt" "$n" "$scale_rounds" get
    if ((exporter && scale_exporter)); then
      run_exporter "$work/scale-exporter-$n.txt" "$n" "$scale_rounds" get
    fi
  done
  echo
  echo "## Scale: GET mode, $scale_rounds rounds back to back per size (after 1 warm-up round)"
  echo
  echo "| poller | devices | varbinds / round | failed polls | round wall median / max |" \
    "CPU per round (median) | CPU ms per device poll | peak RSS |" \
    "devices per 60 s on 2 cores, from the CPU (extrapolated) | the agents' CPU per round |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for n in ${scale//,/ }; do
    scale_row "$work/scale-poller-$n.txt" "slamon SnmpPoller" "$n"
    if ((exporter && scale_exporter)); then
      scale_row "$work/scale-exporter-$n.txt" snmp_exporter "$n"
    fi
  done
  echo
  echo "The last column is 2 cores × 60 s divided by the CPU per device poll: an extrapolation" \
    "that assumes the CPU stays linear in the devices and that nothing else needs the cores." \
    "The round wall times are measured, with every snmpd on the same 2 cores."
fi

# ---- 3. the daemon ---------------------------------------------------------------------------
if ((daemon)); then
  n=$daemon_devices
  dir=$work/daemon
  mkdir -p "$dir/rules" "$dir/inventory"
  sites=$(((n + 9) / 10))
  org=00000000-0000-4000-8000-000000000001
  cat >"$dir/slamon.yml" <<EOF
global:
  evaluation_interval: ${daemon_interval}s
  storage_path: $dir/slamon.db
  reports_dir: $dir/reports
  log_level: info
rule_files: ["rules/*.yml"]
inventory_files: ["inventory/*.yml"]
sources:
  - name: bench
    type: snmp
    version: 2c
    community: $community
    interval: ${daemon_interval}s
    timeout: 2s
    retries: 1
    max_repetitions: 25
measurements:
  - metric: uptime_percent
    scopes: [site]
    source: bench
    snmp: reachability
    aggregate: avg
  - metric: error_rate
    scopes: [site]
    source: bench
    snmp: if_error_ratio
    aggregate: worst
EOF
  ifs=$(seq -s ', ' 1 "$daemon_interfaces")
  awk -v n="$n" -v sites="$sites" -v org="$org" -v ports="$(ports_for "$n")" -v ifs="$ifs" 'BEGIN {
    print "organizations:"
    printf "  - id: %s\n    name: SNMP bench\n    sites:\n", org
    for (s = 1; s <= sites; s++)
      printf "      - {id: 10000000-0000-4000-8000-%012d, name: site-%05d}\n", s, s
    print "    devices:"
    # Round-robin over the agents, as the drivers do (--interleave).
    parts = split(ports, ranges, ",")
    for (r = 1; r <= parts; r++) {
      split(ranges[r], bounds, "-"); first[r] = bounds[1]; last[r] = bounds[2]
    }
    d = 0
    for (offset = 0; d < n; offset++) {
      for (r = 1; r <= parts && d < n; r++) {
        if (first[r] + offset > last[r]) continue
        d++
        printf "      - {id: 20000000-0000-4000-8000-%012d, name: dev-%05d, kind: switch,", d, d
        printf " site: 10000000-0000-4000-8000-%012d,", int((d - 1) / 10) + 1
        printf " snmp: {source: bench, address: \"127.0.0.1:%d\", interfaces: [%s]}}\n",
          first[r] + offset, ifs
      }
    }
  }' >"$dir/inventory/bench.yml"
  awk -v sites="$sites" -v org="$org" 'BEGIN {
    print "policies:"
    for (s = 1; s <= sites; s++) {
      printf "  - {id: site-%05d, org: %s, name: Site %05d network, scope: site,", s, org, s
      printf " scope_id: 10000000-0000-4000-8000-%012d,", s
      print " thresholds: {uptime_percent_min: 99, error_rate_max: 0.01}}"
    }
  }' >"$dir/rules/bench.yml"
  "$slamon" check config "$dir/slamon.yml" >"$dir/check.log" 2>&1 || {
    tail -20 "$dir/check.log" >&2
    die "slamon check config rejects the generated configuration (above)"
  }

  slamon_port=$(free_tcp_port)
  base_url=http://127.0.0.1:$slamon_port
  echo "-- slamon daemon: $n devices, interval ${daemon_interval}s, $daemon_intervals" \
    "intervals (load $(load))" >&2
  "$slamon" run --config.file="$dir/slamon.yml" --web.listen-address="127.0.0.1:$slamon_port" \
    >"$dir/slamon.log" 2>&1 &
  slamon_pid=$!
  metric_sum() { # FILE NAME: the sum over every series of NAME
    awk -v name="$2" '$1 == name || index($1, name "{") == 1 { sum += $NF; found = 1 }
      END { if (found) printf "%.6f\n", sum; else print "" }' "$1"
  }
  scrape() { curl -fsS -o "$1" "$base_url/metrics"; }
  cpu_of() {
    awk -v tck="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f\n", ($12 + $13) / tck }' \
      "/proc/$slamon_pid/stat"
  }
  polls_in() { awk '{ printf "%d", $1 }' <<<"$(metric_sum "$1" slamon_snmp_polls_total)"; }
  # The measurement starts once the first round (which runs at start-up) has finished.
  polls0=0
  for _ in $(seq $((daemon_interval * 2 + 120))); do
    kill -0 "$slamon_pid" 2>/dev/null || {
      tail -20 "$dir/slamon.log" >&2
      die "slamon exited (log above)"
    }
    if scrape "$dir/m0.txt" 2>/dev/null; then
      polls0=$(polls_in "$dir/m0.txt")
      ((polls0 >= 1)) && break
    fi
    sleep 1
  done
  ((polls0 >= 1)) ||
    die "slamon finished no SNMP round (slamon_snmp_polls_total; log: $dir/slamon.log)"
  cpu0=$(cpu_of)
  rss0=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$slamon_pid/status")
  agents0=$(agents_cpu)
  t0=$(date +%s.%N)
  vb_first=$(metric_sum "$dir/m0.txt" slamon_snmp_varbinds_total)
  # Then K more rounds. /metrics is scraped every 15 s, as a Prometheus would, which also
  # catches each round's duration (slamon_snmp_poll_duration_seconds is the latest round's).
  polls=$polls0
  round_seconds=()
  deadline=$((SECONDS + daemon_interval * (daemon_intervals + 1) + 60))
  while ((polls - polls0 < daemon_intervals && SECONDS < deadline)); do
    sleep 15
    kill -0 "$slamon_pid" 2>/dev/null || die "slamon exited (log: $dir/slamon.log)"
    scrape "$dir/m1.txt"
    now_polls=$(polls_in "$dir/m1.txt")
    if ((now_polls > polls)); then
      round_seconds+=("$(metric_sum "$dir/m1.txt" slamon_snmp_poll_duration_seconds)")
      echo "   round $((now_polls - polls0)) of $daemon_intervals took ${round_seconds[-1]} s" >&2
      polls=$now_polls
    fi
  done
  cpu1=$(cpu_of)
  agents1=$(agents_cpu)
  t1=$(date +%s.%N)
  done_rounds=$((polls - polls0))
  hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$slamon_pid/status")
  stop_pid "$slamon_pid"
  slamon_pid=
  d() {
    awk -v a="$(metric_sum "$dir/m1.txt" "$1")" -v b="$(metric_sum "$dir/m0.txt" "$1")" \
      'BEGIN { printf "%.0f", a - b }'
  }
  vb=$(d slamon_snmp_varbinds_total)
  cpu=$(awk -v a="$cpu1" -v b="$cpu0" 'BEGIN { printf "%.2f", a - b }')
  up=$(awk 'index($1, "slamon_snmp_target_up{") == 1 && $NF == 1 { n++ } END { print n + 0 }' \
    "$dir/m1.txt")
  rounds_list=$(printf '%s\n' "${round_seconds[@]}" | sort -g | awk '
    NF { v[++n] = $1 }
    END { if (n) printf "%.2f / %.2f s", v[int((n + 1) / 2)], v[n]; else print "n/a" }')
  echo
  echo "## The slamon daemon: $n devices on one snmp source, interval ${daemon_interval}s"
  echo
  echo "| measured | rounds | varbinds | varbinds / device poll | requests | timeouts | retries |" \
    "missed polls (since start) | round wall median / max | targets up | slamon CPU s |" \
    "CPU s / 10,000 varbinds | peak RSS |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -v secs="$(awk -v a="$t1" -v b="$t0" 'BEGIN { print a - b }')" -v rounds="$done_rounds" \
    -v vb="$vb" \
    -v per="$(awk -v v="$vb_first" -v n="$n" 'BEGIN { printf "%.1f", v / n }')" \
    -v req="$(d slamon_snmp_requests_total)" -v to="$(d slamon_snmp_timeouts_total)" \
    -v re="$(d slamon_snmp_retries_total)" -v missed="$(d slamon_snmp_polls_missed_total)" \
    -v missed_total="$(metric_sum "$dir/m1.txt" slamon_snmp_polls_missed_total)" \
    -v walls="$rounds_list" -v up="$up" -v n="$n" \
    -v cpu="$cpu" -v hwm="$hwm" 'BEGIN {
      printf "| %.0f s | %d | %d | %s | %d | %d | %d | %d (%d) | %s | %d / %d | %.2f |", secs,
        rounds, vb, per, req, to, re, missed, missed_total, walls, up, n, cpu
      printf " **%.3f** | %.1f MiB |\n", (vb > 0 ? cpu * 10000 / vb : 0), hwm / 1024
    }'
  echo
  echo "The daemon's CPU is the whole process over the measured rounds: polling, its evaluation" \
    "cycles (every ${daemon_interval}s, $sites site policies × 2 SNMP thresholds) and this" \
    "script's scrapes of /metrics every 15 s ($(($(wc -c <"$dir/m1.txt") / 1024)) KiB each)." \
    "Its RSS" \
    "after the first round: $(mib "$rss0") MiB. The agents used" \
    "$(awk -v a="$agents1" -v b="$agents0" 'BEGIN { printf "%.2f", a - b }') s of CPU meanwhile." \
    "Load average after: $(load)."
  if [ "$(d slamon_snmp_polls_missed_total)" != 0 ] || ((up < n)); then failed=1; fi
fi

echo
echo "- load average at the end: $(load)"
exit "$failed"
