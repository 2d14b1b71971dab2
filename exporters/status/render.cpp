#include "status/render.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <vector>

#include "common/html.h"

namespace slamon::status {

namespace {

using sla::PolicyStatusKind;

// The page's only stylesheet. Colours are chosen to stay distinguishable for the common forms
// of colour blindness (blue/orange/red with different lightness); every colour is also named
// in text (legend, tooltips), never the only carrier of meaning.
constexpr std::string_view kCss = R"css(
*{box-sizing:border-box}
body{margin:0;background:#f4f6f9;color:#1f2933;font:15px/1.5 "DejaVu Sans",system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
header.top{background:#1f2d3d;color:#fff;padding:28px 24px 22px}
header.top .wrap,main,footer{max-width:1040px;margin:0 auto}
h1{margin:0 0 2px;font-size:26px;font-weight:600}
.org{margin:0;color:#c4d0dc}
.overall{margin:18px 0 6px;padding:12px 16px;border-radius:6px;font-weight:600;font-size:17px;color:#fff}
.overall.s-up{background:#2f8f57}.overall.s-degraded{background:#c77700}.overall.s-down{background:#c23b3b}
.overall.s-maintenance{background:#3d6fb6}.overall.s-unknown{background:#66768a}
.updated{margin:6px 0 0;color:#c4d0dc;font-size:13px}
main{padding:18px 24px 8px}
.key{display:flex;flex-wrap:wrap;gap:6px 18px;margin:0 0 14px;padding:0;list-style:none;font-size:13px;color:#52606d}
.sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;vertical-align:-1px}
.sw.c-up{background:#2f8f57}.sw.c-degraded{background:#e09b1a}.sw.c-down{background:#c23b3b}
.sw.c-maintenance{background:#3d6fb6}.sw.c-no-data{background:#cbd2d9}
rect.c-up{fill:#2f8f57}rect.c-degraded{fill:#e09b1a}rect.c-down{fill:#c23b3b}
rect.c-maintenance{fill:#3d6fb6}rect.c-no-data,rect.c-unknown{fill:#cbd2d9}
section.policy{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:18px 20px 16px;margin:0 0 18px}
.head{display:flex;justify-content:space-between;align-items:flex-start;gap:12px}
h2{margin:0;font-size:19px;font-weight:600}
.scope{margin:0;color:#616e7c;font-size:13px}
.desc{margin:8px 0 0;color:#3e4c59}
.pill{white-space:nowrap;padding:3px 10px;border-radius:999px;font-size:13px;font-weight:600;color:#fff}
.pill.s-up{background:#2f8f57}.pill.s-degraded{background:#c77700}.pill.s-down{background:#c23b3b}
.pill.s-maintenance{background:#3d6fb6}.pill.s-unknown{background:#7b8794}
.badge{display:inline-flex;margin:14px 0 2px;border-radius:5px;overflow:hidden;font-size:14px;font-weight:600}
.badge span{padding:5px 10px}
.badge .b-name{background:#3e4c59;color:#fff}
.badge .b-value{background:#e4e7eb;color:#1f2933}
.badge.met .b-state{background:#2f8f57;color:#fff}
.badge.at_risk .b-state{background:#c77700;color:#fff}
.badge.broken .b-state{background:#c23b3b;color:#fff}
.badge.nodata .b-state{background:#7b8794;color:#fff}
.note{margin:2px 0 0;color:#616e7c;font-size:13px}
h3{margin:18px 0 6px;font-size:14px;font-weight:600;color:#3e4c59;text-transform:uppercase;letter-spacing:.04em}
svg{display:block;width:100%}
svg.bars{height:38px}
svg.dist{height:14px;border-radius:3px}
svg.chart{height:auto;min-width:560px}
.scroll{overflow-x:auto}
.axis{display:flex;justify-content:space-between;font-size:12px;color:#7b8794;margin-top:3px}
.legend{display:flex;flex-wrap:wrap;gap:4px 18px;margin:8px 0 0;padding:0;list-style:none;font-size:13px;color:#3e4c59}
.chart text{font-size:12px;fill:#616e7c}
.chart .grid{stroke:#e4e7eb;stroke-width:1}
.chart .p50{stroke:#2f6fb0;fill:none;stroke-width:2}
.chart .p95{stroke:#8e5cc7;fill:none;stroke-width:2}
.chart .p99{stroke:#c23b3b;fill:none;stroke-width:2}
.chart circle.p50{fill:#2f6fb0}.chart circle.p95{fill:#8e5cc7}.chart circle.p99{fill:#c23b3b}
.chart .limit{stroke:#52606d;stroke-width:1.5;stroke-dasharray:6 4;fill:none}
.sw.l-p50{background:#2f6fb0}.sw.l-p95{background:#8e5cc7}.sw.l-p99{background:#c23b3b}.sw.l-limit{background:#52606d}
.none{margin:4px 0 0;color:#616e7c}
table{width:100%;border-collapse:collapse;font-size:14px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e4e7eb}
th{color:#52606d;font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.03em}
td.sev-critical{color:#c23b3b;font-weight:600}td.sev-warning{color:#b36b00;font-weight:600}
footer{padding:4px 24px 28px;color:#7b8794;font-size:12px}
footer p{margin:4px 0}
@media (max-width:640px){.head{flex-direction:column}h1{font-size:22px}}
)css";

std::string printf_double(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

// Fixed decimals without trailing zeros: 99.90 -> "99.9", 100.00 -> "100".
std::string trim_decimals(std::string text) {
  if (text.find('.') == std::string::npos) return text;
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

// An achieved percentage, rounded down to 2 decimals so the page never shows a target as met
// that was not (99.899 is "99.89", not "99.9").
std::string achieved_text(double percent) {
  const double floored = std::floor(std::clamp(percent, 0.0, 100.0) * 100.0 + 1e-9) / 100.0;
  return trim_decimals(printf_double("%.2f", floored));
}

std::string target_text(double percent) {
  return trim_decimals(printf_double("%.4f", percent));
}

std::string share_text(double share) {
  if (share > 0 && share < 0.0001) return "&lt;0.01";
  return trim_decimals(printf_double("%.2f", share * 100.0));
}

// A measured value with sensible precision: 1234, 123.4, 12.34, 1.234.
std::string value_text(double value) {
  const double magnitude = std::fabs(value);
  if (magnitude >= 1000) return printf_double("%.0f", value);
  if (magnitude >= 100) return trim_decimals(printf_double("%.1f", value));
  if (magnitude >= 10) return trim_decimals(printf_double("%.2f", value));
  return trim_decimals(printf_double("%.3f", value));
}

std::string unit_suffix(Metric metric) {
  switch (metric) {
    case Metric::uptime_percent:
    case Metric::packet_loss_percent:
      return " %";
    case Metric::latency_ms:
      return " ms";
    default:
      return "";
  }
}

std::string duration_text(Duration d) {
  const long long minutes = std::chrono::duration_cast<std::chrono::minutes>(d).count();
  if (minutes <= 0) return d.count() > 0 ? "&lt;1m" : "0m";
  const long long days = minutes / (24 * 60);
  const long long hours = minutes / 60 % 24;
  const long long mins = minutes % 60;
  std::string out;
  if (days > 0) out += std::to_string(days) + "d ";
  if (hours > 0 || days > 0) out += std::to_string(hours) + "h ";
  if (days == 0) out += std::to_string(mins) + "m ";
  out.pop_back();
  return out;
}

std::string utc_text(WallTime t, const char* format) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, format, &tm);
  return buffer;
}
std::string date_text(WallTime t) {
  return utc_text(t, "%Y-%m-%d");
}
std::string minute_text(WallTime t) {
  return utc_text(t, "%Y-%m-%d %H:%M UTC");
}

std::string_view status_class(PolicyStatusKind kind) {
  return sla::to_string(kind);  // up, degraded, down, unknown, maintenance
}

std::string_view status_words(PolicyStatusKind kind) {
  switch (kind) {
    case PolicyStatusKind::up:
      return "Operational";
    case PolicyStatusKind::degraded:
      return "Degraded";
    case PolicyStatusKind::down:
      return "Down";
    case PolicyStatusKind::maintenance:
      return "Maintenance";
    case PolicyStatusKind::unknown:
      break;
  }
  return "No data";
}

std::string_view colour_words(DayColour colour) {
  switch (colour) {
    case DayColour::up:
      return "operational";
    case DayColour::degraded:
      return "degraded";
    case DayColour::down:
      return "down";
    case DayColour::maintenance:
      return "maintenance";
    case DayColour::no_data:
      break;
  }
  return "no data";
}

std::string_view period_words(PeriodKind kind) {
  switch (kind) {
    case PeriodKind::day:
      return "today";
    case PeriodKind::week:
      return "this week";
    case PeriodKind::month:
      return "this month";
    case PeriodKind::quarter:
      return "this quarter";
    case PeriodKind::year:
      break;
  }
  return "this year";
}

Duration part_of(const sla::StatusDistribution& d, PolicyStatusKind kind) {
  switch (kind) {
    case PolicyStatusKind::up:
      return d.up;
    case PolicyStatusKind::degraded:
      return d.degraded;
    case PolicyStatusKind::down:
      return d.down;
    case PolicyStatusKind::maintenance:
      return d.maintenance;
    case PolicyStatusKind::unknown:
      break;
  }
  return d.unknown;
}

constexpr std::array kLegendOrder{PolicyStatusKind::up, PolicyStatusKind::degraded,
                                  PolicyStatusKind::down, PolicyStatusKind::maintenance,
                                  PolicyStatusKind::unknown};

std::string_view legend_class(PolicyStatusKind kind) {
  return kind == PolicyStatusKind::unknown ? "no-data" : sla::to_string(kind);
}
std::string_view legend_words(PolicyStatusKind kind) {
  switch (kind) {
    case PolicyStatusKind::up:
      return "Up";
    case PolicyStatusKind::degraded:
      return "Degraded";
    case PolicyStatusKind::down:
      return "Down";
    case PolicyStatusKind::maintenance:
      return "Maintenance";
    case PolicyStatusKind::unknown:
      break;
  }
  return "No data";
}

class Html {
 public:
  Html& raw(std::string_view text) {
    out_ += text;
    return *this;
  }
  Html& text(std::string_view text) {
    append_html_escaped(out_, text);
    return *this;
  }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

void overall_banner(Html& h, const PageView& view) {
  bool down = false, degraded = false, maintenance = false, unknown = false;
  for (const PolicyView& policy : view.policies) {
    down |= policy.current == PolicyStatusKind::down;
    degraded |= policy.current == PolicyStatusKind::degraded;
    maintenance |= policy.current == PolicyStatusKind::maintenance;
    unknown |= policy.current == PolicyStatusKind::unknown;
  }
  std::string_view cls = "up";
  std::string_view words = "All systems operational";
  if (view.policies.empty()) {
    cls = "unknown";
    words = "No services are listed on this page yet";
  } else if (down) {
    cls = "down";
    words = "Major outage";
  } else if (degraded) {
    cls = "degraded";
    words = "Partially degraded service";
  } else if (maintenance) {
    cls = "maintenance";
    words = "Maintenance in progress";
  } else if (unknown) {
    cls = "unknown";
    words = "Some services have no current data";
  }
  h.raw("<div class=\"overall s-").raw(cls).raw("\">").raw(words).raw("</div>\n");
}

// Each figure is named for what it is (docs/status-pages.md): the badge is the SLA's own
// measure (measured uptime against the uptime target, else the time within all thresholds),
// the bars' figure is always the time within all thresholds, the pill the status now.
void badge(Html& h, const PolicyView& policy) {
  const Badge& b = policy.badge;
  std::string window;
  if (b.calendar_period) {
    window = std::string(period_words(b.period_kind)) + " so far (SLA period from " +
             date_text(b.window.start) + ", " + b.timezone + ")";
  } else {
    window = "the last 30 days";
  }
  const std::string_view measure =
      b.measures_uptime ? "Measured uptime" : "Time in compliance (all thresholds)";
  const std::string target = " (target " + target_text(b.target_percent) + " %)";
  if (!b.achieved_percent) {
    h.raw("<div class=\"badge nodata\"><span class=\"b-name\">")
        .raw(measure)
        .raw("</span><span class=\"b-value\">No data yet")
        .raw(target)
        .raw("</span><span class=\"b-state\">No data</span></div>\n");
  } else {
    std::string_view state_words = "Met";
    if (b.state == sla::PeriodState::at_risk) state_words = "At risk";
    if (b.state == sla::PeriodState::broken) state_words = "Not met";
    h.raw("<div class=\"badge ")
        .raw(sla::to_string(b.state))
        .raw("\"><span class=\"b-name\">")
        .raw(measure)
        .raw("</span><span class=\"b-value\">")
        .raw(achieved_text(*b.achieved_percent))
        .raw(" %")
        .raw(target)
        .raw("</span><span class=\"b-state\">")
        .raw(state_words)
        .raw("</span></div>\n");
  }
  h.raw("<p class=\"note\">SLA over ").text(window).raw(".</p>\n");
}

void day_bars(Html& h, const PolicyView& policy) {
  constexpr int kPitch = 10;
  constexpr int kWidth = 8;
  const int days = static_cast<int>(policy.days.size());
  h.raw("<svg class=\"bars\" viewBox=\"0 0 ")
      .raw(std::to_string(days * kPitch - (kPitch - kWidth)))
      .raw(" 38\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"Daily status, last ")
      .raw(std::to_string(days))
      .raw(" days\">\n");
  for (int i = 0; i < days; ++i) {
    const DayBar& day = policy.days[static_cast<std::size_t>(i)];
    h.raw("<rect class=\"c-")
        .raw(to_string(day.colour))
        .raw("\" x=\"")
        .raw(std::to_string(i * kPitch))
        .raw("\" y=\"0\" width=\"")
        .raw(std::to_string(kWidth))
        .raw("\" height=\"38\" rx=\"1.5\"><title>")
        .raw(date_text(day.start))
        .raw(": ")
        .raw(colour_words(day.colour));
    const sla::StatusDistribution& d = day.distribution;
    if (d.total().count() > 0 && day.colour != DayColour::no_data) {
      h.raw(" (");
      bool first = true;
      for (PolicyStatusKind kind : kLegendOrder) {
        const Duration part = part_of(d, kind);
        if (part.count() <= 0) continue;
        if (!first) h.raw(", ");
        first = false;
        h.raw(legend_words(kind)).raw(" ").raw(share_text(d.share(kind))).raw(" %");
      }
      h.raw(")");
    }
    h.raw("</title></rect>\n");
  }
  h.raw("</svg>\n");
  const auto ratio = policy.distribution.compliance_ratio();
  h.raw("<div class=\"axis\"><span>")
      .raw(std::to_string(days))
      .raw(" days ago</span><span>")
      .raw(ratio ? achieved_text(*ratio * 100.0) + " % of the time in compliance (all thresholds)"
                 : std::string("no data"))
      .raw("</span><span>Today</span></div>\n");
}

// Shares of the time slamon has a status for (up, degraded, down, maintenance), so a policy
// that is a week old shows its week rather than 92 % "no data"; the unknown time is given as
// a duration beside them.
void distribution(Html& h, const PolicyView& policy) {
  const sla::StatusDistribution& d = policy.distribution;
  constexpr std::array kKnown{PolicyStatusKind::up, PolicyStatusKind::degraded,
                              PolicyStatusKind::down, PolicyStatusKind::maintenance};
  const Duration known = d.up + d.degraded + d.down + d.maintenance;
  const auto share = [&](PolicyStatusKind kind) {
    return known.count() <= 0
               ? 0.0
               : static_cast<double>(part_of(d, kind).count()) / static_cast<double>(known.count());
  };
  h.raw(
      "<svg class=\"dist\" viewBox=\"0 0 1000 14\" preserveAspectRatio=\"none\" role=\"img\" "
      "aria-label=\"Status distribution\">");
  double x = 0;
  for (PolicyStatusKind kind : kKnown) {
    const double width = share(kind) * 1000.0;
    if (width <= 0) continue;
    h.raw("<rect class=\"c-")
        .raw(legend_class(kind))
        .raw("\" x=\"")
        .raw(printf_double("%.2f", x))
        .raw("\" y=\"0\" width=\"")
        .raw(printf_double("%.2f", width))
        .raw("\" height=\"14\"><title>")
        .raw(legend_words(kind))
        .raw(" ")
        .raw(share_text(share(kind)))
        .raw(" %</title></rect>");
    x += width;
  }
  if (known.count() <= 0) {
    h.raw("<rect class=\"c-no-data\" x=\"0\" y=\"0\" width=\"1000\" height=\"14\"/>");
  }
  h.raw("</svg>\n<ul class=\"legend\">");
  for (PolicyStatusKind kind : kKnown) {
    h.raw("<li><span class=\"sw c-")
        .raw(legend_class(kind))
        .raw("\"></span>")
        .raw(legend_words(kind))
        .raw(" ")
        .raw(share_text(share(kind)))
        .raw(" % (")
        .raw(duration_text(part_of(d, kind)))
        .raw(")</li>");
  }
  h.raw("<li><span class=\"sw c-no-data\"></span>No data ")
      .raw(duration_text(d.unknown))
      .raw("</li></ul>\n");
}

// A "nice" axis maximum (1, 2, 2.5 or 5 × 10^k) at or above `value`.
double nice_ceiling(double value) {
  if (value <= 0) return 1;
  const double exponent = std::pow(10.0, std::floor(std::log10(value)));
  for (double step : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (value <= step * exponent + 1e-12) return step * exponent;
  }
  return 10 * exponent;
}

void latency_chart(Html& h, const PolicyView& policy) {
  const Metric metric = *policy.latency_metric;
  const std::string unit = unit_suffix(metric);
  h.raw("<h3>Latency (").raw(to_string(metric)).raw("), daily percentiles, last ");
  h.raw(std::to_string(policy.latency.size())).raw(" days</h3>\n");
  double top = policy.latency_threshold.value_or(0);
  bool any = false;
  for (const LatencyDay& day : policy.latency) {
    if (!day.stats) continue;
    any = true;
    top = std::max(top, day.stats->p99);
  }
  if (!any) {
    h.raw("<p class=\"none\">No latency measured in the last ")
        .raw(std::to_string(policy.latency.size()))
        .raw(" days.</p>\n");
    return;
  }
  top = nice_ceiling(top * 1.05);
  constexpr double kLeft = 62, kRight = 890, kTop = 12, kBottom = 182, kHeight = 210;
  const std::size_t n = policy.latency.size();
  const auto x_of = [&](std::size_t i) {
    return n <= 1 ? kLeft
                  : kLeft + (kRight - kLeft) * static_cast<double>(i) / static_cast<double>(n - 1);
  };
  const auto y_of = [&](double v) {
    return kBottom - (kBottom - kTop) * std::clamp(v / top, 0.0, 1.0);
  };
  // Kept legible on a phone: the chart scrolls sideways rather than shrinking its labels.
  h.raw("<div class=\"scroll\"><svg class=\"chart\" viewBox=\"0 0 900 ")
      .raw(printf_double("%.0f", kHeight))
      .raw("\" role=\"img\" aria-label=\"Daily latency percentiles\">\n");
  for (int g = 0; g <= 4; ++g) {
    const double v = top * g / 4.0;
    const std::string y = printf_double("%.1f", y_of(v));
    h.raw("<line class=\"grid\" x1=\"")
        .raw(printf_double("%.0f", kLeft))
        .raw("\" x2=\"")
        .raw(printf_double("%.0f", kRight))
        .raw("\" y1=\"")
        .raw(y)
        .raw("\" y2=\"")
        .raw(y)
        .raw("\"/><text x=\"")
        .raw(printf_double("%.0f", kLeft - 8))
        .raw("\" y=\"")
        .raw(printf_double("%.1f", y_of(v) + 4))
        .raw("\" text-anchor=\"end\">")
        .raw(value_text(v))
        .raw(unit)
        .raw("</text>\n");
  }
  for (std::size_t i : {std::size_t{0}, n / 2, n - 1}) {
    h.raw("<text x=\"")
        .raw(printf_double("%.1f", x_of(i)))
        .raw("\" y=\"202\" text-anchor=\"")
        .raw(i == 0 ? "start" : (i == n - 1 ? "end" : "middle"))
        .raw("\">")
        .raw(i == n - 1 ? std::string("today") : date_text(policy.latency[i].start))
        .raw("</text>\n");
  }
  if (policy.latency_threshold) {
    const std::string y = printf_double("%.1f", y_of(*policy.latency_threshold));
    h.raw("<line class=\"limit\" x1=\"")
        .raw(printf_double("%.0f", kLeft))
        .raw("\" x2=\"")
        .raw(printf_double("%.0f", kRight))
        .raw("\" y1=\"")
        .raw(y)
        .raw("\" y2=\"")
        .raw(y)
        .raw("\"><title>threshold ")
        .raw(value_text(*policy.latency_threshold))
        .raw(unit)
        .raw("</title></line>\n");
  }
  struct Series {
    const char* cls;
    double history::WindowStats::*field;
  };
  for (const Series& series :
       {Series{"p50", &history::WindowStats::p50}, Series{"p95", &history::WindowStats::p95},
        Series{"p99", &history::WindowStats::p99}}) {
    // A day without data breaks the line rather than bridging it.
    std::vector<std::string> runs(1);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& stats = policy.latency[i].stats;
      if (!stats) {
        if (!runs.back().empty()) runs.emplace_back();
        continue;
      }
      runs.back() +=
          printf_double("%.1f,", x_of(i)) + printf_double("%.1f ", y_of((*stats).*series.field));
    }
    for (const std::string& points : runs) {
      if (points.empty()) continue;
      h.raw("<polyline class=\"").raw(series.cls).raw("\" points=\"").raw(points).raw("\"/>\n");
    }
    for (std::size_t i = 0; i < n; ++i) {
      const auto& stats = policy.latency[i].stats;
      if (!stats) continue;
      h.raw("<circle class=\"")
          .raw(series.cls)
          .raw("\" r=\"2.6\" cx=\"")
          .raw(printf_double("%.1f", x_of(i)))
          .raw("\" cy=\"")
          .raw(printf_double("%.1f", y_of((*stats).*series.field)))
          .raw("\"><title>")
          .raw(date_text(policy.latency[i].start))
          .raw(" ")
          .raw(series.cls == std::string_view("p50")
                   ? "P50"
                   : (series.cls == std::string_view("p95") ? "P95" : "P99"))
          .raw(" ")
          .raw(value_text((*stats).*series.field))
          .raw(unit)
          .raw("</title></circle>\n");
    }
  }
  h.raw(
      "</svg></div>\n<ul class=\"legend\"><li><span class=\"sw l-p50\"></span>P50</li>"
      "<li><span class=\"sw l-p95\"></span>P95</li><li><span class=\"sw l-p99\"></span>P99</li>");
  if (policy.latency_threshold) {
    h.raw("<li><span class=\"sw l-limit\"></span>threshold ")
        .raw(value_text(*policy.latency_threshold))
        .raw(unit)
        .raw("</li>");
  }
  h.raw("</ul>\n");
  if (policy.latency_total) {
    const history::WindowStats& t = *policy.latency_total;
    h.raw("<p class=\"note\">Last ")
        .raw(std::to_string(n))
        .raw(" days: P50 ")
        .raw(value_text(t.p50))
        .raw(unit)
        .raw(" · P95 ")
        .raw(value_text(t.p95))
        .raw(unit)
        .raw(" · P99 ")
        .raw(value_text(t.p99))
        .raw(unit)
        .raw(" (")
        .raw(std::to_string(t.count))
        .raw(" measurements)</p>\n");
  }
}

void open_breaches(Html& h, const PolicyView& policy) {
  h.raw("<h3>Open breaches</h3>\n");
  if (policy.open_breaches.empty()) {
    h.raw("<p class=\"none\">No open breaches.</p>\n");
    return;
  }
  h.raw(
      "<table><thead><tr><th>Metric</th><th>Severity</th><th>Since</th><th>Value</th>"
      "<th>Threshold</th><th>State</th></tr></thead><tbody>\n");
  for (const Breach& breach : policy.open_breaches) {
    const std::string unit = unit_suffix(breach.metric);
    const bool min_bound = threshold_spec(breach.metric).bound == Bound::min;
    h.raw("<tr><td>")
        .raw(to_string(breach.metric))
        .raw("</td><td class=\"sev-")
        .raw(to_string(breach.severity))
        .raw("\">")
        .raw(to_string(breach.severity))
        .raw("</td><td>")
        .raw(minute_text(breach.opened_at))
        .raw("</td><td>")
        .raw(breach.actual ? value_text(*breach.actual) + unit : std::string("no data"))
        .raw("</td><td>")
        .raw(min_bound ? "&ge; " : "&le; ")
        .raw(value_text(breach.threshold))
        .raw(unit)
        .raw("</td><td>")
        .raw(breach.status == BreachStatus::acknowledged ? "acknowledged" : "open")
        .raw("</td></tr>\n");
  }
  h.raw("</tbody></table>\n");
}

void policy_section(Html& h, const PolicyView& policy) {
  h.raw("<section class=\"policy\" id=\"policy-").text(policy.id).raw("\">\n");
  h.raw("<div class=\"head\"><div><h2>").text(policy.name).raw("</h2><p class=\"scope\">");
  h.text(policy.scope).raw("</p></div><span class=\"pill s-").raw(status_class(policy.current));
  h.raw("\">Now: ").raw(status_words(policy.current)).raw("</span></div>\n");
  if (!policy.description.empty())
    h.raw("<p class=\"desc\">").text(policy.description).raw("</p>\n");
  badge(h, policy);
  h.raw("<h3>Daily status, last ").raw(std::to_string(policy.days.size())).raw(" days</h3>\n");
  day_bars(h, policy);
  h.raw("<h3>Status distribution, last ").raw(std::to_string(policy.days.size()));
  h.raw(" days</h3>\n");
  distribution(h, policy);
  if (policy.latency_metric) latency_chart(h, policy);
  open_breaches(h, policy);
  h.raw("</section>\n");
}

}  // namespace

std::string csp_hash_source(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  std::string encoded(4 * ((length + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), digest,
                                      static_cast<int>(length));
  encoded.resize(static_cast<std::size_t>(std::max(written, 0)));
  return "'sha256-" + encoded + "'";
}

std::string content_security_policy(std::string_view style_source) {
  return "default-src 'none'; style-src " + std::string(style_source) +
         "; script-src 'none'; img-src 'none'; base-uri 'none'; form-action 'none'; "
         "frame-ancestors 'none'";
}

RenderedPage render_status_page(const PageView& view) {
  Html h;
  h.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
  h.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
  h.raw("<meta name=\"referrer\" content=\"no-referrer\">\n");
  h.raw("<title>").text(view.title).raw("</title>\n<style>").raw(kCss).raw("</style>\n");
  h.raw("</head>\n<body>\n<header class=\"top\"><div class=\"wrap\">\n<h1>").text(view.title);
  h.raw("</h1>\n");
  if (!view.org_name.empty()) h.raw("<p class=\"org\">").text(view.org_name).raw("</p>\n");
  overall_banner(h, view);
  h.raw("<p class=\"updated\">Updated ").raw(minute_text(view.generated_at)).raw("</p>\n");
  h.raw("</div></header>\n<main>\n");
  h.raw(
      "<ul class=\"key\"><li><span class=\"sw c-up\"></span>Operational</li>"
      "<li><span class=\"sw c-degraded\"></span>Degraded</li>"
      "<li><span class=\"sw c-down\"></span>Down</li>"
      "<li><span class=\"sw c-maintenance\"></span>Maintenance</li>"
      "<li><span class=\"sw c-no-data\"></span>No data</li></ul>\n");
  if (view.policies.empty()) {
    h.raw(
        "<section class=\"policy\"><p class=\"none\">This page lists no policies yet.</p>"
        "</section>\n");
  }
  for (const PolicyView& policy : view.policies) policy_section(h, policy);
  h.raw(
      "</main>\n<footer>\n<p>Bars are UTC days. A day is red when a critical breach was "
      "open for at least 1 % of its evaluated time, green when the policy was up for at "
      "least 99.9 % of it, amber otherwise; grey days were not evaluated (no data).</p>\n"
      "<p>The SLA badge shows the current SLA period for policies with one, else the last 30 "
      "days: the measured uptime against the policy's uptime target, or for a policy without "
      "one the time in compliance with all its thresholds. The bars count every threshold "
      "(latency, packet loss, ...), so a policy can meet its uptime SLA while in breach of "
      "another threshold. Maintenance time never counts against compliance or the "
      "SLA.</p>\n</footer>\n</body>\n</html>\n");
  return RenderedPage{std::move(h.str()), csp_hash_source(kCss)};
}

}  // namespace slamon::status
