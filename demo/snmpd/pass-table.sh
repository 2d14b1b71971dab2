#!/bin/sh
# Started by snmpd for a pass_persist line of the demo's snmpd.conf (scripts/demo.sh):
#   pass_persist OID /bin/sh pass-table.sh OID FILE [DELAY]
# serves the lines of FILE under OID with pass-table.awk from this script's folder, waiting
# DELAY seconds (e.g. 0.250) before each answer. The tests' SnmpdServer starts it the same way.
dir=$(dirname "$0")
# mawk buffers a pipe's input unless interactive; other awks answer line by line anyway.
if command -v mawk >/dev/null 2>&1; then
  exec mawk -W interactive -v prefix="$1" -v file="$2" -v delay="${3:-0}" -f "$dir/pass-table.awk"
fi
exec awk -v prefix="$1" -v file="$2" -v delay="${3:-0}" -f "$dir/pass-table.awk"
