#include "config_fixture.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace slamon::testing {

std::string fill(std::string text) {
  // Longest first: $CAMERA is a prefix of $CAMERA_B.
  std::vector<std::pair<std::string_view, std::string_view>> tokens{
      {"$ORG_A", kOrgA},
      {"$ORG_B", kOrgB},
      {"$SITE_GROUP_EMEA", kSiteGroupEmea},
      {"$SITE_HQ", kSiteHq},
      {"$SITE_LAB", kSiteLab},
      {"$DEVICE_GROUP_APS", kDeviceGroupAps},
      {"$SWITCH", kSwitch},
      {"$CAMERA", kCamera},
      {"$NVR", kNvr},
      {"$AP", kAp},
      {"$AP_LAB", kApLab},
      {"$SITE_B", kSiteB},
      {"$CAMERA_B", kCameraB},
  };
  std::sort(tokens.begin(), tokens.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [token, value] : tokens) {
    for (std::size_t pos = text.find(token); pos != std::string::npos;
         pos = text.find(token, pos + value.size())) {
      text.replace(pos, token.size(), value);
    }
  }
  return text;
}

std::string standard_inventory() {
  return R"(organizations:
  - id: $ORG_A
    name: ACME
    site_groups: [{id: $SITE_GROUP_EMEA, name: EMEA}]
    sites:
      - {id: $SITE_HQ, name: HQ, site_group: $SITE_GROUP_EMEA, timezone: Europe/Berlin}
      - {id: $SITE_LAB, name: Lab}
    device_groups: [{id: $DEVICE_GROUP_APS, name: Access points}]
    devices:
      - {id: $SWITCH, name: hq-core-1, kind: switch, site: $SITE_HQ, snmp: {source: switches, address: 10.0.0.1}}
      - {id: $CAMERA, name: hq-cam-1, kind: camera, site: $SITE_HQ}
      - {id: $NVR, name: hq-nvr-1, kind: nvr, site: $SITE_HQ}
      - {id: $AP, name: hq-ap-1, kind: ap, site: $SITE_HQ, device_groups: [$DEVICE_GROUP_APS], ssids: [Corp-WiFi, Guest]}
      - {id: $AP_LAB, name: lab-ap-1, kind: ap, site: $SITE_LAB, device_groups: [$DEVICE_GROUP_APS], ssids: [Corp-WiFi]}
  - id: $ORG_B
    name: Globex
    sites: [{id: $SITE_B, name: Plant}]
    devices:
      - {id: $CAMERA_B, name: plant-cam, kind: camera, site: $SITE_B}
)";
}

std::string standard_main() {
  return R"(global:
  evaluation_interval: 1m
rule_files: ["rules/*.yml"]
inventory_files: [inventory.yml]
sources:
  - name: prom
    type: prometheus
    url: http://127.0.0.1:9090
  - name: switches
    type: snmp
    community: public
measurements:
  - metric: uptime_percent
    scopes: [organization, site, site_group, device_group, ssid, camera, nvr]
    source: prom
    query: up
    scope_label: scope_id
  - metric: latency_ms
    scopes: [site, camera]
    source: prom
    query: latency
    scope_label: scope_id
)";
}

std::string dump(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) out += "  " + d.to_string() + "\n";
  return out.empty() ? "  (no diagnostics)\n" : out;
}

int lines_of(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

int column_of(const std::string& text, int line, const std::string& at) {
  const std::string filled = fill(text);
  std::size_t line_start = 0;
  for (int i = 1; i < line && line_start != std::string::npos; ++i) {
    line_start = filled.find('\n', line_start);
    if (line_start != std::string::npos) ++line_start;
  }
  if (line_start == std::string::npos) return 0;
  const std::size_t found = filled.find(fill(at), line_start);
  const std::size_t line_end = filled.find('\n', line_start);
  if (found == std::string::npos || found > line_end) return 0;
  return static_cast<int>(found - line_start) + 1;
}

void PrintTo(const AppendedSectionCase& c, std::ostream* os) {
  *os << c.name;
}

::testing::AssertionResult ConfigFixture::rejects(const AppendedSectionCase& c) const {
  const int column = column_of(c.section, c.line, c.at);
  if (column == 0) {
    return ::testing::AssertionFailure() << "line " << c.line << " holds no `" << c.at << "`";
  }
  return has_only_diagnostic(load_main_with(c.section), "slamon.yml",
                             lines_of(standard_main()) + c.line, column, c.fragment);
}

namespace {

bool matches(const Diagnostic& d, std::string_view file, int line, int column,
             std::string_view fragment) {
  return std::string_view(d.file).ends_with(file) && d.line == line && d.column == column &&
         d.message.find(fragment) != std::string::npos;
}

}  // namespace

::testing::AssertionResult has_diagnostic(const LoadResult& result, std::string_view file, int line,
                                          int column, std::string_view fragment) {
  if (result.ok()) return ::testing::AssertionFailure() << "the configuration was accepted";
  for (const Diagnostic& d : result.diagnostics) {
    if (matches(d, file, line, column, fragment)) return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no diagnostic " << file << ":" << line << ":" << column
                                       << " containing \"" << fragment << "\"; got:\n"
                                       << dump(result.diagnostics);
}

::testing::AssertionResult has_only_diagnostic(const LoadResult& result, std::string_view file,
                                               int line, int column, std::string_view fragment) {
  auto found = has_diagnostic(result, file, line, column, fragment);
  if (!found) return found;
  if (result.diagnostics.size() != 1) {
    return ::testing::AssertionFailure() << "expected exactly one diagnostic; got:\n"
                                         << dump(result.diagnostics);
  }
  return ::testing::AssertionSuccess();
}

}  // namespace slamon::testing
