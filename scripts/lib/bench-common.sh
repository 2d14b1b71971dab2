# shellcheck shell=bash
# Helpers the benchmark scripts (scripts/bench-*.sh) source: the help text, fatal errors and
# stopping the processes a script started. Sourced, never run; needs bash.

# usage: prints the calling script's header comment (its lines 2 up to `set -euo pipefail`).
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

# die MESSAGE...: the message on stderr, prefixed with the script's name, and exit 1.
die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

# stop_pid PID [SECONDS]: SIGTERM, then SIGKILL when PID still runs after SECONDS (default 5);
# reaps it. Nothing to do for an empty PID or one that already ended.
stop_pid() {
  local pid=$1 grace=${2:-5}
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq $((grace * 10))); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
