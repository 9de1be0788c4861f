// The events before a failure drawn as an SVG chart for the HTML report:
// one row per lane (interrupts by vector, console input, clock readings by
// reason, digests), guest time running left to right up to the failure (a
// red line at the right edge). Each row is cut into narrow columns whose
// bar grows with the number of events in them, so a chart of a busy second
// stays a few hundred shapes.
#pragma once

#include <string>

#include "analysis/Timeline.h"

namespace tandem::cli {

class TimelineChart {
 public:
  static constexpr int kWidth = 960;
  // The colour of each kind of lane, and of the failure line.
  static constexpr const char* kInterruptColour = "#1f6fd1";
  static constexpr const char* kInputColour = "#2e9e44";
  static constexpr const char* kClockColour = "#f28c28";
  static constexpr const char* kOtherColour = "#8e44ad";
  static constexpr const char* kFailureColour = "#d62728";

  static std::string svg(const Timeline& timeline);
  static const char* laneColour(const std::string& lane);
};

}  // namespace tandem::cli
