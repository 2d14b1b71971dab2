#include "reports/pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "reports/chart.h"
#include "reports/format.h"

namespace slamon::reports {

namespace {

// A4 in points; cairo's PDF user unit is the point.
constexpr double kPageWidth = 595.28;
constexpr double kPageHeight = 841.89;
constexpr double kMargin = 40;
constexpr double kContentWidth = kPageWidth - 2 * kMargin;
constexpr double kFooterHeight = 22;
constexpr double kBottom = kPageHeight - kMargin - kFooterHeight;
constexpr double kCellPadding = 2.5;
constexpr double kChartHeight = 120;
// A table's caption stays with the table's header and first rows.
constexpr double kCaptionWithRows = 48;

enum class Align { left, right };

struct Column {
  std::string header;
  double width = 0;  // share of the content width (the shares of a table add up to 1)
  Align align = Align::left;
};
using Row = std::vector<std::string>;

struct Rgb {
  double r, g, b;
};
constexpr Rgb kText{0.13, 0.13, 0.13};
constexpr Rgb kMuted{0.42, 0.42, 0.42};
constexpr Rgb kHeaderFill{0.89, 0.92, 0.95};
constexpr Rgb kStripe{0.965, 0.965, 0.965};
constexpr Rgb kRule{0.75, 0.75, 0.75};

using LayoutPtr = std::unique_ptr<PangoLayout, decltype(&g_object_unref)>;
using FontPtr = std::unique_ptr<PangoFontDescription, decltype(&pango_font_description_free)>;

FontPtr font(const char* spec) {
  return FontPtr(pango_font_description_from_string(spec), &pango_font_description_free);
}

// A document being written page by page: a cursor that moves down the page, starts a new page
// (with the footer) when the next block does not fit, and draws text and tables.
class Document {
 public:
  Document(const ReportData& report, cairo_surface_t* surface)
      : report_(report),
        cr_(cairo_create(surface)),
        context_(pango_cairo_create_context(cr_)),
        body_(font("DejaVu Sans 7.5")),
        bold_(font("DejaVu Sans Bold 7.5")),
        small_(font("DejaVu Sans 6.5")),
        heading_(font("DejaVu Sans Bold 12")),
        title_(font("DejaVu Sans Bold 18")),
        texts_(context_) {
    // Points as device units, and metrics not snapped to a pixel grid: a PDF has none.
    pango_cairo_context_set_resolution(context_, 72);
    cairo_font_options_t* options = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(context_, options);
    cairo_font_options_destroy(options);
    auto zone = sla::TimeZone::find(report.timezone);
    zone_ = zone ? *zone : sla::TimeZone::utc();
    const std::string footer = "Generated " + time_text(report.generated_at, zone_) +
                               " · times in " + zone_.name() + " · slamon " + report.version +
                               " · " + report.title;
    // The same on every page: laid out once.
    pango_layout_set_font_description(footer_.get(), small_.get());
    pango_layout_set_width(footer_.get(), static_cast<int>((kContentWidth - 50) * PANGO_SCALE));
    pango_layout_set_ellipsize(footer_.get(), PANGO_ELLIPSIZE_END);
    pango_layout_set_text(footer_.get(), footer.data(), static_cast<int>(footer.size()));
    pango_layout_set_font_description(page_number_.get(), small_.get());
    pango_layout_set_width(page_number_.get(), 50 * PANGO_SCALE);
    pango_layout_set_alignment(page_number_.get(), PANGO_ALIGN_RIGHT);
    y_ = kMargin;
  }
  ~Document() {
    footer_.reset();
    page_number_.reset();
    g_object_unref(context_);
    cairo_destroy(cr_);
  }
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  cairo_t* cr() { return cr_; }
  chart::LayoutCache& texts() { return texts_; }
  const sla::TimeZone& zone() const { return zone_; }
  cairo_status_t status() const { return cairo_status(cr_); }

  LayoutPtr layout() const { return LayoutPtr(pango_layout_new(context_), &g_object_unref); }

  void finish() { footer(); }

  void new_page() {
    footer();
    cairo_show_page(cr_);
    ++page_;
    y_ = kMargin;
  }
  // Starts a new page unless `height` fits below the cursor.
  void keep(double height) {
    if (y_ + height > kBottom && y_ > kMargin) new_page();
  }
  void space(double height) { y_ += height; }
  double y() const { return y_; }

  // A paragraph over the content width, wrapped; moves the cursor below it.
  void paragraph(const std::string& text, const PangoFontDescription* font_description,
                 Rgb color = kText, double indent = 0) {
    PangoLayout* layout =
        texts_.get(text, {.font = font_description,
                          .width = static_cast<int>((kContentWidth - indent) * PANGO_SCALE),
                          .wrap = PANGO_WRAP_WORD_CHAR});
    const double height = height_of(layout);
    keep(height);
    draw(layout, kMargin + indent, y_, color);
    y_ += height;
  }

  // A table: rows as tall as their tallest cell, wrapped within the column; a row that does
  // not fit goes whole to the next page, under the header drawn again.
  void table(const std::vector<Column>& columns, const std::vector<Row>& rows) {
    Row header;
    for (const Column& column : columns) header.push_back(column.header);
    // The header never stands alone at the bottom of a page.
    const double first_row = rows.empty() ? 0 : measure(columns, rows.front(), body_.get());
    keep(measure(columns, header, bold_.get()) + first_row);
    draw_header(columns, header);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      double height = measure(columns, rows[i], body_.get());
      if (y_ + height > kBottom) {
        new_page();
        draw_header(columns, header);
        height = measure(columns, rows[i], body_.get());
      }
      if (i % 2 == 1) fill(kMargin, y_, kContentWidth, height, kStripe);
      draw_cells(columns, height, kText);
      y_ += height;
    }
    rule(y_);
    y_ += 4;
  }

  const PangoFontDescription* body() const { return body_.get(); }
  const PangoFontDescription* bold() const { return bold_.get(); }
  const PangoFontDescription* small() const { return small_.get(); }
  const PangoFontDescription* heading() const { return heading_.get(); }
  const PangoFontDescription* title() const { return title_.get(); }

 private:
  static double height_of(PangoLayout* layout) {
    int width = 0, height = 0;
    pango_layout_get_size(layout, &width, &height);
    return static_cast<double>(height) / PANGO_SCALE;
  }

  void draw(PangoLayout* layout, double x, double y, Rgb color) {
    cairo_set_source_rgb(cr_, color.r, color.g, color.b);
    cairo_move_to(cr_, x, y);
    pango_cairo_show_layout(cr_, layout);
  }

  void fill(double x, double y, double width, double height, Rgb color) {
    cairo_set_source_rgb(cr_, color.r, color.g, color.b);
    cairo_rectangle(cr_, x, y, width, height);
    cairo_fill(cr_);
  }

  void rule(double y) {
    cairo_set_source_rgb(cr_, kRule.r, kRule.g, kRule.b);
    cairo_set_line_width(cr_, 0.5);
    cairo_move_to(cr_, kMargin, y);
    cairo_line_to(cr_, kMargin + kContentWidth, y);
    cairo_stroke(cr_);
  }

  // Lays the row's cells out (row_layouts_ holds them afterwards) and answers the row's height.
  double measure(const std::vector<Column>& columns, const Row& row,
                 const PangoFontDescription* font_description) {
    double tallest = 0;
    row_layouts_.clear();
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const std::string& text = c < row.size() ? row[c] : empty_;
      PangoLayout* layout = texts_.get(
          text,
          {.font = font_description,
           .width = static_cast<int>((columns[c].width * kContentWidth - 2 * kCellPadding) *
                                     PANGO_SCALE),
           .alignment = columns[c].align == Align::right ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT,
           .wrap = PANGO_WRAP_WORD_CHAR});
      row_layouts_.push_back(layout);
      tallest = std::max(tallest, height_of(layout));
    }
    return tallest + 2 * kCellPadding;
  }

  void draw_cells(const std::vector<Column>& columns, double /*height*/, Rgb color) {
    double x = kMargin;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      draw(row_layouts_[c], x + kCellPadding, y_ + kCellPadding, color);
      x += columns[c].width * kContentWidth;
    }
  }

  // Lays the header out and draws it.
  void draw_header(const std::vector<Column>& columns, const Row& header) {
    const double height = measure(columns, header, bold_.get());
    fill(kMargin, y_, kContentWidth, height, kHeaderFill);
    draw_cells(columns, height, kText);
    y_ += height;
  }

  void footer() {
    rule(kPageHeight - kMargin - 12);
    draw(footer_.get(), kMargin, kPageHeight - kMargin - 9, kMuted);
    const std::string number = "page " + std::to_string(page_);
    pango_layout_set_text(page_number_.get(), number.data(), static_cast<int>(number.size()));
    draw(page_number_.get(), kMargin + kContentWidth - 50, kPageHeight - kMargin - 9, kMuted);
  }

  const ReportData& report_;
  cairo_t* cr_;
  PangoContext* context_;
  FontPtr body_, bold_, small_, heading_, title_;
  chart::LayoutCache texts_;  // declared after the fonts its layouts are keyed on
  LayoutPtr footer_ = layout();
  LayoutPtr page_number_ = layout();
  std::vector<PangoLayout*> row_layouts_;  // the cells measure() laid out last
  sla::TimeZone zone_ = sla::TimeZone::utc();
  std::string empty_;
  double y_ = 0;
  int page_ = 1;
};

std::string state_text(const sla::PeriodResult& result) {
  switch (result.state) {
    case sla::PeriodState::met:
      return "met";
    case sla::PeriodState::at_risk:
      return "at risk";
    case sla::PeriodState::broken:
      return "missed";
  }
  return "";
}

std::string with_unit(const std::string& figure, const char* unit) {
  return figure == kNoFigure ? figure : figure + unit;
}

// "4h3m (1.234 %)"
std::string status_text(Duration part, const sla::StatusDistribution& statuses,
                        sla::PolicyStatusKind kind) {
  return duration_text(part) + " (" + percent_text(statuses.share(kind) * 100.0) + " %)";
}

void summary_page(Document& doc, const ReportData& report) {
  doc.paragraph(report.title, doc.title());
  doc.space(4);
  doc.paragraph("Organization: " + report.org_name +
                    "   Period: " + time_text(report.period.start, doc.zone()) + " to " +
                    time_text(report.period.end, doc.zone()),
                doc.body());
  if (report.judged.end < report.period.end) {
    doc.paragraph("The period has not ended: figures are as of " +
                      time_text(report.judged.end, doc.zone()) + ".",
                  doc.body(), kMuted);
  }
  doc.space(8);
  doc.paragraph("Summary", doc.heading());
  doc.space(3);
  const OrgSummary& s = report.summary;
  // Shares, not durations: the policies' time summed is no time anyone lived through.
  auto share = [&](sla::PolicyStatusKind kind) {
    return percent_text(s.statuses.share(kind) * 100.0);
  };
  doc.table({{"Policies", 0.09, Align::right},
             {"Met", 0.08, Align::right},
             {"Missed", 0.08, Align::right},
             {"Overall compliance %", 0.15, Align::right},
             {"Up %", 0.1, Align::right},
             {"Degraded %", 0.11, Align::right},
             {"Down %", 0.1, Align::right},
             {"Unknown % (apart)", 0.15, Align::right},
             {"Maintenance %", 0.14, Align::right}},
            {{std::to_string(s.policies), std::to_string(s.met), std::to_string(s.missed),
              ratio_text(s.compliance_ratio), share(sla::PolicyStatusKind::up),
              share(sla::PolicyStatusKind::degraded), share(sla::PolicyStatusKind::down),
              share(sla::PolicyStatusKind::unknown), share(sla::PolicyStatusKind::maintenance)}});
  doc.space(6);
  doc.paragraph("How the figures are counted", doc.bold());
  doc.space(2);
  for (const std::string& rule : report.counting_rules) {
    doc.paragraph("• " + rule, doc.small(), kMuted, 6);
  }
  doc.space(8);
  doc.paragraph("Policies", doc.heading());
  doc.space(3);
  std::vector<Row> rows;
  rows.reserve(report.policies.size());
  for (const PolicyReport& policy : report.policies) {
    rows.push_back({policy.name, policy.id, ratio_text(policy.compliance.compliant_time_ratio),
                    policy.measures_uptime ? percent_text(policy.overall.achieved_percent)
                                           : std::string(kNoFigure),
                    percent_text(policy.overall.target_percent),
                    duration_text(policy.compliance.statuses.unknown),
                    std::to_string(policy.breach_figures.outages), state_text(policy.overall)});
  }
  doc.table({{"Policy", 0.21},
             {"ID", 0.19},
             {"Compliance %", 0.14, Align::right},
             {"Uptime %", 0.1, Align::right},
             {"Target %", 0.09, Align::right},
             {"Unknown", 0.09, Align::right},
             {"Breaches", 0.09, Align::right},
             {"State", 0.09}},
            rows);
}

void charts(Document& doc, const PolicyReport& policy) {
  doc.keep(kChartHeight + 4);
  const double top = doc.y();
  const double daily_width = kContentWidth * 0.5;
  chart::draw_daily_compliance(doc.cr(), doc.texts(), {kMargin, top, daily_width - 8, kChartHeight},
                               policy.days, policy.overall.target_percent);
  if (!policy.metrics.empty()) {
    const double each = (kContentWidth - daily_width) /
                        static_cast<double>(std::min<std::size_t>(policy.metrics.size(), 3));
    for (std::size_t i = 0; i < policy.metrics.size() && i < 3; ++i) {
      chart::draw_percentiles(
          doc.cr(), doc.texts(),
          {kMargin + daily_width + each * static_cast<double>(i), top, each, kChartHeight},
          policy.metrics[i]);
    }
  }
  doc.space(kChartHeight + 6);
}

void policy_section(Document& doc, const ReportData& report, const PolicyReport& policy) {
  (void)report;
  // A section starts where its heading, the key figures and the charts' top fit.
  doc.keep(180);
  doc.space(10);
  doc.paragraph(policy.name, doc.heading());
  std::string line = policy.id + " · scope " + std::string(to_string(policy.scope));
  if (policy.scope_id) line += " " + *policy.scope_id;
  line += " · SLA periods: " + std::string(to_string(policy.period_kind)) + ", " + policy.timezone +
          " · " + state_text(policy.overall);
  doc.paragraph(line, doc.small(), kMuted);
  doc.space(4);

  const auto& st = policy.compliance.statuses;
  const auto& f = policy.breach_figures;
  using sla::PolicyStatusKind;
  const std::string budget =
      policy.overall.budget ? duration_text(policy.overall.budget->budget) : kNoFigure;
  const std::string credit = policy.has_credits
                                 ? percent_text(policy.overall.credit_percent.value_or(0.0)) + " %"
                                 : std::string(kNoFigure);
  doc.table(
      {{"Figure", 0.25},
       {"Value", 0.25, Align::right},
       {"Figure", 0.25},
       {"Value", 0.25, Align::right}},
      {
          {"Compliance (time in compliance)",
           with_unit(ratio_text(policy.compliance.compliant_time_ratio), " %"), "Measured uptime",
           policy.measures_uptime ? with_unit(percent_text(policy.overall.achieved_percent), " %")
                                  : std::string(kNoFigure)},
          {"Target", percent_text(policy.overall.target_percent) + " %", "State",
           state_text(policy.overall)},
          {"Up", status_text(st.up, st, PolicyStatusKind::up), "Degraded",
           status_text(st.degraded, st, PolicyStatusKind::degraded)},
          {"Down", status_text(st.down, st, PolicyStatusKind::down), "Unknown (not counted)",
           status_text(st.unknown, st, PolicyStatusKind::unknown)},
          {"Maintenance (excluded)", status_text(st.maintenance, st, PolicyStatusKind::maintenance),
           "Maintenance windows", std::to_string(policy.maintenance.size())},
          {"Downtime", duration_text(policy.downtime()), "Downtime budget", budget},
          {"Error budget remaining", with_unit(ratio_text(policy.budget_remaining_ratio()), " %"),
           "Credit owed", credit},
          {"Outages", std::to_string(f.outages), "Longest outage", duration_text(f.longest_outage)},
          {"Breaches warning / critical",
           std::to_string(f.warning) + " / " + std::to_string(f.critical), "Total breach time",
           duration_text(policy.overall.breach_time)},
          {"Mean time to acknowledge", duration_text(f.mean_time_to_acknowledge),
           "Mean time to resolve", duration_text(f.mean_time_to_resolve)},
      });

  if (!policy.metrics.empty()) {
    std::vector<Row> rows;
    for (const MetricReport& metric : policy.metrics) {
      const auto& s = metric.stats;
      auto value = [&](double history::WindowStats::*field) {
        return s ? value_text((*s).*field) : std::string(kNoFigure);
      };
      rows.push_back({std::string(to_string(metric.metric)),
                      (metric.bound == Bound::min ? "≥ " : "≤ ") + value_text(metric.threshold),
                      s ? std::to_string(s->count) : "0", value(&history::WindowStats::min),
                      value(&history::WindowStats::mean), value(&history::WindowStats::p50),
                      value(&history::WindowStats::p95), value(&history::WindowStats::p99),
                      value(&history::WindowStats::max)});
    }
    doc.table({{"Metric", 0.2},
               {"Threshold", 0.11, Align::right},
               {"Samples", 0.09, Align::right},
               {"Min", 0.1, Align::right},
               {"Mean", 0.1, Align::right},
               {"P50", 0.1, Align::right},
               {"P95", 0.1, Align::right},
               {"P99", 0.1, Align::right},
               {"Max", 0.1, Align::right}},
              rows);
  }
  charts(doc, policy);

  if (!policy.periods.empty()) {
    const sla::TimeZone zone = [&] {
      auto found = sla::TimeZone::find(policy.timezone);
      return found ? *found : sla::TimeZone::utc();
    }();
    std::vector<Row> rows;
    for (const sla::PeriodResult& period : policy.periods) {
      rows.push_back(
          {time_text(period.period.start, zone) + " to " + time_text(period.period.end, zone) +
               (period.complete ? "" : " (running)"),
           state_text(period), percent_text(period.achieved_percent),
           percent_text(period.target_percent), ratio_text(period.compliance_ratio),
           duration_text(period.distribution.unknown), duration_text(period.breach_time),
           period.budget ? ratio_text(period.budget->remaining_ratio()) : std::string(kNoFigure),
           policy.has_credits ? percent_text(period.credit_percent.value_or(0.0))
                              : std::string(kNoFigure)});
    }
    doc.keep(kCaptionWithRows);
    doc.paragraph("SLA periods", doc.bold());
    doc.table({{"Period (" + policy.timezone + ")", 0.27},
               {"State", 0.07},
               {"Achieved %", 0.1, Align::right},
               {"Target %", 0.09, Align::right},
               {"Compliance %", 0.13, Align::right},
               {"Unknown", 0.09, Align::right},
               {"Breach time", 0.09, Align::right},
               {"Budget left %", 0.08, Align::right},
               {"Credit %", 0.08, Align::right}},
              rows);
  }

  if (!policy.maintenance.empty()) {
    std::vector<Row> rows;
    for (const sla::Interval& window : policy.maintenance) {
      rows.push_back({time_text(window.start, doc.zone()), time_text(window.end, doc.zone()),
                      duration_text(window.length())});
    }
    doc.keep(kCaptionWithRows);
    doc.paragraph("Maintenance excluded", doc.bold());
    doc.table({{"From", 0.4}, {"To", 0.4}, {"Duration", 0.2, Align::right}}, rows);
  }

  if (!policy.breaches.empty()) {
    std::vector<Row> rows;
    for (const Breach& breach : policy.breaches) {
      const WallTime end =
          breach.resolved_at.value_or(std::max(report.generated_at, breach.opened_at));
      auto since_open = [&](const std::optional<WallTime>& t) {
        return t ? duration_text(std::chrono::duration_cast<Duration>(*t - breach.opened_at))
                 : std::string("–");
      };
      rows.push_back(
          {time_text(breach.opened_at, doc.zone()), std::string(to_string(breach.metric)),
           std::string(to_string(breach.peak_severity)), std::string(to_string(breach.status)),
           breach.actual ? value_text(*breach.actual) : std::string(kNoFigure),
           value_text(breach.threshold),
           duration_text(std::chrono::duration_cast<Duration>(end - breach.opened_at)),
           since_open(breach.acknowledged_at), since_open(breach.resolved_at)});
    }
    doc.keep(kCaptionWithRows);
    doc.paragraph("Breaches opened in the period", doc.bold());
    doc.table({{"Opened", 0.2},
               {"Metric", 0.13},
               {"Severity", 0.08},
               {"Status", 0.1},
               {"Actual", 0.08, Align::right},
               {"Threshold", 0.1, Align::right},
               {"Duration", 0.1, Align::right},
               {"To ack", 0.1, Align::right},
               {"To resolve", 0.11, Align::right}},
              rows);
  }
}

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

Result<std::string> render_pdf(const ReportData& report) {
  std::string bytes;
  cairo_surface_t* surface =
      cairo_pdf_surface_create_for_stream(&append_to_string, &bytes, kPageWidth, kPageHeight);
  if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
    const std::string why = cairo_status_to_string(cairo_surface_status(surface));
    cairo_surface_destroy(surface);
    return fail("cannot create a PDF surface: " + why);
  }
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, report.title.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR,
                                 ("slamon " + report.version).c_str());
  cairo_status_t status = CAIRO_STATUS_SUCCESS;
  {
    Document doc(report, surface);
    summary_page(doc, report);
    for (const PolicyReport& policy : report.policies) policy_section(doc, report, policy);
    doc.finish();
    status = doc.status();
  }
  cairo_surface_finish(surface);
  if (status == CAIRO_STATUS_SUCCESS) status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    return fail(std::string("rendering the PDF: ") + cairo_status_to_string(status));
  }
  return bytes;
}

Result<std::string> render_chart_png(const PolicyReport& policy, ChartKind kind, int width,
                                     int height) {
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  PangoContext* context = pango_cairo_create_context(cr);
  pango_cairo_context_set_resolution(context, 72);
  // The charts are drawn for a 300-point box; scale to the pixels asked for.
  const double scale = static_cast<double>(width) / 300.0;
  cairo_scale(cr, scale, scale);
  pango_cairo_update_context(cr, context);
  const chart::Box box{4, 4, 300.0 - 8, static_cast<double>(height) / scale - 8};
  {
    chart::LayoutCache texts(context);
    if (kind == ChartKind::daily_compliance) {
      chart::draw_daily_compliance(cr, texts, box, policy.days, policy.overall.target_percent);
    } else if (!policy.metrics.empty()) {
      const double each = box.width / static_cast<double>(policy.metrics.size());
      for (std::size_t i = 0; i < policy.metrics.size(); ++i) {
        chart::draw_percentiles(cr, texts,
                                {box.x + each * static_cast<double>(i), box.y, each, box.height},
                                policy.metrics[i]);
      }
    }
  }
  g_object_unref(context);
  std::string bytes;
  cairo_status_t status = cairo_status(cr);
  cairo_destroy(cr);
  if (status == CAIRO_STATUS_SUCCESS) {
    status = cairo_surface_write_to_png_stream(surface, &append_to_string, &bytes);
  }
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    return fail(std::string("rendering the chart: ") + cairo_status_to_string(status));
  }
  return bytes;
}

}  // namespace slamon::reports
