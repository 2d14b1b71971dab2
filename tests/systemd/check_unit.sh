#!/bin/sh
# Checks slamon's systemd files (docs/systemd.md):
#   1. `systemd-analyze verify` accepts slamon.service, with no complaint about it;
#   2. `systemd-analyze security --offline=true` rates its exposure at 2.0 or lower;
#   3. the sysusers.d and tmpfiles.d snippets apply to a staged root: user and group slamon,
#      /etc/slamon root:slamon 0750, /var/lib/slamon and its reports folder slamon:slamon 0750.
# The man page the unit names is not installed on the build machine, so verify runs with
# --man=no. verify insists that ExecStart's binary exists and is executable, so the unit is checked as a
# staged copy whose /usr/bin/slamon is replaced by the binary just built; nothing else changes.
# Neither systemd-analyze mode needs systemd running as PID 1 (this runs in containers too).
#
# Usage: check_unit.sh SYSTEMD_DIR SLAMON_BINARY
# Exit 0 on success, 1 on a failed check, 77 (a skip, reported as such by ctest) only when
# systemd-analyze is not installed; the reason is printed.
set -u

systemd_dir=$1
binary=$2
max_exposure=2.0

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIPPED: systemd-analyze is not installed (Debian package 'systemd'); the unit file was not checked"
  exit 77
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/slamon-unit-XXXXXX") || exit 1
trap 'rm -rf "$stage"' EXIT
failed=0

systemd-analyze --version | head -n 1

# 1. verify
if [ ! -x "$binary" ]; then
  echo "FAIL: the slamon binary $binary is not built"
  exit 1
fi
sed "s|/usr/bin/slamon|$binary|g" "$systemd_dir/slamon.service" >"$stage/slamon.service"
verify_output=$(cd "$stage" && systemd-analyze verify --man=no "$stage/slamon.service" 2>&1)
verify_status=$?
echo "--- systemd-analyze verify slamon.service (exit $verify_status):"
[ -n "$verify_output" ] && echo "$verify_output"
echo "---"
# Complaints about other units (a host's own unit files) are not ours to fail on.
if [ "$verify_status" -ne 0 ] || echo "$verify_output" | grep -q 'slamon'; then
  echo "FAIL: systemd-analyze verify reports problems with slamon.service"
  failed=1
else
  echo "ok: systemd-analyze verify accepts slamon.service"
fi

# 2. security
security_output=$(systemd-analyze security --offline=true "$stage/slamon.service" 2>&1)
security_status=$?
echo "--- systemd-analyze security --offline=true slamon.service (exit $security_status):"
echo "$security_output" | grep -E '✗|Overall exposure'
echo "---"
exposure=$(echo "$security_output" |
  sed -n 's/.*Overall exposure level for slamon\.service: \([0-9][0-9.]*\).*/\1/p')
if [ -z "$exposure" ]; then
  echo "FAIL: no exposure level in the output of systemd-analyze security"
  echo "$security_output"
  failed=1
elif awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e + 0 <= m + 0) }'; then
  echo "ok: exposure $exposure <= $max_exposure"
else
  echo "FAIL: exposure $exposure is above $max_exposure"
  failed=1
fi

# 3. sysusers.d and tmpfiles.d on a staged root
root="$stage/root"
mkdir -p "$root/etc"
if ! systemd-sysusers --root="$root" "$systemd_dir/slamon.sysusers"; then
  echo "FAIL: systemd-sysusers rejects slamon.sysusers"
  failed=1
elif ! grep -q '^slamon:x:[0-9]*:[0-9]*:[^:]*:/var/lib/slamon:/usr/sbin/nologin$' "$root/etc/passwd" ||
  ! grep -q '^slamon:x:[0-9]*:' "$root/etc/group"; then
  echo "FAIL: slamon.sysusers did not create the user and group slamon:"
  cat "$root/etc/passwd" "$root/etc/group"
  failed=1
else
  echo "ok: slamon.sysusers creates user and group slamon"
  if [ "$(id -u)" -ne 0 ]; then
    # Creating the folders chowns them to slamon, which only root may do: apply a copy without
    # the owners instead, which still checks every line and the modes.
    echo "note: not root, so slamon.tmpfiles is applied without its owners (they are checked as root)"
    awk '/^[[:space:]]*(#|$)/ { print; next } { $4 = "-"; $5 = "-"; print }' \
      "$systemd_dir/slamon.tmpfiles" >"$stage/slamon.tmpfiles"
    tmpfiles_output=$(systemd-tmpfiles --root="$root" --create "$stage/slamon.tmpfiles" 2>&1)
    tmpfiles_status=$?
    [ -n "$tmpfiles_output" ] && echo "$tmpfiles_output"
    if [ "$tmpfiles_status" -ne 0 ] || [ -n "$tmpfiles_output" ]; then
      echo "FAIL: systemd-tmpfiles --create slamon.tmpfiles failed (exit $tmpfiles_status)"
      failed=1
    fi
    for folder in etc/slamon var/lib/slamon var/lib/slamon/reports; do
      actual=$(stat -c '%a' "$root/$folder" 2>/dev/null)
      if [ "$actual" != 750 ]; then
        echo "FAIL: /$folder has mode '${actual:-missing}', expected 750"
        failed=1
      fi
    done
  else
    uid=$(sed -n 's/^slamon:x:\([0-9]*\):.*/\1/p' "$root/etc/passwd")
    gid=$(sed -n 's/^slamon:x:\([0-9]*\):.*/\1/p' "$root/etc/group")
    tmpfiles_output=$(systemd-tmpfiles --root="$root" --create "$systemd_dir/slamon.tmpfiles" 2>&1)
    tmpfiles_status=$?
    [ -n "$tmpfiles_output" ] && echo "$tmpfiles_output"
    if [ "$tmpfiles_status" -ne 0 ] || [ -n "$tmpfiles_output" ]; then
      echo "FAIL: systemd-tmpfiles --create slamon.tmpfiles failed (exit $tmpfiles_status)"
      failed=1
    fi
    for expected in "etc/slamon 0:$gid 750" "var/lib/slamon $uid:$gid 750" \
      "var/lib/slamon/reports $uid:$gid 750"; do
      set -- $expected
      actual=$(stat -c '%u:%g %a' "$root/$1" 2>/dev/null)
      if [ "$actual" != "$2 $3" ]; then
        echo "FAIL: /$1 is '${actual:-missing}', expected '$2 $3'"
        failed=1
      fi
    done
    [ "$failed" -eq 0 ] && echo "ok: slamon.tmpfiles creates /etc/slamon, /var/lib/slamon and its reports folder"
  fi
fi

if [ "$failed" -ne 0 ]; then
  echo "systemd unit check: FAILED"
  exit 1
fi
echo "systemd unit check: passed (exposure $exposure)"
