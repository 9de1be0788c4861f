// `tandem report --html`: a diagnosis as one self-contained page (inline
// stylesheet and SVG, nothing fetched), with the events before the failure
// drawn as a chart (tools/TimelineChart.h).
#pragma once

#include <string>

#include "analysis/Diagnosis.h"
#include "tools/ReportFormat.h"

namespace tandem::cli {

std::string reportHtml(const Diagnosis& d, const ReportSource& source);

}  // namespace tandem::cli
