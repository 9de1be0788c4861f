#include "tools/TimelineChart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "tools/Html.h"

namespace tandem::cli {
namespace {

constexpr int kLabelWidth = 170;
constexpr int kRightMargin = 70;
constexpr int kAxisHeight = 28;
constexpr int kRowHeight = 24;
constexpr int kBarMax = 18;
constexpr int kColumn = 2;  // pixels per column
constexpr int kLevels = 4;  // bar heights

std::string fmt(const char* f, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, a);
  return buf;
}

// A round step for axis ticks: about 8 over the window.
double tickStep(double window_s) {
  double raw = window_s / 8;
  double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

}  // namespace

const char* TimelineChart::laneColour(const std::string& lane) {
  if (lane.rfind("interrupt", 0) == 0 || lane.rfind("irq", 0) == 0) return kInterruptColour;
  if (lane.rfind("serial", 0) == 0) return kInputColour;
  if (lane.rfind("clock", 0) == 0) return kClockColour;
  return kOtherColour;
}

std::string TimelineChart::svg(const Timeline& t) {
  const int plot_w = kWidth - kLabelWidth - kRightMargin;
  const int columns = plot_w / kColumn;
  const size_t lanes = t.lanes().size();
  const int height = kAxisHeight + static_cast<int>(lanes) * kRowHeight + 8;
  uint64_t end = t.failureNs();
  uint64_t start = end > t.windowNs() ? end - t.windowNs() : 0;
  double span = static_cast<double>(std::max<uint64_t>(end - start, 1));

  std::vector<std::vector<uint32_t>> counts(lanes, std::vector<uint32_t>(columns, 0));
  for (const TimelineEntry& e : t.entries()) {
    double x = static_cast<double>(e.ns - std::min(e.ns, start)) / span;
    int c = std::clamp(static_cast<int>(x * columns), 0, columns - 1);
    ++counts[e.lane][c];
  }

  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(kWidth) +
                  "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " +
                  std::to_string(kWidth) + " " + std::to_string(height) +
                  "\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"11\" role=\"img\">\n";
  s += "<title>Events in the last " + fmt("%.3f", t.windowNs() / 1e9) + " s of guest time before the failure</title>\n";
  // Axis: seconds before the failure.
  double window_s = span / 1e9;
  double step = tickStep(window_s);
  for (double back = 0; back <= window_s + 1e-9; back += step) {
    int x = kLabelWidth + static_cast<int>(std::lround((1 - back / window_s) * plot_w));
    s += "<line x1=\"" + std::to_string(x) + "\" y1=\"" + std::to_string(kAxisHeight - 6) + "\" x2=\"" +
         std::to_string(x) + "\" y2=\"" + std::to_string(height - 8) + "\" stroke=\"#dddddd\"/>\n";
    s += "<text x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(kAxisHeight - 10) +
         "\" text-anchor=\"middle\" fill=\"#555555\">" + (back == 0 ? std::string("0") : fmt("-%g s", back)) +
         "</text>\n";
  }
  for (size_t l = 0; l < lanes; ++l) {
    const TimelineLane& lane = t.lanes()[l];
    int top = kAxisHeight + static_cast<int>(l) * kRowHeight;
    const char* colour = laneColour(lane.name);
    if (l % 2 == 0)
      s += "<rect x=\"0\" y=\"" + std::to_string(top) + "\" width=\"" + std::to_string(kWidth - kRightMargin) +
           "\" height=\"" + std::to_string(kRowHeight) + "\" fill=\"#f4f4f4\"/>\n";
    s += "<text x=\"4\" y=\"" + std::to_string(top + 16) + "\" fill=\"#222222\">" + htmlEscape(lane.name) +
         "</text>\n";
    s += "<text x=\"" + std::to_string(kWidth - kRightMargin + 6) + "\" y=\"" + std::to_string(top + 16) +
         "\" fill=\"#555555\">" + std::to_string(lane.count) + "</text>\n";
    s += "<g fill=\"" + std::string(colour) + "\"><title>" + htmlEscape(lane.name) + ": " +
         std::to_string(lane.count) + " events</title>\n";
    uint32_t most = *std::max_element(counts[l].begin(), counts[l].end());
    auto level = [&](uint32_t n) {
      if (n == 0) return 0;
      return std::max(1, static_cast<int>(std::ceil(kLevels * std::log1p(n) / std::log1p(most))));
    };
    // Runs of columns with the same bar height are one shape.
    for (int c = 0; c < columns;) {
      int lv = level(counts[l][c]);
      int run = c + 1;
      while (run < columns && level(counts[l][run]) == lv) ++run;
      if (lv > 0) {
        int h = std::max(3, kBarMax * lv / kLevels);
        s += "<rect x=\"" + std::to_string(kLabelWidth + c * kColumn) + "\" y=\"" +
             std::to_string(top + (kRowHeight + kBarMax) / 2 - h) + "\" width=\"" +
             std::to_string((run - c) * kColumn) + "\" height=\"" + std::to_string(h) + "\"/>\n";
      }
      c = run;
    }
    s += "</g>\n";
  }
  int fx = kLabelWidth + plot_w;
  s += "<line x1=\"" + std::to_string(fx) + "\" y1=\"" + std::to_string(kAxisHeight - 4) + "\" x2=\"" +
       std::to_string(fx) + "\" y2=\"" + std::to_string(height - 4) + "\" stroke=\"" + kFailureColour +
       "\" stroke-width=\"3\"><title>the failure</title></line>\n";
  s += "</svg>\n";
  return s;
}

}  // namespace tandem::cli
