#!/usr/bin/env bash
# The one-command demo of slamon:
#
#   sudo bash scripts/demo.sh          # or as root, or as a user who may sudo
#
# 1. installs the build dependencies, Prometheus and snmpd from Debian (scripts/install-deps.sh),
# 2. builds slamon into build/,
# 3. writes 12 hours of made-up measurements for two organisations (demo/generate-data.sh) and
#    backfills them into a private Prometheus under .demo/, started on a free loopback port,
# 4. starts a private snmpd under .demo/ on free loopback UDP ports, one per SNMP device of the
#    inventory, serving a made-up interface table (demo/snmpd/),
# 5. validates demo/slamon.yml, runs one dry evaluation and prints its table,
# 6. runs the slamon daemon, which queries that Prometheus and polls those SNMP devices itself,
#    until Ctrl-C, and stops everything on exit.
#
# --ci (or DEMO_NO_WAIT=1) runs the same steps, checks that the expected warning and critical
# breaches and the SNMP devices' state appear on /metrics, prints PASS or FAIL, stops
# everything and exits 0 or 1.
#
# Other knobs: SLAMON_BIN=path uses that binary instead of building; DEMO_SKIP_DEPS=1 skips
# scripts/install-deps.sh; DEMO_BUILD_DIR (default build); DEMO_STATE_DIR (default .demo);
# SNMPD_BIN (default /usr/sbin/snmpd). When started through sudo, only the package
# installation runs as root: the build, Prometheus, snmpd and slamon run as the user who
# called sudo, so the checkout stays theirs.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state=${DEMO_STATE_DIR:-$repo/.demo}
build_dir=${DEMO_BUILD_DIR:-$repo/build}
ci=${DEMO_NO_WAIT:-0}
for arg in "$@"; do
  case $arg in
    --ci) ci=1 ;;
    -h | --help)
      awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
      exit 0
      ;;
    *)
      echo "demo: unknown argument: $arg (try --help)" >&2
      exit 2
      ;;
  esac
done
[ "$ci" = 0 ] || ci=1

started_at=$(date +%s)
if [ -t 1 ]; then
  bold=$'\033[1m' plain=$'\033[0m'
else
  bold='' plain=''
fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
note() { printf '    %s\n' "$*"; }
die() {
  printf 'demo: %s\n' "$*" >&2
  exit 1
}

# "${as_user[@]}" CMD... runs CMD as the user who invoked sudo, or as ourselves. It is a
# command prefix, not a function, so that a background CMD is started directly (setpriv execs
# it) and $! is its pid. user_file FILE... creates files as that user before the shell
# redirects to them.
as_user=()
if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_UID:-}" ] && [ "$SUDO_UID" != 0 ]; then
  as_user=(setpriv --reuid="$SUDO_UID" --regid="${SUDO_GID:?}" --init-groups --)
fi
user_file() { "${as_user[@]}" touch "$@"; }

# --- processes we start, and their end ---------------------------------------------------------
prometheus_pid=
snmpd_pid=
slamon_pid=

stop_process() {
  local pid=$1 name=$2
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    note "$name did not stop within 10 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local code=$?
  trap - EXIT INT TERM
  if [ -n "$slamon_pid$snmpd_pid$prometheus_pid" ]; then
    step "Stopping"
    if [ -n "$slamon_pid" ]; then
      stop_process "$slamon_pid" slamon
      note "slamon stopped"
    fi
    if [ -n "$snmpd_pid" ]; then
      stop_process "$snmpd_pid" snmpd
      note "snmpd stopped"
    fi
    if [ -n "$prometheus_pid" ]; then
      stop_process "$prometheus_pid" Prometheus
      note "Prometheus stopped"
    fi
    rm -f "$state/slamon.pid" "$state/snmpd.pid" "$state/prometheus.pid"
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A previous demo killed without a chance to clean up may have left its processes behind;
# stop them only when the recorded pid still runs a command that names this demo's folder.
stop_stale() {
  local pidfile=$state/$1.pid pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$state"; then
    note "stopping $1 left over from an earlier demo (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
  fi
  rm -f "$pidfile"
}

port_in_use() {
  if command -v ss >/dev/null 2>&1; then
    [ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

# Without ss a port is taken to be free; snmpd then fails to start if it is not.
udp_port_in_use() {
  command -v ss >/dev/null 2>&1 && [ -n "$(ss -Huan "sport = :$1" 2>/dev/null)" ]
}

free_port() {
  local port
  for port in $(seq "$1" $(($1 + 100))); do
    port_in_use "$port" || {
      echo "$port"
      return 0
    }
  done
  return 1
}

# Polls URL until it answers 200, for at most $2 seconds, while process $3 lives.
wait_for_url() {
  local url=$1 seconds=$2 pid=$3
  for _ in $(seq $((seconds * 5))); do
    curl -sf -o /dev/null "$url" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

# --- 1. dependencies -------------------------------------------------------------------------------
if [ "${DEMO_SKIP_DEPS:-0}" != 1 ]; then
  step "Installing dependencies (scripts/install-deps.sh)"
  bash "$repo/scripts/install-deps.sh"
fi
for tool in curl awk sed prometheus promtool snmpget; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found; run scripts/install-deps.sh"
done
snmpd_bin=${SNMPD_BIN:-/usr/sbin/snmpd}
[ -x "$snmpd_bin" ] || die "$snmpd_bin not found; run scripts/install-deps.sh (package snmpd)"

# --- 2. build --------------------------------------------------------------------------------------
if [ -n "${SLAMON_BIN:-}" ]; then
  slamon=$SLAMON_BIN
  [ -x "$slamon" ] || die "SLAMON_BIN=$slamon is not an executable"
  step "Using $slamon"
else
  step "Building slamon into ${build_dir#"$repo"/}"
  # The same configuration as scripts/test.sh, so the README's two commands share one build
  # directory instead of rebuilding it from scratch for each other; only slamon is built here.
  "${as_user[@]}" cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSLAMON_BUILD_BENCH=ON >/dev/null
  "${as_user[@]}" cmake --build "$build_dir" -j"$(nproc)" --target slamon
  slamon=$build_dir/daemon/slamon
  [ -x "$slamon" ] || die "the build produced no $slamon"
fi

# --- 3. data and Prometheus ------------------------------------------------------------------------
"${as_user[@]}" mkdir -p "$state"
stop_stale slamon
stop_stale snmpd
stop_stale prometheus

step "Generating 12 h of demo measurements and backfilling them into Prometheus"
now=$(date +%s)
"${as_user[@]}" rm -rf "$state/prometheus" "$state/slamon.db" "$state/slamon.db-wal" "$state/slamon.db-shm"
"${as_user[@]}" bash "$repo/demo/generate-data.sh" --now="$now" --past=6h --future=6h --step=30s \
  --output="$state/demo.om"
note "$(grep -vc "^#" "$state/demo.om") samples from $(date -u -d "@$((now - 21600))" +%H:%MZ)" \
  "to $(date -u -d "@$((now + 21600))" +%H:%MZ) (now is $(date -u -d "@$now" +%H:%MZ))"
user_file "$state/backfill.log"
"${as_user[@]}" promtool tsdb create-blocks-from openmetrics "$state/demo.om" "$state/prometheus" \
  >"$state/backfill.log" 2>&1 || {
  cat "$state/backfill.log" >&2
  die "promtool could not backfill the demo data"
}
rm -f "$state/demo.om"

prometheus_port=$(free_port 9090) || die "no free port in 9090-9190 for Prometheus"
slamon_port=$(free_port 9877) || die "no free port in 9877-9977 for slamon"
if [ "$slamon_port" = "$prometheus_port" ]; then slamon_port=$(free_port $((slamon_port + 1))); fi
prometheus_url=http://127.0.0.1:$prometheus_port
slamon_url=http://127.0.0.1:$slamon_port

# The backfilled blocks reach 6 h into the future, so Prometheus would reject every freshly
# scraped sample as "out of bounds" (older than its newest block). An out-of-order window
# lets it keep slamon's own /metrics beside the demo data.
"${as_user[@]}" tee "$state/prometheus.yml" >/dev/null <<EOF
# Written by scripts/demo.sh; rewritten on every run.
global:
  scrape_interval: 15s
storage:
  tsdb:
    out_of_order_time_window: 1d
scrape_configs:
  - job_name: slamon
    scrape_interval: 5s
    static_configs:
      - targets: ["127.0.0.1:$slamon_port"]
EOF

step "Starting Prometheus on $prometheus_url"
user_file "$state/prometheus.log"
"${as_user[@]}" prometheus --config.file="$state/prometheus.yml" --storage.tsdb.path="$state/prometheus" \
  --storage.tsdb.retention.time=30d --web.listen-address="127.0.0.1:$prometheus_port" \
  >"$state/prometheus.log" 2>&1 &
prometheus_pid=$!
echo "$prometheus_pid" >"$state/prometheus.pid"
wait_for_url "$prometheus_url/-/ready" 60 "$prometheus_pid" || {
  tail -n 20 "$state/prometheus.log" >&2
  die "Prometheus did not become ready (log: .demo/prometheus.log)"
}
note "ready (pid $prometheus_pid, log .demo/prometheus.log)"

# --- 4. snmpd --------------------------------------------------------------------------------------
# The SNMP devices of demo/inventory/ name placeholder ports on 127.0.0.1. Each gets a free UDP
# port instead: snmpd answers on the first three (one agent, one port per device), and nothing
# listens on the last one (pdx-nvr-1, the recorder that never answers).
snmp_placeholders=(10161 10162 10163 10169)
snmp_ports=()
candidate=10161
for _ in "${snmp_placeholders[@]}"; do
  while udp_port_in_use "$candidate"; do
    candidate=$((candidate + 1))
    [ "$candidate" -le 10460 ] || die "no free UDP ports in 10161-10460 for snmpd"
  done
  snmp_ports+=("$candidate")
  candidate=$((candidate + 1))
done
snmp_live_ports=("${snmp_ports[@]:0:3}")
snmp_dead_port=${snmp_ports[3]}
case $state in
  *[[:space:]]*) die "DEMO_STATE_DIR must not contain white space: snmpd.conf cannot quote paths" ;;
esac
community=$(head -n 1 "$repo/demo/snmpd/community")
case $community in
  '' | *[[:space:]]*) die "demo/snmpd/community must hold one word" ;;
esac

# Everything snmpd reads or writes lives in .demo/snmpd*; the interface table is a copy, so it
# can be edited while the demo runs (the next poll sees the change).
"${as_user[@]}" rm -rf "$state/snmpd" "$state/snmpd-persist"
"${as_user[@]}" mkdir -p "$state/snmpd" "$state/snmpd-persist"
"${as_user[@]}" cp "$repo/demo/snmpd/pass-table.sh" "$repo/demo/snmpd/pass-table.awk" \
  "$repo/demo/snmpd/interfaces.values" "$state/snmpd/"
if_table=.1.3.6.1.2.1.2.2.1
ifx_table=.1.3.6.1.2.1.31.1.1.1
"${as_user[@]}" tee "$state/snmpd/snmpd.conf" >/dev/null <<EOF
# Written by scripts/demo.sh; rewritten on every run.
dontLogTCPWrappersConnects yes
sysLocation slamon demo (scripts/demo.sh)
rocommunity $community 127.0.0.1
# The interface tables come from .demo/snmpd/interfaces.values (snmpd's own interfaces
# modules are left out with -I).
pass_persist $if_table /bin/sh $state/snmpd/pass-table.sh $if_table $state/snmpd/interfaces.values
pass_persist $ifx_table /bin/sh $state/snmpd/pass-table.sh $ifx_table $state/snmpd/interfaces.values
EOF
"${as_user[@]}" chmod 600 "$state/snmpd/snmpd.conf"
endpoints=$(printf 'udp:127.0.0.1:%s,' "${snmp_live_ports[@]}")
endpoints=${endpoints%,}
# MIBS= keeps snmpd and snmpget from loading (and complaining about) MIB files; the
# persistent directory keeps what they save under .demo/.
snmp_env=(env MIBS= SNMP_PERSISTENT_DIR="$state/snmpd-persist" SNMPCONFPATH="$state/snmpd-persist")

step "Starting snmpd on UDP 127.0.0.1:$(IFS=,; echo "${snmp_live_ports[*]}")"
user_file "$state/snmpd.log"
"${as_user[@]}" "${snmp_env[@]}" "$snmpd_bin" -f -Lf "$state/snmpd.log" -C -c "$state/snmpd/snmpd.conf" \
  -I -interfaces,ifTable,ifXTable "$endpoints" >/dev/null 2>&1 &
snmpd_pid=$!
echo "$snmpd_pid" >"$state/snmpd.pid"
# snmp_get TIMEOUT PORT OID... prints the values.
snmp_get() {
  "${as_user[@]}" "${snmp_env[@]}" snmpget -v2c -c "$community" -t "$1" -r 0 -On -Oqv "127.0.0.1:$2" "${@:3}"
}
for port in "${snmp_live_ports[@]}"; do
  ready=0
  for _ in $(seq 50); do
    kill -0 "$snmpd_pid" 2>/dev/null || break
    if snmp_get 0.3 "$port" .1.3.6.1.2.1.1.3.0 >/dev/null 2>&1; then
      ready=1
      break
    fi
    sleep 0.2
  done
  [ "$ready" = 1 ] || {
    tail -n 20 "$state/snmpd.log" >&2
    die "snmpd did not answer on 127.0.0.1:$port (log: .demo/snmpd.log)"
  }
done
# The first request under the table starts the pass_persist program, which may take a moment.
oper_status=$(snmp_get 5 "${snmp_live_ports[0]}" "$if_table.8.1" "$if_table.8.2" 2>/dev/null | tr '\n' ' ') || true
[ "$oper_status" = "1 2 " ] ||
  die "snmpd does not serve .demo/snmpd/interfaces.values (ifOperStatus of 1, 2: ${oper_status:-none})"
note "ready (pid $snmpd_pid, log .demo/snmpd.log); ifOperStatus of interfaces 1, 2: up, down"
note "pdx-nvr-1 is polled at 127.0.0.1:$snmp_dead_port, where nothing listens"

# --- 5. configuration ------------------------------------------------------------------------------
sed_escape() { printf '%s' "$1" | sed 's/[&|\\]/\\&/g'; }
r=$(sed_escape "$repo")
s=$(sed_escape "$state")
"${as_user[@]}" sed \
  -e "s|^\(  *url: \)http://127.0.0.1:9090\$|\1$prometheus_url|" \
  -e "s|^\(  listen_address: \).*|\1127.0.0.1:$slamon_port|" \
  -e "s|^\(  storage_path: \).*|\1\"$s/slamon.db\"|" \
  -e "s|^\(  reports_dir: \).*|\1\"$s/reports\"|" \
  -e "s|^\(  *community_file: \)snmpd/community\$|\1\"$r/demo/snmpd/community\"|" \
  -e "s|^rule_files: .*|rule_files: [\"$r/demo/rules/*.yml\"]|" \
  -e "s|^inventory_files: .*|inventory_files: [\"$s/inventory/*.yml\"]|" \
  "$repo/demo/slamon.yml" | "${as_user[@]}" tee "$state/slamon.yml" >/dev/null
for expected in "url: $prometheus_url" "listen_address: 127.0.0.1:$slamon_port" "storage_path: \"$state/" \
  "reports_dir: \"$state/" "community_file: \"$repo/" "rule_files: [\"$repo/" "inventory_files: [\"$state/"; do
  grep -qF "$expected" "$state/slamon.yml" || die "demo/slamon.yml changed shape: could not set '$expected'"
done
# The inventory, with the SNMP placeholder ports swapped for the free ones (through markers, so
# that a free port which is also a placeholder is not swapped twice).
to_markers=() to_ports=()
for i in "${!snmp_placeholders[@]}"; do
  to_markers+=(-e "s|\"127\.0\.0\.1:${snmp_placeholders[$i]}\"|\"127.0.0.1:@snmp$i@\"|g")
  to_ports+=(-e "s|@snmp$i@|${snmp_ports[$i]}|g")
done
"${as_user[@]}" rm -rf "$state/inventory"
"${as_user[@]}" mkdir -p "$state/inventory"
for file in "$repo"/demo/inventory/*.yml; do
  sed "${to_markers[@]}" "${to_ports[@]}" "$file" | "${as_user[@]}" tee "$state/inventory/${file##*/}" >/dev/null
done
for port in "${snmp_ports[@]}"; do
  grep -qF "\"127.0.0.1:$port\"" "$state"/inventory/*.yml ||
    die "demo/inventory/ changed shape: no SNMP device moved to 127.0.0.1:$port"
done
"${as_user[@]}" mkdir -p "$state/reports"

step "slamon check config .demo/slamon.yml"
"${as_user[@]}" "$slamon" check config "$state/slamon.yml" || die "the demo configuration is not valid"

step "slamon eval --once --dry-run (one evaluation, nothing stored)"
"${as_user[@]}" "$slamon" eval --once --dry-run --config.file="$state/slamon.yml" || die "the evaluation failed"

# --- 6. the daemon ---------------------------------------------------------------------------------
step "Starting slamon on $slamon_url (evaluates every 15 s)"
user_file "$state/slamon.log"
"${as_user[@]}" "$slamon" --config.file="$state/slamon.yml" >"$state/slamon.log" 2>&1 &
slamon_pid=$!
slamon_started_at=$(date +%s.%N)
echo "$slamon_pid" >"$state/slamon.pid"
wait_for_url "$slamon_url/-/ready" 30 "$slamon_pid" || {
  tail -n 20 "$state/slamon.log" >&2
  die "slamon did not become ready (log: .demo/slamon.log)"
}

cat <<EOF

    slamon is running. Try, in another terminal:

      open $slamon_url/metrics
      curl -s $slamon_url/metrics | grep slamon_breach_active
      curl -s $slamon_url/metrics | grep slamon_policy_compliant
      curl -s $slamon_url/metrics | grep slamon_snmp_   (the devices slamon polls over SNMP itself)
      Prometheus UI: $prometheus_url/graph?g0.expr=slamon_breach_active   (Prometheus scrapes slamon every 5 s)
                     $prometheus_url/graph?g0.expr=probe_success   (the demo data; it runs 6 h into the future)

    snmpd answers for sea-nvr-1, muc-nvr-1 and pdx-ap-1 on 127.0.0.1:$(IFS=,; echo "${snmp_live_ports[*]}"); nothing listens for
    pdx-nvr-1 on 127.0.0.1:$snmp_dead_port. Ask the agent what slamon sees (2 = down):
      snmpget -v2c -c "\$(cat demo/snmpd/community)" 127.0.0.1:${snmp_live_ports[2]} 1.3.6.1.2.1.2.2.1.8.2
    Bring pdx-ap-1's 5 GHz radio up; the nw-scanner-wifi breach resolves once a whole 1 m window was up:
      sed -i 's/^1.3.6.1.2.1.2.2.1.8.2 integer 2/1.3.6.1.2.1.2.2.1.8.2 integer 1/' .demo/snmpd/interfaces.values

    Configuration .demo/slamon.yml (from demo/slamon.yml), policies demo/rules/, inventory .demo/inventory/
    (demo/inventory/ with the SNMP ports), snmpd .demo/snmpd/ (from demo/snmpd/).
    Logs: .demo/slamon.log, .demo/prometheus.log, .demo/snmpd.log
EOF

# The breaches this data must produce (see the notes in demo/rules/*.yml): policy metric severity.
expected_breaches=(
  "nw-portland-warehouse-network latency_ms warning"
  "nw-security-cameras uptime_percent warning"
  "nw-dock-camera uptime_percent critical"
  "co-staff-wifi client_satisfaction warning"
  "co-berlin-hq-network packet_loss_percent critical"
  "nw-warehouse-nvr uptime_percent critical"
  "nw-scanner-wifi uptime_percent critical"
)
expected_policies=21 expected_compliant=14

# The state of the SNMP devices this demo must show on /metrics: metric, labels (device, plus
# ifindex for an interface), value.
expected_snmp=(
  'slamon_snmp_target_up device="sea-nvr-1" 1'
  'slamon_snmp_target_up device="muc-nvr-1" 1'
  'slamon_snmp_target_up device="pdx-ap-1" 1'
  'slamon_snmp_target_up device="pdx-nvr-1" 0'
  'slamon_snmp_interface_oper_up device="pdx-ap-1",ifindex="1" 1'
  'slamon_snmp_interface_oper_up device="pdx-ap-1",ifindex="2" 0'
)

# The value of metric $2 in /metrics text $1 for the series whose labels include each of the
# comma-separated name="value" pairs $3; nothing when there is no such series.
sample_value() {
  local lines pair pairs
  lines=$(grep -E "^$2\{" <<<"$1" || true)
  IFS=, read -ra pairs <<<"$3"
  for pair in "${pairs[@]}"; do lines=$(grep -F "$pair" <<<"$lines" || true); done
  if [ -n "$lines" ]; then awk 'NR == 1 { print $NF + 0 }' <<<"$lines"; fi
}

# True when /metrics text $1 shows every expected SNMP device state.
snmp_state_present() {
  local metric labels value
  for expected in "${expected_snmp[@]}"; do
    read -r metric labels value <<<"$expected"
    [ "$(sample_value "$1" "$metric" "$labels")" = "$value" ] || return 1
  done
}

breach_lines() { grep -E '^slamon_breach_active\{' <<<"$1" | grep -E ' 1(\.0+)?$' || true; }

# True when /metrics text $1 shows an active breach for every expected (policy, metric, severity).
all_expected_present() {
  local active policy metric severity
  active=$(breach_lines "$1")
  for expected in "${expected_breaches[@]}"; do
    read -r policy metric severity <<<"$expected"
    grep -F "policy_id=\"$policy\"" <<<"$active" | grep -F "metric=\"$metric\"" |
      grep -qF "severity=\"$severity\"" || return 1
  done
}

step "Waiting for the first evaluations"
metrics=
first_breach_after=
for _ in $(seq 120); do
  kill -0 "$slamon_pid" 2>/dev/null || break
  metrics=$(curl -sf "$slamon_url/metrics" || true)
  if [ -z "$first_breach_after" ] && [ -n "$(breach_lines "$metrics")" ]; then
    first_breach_after=$(awk -v a="$slamon_started_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  fi
  all_expected_present "$metrics" && snmp_state_present "$metrics" && break
  sleep 0.5
done
if [ -n "$first_breach_after" ]; then
  note "first breach on /metrics ${first_breach_after} s after slamon started"
fi
printf '\n    $ curl -s %s/metrics | grep -E "^slamon_(breach_active|policy_compliant)"\n' "$slamon_url"
grep -E '^slamon_(breach_active|policy_compliant)\{' <<<"$metrics" | sed 's/^/    /' || true
printf '\n    $ curl -s %s/metrics | grep -E "^slamon_snmp_(target_up|interface_oper_up)"\n' "$slamon_url"
grep -E '^slamon_snmp_(target_up|interface_oper_up)\{' <<<"$metrics" | sed 's/^/    /' || true
printf '\n    Contoso'"'"'s public status page (SPEC §14): %s/status/contoso\n' "$slamon_url"

if [ "$ci" = 1 ]; then
  step "Checking the result"
  failures=0
  if ! kill -0 "$slamon_pid" 2>/dev/null; then
    note "FAIL: slamon exited; last log lines:"
    tail -n 20 "$state/slamon.log" | sed 's/^/      /'
    failures=$((failures + 1))
  fi
  active=$(breach_lines "$metrics")
  for expected in "${expected_breaches[@]}"; do
    read -r policy metric severity <<<"$expected"
    if grep -F "policy_id=\"$policy\"" <<<"$active" | grep -F "metric=\"$metric\"" |
      grep -qF "severity=\"$severity\""; then
      note "ok   $severity breach: $policy / $metric"
    else
      note "FAIL missing $severity breach: $policy / $metric"
      failures=$((failures + 1))
    fi
  done
  active_count=$(grep -c . <<<"$active" || true)
  if [ "$active_count" -ne "${#expected_breaches[@]}" ]; then
    note "FAIL $active_count active breaches on /metrics, expected ${#expected_breaches[@]}"
    failures=$((failures + 1))
  else
    note "ok   no other breach"
  fi
  compliant=$(grep -cE '^slamon_policy_compliant\{.* 1(\.0+)?$' <<<"$metrics" || true)
  policies=$(grep -cE '^slamon_policy_compliant\{' <<<"$metrics" || true)
  if [ "$policies" -eq "$expected_policies" ] && [ "$compliant" -eq "$expected_compliant" ]; then
    note "ok   $compliant of $policies policies compliant"
  else
    note "FAIL $compliant of $policies policies compliant, expected $expected_compliant of $expected_policies"
    failures=$((failures + 1))
  fi
  for expected in "${expected_snmp[@]}"; do
    read -r metric labels value <<<"$expected"
    actual=$(sample_value "$metrics" "$metric" "$labels")
    if [ "$actual" = "$value" ]; then
      note "ok   $metric{$labels} $value"
    else
      note "FAIL $metric{$labels} is ${actual:-absent}, expected $value"
      failures=$((failures + 1))
    fi
  done
  no_data=$(grep -E '^slamon_policy_metric_up\{.* 0(\.0+)?$' <<<"$metrics" || true)
  if [ -n "$no_data" ]; then
    note "FAIL measurements without data:"
    while IFS= read -r line; do note "  $line"; done <<<"$no_data"
    failures=$((failures + 1))
  else
    note "ok   every policy metric had data"
  fi
  status_page=$(curl -sf "$slamon_url/status/contoso" || true)
  if grep -q 'Contoso network status' <<<"$status_page" && ! grep -q 'Northwind' <<<"$status_page"; then
    note "ok   /status/contoso renders Contoso's status page (and nothing of Northwind)"
  else
    note "FAIL /status/contoso did not render Contoso's status page"
    failures=$((failures + 1))
  fi
  # Prometheus scrapes slamon every 5 s; give it a few scrapes (an early one may predate the
  # latest breaches).
  scraped=
  for _ in $(seq 30); do
    scraped=$(curl -sf -G "$prometheus_url/api/v1/query" --data-urlencode 'query=count(slamon_breach_active == 1)' |
      sed -n 's/.*"value":\[[^,]*,"\([0-9.]*\)"\].*/\1/p')
    [ "$scraped" = "${#expected_breaches[@]}" ] && break
    sleep 1
  done
  if [ "$scraped" = "${#expected_breaches[@]}" ]; then
    note "ok   Prometheus scraped slamon: count(slamon_breach_active == 1) = $scraped"
  else
    note "FAIL Prometheus shows count(slamon_breach_active == 1) = ${scraped:-nothing}"
    failures=$((failures + 1))
  fi
  elapsed=$(($(date +%s) - started_at))
  if [ "$failures" -eq 0 ]; then
    printf '\nPASS (demo smoke test, %s s)\n' "$elapsed"
    exit 0
  fi
  printf '\nFAIL (%s problems; logs in .demo/)\n' "$failures"
  exit 1
fi

printf '\n    Showing the slamon log (.demo/slamon.log). Ctrl-C stops slamon and Prometheus.\n\n'
tail -n +1 -f "$state/slamon.log" --pid="$slamon_pid" &
tail_pid=$!
wait "$slamon_pid" || true
slamon_pid=
kill "$tail_pid" 2>/dev/null || true
note "slamon exited on its own; see .demo/slamon.log"
