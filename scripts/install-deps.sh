#!/usr/bin/env bash
# Installs everything slamon needs to build, test and run its demo, from Debian's packages.
# Idempotent; needs root (or sudo). Used by the README's commands and by .ci/run.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates curl ccache
  libcurl4-openssl-dev libssl-dev libyaml-cpp-dev libspdlog-dev libsqlite3-dev sqlite3
  nlohmann-json3-dev libcli11-dev prometheus-cpp-dev libcivetweb-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  prometheus prometheus-alertmanager python3-aiosmtpd
  libjwt-dev libcrypt-dev openssl
  wrk
  libsnmp-dev snmpd snmp mawk prometheus-snmp-exporter
  libhowardhinnant-date-dev libdate-tz3 tzdata
  libsystemd-dev systemd
  dpkg-dev debhelper fakeroot lintian man-db
  chromium fonts-dejavu-core
  libcairo2-dev libpango1.0-dev poppler-utils
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
