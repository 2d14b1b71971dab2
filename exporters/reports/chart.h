// The report's charts, drawn on any cairo context (the PDF's pages, a PNG for e-mail): daily
// compliance bars against the target, and a metric's percentiles against its threshold; and the
// cache of shaped text they and the PDF's tables draw from. Internal to the reports library.
// Not thread-safe per context (cairo contexts are not): one LayoutCache per drawing.
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include <map>
#include <string>
#include <unordered_map>

#include "reports/report.h"

namespace slamon::reports::chart {

// Laid-out text kept for reuse. A report repeats the same headers, labels and figures in every
// section, and shaping text (pango, harfbuzz) is most of the cost of drawing it. A layout is
// found by its text and everything that lays it out (font, width, alignment, wrapping), so a
// reused layout draws exactly what a new one would. Two generations bound the memory: when the
// newer is full it becomes the older and the older is dropped; a layout found in the older
// moves back to the newer, so text every section uses stays. A layout from get() stays valid
// until `kGeneration` more distinct texts have been asked for.
class LayoutCache {
 public:
  static constexpr std::size_t kGeneration = 1024;

  struct Spec {
    const PangoFontDescription* font = nullptr;  // must outlive the cache (or come from font())
    int width = -1;                              // pango units; -1: one line, no wrapping
    PangoAlignment alignment = PANGO_ALIGN_LEFT;
    PangoWrapMode wrap = PANGO_WRAP_WORD;
  };

  explicit LayoutCache(PangoContext* context) : context_(context) {}
  ~LayoutCache();
  LayoutCache(const LayoutCache&) = delete;
  LayoutCache& operator=(const LayoutCache&) = delete;

  PangoLayout* get(const std::string& text, const Spec& spec);
  // A font of `family` at `size` device units, made once and owned by the cache.
  const PangoFontDescription* font(const char* family, double size);

 private:
  using Generation = std::unordered_map<std::string, PangoLayout*>;
  static void release(Generation& generation);

  PangoContext* context_;
  Generation newer_, older_;
  std::map<std::pair<std::string, double>, PangoFontDescription*> fonts_;
};

struct Box {
  double x = 0, y = 0, width = 0, height = 0;
};

// `texts` lays the labels out; `target_percent` is the compliance target.
void draw_daily_compliance(cairo_t* cr, LayoutCache& texts, Box box,
                           const std::vector<DayReport>& days, double target_percent);
// Horizontal bars of min, mean, p50, p95, p99 and max with the threshold as a dashed line.
void draw_percentiles(cairo_t* cr, LayoutCache& texts, Box box, const MetricReport& metric);

}  // namespace slamon::reports::chart
