#!/usr/bin/env bash
# Builds slamon's Debian package from a build tree, checks it with lintian, installs it with
# dpkg into a scratch root (never the host), runs the installed binary on the installed
# example configuration, reinstalls it over an edited conffile, then removes and purges it.
#
# usage: package_test.sh BUILD_DIR SLAMON_BINARY [CPACK]
# Exit status: 0 passed, 1 failed, 77 skipped (a tool is missing).
set -euo pipefail

build_dir=$(cd "$1" && pwd)
binary=$2
cpack=${3:-cpack}

log() { printf 'package_test: %s\n' "$*"; }
fail() {
  printf 'package_test: FAIL: %s\n' "$*" >&2
  exit 1
}

for tool in "$cpack" dpkg dpkg-deb lintian readelf; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    log "SKIP: $tool is not installed"
    exit 77
  fi
done
[ -x "$binary" ] || fail "$binary is not built"
[ -f "$build_dir/CPackConfig.cmake" ] || fail "$build_dir has no CPackConfig.cmake"

work=$(mktemp -d "${TMPDIR:-/tmp}/slamon-package-test.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

# --- Build --------------------------------------------------------------------------------------
log "building the package with $cpack"
if ! (cd "$work" && "$cpack" -G DEB --config "$build_dir/CPackConfig.cmake" -B "$work/out" \
  >"$work/cpack.log" 2>&1); then
  cat "$work/cpack.log" >&2
  fail "cpack failed"
fi
debs=("$work"/out/slamon_*.deb)
[ -f "${debs[0]}" ] || fail "cpack made no slamon_*.deb (see above)"
deb=${debs[0]}
log "built $(basename "$deb")"

dpkg-deb --info "$deb" >"$work/info.txt"
dpkg-deb --contents "$deb" >"$work/contents.txt"
dpkg-deb --control "$deb" "$work/control"
cat "$work/control/control"

# --- The package's metadata ---------------------------------------------------------------------
grep -q '^Depends:.*libc6' "$work/control/control" ||
  fail "Depends has no libc6: dpkg-shlibdeps did not run"
expected_conffiles=$'/etc/slamon/slamon.yml\n/etc/slamon/rules/example.yml\n/etc/slamon/inventory/example.yml'
[ "$(cat "$work/control/conffiles")" = "$expected_conffiles" ] ||
  fail "conffiles are: $(cat "$work/control/conffiles")"
for script in postinst prerm postrm; do
  [ -x "$work/control/$script" ] || fail "the $script maintainer script is missing or not executable"
done
if awk '{print $2}' "$work/contents.txt" | grep -v '^root/root$' | grep -q .; then
  fail "entries not owned by root/root: $(awk '$2 != "root/root"' "$work/contents.txt")"
fi

# --- lintian ------------------------------------------------------------------------------------
log "lintian"
lintian_args=(--tag-display-limit 0 --display-info)
[ "$(id -u)" -ne 0 ] || lintian_args+=(--allow-root)
lintian "${lintian_args[@]}" "$deb" >"$work/lintian.txt" 2>&1 || true
cat "$work/lintian.txt"
if grep -q '^E: ' "$work/lintian.txt"; then
  fail "lintian reports errors"
fi

# --- Install into a scratch root ------------------------------------------------------------------
# --force-script-chrootless runs the maintainer scripts on the host with DPKG_ROOT set, which
# they honour; --force-depends because the scratch root has no libc6 & co. in its dpkg database.
root="$work/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers" \
  "$root/var/log" "$root/etc"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
dpkg_in_root() {
  local args=(--root="$root" --log=/dev/null --force-script-chrootless --force-depends
    --force-unsafe-io "$@")
  # dpkg's output (a long list of the dependencies --force-depends ignores) is shown on failure.
  if [ "$(id -u)" -eq 0 ]; then
    dpkg "${args[@]}" >"$work/dpkg.log" 2>&1 || {
      cat "$work/dpkg.log" >&2
      return 1
    }
  else
    command -v fakeroot >/dev/null || {
      log "SKIP: not root and fakeroot is not installed"
      exit 77
    }
    touch "$work/fakeroot.state"
    fakeroot -i "$work/fakeroot.state" -s "$work/fakeroot.state" dpkg --force-not-root "${args[@]}" \
      >"$work/dpkg.log" 2>&1 || {
      cat "$work/dpkg.log" >&2
      return 1
    }
  fi
}
package_status() { dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' slamon 2>/dev/null || true; }

log "dpkg --root=$root -i $(basename "$deb")"
dpkg_in_root -i "$deb" || fail "dpkg -i failed"
[ "$(package_status)" = "install ok installed" ] || fail "status after install: $(package_status)"

log "installed files:"
dpkg-query --admindir="$root/var/lib/dpkg" -L slamon | sort | tee "$work/installed.txt"
missing=()
for f in \
  /usr/bin/slamon \
  /usr/lib/slamon/libssl.so \
  /usr/lib/slamon/libcrypto.so \
  /usr/lib/systemd/system/slamon.service \
  /usr/lib/sysusers.d/slamon.conf \
  /usr/lib/tmpfiles.d/slamon.conf \
  /etc/slamon/slamon.yml \
  /etc/slamon/rules/example.yml \
  /etc/slamon/inventory/example.yml \
  /usr/share/slamon/prometheus/slamon-alerts.yml \
  /usr/share/slamon/prometheus/slamon-slo-alerts.yml \
  /usr/share/slamon/grafana/slamon-overview.json \
  /usr/share/man/man1/slamon.1.gz \
  /usr/share/doc/slamon/copyright \
  /usr/share/doc/slamon/changelog.Debian.gz; do
  if ! grep -qx "$f" "$work/installed.txt" || [ ! -f "$root$f" ]; then missing+=("$f"); fi
done
[ ${#missing[@]} -eq 0 ] || fail "the package does not install: ${missing[*]}"
if readelf -S "$root/usr/bin/slamon" | grep -q '\.debug_info'; then
  fail "/usr/bin/slamon is not stripped"
fi

# The system user and the state directory, made by the postinst inside the root.
grep -q '^slamon:' "$root/etc/passwd" 2>/dev/null ||
  fail "the postinst created no slamon user in $root/etc/passwd"
log "user: $(grep '^slamon:' "$root/etc/passwd")"
[ -d "$root/var/lib/slamon" ] || fail "the postinst created no /var/lib/slamon"
slamon_uid=$(awk -F: '$1 == "slamon" {print $3}' "$root/etc/passwd")
owner_uid() {
  if [ "$(id -u)" -eq 0 ]; then
    stat -c %u "$1"
  else
    fakeroot -i "$work/fakeroot.state" stat -c %u "$1"
  fi
}
[ "$(owner_uid "$root/var/lib/slamon")" = "$slamon_uid" ] ||
  fail "/var/lib/slamon is not owned by the slamon user (uid $slamon_uid)"
# Enabled as on a real system: deb-systemd-helper made the symlink inside the root.
wants="$root/etc/systemd/system/multi-user.target.wants/slamon.service"
[ -L "$wants" ] || fail "the postinst did not enable slamon.service inside the root"

# --- The installed binary on the installed example ------------------------------------------------
# The example names its rule and inventory files relative to itself (SPEC §2), so checking it
# inside the root reads the root's files, not the host's /etc/slamon.
log "slamon check config $root/etc/slamon/slamon.yml"
"$root/usr/bin/slamon" version
if ! out=$("$root/usr/bin/slamon" check config "$root/etc/slamon/slamon.yml" 2>&1); then
  printf '%s\n' "$out" >&2
  fail "slamon check config rejects the installed example"
fi
printf '%s\n' "$out"
case "$out" in
  *"OK ("*"1 organizations, 2 policies from 1 rule files)"*) ;;
  *) fail "the check did not read the example's inventory and rules: $out" ;;
esac

# --- Reinstall over an edited conffile ------------------------------------------------------------
printf '# edited by the administrator\n' >>"$root/etc/slamon/slamon.yml"
log "reinstalling over an edited conffile"
dpkg_in_root --force-confold -i "$deb" || fail "reinstalling failed"
grep -q '^# edited by the administrator$' "$root/etc/slamon/slamon.yml" ||
  fail "the reinstall replaced the administrator's slamon.yml"

# --- Remove, then purge ---------------------------------------------------------------------------
log "dpkg -r slamon"
dpkg_in_root -r slamon || fail "dpkg -r failed"
[ "$(package_status)" = "deinstall ok config-files" ] || fail "status after remove: $(package_status)"
[ ! -e "$root/usr/bin/slamon" ] || fail "dpkg -r left /usr/bin/slamon"
[ -f "$root/etc/slamon/slamon.yml" ] || fail "dpkg -r removed the conffile slamon.yml"

log "dpkg -P slamon"
dpkg_in_root -P slamon || fail "dpkg -P failed"
[ -z "$(package_status)" ] || [ "$(package_status)" = "unknown ok not-installed" ] ||
  fail "status after purge: $(package_status)"
leftovers=$(cd "$root" && find usr etc/slamon var/lib/slamon \
  etc/systemd/system/multi-user.target.wants/slamon.service etc/systemd/system/slamon.service \
  var/lib/systemd/deb-systemd-helper-enabled/slamon.service.dsh-also 2>/dev/null || true)
[ -z "$leftovers" ] || fail "purge left: $leftovers"

log "PASS"
