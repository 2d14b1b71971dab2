#!/usr/bin/env bash
# Writes OpenMetrics history for the demo fleet (demo/inventory/*.yml), ready for
# `promtool tsdb create-blocks-from openmetrics`.
#
# The history runs from NOW-PAST to NOW+FUTURE. Samples after "now" are deliberate: slamon
# queries Prometheus at the current time, and Prometheus 2.42 answers queries from backfilled
# blocks that lie in the future, so the demo keeps producing the same verdicts for hours
# without a live exporter.
#
# Only bash and awk (mawk or gawk) are needed. Run with --help for the options.
#
# The story the data tells, relative to NOW (thresholds are in demo/rules/*.yml):
#   Northwind
#     - pdx-cam-dock (Portland dock camera) flaps since NOW-2h: 3 probes out of every 10 fail
#       (uptime ~70 %), and its health score drops to ~55.          -> camera policy CRITICAL
#                                                                   -> camera group WARNING
#     - Portland's uplink is congested since NOW-90m: latency 18 ms -> ~44 ms. -> site WARNING
#   Contoso
#     - Berlin HQ loses ~0.8 % of its probe packets since NOW-3h (was 0.1 %). -> site CRITICAL
#     - Contoso-Staff Wi-Fi client satisfaction falls from ~91 to ~78 since NOW-4h
#       (a crowded floor).                                          -> SSID WARNING
#     - muc-core-1 was down for 10 minutes at NOW-5h: a past, already resolved outage that
#       `slamon backtest` over the history can find.
#   Everything else is healthy, with a little jitter.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: generate-data.sh [--now=UNIX_SECONDS] [--past=6h] [--future=6h] [--step=30s] [--output=FILE]

  --now     the instant the story is anchored to (default: the current time)
  --past    history before --now   (s, m, h or d suffix; default 6h)
  --future  history after --now    (default 6h)
  --step    sample interval        (default 30s)
  --output  file to write          (default: standard output)
EOF
}

to_seconds() {
  local value=$1
  case $value in
    *d) echo $((${value%d} * 86400)) ;;
    *h) echo $((${value%h} * 3600)) ;;
    *m) echo $((${value%m} * 60)) ;;
    *s) echo $((${value%s})) ;;
    *) echo $((value)) ;;
  esac
}

now=$(date +%s)
past=6h
future=6h
step=30s
output=-
for arg in "$@"; do
  case $arg in
    --now=*) now=${arg#*=} ;;
    --past=*) past=${arg#*=} ;;
    --future=*) future=${arg#*=} ;;
    --step=*) step=${arg#*=} ;;
    --output=*) output=${arg#*=} ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "generate-data.sh: unknown argument: $arg" >&2
      usage >&2
      exit 2
      ;;
  esac
done

past_s=$(to_seconds "$past")
future_s=$(to_seconds "$future")
step_s=$(to_seconds "$step")
if [ "$step_s" -le 0 ] || [ "$past_s" -lt 0 ] || [ "$future_s" -lt 0 ]; then
  echo "generate-data.sh: --step must be positive, --past and --future not negative" >&2
  exit 2
fi

# The fleet, one device a line. It mirrors demo/inventory/*.yml; keep the two in step.
#   org_id site_id site_group_id device_id name kind device_group_ids ssids
# Lists are comma-separated; "-" means none.
fleet() {
  local nw=10000000-0000-4000-8000-000000000000
  local nw_sea=11000000-0000-4000-8000-000000000001
  local nw_pdx=11000000-0000-4000-8000-000000000002
  local nw_pnw=12000000-0000-4000-8000-000000000001
  local nw_core=13000000-0000-4000-8000-000000000001
  local nw_aps=13000000-0000-4000-8000-000000000002
  local nw_cams=13000000-0000-4000-8000-000000000003
  local co=20000000-0000-4000-8000-000000000000
  local co_ber=21000000-0000-4000-8000-000000000001
  local co_muc=21000000-0000-4000-8000-000000000002
  local co_dach=22000000-0000-4000-8000-000000000001
  local co_core=23000000-0000-4000-8000-000000000001
  local co_aps=23000000-0000-4000-8000-000000000002
  cat <<EOF
$nw $nw_sea $nw_pnw 14000000-0000-4000-8000-000000000001 sea-core-1 switch $nw_core -
$nw $nw_sea $nw_pnw 14000000-0000-4000-8000-000000000002 sea-access-1 switch - -
$nw $nw_sea $nw_pnw 14000000-0000-4000-8000-000000000003 sea-ap-1 ap $nw_aps Northwind-Corp,Northwind-Guest
$nw $nw_sea $nw_pnw 14000000-0000-4000-8000-000000000004 sea-ap-2 ap $nw_aps Northwind-Corp,Northwind-Guest
$nw $nw_sea $nw_pnw 14000000-0000-4000-8000-000000000005 sea-cam-lobby camera $nw_cams -
$nw $nw_sea $nw_pnw 14000000-0000-4000-8000-000000000006 sea-nvr-1 nvr $nw_cams -
$nw $nw_pdx $nw_pnw 14000000-0000-4000-8000-000000000007 pdx-core-1 switch $nw_core -
$nw $nw_pdx $nw_pnw 14000000-0000-4000-8000-000000000008 pdx-ap-1 ap $nw_aps Northwind-Corp
$nw $nw_pdx $nw_pnw 14000000-0000-4000-8000-000000000009 pdx-cam-dock camera $nw_cams -
$co $co_ber $co_dach 24000000-0000-4000-8000-000000000001 ber-core-1 switch $co_core -
$co $co_ber $co_dach 24000000-0000-4000-8000-000000000002 ber-ap-1 ap $co_aps Contoso-Staff,Contoso-Guest
$co $co_ber $co_dach 24000000-0000-4000-8000-000000000003 ber-ap-2 ap $co_aps Contoso-Staff,Contoso-Guest
$co $co_ber $co_dach 24000000-0000-4000-8000-000000000004 ber-cam-entrance camera - -
$co $co_muc $co_dach 24000000-0000-4000-8000-000000000005 muc-core-1 switch $co_core -
$co $co_muc $co_dach 24000000-0000-4000-8000-000000000006 muc-ap-1 ap $co_aps Contoso-Staff
$co $co_muc $co_dach 24000000-0000-4000-8000-000000000007 muc-nvr-1 nvr - -
EOF
}

generate() {
  fleet | awk -v now="$now" -v first=$((now - past_s)) -v last=$((now + future_s)) -v step="$step_s" '
    {
      n++
      org[n] = $1; site[n] = $2; sgroup[n] = $3; id[n] = $4; name[n] = $5; kind[n] = $6
      groups[n] = $7; ssids[n] = $8
      base[n] = sprintf("org_id=\"%s\",site_id=\"%s\",site_group_id=\"%s\",device_id=\"%s\",device=\"%s\",kind=\"%s\"", \
                        $1, $2, $3, $4, $5, $6)
    }

    # Uniform noise in [-width, +width]; seeded, so every run tells the same story.
    function jitter(width) { return (2 * rand() - 1) * width }

    function probe_success(d, t, k) {
      if (name[d] == "pdx-cam-dock" && t >= now - 7200) return (k % 10 < 3) ? 0 : 1
      if (name[d] == "muc-core-1" && t >= now - 18000 && t < now - 18000 + 600) return 0
      return 1
    }

    function latency_ms(d, t,    ms) {
      if (name[d] ~ /^sea-/) ms = 12
      else if (name[d] ~ /^pdx-/) ms = (t >= now - 5400) ? 44 : 18
      else if (name[d] ~ /^ber-/) ms = 9
      else ms = 22
      return ms + jitter(2)
    }

    function loss_ratio(d, t) {
      if (name[d] ~ /^ber-/ && t >= now - 10800) return 0.008 + jitter(0.001)
      return 0.001 + jitter(0.0005)
    }

    function health(d, t) {
      if (name[d] == "pdx-cam-dock" && t >= now - 7200) return 55 + jitter(5)
      if (kind[d] == "switch") return 95 + jitter(3)
      if (kind[d] == "ap") return 89 + jitter(3)
      if (kind[d] == "nvr") return 94 + jitter(3)
      return 92 + jitter(3)
    }

    function satisfaction(ssid, t) {
      if (ssid == "Northwind-Corp") return 88 + jitter(3)
      if (ssid == "Northwind-Guest") return 82 + jitter(3)
      if (ssid == "Contoso-Staff") return (t >= now - 14400) ? 78 + jitter(2) : 91 + jitter(2)
      return 86 + jitter(3)
    }

    function family(metric, type, help) {
      printf "# HELP %s %s\n# TYPE %s %s\n", metric, help, metric, type
    }

    END {
      srand(20240611)
      first -= first % step

      family("probe_success", "gauge", "Whether the last reachability probe of the device succeeded (demo data).")
      for (d = 1; d <= n; d++)
        for (t = first; t <= last; t += step)
          printf "probe_success{%s} %d %.0f\n", base[d], probe_success(d, t, int(t / step)), t

      family("probe_latency_seconds", "gauge", "Round-trip time of the reachability probe (demo data).")
      for (d = 1; d <= n; d++)
        for (t = first; t <= last; t += step)
          printf "probe_latency_seconds{%s} %.4f %.0f\n", base[d], latency_ms(d, t) / 1000, t

      family("probe_packet_loss_ratio", "gauge", "Share of probe packets lost (demo data).")
      for (d = 1; d <= n; d++)
        for (t = first; t <= last; t += step)
          printf "probe_packet_loss_ratio{%s} %.5f %.0f\n", base[d], loss_ratio(d, t), t

      family("device_health_score", "gauge", "Vendor health score of the device, 0-100 (demo data).")
      for (d = 1; d <= n; d++)
        for (t = first; t <= last; t += step)
          printf "device_health_score{%s} %.1f %.0f\n", base[d], health(d, t), t

      family("wifi_client_satisfaction", "gauge", "Client satisfaction score of an SSID on an access point, 0-100 (demo data).")
      for (d = 1; d <= n; d++) {
        if (ssids[d] == "-") continue
        count = split(ssids[d], list, ",")
        for (s = 1; s <= count; s++)
          for (t = first; t <= last; t += step)
            printf "wifi_client_satisfaction{%s,ssid=\"%s\"} %.1f %.0f\n", base[d], list[s], satisfaction(list[s], t), t
      }

      # Device group membership as an info metric: a device may belong to several groups, so
      # the group cannot be a label on the device series themselves.
      family("device_group_member", "gauge", "1 for every (device, device group) membership (demo inventory).")
      for (d = 1; d <= n; d++) {
        if (groups[d] == "-") continue
        count = split(groups[d], list, ",")
        for (g = 1; g <= count; g++)
          for (t = first; t <= last; t += step)
            printf "device_group_member{org_id=\"%s\",device_id=\"%s\",device=\"%s\",device_group_id=\"%s\"} 1 %.0f\n", \
                   org[d], id[d], name[d], list[g], t
      }

      # The organisations captive portal / controller API: request and error counters.
      orgs = 0
      for (d = 1; d <= n; d++)
        if (!(org[d] in seen)) { seen[org[d]] = 1; orglist[++orgs] = org[d] }
      for (o = 1; o <= orgs; o++) {
        rps = (o == 1) ? 25 : 40
        error_share = (o == 1) ? 0.004 : 0.005
        requests = 0; errors = 0
        for (t = first; t <= last; t += step) {
          delta = int(rps * step * (1 + jitter(0.1)))
          requests += delta
          errors += int(delta * error_share * (1 + jitter(0.3)) + 0.5)
          req_line[o, t] = requests
          err_line[o, t] = errors
        }
      }
      family("http_requests", "counter", "Requests served by the organisations portal API (demo data).")
      for (o = 1; o <= orgs; o++)
        for (t = first; t <= last; t += step)
          printf "http_requests_total{org_id=\"%s\",service=\"portal\"} %.0f %.0f\n", orglist[o], req_line[o, t], t
      family("http_errors", "counter", "Requests of the portal API that failed (demo data).")
      for (o = 1; o <= orgs; o++)
        for (t = first; t <= last; t += step)
          printf "http_errors_total{org_id=\"%s\",service=\"portal\"} %.0f %.0f\n", orglist[o], err_line[o, t], t

      print "# EOF"
    }
  '
}

if [ "$output" = - ]; then
  generate
else
  generate >"$output.tmp"
  mv "$output.tmp" "$output"
fi
